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

from lhs_reports.build.periods import job_data_dir
from lhs_reports.build.plan import Job, Project
from lhs_reports.data.layout import table_files
from lhs_reports.params import CATALOGUE_PATH


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
    if folder == project.data_dir:
        return "the data"
    try:
        return folder.relative_to(project.root).as_posix()
    except ValueError:
        return str(folder)


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
            if not family.enabled and (not families or family.id.casefold()
                                       in {wanted.casefold() for wanted in families})]
