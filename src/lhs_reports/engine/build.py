"""``lhs-reports build``: plan, skip what is up to date, execute, collect, render, audit.

The steps of DESIGN.md's data flow, in order; every file written is written atomically, and the
cache manifest is saved after each job, so a crash part-way loses nothing already done.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lhs_reports
from lhs_reports.engine.cache import cache_key, declared_reads
from lhs_reports.engine.lock import check_writable, project_lock, remove_leftovers
from lhs_reports.engine.manifest import MANIFEST, Manifest, ReadsTable, planning
from lhs_reports.engine.outcome import ExecutionSettings, JobResult, default_jobs
from lhs_reports.engine.periods import fill_period_ends
from lhs_reports.engine.plan import Job, Project, plan_jobs
from lhs_reports.engine.preflight import check_data
from lhs_reports.engine.progress import Progress
from lhs_reports.engine.requirements import (
    NotRun,
    require_some_data,
    skip_missing_tables,
    switched_off,
    without_parameter_files,
)
from lhs_reports.engine.schedule import longest_first
from lhs_reports.engine.shard_folder import sibling_assignment, write_shard
from lhs_reports.engine.shards import Shard, assign_shards
from lhs_reports.engine.shared_steps import run_shared_steps
from lhs_reports.errors import BuildError, DataError

if TYPE_CHECKING:
    import pandas as pd

    from lhs_reports.engine.executors import ExecutorName
    from lhs_reports.site import SiteRender
    from lhs_reports.site.history import History

#: Packages whose versions every run manifest records.
RECORDED_PACKAGES = ("lhs-reports", "pandas", "numpy", "scipy", "statsmodels", "plotnine",
                     "matplotlib", "papermill", "nbclient", "ipykernel", "pandera")


@dataclass(frozen=True)
class PlannedJob:
    job: Job
    key: str
    key_parts: dict[str, str]
    #: The files the catalogue's ``inputs`` declare for this job, as reads.
    declared: list[dict[str, Any]]
    run: bool
    reason: str


class Plan(list[PlannedJob]):
    """The planned jobs (a list, in catalogue order) and what will not run at all, and why."""

    def __init__(self, items: Iterable[PlannedJob] = (), *, not_run: Iterable[NotRun] = (),
                 skipped_families: Iterable[str] = (),
                 skipped_jobs: Mapping[str, str] | None = None) -> None:
        super().__init__(items)
        #: One line each for the selected families switched off or skipped for want of tables.
        self.not_run: list[NotRun] = list(not_run)
        #: Every family skipped for want of its tables (selected or not): not on the site.
        self.skipped_families: frozenset[str] = frozenset(skipped_families)
        #: Every job skipped for want of its tables (selected or not), by key, with why.
        self.skipped_jobs: dict[str, str] = dict(skipped_jobs or {})


@dataclass
class BuildReport:
    planned: list[PlannedJob]
    results: list[JobResult]
    site: Path | None = None
    manifest_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Families (or reports) that did not run at all, and why: printed in the summary.
    not_run: list[NotRun] = field(default_factory=list)
    #: A shard's build: the folder of its outputs (``outputs/shards/K-of-N``).
    shard_dir: Path | None = None
    #: What rendering the site did (pages rendered and reused, files audited).
    site_render: SiteRender | None = None

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]


def ensure_data(project: Project, *, say: Callable[[str], None] | None = None) -> None:
    """Generate the demo data when the catalogue uses it (a no-op when already current), or
    refresh the local extract of a database source (writing only the files whose rows
    changed; what it did is given to ``say``, default standard error, when it wrote or removed
    anything)."""
    if project.catalogue.data.is_database:
        from lhs_reports.data.extract import refresh_extract

        try:
            check_writable(project.data_dir)
        except BuildError as error:
            raise DataError(f"the database extract cannot be written: {error.message}",
                            path=project.data_dir, field="data.source",
                            hint=error.hint) from None
        summary = refresh_extract(project.catalogue.data.source, project.catalogue.data.tables,
                                  project.data_dir, root=project.root)
        if summary.written or summary.removed:
            (say or _stderr)(summary.line)
        return
    if project.uses_demo_data:
        from lhs_reports.data.demo_manifest import DEFAULT_N_MONTHS, is_current
        from lhs_reports.data.dictionary import TABLES

        demo = project.catalogue.data.demo
        if is_current(project.data_dir, demo.n_trusts, demo.seed, DEFAULT_N_MONTHS,
                      list(TABLES)):
            return
        from lhs_reports.data.synthetic import ensure_demo_data

        try:
            check_writable(project.data_dir)
        except BuildError as error:
            raise DataError(f"the demo data cannot be written: {error.message}",
                            path=project.data_dir, field="data.dir", hint=error.hint) from None
        ensure_demo_data(project.data_dir, demo.n_trusts, seed=demo.seed)


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def plan_build(project: Project, *, families: list[str] | None = None,
               only: list[str] | None = None, force: bool = False) -> Plan:
    """Every job with its cache key and whether it will run, and why; and a line for each
    family that will not run at all (switched off, or its tables absent from the data)."""
    ensure_data(project)
    require_some_data(project)
    # One scan of the data for the whole plan: each file listed, stat-ed and hashed once (and
    # hashed only when changed since the last build), each recorded read checked once.
    with planning(project.outputs) as (manifest, _):
        every_job, skipped = skip_missing_tables(project, plan_jobs(project))
        checked = check_data(project, every_job)
        every_job = fill_period_ends(project, every_job, checked.latest)
        selected = {j.key for j in plan_jobs(project, families=families, only=only)}
        not_run = switched_off(project, families) + without_parameter_files(
            project, families) + [line for line in skipped if selected.intersection(line.jobs)]
        planned = []
        for job in every_job:
            key, parts = cache_key(job.notebook, job.parameters, job.family.inputs,
                                   project.root)
            declared = declared_reads(project.root / job.parameters["data_dir"],
                                      job.family.inputs, job.parameters, root=project.root)
            if job.key not in selected:
                run, reason = False, "not selected"
            elif force:
                run, reason = True, "forced"
            else:
                reason = manifest.why_stale(job.key, key, parts, job.output, root=project.root,
                                            declared=bool(job.family.inputs))
                run = reason != "up to date"
            planned.append(PlannedJob(job, key, parts, declared, run, reason))
    return Plan(planned, not_run=not_run,
                skipped_families={line.subject for line in skipped if "/" not in line.subject},
                skipped_jobs={key: line.reason for line in skipped for key in line.jobs})


def _versions() -> dict[str, str]:
    found = {}
    for name in RECORDED_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _write_json_atomic(data: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, default=str)
    os.replace(tmp, path)


def _not_run(item: PlannedJob, manifest: Manifest) -> JobResult:
    """A job that did not run this time keeps its last outcome (a failure stays visible)."""
    entry = manifest.entries.get(item.job.key) or {}
    if entry.get("status") in {"failed", "timeout"}:
        return JobResult(item.job.key, entry["status"], 0.0, entry.get("error"),
                         reason=item.reason)
    # Its last records too: pages built from results (an organisation's) show them unchanged.
    records = list(entry.get("records") or []) if entry.get("status") == "ok" else []
    return JobResult(item.job.key, "skipped", 0.0, reason=item.reason, records=records)


def _job_provenance(entry: dict[str, Any]) -> dict[str, str]:
    data = entry.get("data_fingerprint")
    return {"data fingerprint": str(data)[:12] if data else "no data files read",
            "report executed": str(entry.get("finished", ""))}


def results_table(planned: Sequence[PlannedJob], manifest: Manifest) -> pd.DataFrame:
    import pandas as pd

    """Every job's recorded headline results, as one tidy table."""
    rows = []
    for item in planned:
        entry = manifest.entries.get(item.job.key) or {}
        if entry.get("status") != "ok":
            continue
        for record in entry.get("records", []):
            value = record.get("value")
            rows.append({
                "family": item.job.family.id,
                "id": item.job.param_id,
                "name": record.get("name"),
                "value": None if value is None else str(value),
                "numeric_value": value if isinstance(value, (int, float))
                and not isinstance(value, bool) else None,
                "unit": record.get("unit", ""),
                "label": record.get("label", ""),
                "built": entry.get("finished"),
            })
    columns = ["family", "id", "name", "value", "numeric_value", "unit", "label", "built"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"numeric_value": "float64"})


