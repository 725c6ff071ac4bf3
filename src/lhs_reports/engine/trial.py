"""One report run as the build runs it, for a test: :func:`run_one`.

The job is planned exactly as ``lhs-reports build`` plans it (the catalogue and parameter files
validated, the data checked, a ``period_end`` left out filled from the data) and executed by the
engine's own :func:`~lhs_reports.engine.execute.run_job` on a fresh kernel; only the executed
notebook goes elsewhere (``output_dir``), so a trial leaves the project's reports, build
manifest and site as they were (it writes only what ``lhs-reports plan`` writes: the plan's
caches). A project's ``tests/test_<family>.py`` (``lhs-reports new report``) uses it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from lhs_reports.engine.build import plan_build
from lhs_reports.engine.execute import kernel_environment, run_job
from lhs_reports.engine.kernels import WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import load_project
from lhs_reports.errors import BuildError

__all__ = ["TrialRun", "run_one"]


@dataclass(frozen=True)
class TrialRun:
    """What :func:`run_one` ran (``parameter_set``: the parameter file's name without
    ``.yaml``), what became of it, and the executed notebook (``<id>.failed.ipynb`` when it
    failed)."""

    parameter_set: str
    result: JobResult
    notebook: Path


def run_one(root: str | os.PathLike[str], family: str, *, output_dir: str | os.PathLike[str],
            parameter_set: str | None = None,
            settings: ExecutionSettings | None = None) -> TrialRun:
    """Run report family ``family`` once, for ``parameter_set`` (default: its first parameter
    file), writing the executed notebook under ``output_dir``.

    Raises :class:`~lhs_reports.errors.LhsReportsError` when the project, its parameter files
    or its data are not valid (as ``lhs-reports check`` would say), and :class:`BuildError`
    when the family has nothing to run (switched off, no parameter files, a table it needs is
    not in the data). A notebook that fails is not an exception: the result says so.
    ``run_one("mytrusts", "crisis_flow", output_dir="/tmp/trial").result.records`` are the
    results it recorded (a generated ``tests/test_<family>.py`` runs it).
    """
    project = load_project(Path(root))
    only = [parameter_set] if parameter_set else None
    planned = plan_build(project, families=[family], only=only, force=True)
    jobs = [item.job for item in planned if item.run]
    if not jobs:
        why = "; ".join(line.line for line in planned.not_run) or \
            "it has no parameter files yet"
        raise BuildError(f"report family '{family}' has nothing to run: {why}",
                         field="family", hint="add a parameter file for it (lhs-reports new "
                         "trust, new case-study), switch it on, or add the tables it reads")
    job = jobs[0]
    job = dataclasses.replace(job, output=Path(output_dir) / job.family.id
                              / f"{job.param_id}.ipynb")
    settings = settings or ExecutionSettings()
    # A fresh kernel, as papermill runs a notebook: one report needs no warm-up.
    kernel = WarmKernel(cwd=project.root, env=kernel_environment(project.root), warm=False,
                        startup_timeout=settings.kernel_timeout)
    try:
        result = run_job(job, kernel, settings)
    finally:
        kernel.stop()
    notebook = job.output if result.status == "ok" else job.failed_output
    return TrialRun(job.param_id, result, notebook)
