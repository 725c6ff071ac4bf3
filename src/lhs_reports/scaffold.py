"""Writing new files for a project: ``lhs-reports new trust CODE --name "..."`` and
``lhs-reports new case-study SLUG --title "..."`` (parameter files) and ``lhs-reports new
notebook NAME`` (the project's own copy of a packaged notebook). ``new report`` is
:mod:`lhs_reports.report_scaffold`.

A parameter file written here is validated exactly as the build validates it, never overwrites
an existing file, and is checked against the data when the data are there: a code the trusts
table does not hold would give a report that fails, so it is refused with the nearest codes.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from lhs_reports.data.layout import table_files
from lhs_reports.errors import ParameterError, shorten
from lhs_reports.packaged import PACKAGED_NOTEBOOKS, packaged_notebooks
from lhs_reports.params import (
    CATALOGUE_PATH,
    CaseStudyParameters,
    TrustParameters,
    load_catalogue,
    parameter_error,
    parameter_folder,
)

__all__ = ["new_case_study", "new_notebook", "new_trust"]

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _trust_folder(root: Path) -> Path:
    """Where the catalogue's per-trust families find their parameter files."""
    catalogue = load_catalogue(root)
    patterns = [f.parameters for f in catalogue.families if f.schema_ == "trust"]
    if not patterns:
        raise ParameterError("the catalogue has no per-trust report family",
                             path=root / CATALOGUE_PATH, field="families",
                             hint="add a family with schema: trust, then add trusts")
    return root / Path(patterns[0]).parent


def _case_study_folder(root: Path) -> Path:
    """Where the catalogue's case-study families (switched on or off) find their files."""
    families = [f for f in load_catalogue(root).families if f.schema_ == "case_study"]
    if not families:
        raise ParameterError("the catalogue has no case-study report family",
                             path=root / CATALOGUE_PATH, field="families",
                             hint="add a family with schema: case_study (`lhs-reports new "
                             "report ID --title ... --per case_study`), then add case studies")
    return root / parameter_folder(families[0])


def _codes_in_data(root: Path) -> list[str] | None:
    """The organisation codes of the trusts table, or None when there is no such table."""
    from lhs_reports.data.loaders import load_table
    from lhs_reports.engine.build import ensure_data
    from lhs_reports.engine.plan import load_project

    project = load_project(root)
    if project.uses_demo_data:
        return None
    if project.catalogue.data.is_database:
        ensure_data(project)  # the database's current trusts, read into the extract
    if not table_files(project.data_dir, "trusts"):
        return None
    return sorted(load_table(project.data_dir, "trusts")["trust_code"].astype(str))


def new_trust(root: str | os.PathLike[str], code: str, name: str, *,
              period_end: str | None = None) -> Path:
    """Write ``params/trusts/<CODE>.yaml`` (the catalogue's per-trust folder) and return it.

    Raises :class:`ParameterError` when the values are not valid, the file exists already, or
    the data hold no trust with that code. ``new_trust("my-project", "rx4", "Northern NHS
    Trust")`` writes ``my-project/params/trusts/RX4.yaml`` (tests/test_scaffold.py runs it).
    """
    root = Path(root)
    raw: dict[str, object] = {"trust_code": code.strip().upper(), "trust_name": name}
    if period_end:
        raw["period_end"] = period_end
    folder = _trust_folder(root)
    target = folder / f"{raw['trust_code']}.yaml"
    try:
        params = TrustParameters.model_validate(raw)
    except ValidationError as exc:
        raise parameter_error(exc, TrustParameters, target) from None
    if target.exists():
        raise ParameterError(f"{target.name} exists already", path=target,
                             hint="edit that file, or delete it first; `new` never overwrites")
    known = _codes_in_data(root)
    if known is not None and params.trust_code not in known:
        close = difflib.get_close_matches(params.trust_code, known, n=3)
        raise ParameterError(
            f"the data's trusts table has no trust {shorten(params.trust_code, 20)}",
            field="trust_code",
            hint=(f"did you mean {', '.join(close)}? " if close else "")
            + "add the trust to the data first, or check the code (its ODS code, e.g. RX4)")
    lines = [f"# Parameters for {params.trust_code}'s reports. Validated by `lhs-reports check`.",
             yaml.safe_dump(params.model_dump(exclude_unset=True), sort_keys=False,
                            allow_unicode=True).rstrip(),
             "# targets:            # e.g. crisis_24h: 75.0 (per cent)",
             "# change_month:       # YYYY-MM of a service change: SPC limits restart there",
             "# missing_months: []  # months with no data at all (YYYY-MM)", ""]
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:  # "x": never replace a file
        handle.write("\n".join(lines))
    return target


