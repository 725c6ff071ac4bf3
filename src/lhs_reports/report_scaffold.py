"""``lhs-reports new report ID --title "..."``: a new report family in one step.

Three files: the family's thin notebook ``notebooks/<ID>.ipynb``, its entry appended to the
catalogue ``params/reports.yaml`` (as text, so the analyst's comments and layout are kept), and
``tests/test_<ID>.py``, which fails until the notebook records a result
(:mod:`lhs_reports.report_template` writes the notebook and the test). Every check is made before
anything is written: the name, the files it would write, the options, and the catalogue as it
would be with the new entry, validated by the package's own loader. The catalogue is then
loaded again from disk, and everything written is taken back if that fails.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from lhs_reports.data.dictionary import TABLES
from lhs_reports.errors import LhsReportsError, ParameterError, shorten
from lhs_reports.packaged import packaged_notebooks
from lhs_reports.params import (
    CATALOGUE_PATH,
    PARAMETER_MODELS,
    Catalogue,
    load_catalogue,
    load_parameters,
    parameter_files,
    parameter_folder,
)
from lhs_reports.report_template import notebook_json, project_test_source

__all__ = ["STARTER_TABLES", "new_report"]

_REPORT_ID = re.compile(r"[a-z][a-z0-9_]*")
#: Long enough for any sensible name; short enough for the notebook's cell ids (64 at most).
_LONGEST_ID = 50
#: The site's own top-level pages and folders: a family's pages go in a folder named by its id.
SITE_NAMES = frozenset({"index", "methods", "accessibility", "trusts", "downloads", "site_libs",
                        "search", "about_data"})
#: The tables a new family reads unless ``--tables`` says: its organisation's monthly activity
#: and the trusts' names, or the case studies' series.
STARTER_TABLES: dict[str, tuple[str, ...]] = {
    "trust": ("trusts", "activity_monthly"),
    "case_study": ("case_study_series",),
    "cross_trust": ("trusts", "activity_monthly"),
}
#: Where a family's parameter files are when no family of its schema says already.
_DEFAULT_GLOBS = {"trust": "params/trusts/*.yaml", "case_study": "params/case_studies/*.yaml",
                  "cross_trust": "params/cross_trust/*.yaml"}
#: Values for the notebook's defaults when the project has no parameter file to take them from.
_PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "trust": {"trust_code": "RX4", "trust_name": "Example NHS Trust"},
    "case_study": {"case_study_id": "example", "title": "Example case study",
                   "summary": "What the case study is and does.", "illustrates": ["full_lhs"]},
    "cross_trust": {"title": "All trusts"},
}


def _check_id(root: Path, report_id: str, catalogue: Catalogue) -> None:
    if not _REPORT_ID.fullmatch(report_id) or keyword.iskeyword(report_id):
        words = re.findall(r"[a-z0-9]+", report_id.lower())
        suggestion = "_".join(words) if words and words[0][0].isalpha() else \
            "_".join(["report", *words])
        if keyword.iskeyword(suggestion):
            suggestion += "_report"
        fix = ("use lower-case letters, digits and underscores, starting with a letter, e.g. "
               + suggestion)
        raise ParameterError(f"report ID {shorten(report_id, 40)} is not a valid name",
                             field="ID", hint=fix)
    if len(report_id) > _LONGEST_ID:
        raise ParameterError(f"report ID {shorten(report_id, 40)} is longer than {_LONGEST_ID} "
                             "characters", field="ID",
                             hint="choose a shorter ID: it names the family's folder of pages")
    known = {family.id.casefold(): family.id for family in catalogue.families}
    if report_id.casefold() in known:
        raise ParameterError(f"the catalogue has a report family '{known[report_id.casefold()]}'"
                             " already", path=root / CATALOGUE_PATH, field="ID",
                             hint="choose another ID, or edit that family's notebook")
    packaged = [name.removesuffix(".ipynb") for name in packaged_notebooks()]
    if report_id in packaged:
        raise ParameterError(
            f"'{report_id}' is the name of a notebook shipped with lhs-reports",
            field="ID", hint=f"choose another ID: notebooks/{report_id}.ipynb would replace "
            "the packaged notebook for the families that run it (the packaged notebooks are "
            f"{', '.join(packaged)})")
    if report_id in SITE_NAMES:
        raise ParameterError(f"'{report_id}' is the name of one of the site's own pages",
                             field="ID", hint="choose another ID (not "
                             f"{', '.join(sorted(SITE_NAMES))})")


def _check_tables(tables: Sequence[str]) -> None:
    if not tables:
        raise ParameterError("--tables names no table", field="--tables",
                             hint=f"name one or more of {', '.join(TABLES)}, e.g. "
                             "--tables trusts,activity_monthly")
    for table in tables:
        if table not in TABLES:
            close = difflib.get_close_matches(table, list(TABLES), n=1)
            raise ParameterError(f"--tables: the data dictionary has no table "
                                 f"{shorten(table, 40)}", field="--tables",
                                 hint=(f"did you mean {close[0]}? " if close else "")
                                 + f"tables are {', '.join(TABLES)}")


def _parameter_glob(catalogue: Catalogue, schema: str) -> str:
    """The parameter files of the catalogue's first family of ``schema``, else the usual."""
    for family in catalogue.families:
        if family.schema_ == schema:
            return family.parameters
    return _DEFAULT_GLOBS[schema]


