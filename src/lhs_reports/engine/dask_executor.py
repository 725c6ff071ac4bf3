"""Running jobs on a Dask distributed cluster, with a warm kernel on every worker.

Each Dask worker (one thread) gets a :class:`~lhs_reports.engine.kernels.WarmKernel` from a
worker plugin when it joins; it starts on the worker's first task and is reused after that.
Task keys are stable (``lhs-<family>-<id>-<cache key>``), so resubmitting the same job while
it runs is a no-op for the scheduler. Results are gathered with ``as_completed``. A worker lost
mid-task is an infrastructure fault: Dask retries the task (``retries``) on another worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from lhs_reports.engine.execute import kernel_environment, run_job
from lhs_reports.engine.executors import OnResult
from lhs_reports.engine.kernels import WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import Job

PLUGIN_NAME = "lhs-reports-warm-kernel"


class WarmKernelPlugin(WorkerPlugin):
    """A Dask ``WorkerPlugin`` that owns one warm kernel per worker."""

    name = PLUGIN_NAME

    def __init__(self, root: str, settings: ExecutionSettings) -> None:
        super().__init__()
        self.root = root
        self.settings = settings
        self.kernel: WarmKernel | None = None

    def setup(self, worker: Any) -> None:
        # Started on the first task, in the worker's task thread: the kernel client's sockets
        # belong to the event loop of the thread that uses them, not the worker's own loop.
        self.kernel = WarmKernel(cwd=Path(self.root), env=kernel_environment(Path(self.root)),
                                 max_notebooks=self.settings.max_notebooks_per_worker,
                                 max_memory_mb=self.settings.max_worker_memory_mb,
                                 startup_timeout=self.settings.kernel_timeout)

    def teardown(self, worker: Any) -> None:
        if self.kernel is not None:
            self.kernel.stop()


def _run_on_worker(job: Job, settings: ExecutionSettings) -> JobResult:
    plugin = get_worker().plugins[PLUGIN_NAME]
    return run_job(job, plugin.kernel, settings)


def task_key(job: Job, cache_key: str = "") -> str:
    """A stable Dask key for a job (the same job and inputs always get the same key)."""
    suffix = hashlib.sha256(f"{job.key}|{cache_key}".encode()).hexdigest()[:12]
    return f"lhs-{job.family.id}-{job.param_id}-{suffix}"


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
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        try:
            client.register_plugin(WarmKernelPlugin(str(self.root), self.settings),
                                   name=PLUGIN_NAME)
            futures = {
                client.submit(_run_on_worker, job, self.settings,
                              key=task_key(job, (cache_keys or {}).get(job.key, "")),
                              retries=self.settings.retries, pure=False): job
                for job in work
            }
            results: dict[str, JobResult] = {}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:
                    result = JobResult(job.key, "failed", 0.0,
                                       f"{type(exc).__name__}: {exc}", worker="dask")
                results[job.key] = result
                if on_result:
                    on_result(job, result)
            return [results[job.key] for job in work]
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
