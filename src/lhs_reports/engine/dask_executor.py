"""Running jobs on a Dask distributed cluster: the client's side.

The client (the machine running ``lhs-reports build``) connects to the scheduler
(:func:`~lhs_reports.engine.dask_connect.connect`), checks that every worker runs its
lhs-reports, sends the project's small files once per worker (with the build's worker plugin,
which workers joining later get too) and one task per job, and writes what comes back: the
executed notebook, or the failed one, atomically into the project's outputs (:func:`publish`).
Workers never write the project (:mod:`lhs_reports.engine.remote`).

Task keys carry the project's identity (a digest of its root and catalogue), the build and the
job's cache key, so two projects or two builds on one cluster never share a task; the worker
plugin is named per build and removed only by its own build. Each future is released as soon
as its result is read, so a finished report is never run again when a worker holding its
result is lost. A worker lost while running a job is counted in the job's result
(``lost_workers``, and in ``attempts``); every wait has a limit, and a cluster that gives no
result for longer than a job may take is the package's own error, not a hang.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from distributed import Client, Future, LocalCluster, as_completed

from lhs_reports.data.reads import READS_METADATA
from lhs_reports.engine.dask_connect import connect
from lhs_reports.engine.executors import OnResult
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.engine.remote import (
    NOTEBOOKS,
    BuildPlugin,
    Identity,
    ProjectSnapshot,
    RemoteJob,
    RemoteOutcome,
    WorkerMismatch,
    local_identity,
    mismatch,
    plugin_name,
    run_remote,
    worker_identity,
)
from lhs_reports.errors import BuildError
from lhs_reports.params import CATALOGUE_PATH, load_catalogue, parameter_files

#: Seconds between looks at the cluster while no result comes in.
POLL = 0.2
#: Seconds between checks of which workers are connected.
WATCH_WORKERS = 2.0


def project_identity(root: Path) -> str:
    """A short digest of the project's root and catalogue: part of every task key.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "params").mkdir(), (root / "params" / "reports.yaml").write_text("a: 1")
    >>> len(project_identity(root))
    12
    """
    digest = hashlib.sha256(str(root.resolve()).encode() + b"\0")
    catalogue = root / CATALOGUE_PATH
    if catalogue.is_file():
        digest.update(catalogue.read_bytes())
    return digest.hexdigest()[:12]


def task_key(project: str, build: str, job: Job, cache_key: str) -> str:
    """A job's Dask key: project, build, family, parameter set and cache key.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> job = SimpleNamespace(family=SimpleNamespace(id="needs"), param_id="RX4")
    >>> task_key("0a1b2c3d4e5f", "b7", job, "9" * 64)
    'lhs-0a1b2c3d4e5f-b7-needs-RX4-9999999999999999'
    """
    return f"lhs-{project}-{build}-{job.family.id}-{job.param_id}-{cache_key[:16]}"


def project_snapshot(root: Path, jobs: Sequence[Job]) -> ProjectSnapshot:
    """The catalogue, every parameter file and each family's notebook, for the workers."""
    files = {CATALOGUE_PATH.as_posix(): (root / CATALOGUE_PATH).read_bytes()}
    for family in load_catalogue(root).families:
        for path in parameter_files(root, family):
            try:
                files[path.resolve().relative_to(root.resolve()).as_posix()] = path.read_bytes()
            except ValueError:  # a parameter file outside the project: read where it is
                continue
    for job in jobs:
        files.setdefault((NOTEBOOKS / f"{job.family.id}.ipynb").as_posix(),
                         job.notebook.read_bytes())
    return ProjectSnapshot(files)


def _relative_reads(reads: list[dict[str, Any]] | None, root: Path
                    ) -> list[dict[str, Any]] | None:
    """Reads as a local build stores them: folders inside the project relative to it (the
    worker stored them against its own copy, or as absolute paths of the shared data)."""
    if reads is None:
        return None
    fixed = []
    for read in reads:
        folder = Path(read["folder"])
        if folder.is_absolute():
            with contextlib.suppress(ValueError):  # outside the project: kept absolute
                read = {**read, "folder": folder.relative_to(root).as_posix() or "."}
        fixed.append(read)
    return fixed


def publish(job: Job, outcome: RemoteOutcome, root: Path) -> JobResult:
    """Write what a worker sent back into the project, atomically, and return the result.

    A successful run replaces ``job.output`` and removes an old failed notebook; a failed run
    keeps the last good output and writes ``<id>.failed.ipynb`` beside it, as locally.
    """
    result = replace(outcome.result, reads=_relative_reads(outcome.result.reads, root))
    if outcome.notebook is None:
        return result
    notebook = json.loads(outcome.notebook)
    papermill = notebook.get("metadata", {}).get("papermill")
    if isinstance(papermill, dict):
        papermill["input_path"] = str(job.notebook)
        papermill["output_path"] = str(job.output)
    recorded = notebook.get("metadata", {}).get(READS_METADATA)
    if isinstance(recorded, dict) and recorded.get("reads") is not None:
        recorded["reads"] = _relative_reads(recorded["reads"], root)
    target = job.output if result.status == "ok" else job.failed_output
    # As nbformat writes a notebook.
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _write_atomic(target, text)
    if result.status == "ok":
        job.failed_output.unlink(missing_ok=True)
    return result


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


@dataclass
class DaskExecutor:
    root: Path
    jobs: int
    settings: ExecutionSettings
    scheduler: str | None = None

    def run(self, work: Sequence[Job], on_result: OnResult | None = None,
            cache_keys: dict[str, str] | None = None) -> list[JobResult]:
        cluster = None
        if self.scheduler:
            client = connect(self.scheduler, timeout=self.settings.connect_timeout)
        else:
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster, set_as_default=False)
        build = uuid.uuid4().hex[:12]
        try:
            return _Build(client, self.root, build, self.settings).run(
                work, on_result, cache_keys or {})
        finally:
            client.close(timeout=self.settings.connect_timeout)
            if cluster is not None:
                cluster.close(timeout=self.settings.connect_timeout)