def _papermill_safe(value: Any) -> bool:
    # papermill's inspection reads a default only up to a '#' and skips a line with two '='.
    return not any(char in repr(value) for char in "#=")


def _defaults(root: Path, schema: str, glob: str) -> dict[str, Any]:
    """The notebook's defaults: the first parameter file's values (so the notebook run by hand
    shows a real page), else placeholders; every field of the schema's model."""
    model = PARAMETER_MODELS[schema]
    files = sorted(p for p in root.glob(glob) if p.is_file())
    for path in files[:1]:
        try:
            values = load_parameters(path, schema).model_dump()
        except LhsReportsError:
            break  # `check` names a bad file; the notebook's defaults need not
        values["data_dir"] = ""
        if all(_papermill_safe(value) for value in values.values()):
            return values
    return model.model_validate(_PLACEHOLDERS[schema]).model_dump()


def _scalar(key: str, value: str, indent: str) -> str:
    """``key: value`` as YAML (quoted or folded as needed), indented under a list item."""
    text = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=88)
    return "".join(f"{indent}{line}\n" for line in text.rstrip("\n").split("\n"))


def _entry(report_id: str, title: str, description: str, schema: str, glob: str,
           tables: Sequence[str], dash: int) -> str:
    """The catalogue entry, with its list dash at column ``dash`` as the others have it."""
    inner = " " * (dash + 2)
    lines = [f"{' ' * dash}- id: {report_id}\n", _scalar("title", title, inner)]
    if description.strip():
        lines.append(_scalar("description", " ".join(description.split()), inner))
    lines += [f"{inner}notebook: notebooks/{report_id}.ipynb\n",
              _scalar("parameters", glob, inner),
              f"{inner}schema: {schema}\n",
              f"{inner}tables: [{', '.join(tables)}]\n"]
    return "".join(lines)


def _with_entry(text: str, path: Path, make_entry: Any) -> str:
    """The catalogue ``text`` with the entry appended to its ``families`` list, comments and
    layout kept: after the list's last item (before any comments leading to the next key)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path.name} is not valid YAML: {exc}", path=path,
                             hint="run `lhs-reports check` and fix it first") from None
    pairs = root.value if isinstance(root, yaml.MappingNode) else []
    index = next((i for i, (key, _) in enumerate(pairs) if key.value == "families"), None)
    families = pairs[index][1] if index is not None else None
    if index is None or not isinstance(families, yaml.SequenceNode) or families.flow_style \
            or not families.value:
        raise ParameterError(f"{path.name} has no block list of families to add to",
                             path=path, field="families",
                             hint="write families as a list of '- id: ...' entries, then run "
                             "this again (see the lhs-reports README)")
    lines = text.splitlines(keepends=True)
    first = lines[families.value[0].start_mark.line]
    dash = first.index("-") if "-" in first else families.value[0].start_mark.column - 2
    if index + 1 < len(pairs):
        at = pairs[index + 1][0].start_mark.line
        while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
            at -= 1  # comments above the next key belong to it
    else:
        at = len(lines)
    before = "".join(lines[:at])
    if before and not before.endswith("\n"):
        before += "\n"
    after = "".join(lines[at:])
    return (before.rstrip("\n") + "\n\n" + make_entry(dash)
            + ("\n" + after.lstrip("\n") if after.strip() else ""))


def _validated(candidate: str, path: Path) -> Catalogue:
    """The catalogue ``candidate`` would be, by the package's own loader (in a scratch copy)."""
    with tempfile.TemporaryDirectory(prefix="lhs-reports-catalogue-") as scratch:
        copy = Path(scratch) / CATALOGUE_PATH
        copy.parent.mkdir(parents=True)
        copy.write_text(candidate, encoding="utf-8")
        try:
            return load_catalogue(scratch)
        except ParameterError as error:
            raise ParameterError(f"the catalogue would not be valid with the new family: "
                                 f"{error.message}", path=path, field=error.field,
                                 row=error.row, hint=error.hint) from None


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never replace a file
        handle.write(text)


