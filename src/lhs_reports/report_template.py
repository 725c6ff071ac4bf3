"""The files ``lhs-reports new report`` writes: a thin notebook and the project's test of it.

The notebook's ``parameters`` cell declares every parameter the family's schema supplies (the
build injects them all), each as ``name: type = default  # help``: the form papermill's
inspection reads (``lhs-reports plan`` names the types it finds). The help is the schema's own
field description, so the notebook and the parameter-file errors say the same thing. The rest of
the notebook only calls the package: it loads the family's tables, shows the page's header and
the family's description, and leaves a marked cell for the analysis, which records nothing until
the analyst writes it, so the test written beside it fails until then.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import nbformat
from pydantic import BaseModel

from lhs_reports.data.dictionary import TABLES
from lhs_reports.jupyter_kernel import NOTEBOOK_KERNELSPEC
from lhs_reports.params import PARAMETER_MODELS

__all__ = ["ORGANISATION_PARAMETER", "notebook_json", "parameters_source", "project_test_source"]

#: The parameter naming the one organisation (or case study) a schema's report is about: tables
#: keyed by it are read for that one only; None for a page across organisations.
ORGANISATION_PARAMETER: dict[str, str | None] = {
    "trust": "trust_code", "case_study": "case_study_id", "cross_trust": None}

#: What one report of each schema is about, for the notes to the analyst.
_ONE_REPORT = {"trust": "one page per trust", "case_study": "one page per case study",
               "cross_trust": "one page across trusts"}
#: What a report is about, for its introduction when the family has no description.
_ABOUT = {"trust": "for this organisation", "case_study": "for this case study",
          "cross_trust": "across organisations"}
#: The parameter a report's header names its subject by.
_SUBJECT = {"trust": "trust_name", "case_study": "title", "cross_trust": "title"}
#: Help for the fields whose schema gives no description.
_FALLBACK_HELP = {
    "trust_name": "The organisation's name, as its pages show it",
    "title": "The title its page shows",
    "summary": "What the case study is and does, in a sentence or two",
    "illustrates": "What it illustrates: full_lhs, data, technology, learning_community, "
    "improvement",
    "measure": "The measure shown over time: name, unit, kind, improvement, change_month",
    "data_dir": "Data folder; empty means the project's (the catalogue's data.dir)",
}

def _annotation(annotation: Any) -> str:
    """The annotation as papermill's inspection reads it: names, brackets and commas only
    (``Optional[str]``, not ``str | None``, which its pattern does not match).

    Examples
    --------
    >>> _annotation(str | None), _annotation(dict[str, float]), _annotation(list[Literal["a"]])
    ('Optional[str]', 'dict[str, float]', 'list[str]')
    """
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = _annotation(rest[0]) if len(rest) == 1 else "Any"
        return f"Optional[{inner}]" if type(None) in args else inner
    if origin is Literal:
        return type(args[0]).__name__
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_annotation(a) for a in args)}]"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "dict"  # a nested model (a case study's measure) arrives as a mapping
    return getattr(annotation, "__name__", "Any")


def _help(name: str, description: str | None) -> str:
    # papermill reads one comment, to the end of the line; an "=" would stop it reading the line.
    text = description or _FALLBACK_HELP.get(name, "")
    return " ".join(text.replace("=", "is").split())


def _literal(value: Any) -> str:
    """Python source for ``value``, strings in double quotes as the package's notebooks have
    them (JSON's string escapes are Python's).

    Examples
    --------
    >>> _literal("Trust A"), _literal(None), _literal(["data"])
    ('"Trust A"', 'None', "['data']")
    """
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _call(function: str, arguments: Sequence[str], width: int = 92) -> str:
    """``function(arguments)``, wrapped under its opening parenthesis past ``width``.

    Examples
    --------
    >>> print(_call("f", ["a", "b"], width=4))
    f(a,
      b)
    """
    lines = [f"{function}("]
    for number, argument in enumerate(arguments):
        text = argument + (")" if number == len(arguments) - 1 else ", ")
        if len(lines[-1]) + len(text.rstrip()) > width and not lines[-1].endswith("("):
            lines[-1] = lines[-1].rstrip()
            lines.append(" " * (len(function) + 1))
        lines[-1] += text
    return "\n".join(lines)


def parameters_source(schema: str, defaults: Mapping[str, Any]) -> str:
    """The ``parameters`` cell for a family of ``schema``, with ``defaults`` (every field of the
    schema's model, as the build would inject them).

    Examples
    --------
    >>> print(parameters_source("cross_trust", {"title": "All trusts", "period_end": None,
    ...                                         "data_dir": ""}))  # doctest: +ELLIPSIS
    # Parameters: the build injects one parameter file's values after this cell.
    # Each is `name: type = default  # help`; a file may set only these.
    from typing import Optional
    <BLANKLINE>
    title: str = "All trusts"  # The title its page shows
    period_end: Optional[str] = None  # Last month reported (YYYY-MM)...
    data_dir: str = ""  # Data folder; empty means the project's (the catalogue's data.dir)
    """
    model = PARAMETER_MODELS[schema]
    lines = ["# Parameters: the build injects one parameter file's values after this cell.",
             "# Each is `name: type = default  # help`; a file may set only these.",
             "from typing import Optional", ""]
    for name, field in model.model_fields.items():
        line = f"{name}: {_annotation(field.annotation)} = {_literal(defaults[name])}"
        help_text = _help(name, field.description)
        lines.append(f"{line}  # {help_text}" if help_text else line)
    return "\n".join(lines)


def _load_source(schema: str, title: str, tables: Sequence[str]) -> str:
    """The cell that loads the family's tables through the package and shows the header."""
    organisation = ORGANISATION_PARAMETER[schema]
    lines = ["from lhs_reports import notebook as nb",
             "from lhs_reports.data import data_are_synthetic, load_table, resolve_data_dir",
             "from lhs_reports.results import record", "",
             "folder = resolve_data_dir(data_dir)"]
    for table in tables:
        # The report's own rows where the table is kept per organisation; every row otherwise
        # (the trusts table: the peers' names too).
        own = organisation is not None and table != "trusts" \
            and TABLES[table].key[0] == organisation
        lines.append(f"{table} = load_table(folder, {_literal(table)}"
                     + (f", organisation={organisation})" if own else ")"))
    header = [_literal(title), _SUBJECT[schema]]
    if "period_end" in PARAMETER_MODELS[schema].model_fields:
        header.append("period=period_end")
    header.append("synthetic=data_are_synthetic(folder)")
    if "missing_months" in PARAMETER_MODELS[schema].model_fields:
        header.append("missing_months=missing_months")
    lines.append(_call("nb.report_header", header))
    return "\n".join(lines)


def _analysis_source(report_id: str, tables: Sequence[str]) -> str:
    first = next((t for t in tables if t != "trusts"), tables[0])
    return "\n".join([
        "# ==== YOUR ANALYSIS ==========================================================",
        "# Call package functions (lhs_reports.stats, lhs_reports.plots, or a module of your",
        "# own with its tests), show what a reader needs with nb.show_table / nb.show_chart",
        "# (disclosure control and alt text included), and record the headline numbers the",
        "# site collects (its results table, What's new, the organisations' pages), e.g.",
        "#",
        f"#     record(\"rows_read\", len({first}), label=\"Rows read\")",
        "#",
        f"# tests/test_{report_id}.py fails until this notebook records at least one result.",
    ])


def notebook_json(report_id: str, title: str, description: str, schema: str,
                  tables: Sequence[str], defaults: Mapping[str, Any]) -> str:
    """The new family's notebook as the text of an ``.ipynb`` file.

    Examples
    --------
    >>> import json
    >>> text = notebook_json("waits", "Waiting times", "", "trust", ["trusts"],
    ...                      {"trust_code": "RX4", "trust_name": "Example NHS Trust",
    ...                       "period_end": None, "change_month": None, "targets": {},
    ...                       "missing_months": [], "data_dir": ""})
    >>> [c["metadata"].get("tags") for c in json.loads(text)["cells"]]
    [['remove-cell'], ['parameters'], None, None, ['remove-cell'], None]
    """
    v4 = nbformat.v4
    what = _ONE_REPORT[schema]
    note = v4.new_markdown_cell(
        "<!-- For analysts; tagged remove-cell, so the site does not show it. -->\n"
        f"**{title}**, {what}: written by `lhs-reports new report {report_id}`. It runs as it "
        "is and makes a page, but it **records no result yet**, so "
        f"`tests/test_{report_id}.py` fails until the analysis cell below calls "
        "`record(...)` for the report's headline numbers. Keep the logic in the package (or a "
        "module of your own, with tests): this notebook loads, calls and shows.")
    note.metadata["tags"] = ["remove-cell"]
    parameters = v4.new_code_cell(parameters_source(schema, defaults))
    parameters.metadata["tags"] = ["parameters"]
    intro = v4.new_markdown_cell(" ".join(description.split()) or f"{title} {_ABOUT[schema]}.")
    marker = v4.new_markdown_cell(
        "## Analysis (yours to write)\n\n"
        "Tagged remove-cell: readers never see this note. Replace the cell below with calls "
        "to package functions; each `record(\"name\", value, unit=..., label=...)` publishes "
        f"one headline number, and `tests/test_{report_id}.py` passes once there is one.")
    marker.metadata["tags"] = ["remove-cell"]
    cells = [note, parameters, v4.new_code_cell(_load_source(schema, title, tables)), intro,
             marker, v4.new_code_cell(_analysis_source(report_id, tables))]
    for number, cell in enumerate(cells):
        cell.id = f"{report_id.replace('_', '-')}-{number}"
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": dict(NOTEBOOK_KERNELSPEC), "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def project_test_source(report_id: str, title: str) -> str:
    """The project's test of the new family: its notebook run once, as the build runs it, must
    record at least one result.

    Examples
    --------
    >>> compile(project_test_source("waits", 'Waits "now"'), "test_waits.py", "exec") is not None
    True
    """
    summary = f"{_docstring_safe(title)}: notebooks/{report_id}.ipynb records its headline results."
    return f'''"""{summary}

Written by `lhs-reports new report {report_id}`. It runs the notebook once, for the family's
first parameter file, as the build runs it (lhs_reports.engine.trial.run_one), and fails until
the notebook calls record(...) at least once. Run it from the project folder:

    python -m pytest tests/test_{report_id}.py
"""

from pathlib import Path

import pytest

from lhs_reports.engine.trial import run_one

PROJECT = Path(__file__).resolve().parents[1]


def test_{report_id}_records_its_headline_results(tmp_path):
    run = run_one(PROJECT, "{report_id}", output_dir=tmp_path)
    if run.result.status != "ok":
        pytest.fail(f"notebooks/{report_id}.ipynb failed for {{run.parameter_set}}: "
                    f"{{run.result.error}} (the executed notebook: {{run.notebook}})",
                    pytrace=False)
    if not run.result.records:
        pytest.fail(
            "notebooks/{report_id}.ipynb recorded no result: record the report's headline "
            "numbers in its analysis cell, e.g. record(\\"admissions\\", int(total), "
            "label=\\"Admissions\\") (from lhs_reports.results import record); the site's "
            "results table and pages are built from them", pytrace=False)
'''


def _docstring_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")
