"""The build engine: planning and executing report jobs, one per (report family, parameter set).

Named ``engine``, not ``build``: a folder called ``build/`` is what the standard Python
``.gitignore`` and many tools take for generated output, and a fork that adds that template
would silently drop the engine from git. The command is still ``lhs-reports build``.

The public names load their modules on first use, so importing a light part of the package
(``lhs_reports.engine.outcome`` from the CLI, say) does not import pandas and the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lhs_reports.engine.build import BuildReport, PlannedJob, plan_build, run_build
    from lhs_reports.engine.outcome import ExecutionSettings, JobResult
    from lhs_reports.engine.plan import Job, Project, load_project, plan_jobs

_HOMES = {
    "BuildReport": "build", "PlannedJob": "build", "plan_build": "build",
    "run_build": "build", "ExecutionSettings": "outcome", "JobResult": "outcome",
    "Job": "plan", "Project": "plan", "load_project": "plan", "plan_jobs": "plan",
}

__all__ = ["BuildReport", "ExecutionSettings", "Job", "JobResult", "PlannedJob", "Project",
           "load_project", "plan_build", "plan_jobs", "run_build"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
