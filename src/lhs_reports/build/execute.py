"""Running one job: atomic outputs, failure isolation, timeouts, retries for infrastructure faults.

The executed notebook is written to a temporary file and renamed into place only when the run
succeeded, so a failed run never replaces the last good report; the failed notebook is kept
beside it (``<id>.failed.ipynb``) with the error, for debugging.

Only infrastructure faults (the kernel died without being asked to) are retried. A notebook's own
error is never retried: it would fail the same way. A notebook that runs past its wall-clock limit
has its kernel killed and replaced, and fails with ``timeout``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from lhs_reports.build.kernels import KernelDied, WarmKernel
from lhs_reports.build.outcome import ExecutionSettings, JobResult
from lhs_reports.build.plan import Job
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.data.reads import READS_METADATA
from lhs_reports.results import records_from_notebook


def kernel_environment(root: Path) -> dict[str, str]:
    """Environment the kernels get: where the project is, a non-interactive backend."""
    return {PROJECT_ENV: str(root), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}


def error_summary(exc: BaseException) -> str:
    """One line for the site and the summary: exception name and message, no traceback (a
    traceback can quote data values)."""
    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue}".strip()
    return f"{type(exc).__name__}: {exc}"


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def run_job(job: Job, kernel: WarmKernel, settings: ExecutionSettings) -> JobResult:
    """Execute ``job`` on ``kernel`` with timeouts and retries; outputs written atomically."""
    job.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.output.with_name(f".{job.param_id}.{os.getpid()}.{threading.get_ident()}.ipynb")
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        timed_out = threading.Event()
        watchdog = (threading.Timer(settings.notebook_timeout, _kill_on_timeout,
                                    args=(kernel, timed_out))
                    if settings.notebook_timeout else None)
        if watchdog:
            watchdog.daemon = True
            watchdog.start()
        try:
            executed = kernel.execute(job.notebook, tmp, job.parameters,
                                      cell_timeout=settings.cell_timeout)
        except KernelDied as exc:
            if timed_out.is_set():
                return _failed(job, tmp, started, attempts, "timeout",
                               f"stopped after {settings.notebook_timeout:g} s (notebook "
                               "time limit); the worker was replaced")
            if attempts <= settings.retries:
                continue
            return _failed(job, tmp, started, attempts, "failed", error_summary(exc))
        except Exception as exc:
            status = "timeout" if "timed out" in str(exc).lower() else "failed"
            return _failed(job, tmp, started, attempts, status, error_summary(exc))
        finally:
            if watchdog:
                watchdog.cancel()
        break
    records = records_from_notebook(executed)
    reads = executed.metadata.get(READS_METADATA, {}).get("reads")
    tmp.replace(job.output)
    job.failed_output.unlink(missing_ok=True)
    return JobResult(job.key, "ok", time.perf_counter() - started, attempts=attempts,
                     worker=_worker_name(), records=records, reads=reads)


def _kill_on_timeout(kernel: WarmKernel, timed_out: threading.Event) -> None:
    timed_out.set()
    kernel.kill()


def _failed(job: Job, tmp: Path, started: float, attempts: int, status: str, error: str
            ) -> JobResult:
    if tmp.exists():
        tmp.replace(job.failed_output)
    return JobResult(job.key, status, time.perf_counter() - started, error, attempts,
                     _worker_name())