def run_build(project: Project, *, executor: ExecutorName = "local", jobs: int | None = None,
              families: list[str] | None = None, only: list[str] | None = None,
              force: bool = False, settings: ExecutionSettings | None = None,
              scheduler: str | None = None, renderer: str = "auto",
              progress_plain: bool | None = None,
              history_file: Path | None = None, shard: Shard | None = None,
              render_cache: bool = True) -> BuildReport:
    """Run a whole build and return what happened (the caller decides the exit status).

    One build per project at a time (:func:`~lhs_reports.engine.lock.project_lock`); debris of a
    build that was killed is cleared first. The previous results history (``history_file``, else
    where :func:`~lhs_reports.site.history.history_source` says) is read before any notebook
    runs, so an unreadable one stops the build at once.

    With ``shard`` (:class:`~lhs_reports.engine.shards.Shard`), only that shard's jobs are
    executed and written to ``outputs/shards/K-of-N/`` for ``lhs-reports render`` to gather;
    no site is rendered and no history read (``report.shard_dir`` is the folder).
    """
    # Here, as render_site is below: the site's modules (pandas, nbconvert) load only to build.
    from lhs_reports.site.publication import previous_history

    execution: dict[str, Any] = {"executor": executor, "jobs": jobs, "settings": settings,
                 "scheduler": scheduler, "progress_plain": progress_plain}
    with project_lock(project.outputs):
        remove_leftovers(project.outputs)
        if shard is not None:
            return _run_shard(project, shard, families=families, only=only, force=force,
                              **execution)
        history = previous_history(project, history_file)
        started = dt.datetime.now(dt.UTC)
        planned = plan_build(project, families=families, only=only, force=force)
        planned = run_shared_steps(project, planned, force=force)
        with Manifest(project.outputs / MANIFEST) as manifest:
            ran = execute_jobs(project, planned, planned, manifest, **execution)
        return publish_build(project, planned, ran, manifest, started=started,
                             finished_execution=dt.datetime.now(dt.UTC), executor=executor,
                             renderer=renderer, workers=jobs or default_jobs(),
                             history=history, render_cache=render_cache)


