"""Running one job: atomic outputs, failure isolation, timeouts, retries for infrastructure faults.

The executed notebook is written to a temporary file and renamed into place only when the run
succeeded, so a failed run never replaces the last good report; the failed notebook is kept
beside it (``<id>.failed.ipynb``) with the error, for debugging.

Only infrastructure faults (the kernel died without being asked to, or did not start in time) are
retried. A notebook's own error is never retried: it would fail the same way. A notebook that runs
past its wall-clock limit has its kernel killed and replaced, and fails with ``timeout``.

The notebook's clock starts once its kernel is ready: starting and warming up a kernel has its own
limit (``kernel_timeout``), because on a busy machine it can take longer than a short notebook
limit, and a notebook must not be killed for time it never had.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

from papermill.exceptions import PapermillExecutionError

from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.data.reads import READS_METADATA
from lhs_reports.data.source import OUTPUTS
from lhs_reports.engine.kernels import KernelDied, WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.errors import LhsReportsError
from lhs_reports.reports.shared_figures import SHARED_DIR, SHARED_ENV
from lhs_reports.results import records_from_notebook


def kernel_environment(root: Path) -> dict[str, str]:
    """Environment the kernels get: where the project is and its build's shared figures
    (:mod:`lhs_reports.engine.shared_steps`), a non-interactive backend."""
    return {PROJECT_ENV: str(root), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
            SHARED_ENV: str(Path(root) / OUTPUTS / SHARED_DIR)}


def error_summary(exc: BaseException) -> str:
    """One line for the site and the summary: exception name and message, no traceback (a
    traceback can quote data values). Never just a name: an exception raised without a message
    (``queue.Empty`` from a wait that timed out, a bare ``raise ValueError``) says what it means.

    Examples
    --------
    >>> import queue
    >>> error_summary(queue.Empty())
    'queue.Empty while waiting for the kernel: no reply within the time limit'
    >>> error_summary(ValueError("negative count"))
    'ValueError: negative count'
    """
    if isinstance(exc, PapermillExecutionError):
        name, text = exc.ename, exc.evalue
    elif isinstance(exc, LhsReportsError):
        # One line: the message and what to do, without the multi-line layout of str(exc).
        name, text = type(exc).__name__, "; ".join(filter(None, [exc.message, exc.hint]))
    else:
        name, text = type(exc).__name__, str(exc)
    text = text.strip()
    return f"{name}: {text}" if text else _silent_error_summary(exc, name)


def _silent_error_summary(exc: BaseException, name: str) -> str:
    """What an exception raised without a message was about."""
    if isinstance(exc, queue.Empty):
        # A jupyter_client wait (get_iopub_msg, get_shell_msg) that got nothing in time.
        return "queue.Empty while waiting for the kernel: no reply within the time limit"
    if isinstance(exc, TimeoutError):
        return f"{name} while waiting for the kernel: no reply within the time limit"
    if isinstance(exc, PapermillExecutionError):
        return f"{name} raised in cell {exc.exec_count} of the notebook, without a message"
    return f"{name} raised without a message"


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class NotebookWatchdog:
    """Kills the kernel once a notebook has run for ``seconds`` (None: no limit).

    Armed (``with``) around the notebook's run only, after its kernel is ready, so the limit
    is the notebook's own time. ``fired`` says whether it had to kill.
    """

    def __init__(self, kernel: WarmKernel, seconds: float | None) -> None:
        self.kernel = kernel
        self.seconds = seconds
        self._fired = threading.Event()
        self._timer: threading.Timer | None = None

    @property
    def fired(self) -> bool:
        return self._fired.is_set()

    def __enter__(self) -> NotebookWatchdog:
        if self.seconds:
            self._timer = threading.Timer(self.seconds, self._kill)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _kill(self) -> None:
        self._fired.set()
        self.kernel.kill()


def run_job(job: Job, kernel: WarmKernel, settings: ExecutionSettings) -> JobResult:
    """Execute ``job`` on ``kernel`` with timeouts and retries; outputs written atomically.

    Each attempt first makes sure the kernel is ready (started and warmed up, within
    ``settings.kernel_timeout``), then runs the notebook under ``settings.notebook_timeout``.
    A kernel that died or did not start is retried ``settings.retries`` times, on a new kernel.
    """
    job.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.output.with_name(f".{job.param_id}.{os.getpid()}.{threading.get_ident()}.ipynb")
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        watchdog = NotebookWatchdog(kernel, settings.notebook_timeout)
        try:
            # Every start happens here, before the watchdog: the first, the one after a dead
            # kernel, and the one after a kernel was recycled (quota, memory ceiling).
            kernel.ensure_started()
            with watchdog:
                executed = kernel.execute(job.notebook, tmp, job.parameters,
                                          cell_timeout=settings.cell_timeout, start=False)
        except Exception as exc:
            if watchdog.fired:
                return _failed(job, tmp, started, attempts, "timeout",
                               f"stopped after {settings.notebook_timeout:g} s (notebook "
                               "time limit); the worker was replaced")
            if isinstance(exc, KernelDied):
                if attempts <= settings.retries:
                    continue
                status = "failed"
            else:
                # A cell past its own limit (nbclient: "Cell execution timed out").
                status = "timeout" if "timed out" in str(exc).lower() else "failed"
            return _failed(job, tmp, started, attempts, status, error_summary(exc))
        break
    records = records_from_notebook(executed)
    reads = executed.metadata.get(READS_METADATA, {}).get("reads")
    tmp.replace(job.output)
    job.failed_output.unlink(missing_ok=True)
    return JobResult(job.key, "ok", time.perf_counter() - started, attempts=attempts,
                     worker=_worker_name(), records=records, reads=reads)


def _failed(job: Job, tmp: Path, started: float, attempts: int, status: str, error: str
            ) -> JobResult:
    if tmp.exists():
        tmp.replace(job.failed_output)
    return JobResult(job.key, status, time.perf_counter() - started, error, attempts,
                     _worker_name())
