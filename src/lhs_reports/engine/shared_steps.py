"""Shared figures first: the build's dependency stage before the per-organisation reports.

For every shared step (:mod:`lhs_reports.reports.shared_steps`) that a selected report's
notebook reads, one computation per distinct data folder and parameters
(:func:`~lhs_reports.reports.shared_figures.step_values`), run here in the build's process
before any report starts, so the local and Dask executors need no scheduler of their own:
the shared steps are the graph's first stage, the reports the second.

Each computation has its own cache state (``outputs/.cache/shared/<name>/state.json``): a key
(the lhs-reports code and the values) and the data it read, recorded by the data layer as for
a report. It is skipped while both are unchanged. Its parts are written atomically, each only
when its bytes changed, so a part whose figures did not change keeps its content hash and the
reports that read it stay up to date. After the stage, the reports of those families are
checked again against the parts as they now are: only those that read a part that changed run.
A computation that fails leaves no parts: the reports then compute the figures themselves and
fail with the error in their own notebook.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lhs_reports.data import reads as data_reads
from lhs_reports.engine.cache import code_digest
from lhs_reports.engine.manifest import planning
from lhs_reports.engine.plan import Project
from lhs_reports.reports.shared_figures import (
    PART_SUFFIX,
    SHARED_DIR,
    SharedStep,
    compute_parts,
    instance_name,
    step_values,
)
from lhs_reports.reports.shared_steps import steps_for

if TYPE_CHECKING:
    from lhs_reports.engine.build import Plan, PlannedJob

STATE = "state.json"


def shared_dir(project: Project) -> Path:
    """The folder of the project's shared figures (what ``$LHS_REPORTS_SHARED`` names)."""
    return project.outputs / SHARED_DIR


@dataclass(frozen=True)
class PlannedStep:
    """One computation of a shared step, and whether it must run."""

    step: SharedStep
    values: dict[str, Any]
    folder: Path
    key: str
    run: bool
    reason: str
    #: The keys of the selected jobs that read it.
    jobs: tuple[str, ...]

    @property
    def label(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in self.values.items() if k != "data_dir" and v)
        return self.step.name + (f" ({extra})" if extra else "")


def _key(step: SharedStep, values: dict[str, Any]) -> str:
    return json.dumps({"step": step.name, "values": values, "code": code_digest()},
                      sort_keys=True, default=str)


def _why_stale(folder: Path, step: SharedStep, key: str, root: Path) -> str:
    try:
        state = json.loads((folder / STATE).read_text())
    except (OSError, ValueError):
        return "never computed"
    if state.get("key") != key:
        return "lhs-reports code or parameters changed"
    if any(not (folder / f"{part}{PART_SUFFIX}").is_file() for part in step.parts):
        return "output missing"
    changed = data_reads.changes(state.get("reads") or [], root=root)
    if changed:
        more = f" (+{len(changed) - 3} more)" if len(changed) > 3 else ""
        return "data changed: " + ", ".join(changed[:3]) + more
    return "up to date"


def plan_steps(project: Project, planned: Sequence[PlannedJob], *, force: bool = False
               ) -> list[PlannedStep]:
    """The shared computations the selected jobs of ``planned`` read, with whether each runs."""
    wanted: dict[str, tuple[SharedStep, dict[str, Any], list[str]]] = {}
    for item in planned:
        if item.reason == "not selected":
            continue
        job = item.job
        for step in steps_for(Path(job.notebook).stem):
            values = step_values(step, project.root / str(job.parameters["data_dir"]),
                                 job.parameters)
            name = instance_name(step, values)
            wanted.setdefault(name, (step, values, []))[2].append(job.key)
    steps = []
    # In a plan's scan: each file the steps read is stat-ed once and hashed only when it changed
    # since the last build (hashes kept in the manifest), as for the reports.
    with planning(project.outputs):
        for name, (step, values, jobs) in wanted.items():
            folder = shared_dir(project) / name
            key = _key(step, values)
            reason = "forced" if force else _why_stale(folder, step, key, project.root)
            steps.append(PlannedStep(step, values, folder, key, reason != "up to date", reason,
                                     tuple(jobs)))
    return steps


def _write_if_changed(table: Any, path: Path) -> bool:
    """Write ``table`` as Parquet at ``path`` atomically, unless the file holds those bytes
    already (then its modification time and content hash stay). True when written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        table.to_parquet(tmp, index=False)
        if path.is_file() and Path(tmp).read_bytes() == path.read_bytes():
            return False
        os.replace(tmp, path)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def run_step(planned: PlannedStep, root: Path) -> list[str]:
    """Compute one shared step and write its parts; the parts that changed."""
    folder = planned.folder
    folder.mkdir(parents=True, exist_ok=True)
    # Stale state first: a crash part-way leaves the computation to be done again.
    (folder / STATE).unlink(missing_ok=True)
    parts, read = compute_parts(planned.step, Path(planned.values["data_dir"]), planned.values)
    changed = [name for name, table in parts.items()
               if _write_if_changed(table, folder / f"{name}{PART_SUFFIX}")]
    state = {"key": planned.key, "reads": read, "parts": list(parts)}
    fd, tmp = tempfile.mkstemp(prefix=".state.", dir=folder)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, default=str)
    os.replace(tmp, folder / STATE)
    return changed


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def run_shared_steps(project: Project, plan: Plan, *, force: bool = False,
                     say: Callable[[str], None] | None = None) -> Plan:
    """Compute the shared figures the plan's selected jobs read (those out of date), then
    ``plan`` with those jobs checked again against the figures as they now are."""
    say = say or _stderr
    steps = plan_steps(project, plan, force=force)
    ran: set[str] = set()
    for planned in steps:
        if not planned.run:
            continue
        started = time.perf_counter()
        try:
            changed = run_step(planned, project.root)
        except Exception as error:  # each report then fails with it, visibly
            from lhs_reports.engine.execute import error_summary

            shutil.rmtree(planned.folder, ignore_errors=True)
            say(f"shared figures {planned.label}: failed ({error_summary(error)}); each "
                "report computes them itself")
        else:
            say(f"shared figures {planned.label}: computed in "
                f"{time.perf_counter() - started:.1f} s ({planned.reason}); "
                + (f"changed: {', '.join(changed)}" if changed else "unchanged"))
        ran.update(planned.jobs)
    if not ran:
        return plan
    return _recheck(project, plan, ran)


def _recheck(project: Project, plan: Plan, keys: set[str]) -> Plan:
    """``plan`` with the jobs in ``keys`` judged again (their shared reads now answer anew)."""
    from lhs_reports.engine.build import Plan as PlanList

    items = []
    # A scan of its own, begun after the steps wrote their parts.
    with planning(project.outputs) as (manifest, _):
        for item in plan:
            if item.job.key in keys and item.reason not in ("forced", "not selected"):
                reason = manifest.why_stale(item.job.key, item.key, item.key_parts,
                                            item.job.output, root=project.root,
                                            declared=bool(item.job.family.inputs))
                item = dataclasses.replace(item, run=reason != "up to date", reason=reason)
            items.append(item)
    return PlanList(items, not_run=plan.not_run, skipped_families=plan.skipped_families,
                    skipped_jobs=plan.skipped_jobs)
