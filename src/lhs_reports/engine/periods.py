"""What a parameter file leaves to the data, filled in before any job runs: ``period_end``.

A per-trust report left without ``period_end`` ends at the latest month of that trust's data; a
page across trusts at the latest month that at least half of the trusts (rounded up) reach
(:func:`lhs_reports.reports.periods.period_end_across`), so a trust that stopped reporting
cannot hold the page back: the page leaves it out of its comparisons and says so. Filled in at
plan time, so the cache key, the plan, the page and its provenance name the same month, and new
months in the data move the reports on without editing a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from lhs_reports.engine.plan import Job, Project
from lhs_reports.reports.periods import period_end_across


def job_data_dir(project: Project, job: Job) -> Path:
    """The data folder a job reads (its parameter file's, else the catalogue's)."""
    return project.root / str(job.parameters["data_dir"])


def period_end_from_data(parameters: Mapping[str, object],
                         latest: Mapping[str, str]) -> str | None:
    """The month a job's report ends when its parameters leave ``period_end`` out.

    ``latest`` is each organisation's latest month in the job's data folder. None when the
    data cannot say (no monthly activity for the organisation): the notebook then decides.

    Examples
    --------
    >>> latest = {"RX4": "2025-03", "TAH": "2025-03", "RW5": "2024-06"}
    >>> period_end_from_data({"trust_code": "RW5", "period_end": None}, latest)
    '2024-06'
    >>> period_end_from_data({"title": "All trusts", "period_end": None}, latest)
    '2025-03'
    >>> period_end_from_data({"trust_code": "RXT", "period_end": None}, latest) is None
    True
    """
    code = parameters.get("trust_code")
    if code is not None:
        return latest.get(str(code))
    return period_end_across(latest) if latest else None


def fill_period_ends(project: Project, jobs: Sequence[Job],
                     latest: Mapping[Path, Mapping[str, str]]) -> list[Job]:
    """``jobs`` with every ``period_end`` left out filled in from the data (others unchanged).
    """
    filled = []
    for job in jobs:
        if "period_end" in job.parameters and not job.parameters["period_end"]:
            month = period_end_from_data(job.parameters, latest.get(job_data_dir(project, job),
                                                                    {}))
            if month is not None:
                job = dataclasses.replace(job, parameters={**job.parameters,
                                                           "period_end": month})
        filled.append(job)
    return filled