def execute_jobs(project: Project, planned: Sequence[PlannedJob],
                 considered: Sequence[PlannedJob], manifest: Manifest, *,
                 executor: ExecutorName, jobs: int | None,
                 settings: ExecutionSettings | None, scheduler: str | None,
                 progress_plain: bool | None) -> list[JobResult]:
    """Run those of ``considered`` that the plan says to run, slowest first, recording each
    outcome in ``manifest`` as it comes; the rest count as skipped in the progress line."""
    to_run = [p for p in considered if p.run]
    progress = Progress(len(to_run), skipped=len(considered) - len(to_run), plain=progress_plain)
    keys = {p.job.key: p for p in planned}

    def on_result(job: Job, result: JobResult) -> None:
        item = keys[job.key]
        reads = [*(result.reads or []), *item.declared]
        manifest.update(job.key, {
            "key": item.key if result.status == "ok" else None,
            "key_parts": item.key_parts,
            "status": result.status,
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration": round(result.duration, 3),
            "error": result.error,
            "records": result.records,
            "reads": reads,
            "reads_recorded": result.reads is not None,
            # data_fingerprint: computed from the reads by the manifest's writer thread, off
            # the executor's lock.
            "attempts": result.attempts,
            "lost_workers": result.lost_workers,
        })
        progress.update(result)

    try:
        if not to_run:
            return []
        # Imported here: a build with nothing to run needs no kernel machinery.
        from lhs_reports.engine.executors import make_executor

        runner = make_executor(executor, project.root, jobs=jobs, settings=settings,
                               scheduler=scheduler)
        return runner.run(longest_first([p.job for p in to_run], manifest.durations()),
                          on_result, {p.job.key: p.key for p in to_run})
    finally:
        progress.close()
        manifest.flush()


def _run_shard(project: Project, shard: Shard, *, families: list[str] | None,
               only: list[str] | None, force: bool, **execution: Any) -> BuildReport:
    """Plan the whole build, execute shard ``shard``'s jobs and write its folder."""
    started = dt.datetime.now(dt.UTC)
    planned = plan_build(project, families=families, only=only, force=force)
    planned = run_shared_steps(project, planned, force=force)
    with Manifest(project.outputs / MANIFEST) as manifest:
        return _execute_shard(project, shard, planned, manifest, started, **execution)


