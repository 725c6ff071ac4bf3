"""Families that will not run, and why, said in one line each rather than failed job by job.

A family switched off in the catalogue (``enabled: false``) is not planned. A family whose
``tables`` are not all in its data folder (a trust's data without the case-study series, say) is
skipped: ``case_studies: no case_study_series table in the data; skipped``. Only the folder's
listing is read (no pandas), so ``plan`` stays quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lhs_reports.data.layout import table_files
from lhs_reports.engine.periods import job_data_dir
from lhs_reports.engine.plan import Job, Project
from lhs_reports.errors import DataError
from lhs_reports.params import CATALOGUE_PATH, parameter_files, parameter_folder


@dataclass(frozen=True)
class NotRun:
    """A family (or one of its reports) that will not run, and why."""

    #: ``family`` or ``family/parameter set``.
    subject: str
    reason: str
    #: The jobs (``family/parameter set``) it stands for; none for a family switched off.
    jobs: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """What the plan and the build summary print."""
        return f"{self.subject}: {self.reason}"


def missing_tables(folder: Path, tables: Sequence[str]) -> list[str]:
    """The tables of ``tables`` with no file in ``folder``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "trusts.csv").write_text("trust_code\\nRX4\\n")
    >>> missing_tables(folder, ["trusts", "case_study_series"])
    ['case_study_series']
    """
    return [name for name in tables if not table_files(folder, name)]


def _where(project: Project, folder: Path) -> str:
    return "the data" if folder == project.data_dir else _relative(project, folder)


def _missing_text(missing: Sequence[str], where: str) -> str:
    names = " or ".join(missing)
    return f"no {names} table{'s' if len(missing) > 1 else ''} in {where}; skipped"


def skip_missing_tables(project: Project, jobs: Sequence[Job]
                        ) -> tuple[list[Job], list[NotRun]]:
    """The jobs whose family's ``tables`` are all in their data folder, and a line for the
    rest: one per family when all its reports lack the same tables, else one per report."""
    kept: list[Job] = []
    skipped: dict[str, list[tuple[Job, str]]] = {}
    for job in jobs:
        folder = job_data_dir(project, job)
        missing = missing_tables(folder, job.family.tables or [])
        if missing:
            skipped.setdefault(job.family.id, []).append(
                (job, _missing_text(missing, _where(project, folder))))
        else:
            kept.append(job)
    lines = []
    for family_id, items in skipped.items():
        reasons = {reason for _, reason in items}
        whole = len(items) == sum(job.family.id == family_id for job in jobs)
        if whole and len(reasons) == 1:
            lines.append(NotRun(family_id, reasons.pop(), tuple(job.key for job, _ in items)))
        else:
            lines += [NotRun(job.key, reason, (job.key,)) for job, reason in items]
    return kept, lines


def switched_off(project: Project, families: Sequence[str] | None = None) -> list[NotRun]:
    """A line for each family the catalogue switches off (of ``families``, when given)."""
    return [NotRun(family.id, f"switched off in {CATALOGUE_PATH.as_posix()} (enabled: false); "
                   "nothing runs")
            for family in project.catalogue.families
            if not family.enabled and _chosen(family.id, families)]


def _chosen(family_id: str, families: Sequence[str] | None) -> bool:
    """Whether ``--family`` (any case) chose the family; no ``--family`` chooses all."""
    return not families or family_id.casefold() in {wanted.casefold() for wanted in families}


def without_parameter_files(project: Project, families: Sequence[str] | None = None
                            ) -> list[NotRun]:
    """A line for each family switched on (of ``families``, when given) whose parameter folder
    holds no file yet, saying how to add one: a new project before its first trust."""
    lines = []
    for family in project.catalogue.families:
        if not family.enabled or not _chosen(family.id, families):
            continue
        if parameter_files(project.root, family):
            continue
        how = ('add one per trust with `lhs-reports new trust CODE --name "..."`'
               if family.schema_ == "trust" else
               f"add one to {parameter_folder(family).as_posix()}/")
        lines.append(NotRun(family.id, f"no parameter files in {family.parameters} yet; {how}"))
    return lines


def require_some_data(project: Project) -> None:
    """Refuse a data folder holding none of the tables the families switched on read (a new
    project before its data were added), naming the tables and how to start them.

    A folder with some of them is left to :func:`skip_missing_tables`, family by family.
    """
    if project.uses_demo_data:
        return
    wanted = list(dict.fromkeys(name for family in project.catalogue.families
                                if family.enabled for name in family.table_names))
    folder = project.data_dir
    if not wanted or (folder.is_dir() and len(missing_tables(folder, wanted)) < len(wanted)):
        return
    if project.catalogue.data.is_database:
        raise DataError(
            f"no data yet: the reports read the tables {', '.join(wanted)}, and the database "
            "has none of them", path=project.root / CATALOGUE_PATH, field="data.tables",
            hint="name the database table or query for each in data.tables (see README, "
            "Reading from a database); the site's About the data page describes every column")
    where = _relative(project, folder)
    state = "holds none of them" if folder.is_dir() else "does not exist"
    raise DataError(
        f"no data yet: the reports read the tables {', '.join(wanted)}, and the data folder "
        f"{where} {state}",
        path=folder, field="data.dir",
        hint=f"add them there as CSV or Parquet files: `lhs-reports data-template {where}` "
        "writes a template CSV for each (the header and two example rows), and the site's About "
        "the data page describes every column; then run `lhs-reports check`")


def _relative(project: Project, folder: Path) -> str:
    try:
        return folder.relative_to(project.root).as_posix()
    except ValueError:
        return str(folder)