def new_notebook(root: str | os.PathLike[str], name: str) -> Path:
    """Copy the packaged notebook ``name`` (``crisis_flow`` or ``crisis_flow.ipynb``) into the
    project's ``notebooks/`` and return the copy, which the build then runs instead.

    Raises :class:`ParameterError` when lhs-reports has no such notebook (naming those it has)
    or the project has its own copy already. ``new_notebook("my-project", "crisis_flow")``
    writes ``my-project/notebooks/crisis_flow.ipynb`` (tests/test_init.py runs it).
    """
    file_name = Path(name).name.removesuffix(".ipynb") + ".ipynb"
    shipped = PACKAGED_NOTEBOOKS / file_name
    if not shipped.is_file():
        known = [n.removesuffix(".ipynb") for n in packaged_notebooks()]
        close = difflib.get_close_matches(file_name.removesuffix(".ipynb"), known, n=1)
        raise ParameterError(f"lhs-reports has no notebook called {shorten(file_name, 60)}",
                             field="NAME", hint=(f"did you mean {close[0]}? " if close else "")
                             + f"the packaged notebooks are {', '.join(known)}")
    target = Path(root) / "notebooks" / file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as handle:  # "x": never replace the project's own copy
            handle.write(shipped.read_bytes())
    except FileExistsError:
        raise ParameterError(f"notebooks/{file_name} exists already", path=target,
                             hint="the project has its own copy: edit it, or delete it to use "
                             "the packaged notebook again") from None
    return target


#: The keys a case study's file may add, as comments in the file written.
_CASE_STUDY_MEASURE_HELP = """\
# measure:               # the measure its page shows over time, from the case_study_series table
#   name: Patients discharged before noon
#   unit: "%"
#   kind: proportion     # proportion or rate
#   improvement: increase  # increase or decrease: which way is better
#   change_month: "2024-01"  # YYYY-MM the change took effect
#   description: Share of discharges from the pathway's wards before midday.
"""


def new_case_study(root: str | os.PathLike[str], slug: str, title: str, summary: str,
                   illustrates: Sequence[str]) -> Path:
    """Write ``params/case_studies/<SLUG>.yaml`` (the catalogue's case-study folder) and return
    it.

    ``slug`` is lower-case kebab-case (``flow-coaching-academy``): the case study's id and the
    address of its page. Raises :class:`ParameterError`, writing nothing, when the slug or a
    value is not valid or a case study of that name exists already.
    ``new_case_study("my-project", "ward-huddles", "Ward huddles", "Daily huddles ...",
    ["improvement"])`` writes ``my-project/params/case_studies/ward-huddles.yaml``
    (tests/test_scaffold.py runs it).
    """
    root = Path(root)
    if not _SLUG.fullmatch(slug):
        suggestion = "-".join(re.findall(r"[a-z0-9]+", slug.lower())) or "ward-huddles"
        raise ParameterError(f"case study name {shorten(slug, 60)} is not lower-case "
                             "kebab-case", field="SLUG",
                             hint=f"use lower-case letters and digits joined by '-', e.g. "
                             f"{suggestion}")
    folder = _case_study_folder(root)
    target = folder / f"{slug}.yaml"
    raw = {"case_study_id": slug, "title": title, "summary": " ".join(summary.split()),
           "illustrates": list(illustrates)}
    text = ("# A learning health system case study. Validated by `lhs-reports check`.\n"
            + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=96,
                             default_flow_style=None)
            + _CASE_STUDY_MEASURE_HELP)
    try:  # the text as the build will read it
        CaseStudyParameters.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise parameter_error(exc, CaseStudyParameters, target) from None
    taken = {p.stem.casefold(): p for p in folder.glob("*.yaml")} if folder.is_dir() else {}
    if slug in taken:
        raise ParameterError(f"{taken[slug].name} exists already", path=taken[slug],
                             hint="edit that file, or delete it first; `new` never overwrites")
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:  # "x": never replace a file
        handle.write(text)
    return target
