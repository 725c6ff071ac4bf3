"""Executors: where jobs run. All produce the notebook papermill would.

- ``local`` (default): one warm kernel per worker thread (``--jobs``, default one per core):
  heavy libraries imported once, a fresh namespace per notebook, leaks checked, recycled.
- ``kernel``: papermill's behaviour, a fresh kernel per notebook, for full isolation and
  non-Python notebooks.
- ``dask``: warm kernels on a Dask distributed cluster (``--scheduler ADDRESS``, or a
  ``LocalCluster``), one per worker thread; workers need the package and the data, not the
  project: notebooks go to them and executed notebooks come back
  (:mod:`~lhs_reports.engine.dask_executor`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lhs_reports.engine.execute import kernel_environment, run_job
from lhs_reports.engine.kernels import WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings, JobResult, default_jobs
from lhs_reports.engine.plan import Job
from lhs_reports.errors import BuildError

if TYPE_CHECKING:
    from lhs_reports.engine.dask_executor import DaskExecutor

ExecutorName = Literal["local", "kernel", "dask"]
OnResult = Callable[[Job, JobResult], None]


@dataclass
class ThreadedExecutor:
    """Worker threads, each driving its own kernel (warm, or fresh per notebook)."""

    root: Path
    jobs: int
    settings: ExecutionSettings
    warm: bool = True

    def run(self, work: Sequence[Job], on_result: OnResult | None = None,
            cache_keys: dict[str, str] | None = None) -> list[JobResult]:
        """Run ``work``; ``cache_keys`` are not needed here (Dask names its tasks by them)."""
        pending: queue.Queue[Job] = queue.Queue()
        for job in work:
            pending.put(job)
        results: dict[str, JobResult] = {}
        lock = threading.Lock()

        def worker() -> None:
            kernel = WarmKernel(cwd=self.root, env=kernel_environment(self.root),
                                warm=self.warm,
                                max_notebooks=self.settings.max_notebooks_per_worker,
                                max_memory_mb=self.settings.max_worker_memory_mb,
                                startup_timeout=self.settings.kernel_timeout)
            try:
                while True:
                    try:
                        job = pending.get_nowait()
                    except queue.Empty:
                        return
                    result = run_job(job, kernel, self.settings)
                    with lock:
                        results[job.key] = result
                        if on_result:
                            on_result(job, result)
            finally:
                kernel.stop()

        threads = [threading.Thread(target=worker, name=f"lhs-worker-{i + 1}", daemon=True)
                   for i in range(min(self.jobs, len(work)) or 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [results[job.key] for job in work if job.key in results]


def make_executor(name: ExecutorName, root: Path, *, jobs: int | None = None,
                  settings: ExecutionSettings | None = None, scheduler: str | None = None
                  ) -> ThreadedExecutor | DaskExecutor:
    """The executor called ``name``."""
    settings = settings or ExecutionSettings()
    workers = jobs or default_jobs()
    if name == "local":
        return ThreadedExecutor(root, workers, settings, warm=True)
    if name == "kernel":
        return ThreadedExecutor(root, workers, settings, warm=False)
    if name == "dask":
        try:
            from lhs_reports.engine.dask_executor import DaskExecutor
        except ImportError:
            raise BuildError("the dask executor needs dask[distributed]", field="--executor",
                             hint="pip install 'lhs-reports[dask]'") from None
        return DaskExecutor(root, workers, settings, scheduler)
    raise BuildError(f"unknown executor '{name}'", field="--executor",
                     hint="use local, kernel or dask")