def _execute_shard(project: Project, shard: Shard, planned: Plan, manifest: Manifest,
                   started: dt.datetime, **execution: Any) -> BuildReport:
    keys = [p.job.key for p in planned]
    # Before anything runs: the durations every shard machine restored, not this one's new ones;
    # on a machine that built another shard of this build already, that shard's assignment.
    assignment = (sibling_assignment(project.outputs, shard.count, keys)
                  or assign_shards(keys, manifest.durations(), shard.count))
    mine = [p for p in planned if assignment[p.job.key] == shard.index]
    ran = execute_jobs(project, planned, mine, manifest, **execution)
    finished = dt.datetime.now(dt.UTC)
    ran_by_key = {r.key: r for r in ran}
    folder = write_shard(project.outputs, shard,
                         [(p.job, p.key, p.run, p.reason) for p in mine], ran_by_key,
                         manifest.entries, assignment=assignment,
                         executor=execution["executor"],
                         started=started.isoformat(timespec="seconds"),
                         finished_execution=finished.isoformat(timespec="seconds"))
    report = BuildReport(mine, [ran_by_key.get(p.job.key) or _not_run(p, manifest)
                                for p in mine], not_run=planned.not_run, shard_dir=folder)
    report.timings["total"] = report.timings["execute"] = (finished - started).total_seconds()
    return report


def write_run_manifest(project: Project, planned: Plan, ran_by_key: Mapping[str, JobResult],
                       manifest: Manifest, *, started: dt.datetime,
                       finished_execution: dt.datetime, executor: str) -> Path:
    """Write ``outputs/run-manifest.json``: versions, and per job its outcome, parameters, data
    fingerprint, cache key and the reads it recorded (ids into its ``reads``, where each
    distinct read is listed once); return its path."""
    # Here: the site package loads nbformat and jsonschema (seconds), which a plan never needs.
    from lhs_reports.site.provenance import git_version

    reads_table = ReadsTable()
    run_manifest: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished_execution": finished_execution.isoformat(timespec="seconds"),
        "lhs_reports": lhs_reports.__version__,
        "git": git_version(project.root),
        "python": platform.python_version(),
        "packages": _versions(),
        "executor": executor,
        "not_run": [line.line for line in planned.not_run],
        "jobs": [
            {
                "job": p.job.key,
                "status": (ran_by_key[p.job.key].status if p.job.key in ran_by_key
                           else "skipped"),
                "reason": p.reason,
                "duration": round(ran_by_key[p.job.key].duration, 3)
                if p.job.key in ran_by_key else 0.0,
                "error": ran_by_key[p.job.key].error if p.job.key in ran_by_key else None,
                "parameters": {k: v for k, v in p.job.parameters.items() if k != "data_dir"},
                "data_fingerprint": (manifest.entries.get(p.job.key) or {}).get(
                    "data_fingerprint"),
                "data_read": reads_table.ids(
                    (manifest.entries.get(p.job.key) or {}).get("reads") or []),
                "cache_key": p.key,
            }
            for p in planned
        ],
    }
    # Each distinct read once (thousands of reports read the same thousands of files).
    run_manifest["reads"] = reads_table.reads
    manifest_path = project.outputs / "run-manifest.json"
    _write_json_atomic(run_manifest, manifest_path)
    return manifest_path


def publish_build(project: Project, planned: Plan, ran: Sequence[JobResult],
                  manifest: Manifest, *, started: dt.datetime, finished_execution: dt.datetime,
                  executor: str, renderer: str, workers: int, history: History | None,
                  rewrite_results: bool = False, render_cache: bool = True) -> BuildReport:
    """After the jobs ran (here, or on shard machines and gathered into ``manifest`` and the
    outputs): write ``results.parquet`` and ``run-manifest.json``, then render, audit and
    publish the site. ``ran`` are the jobs that ran; the others keep their last outcome.
    """
    from lhs_reports.site import render_site_report

    ran_by_key = {r.key: r for r in ran}
    results = [ran_by_key.get(p.job.key) or _not_run(p, manifest) for p in planned]
    results_path = project.outputs / "results.parquet"
    if ran or rewrite_results or not results_path.is_file():
        from lhs_reports.data.io import write_table_atomic

        write_table_atomic(results_table(planned, manifest), results_path)
    manifest_path = write_run_manifest(project, planned, ran_by_key, manifest,
                                       started=started, finished_execution=finished_execution,
                                       executor=executor)
    report = BuildReport(planned, results, manifest_path=manifest_path,
                         not_run=planned.not_run)
    report.timings["execute"] = (finished_execution - started).total_seconds()
    report.site_render = render_site_report(
        project, [p.job for p in planned], results, renderer=renderer,
        job_provenance={k: _job_provenance(e) for k, e in manifest.entries.items()},
        workers=workers, leave_out=planned.skipped_families, not_built=planned.skipped_jobs,
        history=history, render_cache=render_cache)
    report.site = report.site_render.path
    report.timings["total"] = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return report