class _Build:
    """One build's use of a cluster: its plugin, tasks and results."""

    def __init__(self, client: Client, root: Path, build: str,
                 settings: ExecutionSettings) -> None:
        self.client = client
        self.root = root
        self.build = build
        self.settings = settings
        self.identity = client_identity()
        self.workers: set[str] = set()
        self.lost: list[str] = []

    def run(self, work: Sequence[Job], on_result: OnResult | None,
            cache_keys: dict[str, str]) -> list[JobResult]:
        self._check_workers()
        project = project_identity(self.root)
        futures: dict[Future, Job] = {}
        try:
            self.client.register_plugin(BuildPlugin(self.build,
                                                    project_snapshot(self.root, work)),
                                        name=plugin_name(self.build))
            for job in work:
                task = RemoteJob(self.build, job, self.settings, self.identity)
                key = task_key(project, self.build, job, cache_keys.get(job.key, ""))
                futures[self.client.submit(run_remote, task, key=key, pure=False)] = job
            results = self._gather(futures, on_result)
            return [results[job.key] for job in work if job.key in results]
        finally:
            if futures:
                self.client.cancel(list(futures), force=True)
            self._remove_plugin()

    def _check_workers(self) -> None:
        """Refuse a cluster whose workers run another lhs-reports than this machine."""
        try:
            found = self.client.run(worker_identity)
        except Exception as exc:  # a worker without lhs-reports cannot even unpickle the call
            raise BuildError(
                f"a Dask worker could not report its lhs-reports version: "
                f"{type(exc).__name__}: {exc}", field="--scheduler",
                hint="install lhs-reports (the same version as here) on every worker") from None
        for worker, theirs in sorted(found.items()):
            if Identity(theirs.version, theirs.digest) != self.identity:
                raise mismatch(worker, theirs, self.identity)
        self.workers = set(found)

    def _gather(self, futures: dict[Future, Job], on_result: OnResult | None
                ) -> dict[str, JobResult]:
        results: dict[str, JobResult] = {}
        pending = as_completed(list(futures), loop=self.client.loop)
        limit = idle_limit(self.settings)
        last_result = last_watch = time.monotonic()
        while not pending.is_empty():
            batch = pending.next_batch(block=False)
            now = time.monotonic()
            if not batch:
                if now - last_watch >= WATCH_WORKERS:
                    self._watch_workers()
                    last_watch = now
                if limit is not None and now - last_result > limit:
                    raise BuildError(
                        f"no result from the Dask cluster for {limit:g} s "
                        f"({len(futures)} jobs waiting, {len(self.workers)} workers connected)",
                        field="--scheduler",
                        hint="check the workers (`dask worker` processes) are running and "
                        "connected to the scheduler")
                time.sleep(POLL)
                continue
            last_result = now
            lost = self._times_lost([future.key for future in batch])
            for future in batch:
                job = futures.pop(future)
                result = self._result(future, job, lost.get(future.key, 0), limit)
                results[job.key] = result
                if on_result:
                    on_result(job, result)
        return results

    def _result(self, future: Future, job: Job, lost: int, limit: float | None) -> JobResult:
        """The job's result, its outputs written; the future released at once."""
        try:
            outcome = future.result(timeout=limit)
        except WorkerMismatch:
            raise
        except Exception as exc:
            return JobResult(job.key, "failed", 0.0, f"{type(exc).__name__}: {exc}",
                             attempts=lost + 1, worker="dask", lost_workers=lost)
        finally:
            future.release()
        result = publish(job, outcome, self.root)
        return replace(result, attempts=result.attempts + lost, lost_workers=lost)

    def _times_lost(self, keys: list[str]) -> dict[str, int]:
        """How many workers died while running each task, as the scheduler counted them."""

        # Defined here so that it is sent by value: the scheduler need not have lhs-reports.
        def count(dask_scheduler: Any, keys: list[str]) -> dict[str, int]:
            tasks = dask_scheduler.tasks
            return {key: int(tasks[key].suspicious) for key in keys if key in tasks}

        try:
            return dict(self.client.run_on_scheduler(count, keys=keys))
        except Exception:  # a scheduler that refuses to run code: losses are not counted
            return {}

    def _watch_workers(self) -> None:
        """Say which workers left (their running jobs run again elsewhere)."""
        try:
            now = set(self.client.scheduler_info(n_workers=-1)["workers"])
        except Exception:
            return
        for worker in sorted(self.workers - now):
            self.lost.append(worker)
            print(f"Dask worker {worker} left the cluster; a notebook it was running runs "
                  "again on another worker", file=sys.stderr)
        self.workers = now

    def _remove_plugin(self) -> None:
        # Best effort: the workers forget the build when they close anyway.
        with contextlib.suppress(Exception):
            self.client.unregister_worker_plugin(plugin_name(self.build))


def client_identity() -> Identity:
    """The lhs-reports this machine runs (what every worker must run too)."""
    return local_identity()


def idle_limit(settings: ExecutionSettings) -> float | None:
    """Seconds without any result after which the cluster is taken to be stuck: longer than
    one job may take with its retries (None: notebooks have no time limit).

    Examples
    --------
    >>> idle_limit(ExecutionSettings(kernel_timeout=100, notebook_timeout=200, retries=1))
    1200.0
    """
    if settings.notebook_timeout is None:
        return None
    attempt = settings.kernel_timeout + settings.notebook_timeout + 300
    return float(attempt * (settings.retries + 1))