def _replace(path: Path, text: str) -> None:
    """Write ``path`` atomically: a reader sees the old catalogue or the new, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


def new_report(root: str | os.PathLike[str], report_id: str, title: str, *,
               description: str = "", per: str = "trust",
               tables: Sequence[str] | None = None) -> list[Path]:
    """Add report family ``report_id`` to the project at ``root`` and return the files written:
    ``notebooks/<ID>.ipynb``, ``tests/test_<ID>.py`` and ``params/reports.yaml``.

    ``per`` is the family's parameter schema (``trust``, ``case_study`` or ``cross_trust``):
    one report per trust's parameter file, per case study's, or per page across trusts.
    ``tables`` are the data dictionary's tables it reads (default :data:`STARTER_TABLES`).
    Raises :class:`ParameterError`, writing nothing, when a name or option is not valid, a file
    exists already, or the catalogue would not be valid. ``new_report("mytrusts", "waits",
    "Waiting times")`` writes ``mytrusts/notebooks/waits.ipynb`` (tests/test_scaffold.py runs
    it).
    """
    root = Path(root)
    catalogue_path = root / CATALOGUE_PATH
    catalogue = load_catalogue(root)
    _check_id(root, report_id, catalogue)
    if per not in PARAMETER_MODELS:
        raise ParameterError(f"--per {shorten(per, 30)} is not a parameter schema", field="--per",
                             hint=f"use one of {', '.join(PARAMETER_MODELS)}")
    if not title.strip():
        raise ParameterError("--title is empty", field="--title",
                             hint='give the title the site shows, e.g. --title "Waiting times"')
    tables = list(tables) if tables is not None else list(STARTER_TABLES[per])
    _check_tables(tables)
    notebook = root / "notebooks" / f"{report_id}.ipynb"
    test = root / "tests" / f"test_{report_id}.py"
    for path in (notebook, test):
        if path.exists():
            raise ParameterError(f"{path.relative_to(root).as_posix()} exists already",
                                 path=path, hint="choose another ID, or delete that file "
                                 "first; `new` never overwrites")
    glob = _parameter_glob(catalogue, per)
    with catalogue_path.open(encoding="utf-8", newline="") as handle:
        original = handle.read()
    candidate = _with_entry(original.replace("\r\n", "\n"), catalogue_path,
                            lambda dash: _entry(report_id, title.strip(), description, per,
                                                glob, tables, dash))
    if "\r\n" in original:  # a catalogue saved on Windows keeps its line endings
        candidate = candidate.replace("\n", "\r\n")
    if report_id not in {f.id for f in _validated(candidate, catalogue_path).families}:
        raise ParameterError("the new family's entry would not land in the families list",
                             path=catalogue_path, field="families",
                             hint="add it by hand:\n" + _entry(report_id, title, description,
                                                               per, glob, tables, 2))
    notebook_text = notebook_json(report_id, title.strip(), description, per, tables,
                                  _defaults(root, per, glob))
    test_text = project_test_source(report_id, title.strip())

    written: list[Path] = []
    try:
        for path, text in ((notebook, notebook_text), (test, test_text)):
            _write_new(path, text)
            written.append(path)
        _replace(catalogue_path, candidate)
        written.append(catalogue_path)
        # The catalogue as the build will read it, from disk: it names the new notebook, and
        # the parameter glob's folder must exist for `plan` to accept the family.
        family = next(f for f in load_catalogue(root).families if f.id == report_id)
        (root / parameter_folder(family)).mkdir(parents=True, exist_ok=True)
        parameter_files(root, family)
    except BaseException:
        if catalogue_path in written:
            _replace(catalogue_path, original)
        for path in written:
            if path != catalogue_path:
                path.unlink(missing_ok=True)
        raise
    return written
