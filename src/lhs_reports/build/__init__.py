"""Planning and executing report jobs: one per (report family, parameter set).

The public names load their modules on first use, so importing a light part of the package
(``lhs_reports.build.outcome`` from the CLI, say) does not import pandas and the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lhs_reports.build.engine import BuildReport, PlannedJob, plan_build, run_build
    from lhs_reports.build.outcome import ExecutionSettings, JobResult
    from lhs_reports.build.plan import Job, Project, load_project, plan_jobs

_HOMES = {
    "BuildReport": "engine", "PlannedJob": "engine", "plan_build": "engine",
    "run_build": "engine", "ExecutionSettings": "outcome", "JobResult": "outcome",
    "Job": "plan", "Project": "plan", "load_project": "plan", "plan_jobs": "plan",
}

__all__ = ["BuildReport", "ExecutionSettings", "Job", "JobResult", "PlannedJob", "Project",
           "load_project", "plan_build", "plan_jobs", "run_build"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
