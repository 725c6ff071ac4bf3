"""A warm Jupyter kernel: started once, heavy libraries imported once, reused for many notebooks.

Most of a papermill run is fixed cost: starting a kernel (~1.5 s), importing pandas, statsmodels
and plotnine (1.3-2 s) and drawing a first figure (~0.9 s); the analysis itself is a fraction
of a second. A :class:`WarmKernel` pays that once, then runs each notebook through papermill
itself (``papermill.execute_notebook`` with this kernel's manager and client), so the executed
notebook is the one papermill would write: injected-parameters cell, papermill metadata, error
cells. Between notebooks the kernel is reset to a fresh namespace and checked for leaks (open
figures, changed rcParams, stray globals, changed working directory); it is replaced after a
bounded number of notebooks (100 by default), once its memory passes a ceiling (2 GiB), and
after a timeout or a crash.

Starting a kernel has its own time limit (``startup_timeout``, ``--kernel-timeout``), separate
from a notebook's: on a busy machine start-up and warm-up can take many seconds, and that is not
the notebook's time. :meth:`WarmKernel.ensure_started` starts it before the notebook's clock
runs; a kernel that does not start in time is stopped and :class:`KernelStartTimeout` raised.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from lhs_reports.data.reads import READS_METADATA
from lhs_reports.engine.kernel_code import (
    COLLECT_READS,
    FREEZE,
    RESCAN_EVERY,
    RESET,
    UNFREEZE,
    WARM_UP,
)
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.errors import BuildError, LhsReportsError

log = logging.getLogger(__name__)

ENGINE_NAME = "lhs-reports-warm"


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, run on an already started kernel and client.

    Everything else (parameter injection, metadata, error cells, writing the output) is
    papermill's own code, so the executed notebook is the one papermill would write.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: int = 60, execution_timeout: Any = None,
                                 **kwargs: Any) -> Any:
        client = PapermillNotebookClient(
            nb_man, km=kwargs["km"], timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file,
        )
        # nbclient would open (and never close) a new client per notebook; reuse ours.
        client.kc = kwargs["kc"]
        # papermill rewrites the whole notebook before and after every cell (about 40 writes
        # for a report with 20 cells), all on the build's own process while the kernels wait
        # for CPU. While cells run, save only as papermill's autosave does (every 30 s, for
        # long cells). What counts is the notebook written when the run ends (by papermill,
        # with any error marked; by the engine's final save if the kernel died or timed out),
        # so the executed notebook is unchanged.
        save = nb_man.save

        def save_now_and_then(**kwargs: Any) -> None:
            since = (nb_man.now() - nb_man.last_save_time).total_seconds()
            if 0 < nb_man.autosave_cell_every <= since:
                save(**kwargs)

        nb_man.save = save_now_and_then
        try:
            executed = client.execute()
        except BaseException:
            nb_man.save = save  # the engine's final save keeps the partial notebook
            raise
        collect_reads = kwargs.get("collect_reads")
        if collect_reads is not None:
            # Into the notebook papermill is about to write, so what a report read travels
            # with it, whichever executor ran it.
            executed.metadata[READS_METADATA] = {"reads": collect_reads()}
        # On success papermill writes the finished notebook itself straight after the engine
        # returns, so the engine's own final save would write the same bytes a second time.
        return executed


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)

#: How often a wait for the kernel's reply checks that the kernel is still alive: a kernel that
#: died (or was killed for running too long) is noticed within this, not after the whole timeout.
ALIVE_CHECK_EVERY = 1.0


class KernelDied(BuildError):
    """The kernel process died or had to be killed (an infrastructure fault, retryable)."""


class KernelStartTimeout(KernelDied):
    """The kernel did not start and warm up within its limit (retryable: the machine may be
    busy, and a fresh kernel may start in time)."""

    @classmethod
    def after(cls, seconds: float) -> KernelStartTimeout:
        """The error for a kernel not ready after ``seconds``."""
        return cls(f"kernel did not start within {seconds:g} s; the machine may be overloaded",
                   field="--kernel-timeout", hint="raise --kernel-timeout")


class KernelNoReply(TimeoutError):
    """The kernel stayed alive but sent no reply in time (internal; callers translate it)."""


class KernelCodeFailed(RuntimeError):
    """Housekeeping code (warm-up, reset) raised an error in the kernel (internal)."""


@dataclass
class WarmKernel:
    """One warm kernel, owned by one worker (a thread, a process or a Dask worker)."""

    cwd: Path
    kernel_name: str = "python3"
    max_notebooks: int = ExecutionSettings.max_notebooks_per_worker
    #: Replace the kernel once its peak memory passes this many MiB (None: no limit). A warm
    #: kernel running the demo reports holds ~400 MiB and stays there; the limit catches a
    #: notebook that leaks or loads something huge, and gives the memory back.
    max_memory_mb: float | None = ExecutionSettings.max_worker_memory_mb
    #: False gives papermill's own behaviour: a fresh kernel per notebook, no warm-up (and so
    #: any kernel language).
    warm: bool = True
    startup_timeout: float = 120
    env: dict[str, str] = field(default_factory=dict)
    _km: AsyncKernelManager | None = field(default=None, init=False, repr=False)
    _kc: Any = field(default=None, init=False, repr=False)
    _socket_dir: str | None = field(default=None, init=False, repr=False)
    _ready: bool = field(default=False, init=False, repr=False)
    runs: int = field(default=0, init=False)
    starts: int = field(default=0, init=False)
    leaks: list[dict[str, Any]] = field(default_factory=list, init=False)
    #: The kernel's peak resident memory (MiB) after its last notebook.
    peak_mb: float = field(default=0.0, init=False)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """The kernel is running and warmed up: a notebook can start at once."""
        return self._ready and self.alive()

    def ensure_started(self) -> bool:
        """Start (and warm up) the kernel unless it is ready; return whether it was started.

        Call it before a notebook's time limit starts, so that start-up never counts against it.
        Raises what :meth:`start` raises.
        """
        if self.ready:
            return False
        self.start()
        return True

    def start(self) -> None:
        """Start the kernel and import the heavy libraries in it, within ``startup_timeout``.

        Raises
        ------
        KernelStartTimeout
            The kernel was not ready (started and warmed up) within ``startup_timeout`` s.
        KernelDied
            The kernel process died while starting.
        BuildError
            The warm-up code failed in the kernel (a missing library, say): not retryable.

        Whatever the outcome, a kernel that did not start is stopped: no process is left behind.
        """
        self.stop()
        deadline = time.monotonic() + self.startup_timeout
        # A warm kernel runs hundreds of notebooks: keeping their input history in SQLite (and
        # committing a new history session at every reset) is work nobody reads.
        extra = ["--HistoryManager.enabled=False"] if self.warm else []
        try:
            # Kept on self at once, so that stop() can clean up a half-started kernel.
            self._km = AsyncKernelManager(kernel_name=self.kernel_name,
                                          **self._private_transport())
            run_sync(self._km.start_kernel)(cwd=str(self.cwd), env={**os.environ, **self.env},
                                            extra_arguments=extra)
            self._kc = self._km.client()
            self._kc.start_channels()
            run_sync(self._kc.wait_for_ready)(timeout=_remaining(deadline))
            if self.warm:
                self._run_code(WARM_UP + FREEZE, timeout=_remaining(deadline))
        except BaseException as exc:
            try:
                failure = self._start_failure(exc, deadline)  # before stop(): asks if alive
            finally:
                self.stop()
            if failure is None:
                raise
            raise failure from exc
        self.runs = 0
        self.starts += 1
        self._ready = True

    def _start_failure(self, exc: BaseException, deadline: float) -> LhsReportsError | None:
        """What a failed start is reported as (None: the original exception, unchanged)."""
        if not isinstance(exc, Exception):
            return None  # Ctrl-C: stop, and let it through
        if self._km is not None and self._km.has_kernel and not self.alive():
            return KernelDied(f"kernel '{self.kernel_name}' died while starting",
                              hint="the kernel's own error output, in the build's log, says why")
        # jupyter_client says "Kernel didn't respond in 0 seconds" for a limit under 1 s, and a
        # warm-up cut short says nothing at all: past the deadline, the deadline is the reason.
        if time.monotonic() >= deadline:
            return KernelStartTimeout.after(self.startup_timeout)
        if isinstance(exc, KernelCodeFailed):
            return BuildError(f"the kernel's warm-up failed: {exc}",
                              hint="install lhs-reports and its libraries in the environment "
                              f"of kernel '{self.kernel_name}'")
        return None  # e.g. no such kernel: its own message says it best

    def stop(self) -> None:
        """Shut the kernel down (quietly; it may already be dead)."""
        if self._kc is not None:
            with contextlib.suppress(Exception):  # best effort during teardown
                self._kc.stop_channels()
        if self._km is not None:
            try:
                run_sync(self._km.shutdown_kernel)(now=True)
            except Exception:
                self.kill()
        self._km = self._kc = None
        self._ready = False
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def _private_transport(self) -> dict[str, str]:
        """Talk to the kernel over Unix sockets in a folder only this user can open, where the
        platform has them: no TCP ports to race for when many kernels start at once, nothing
        another user of a shared analysis server can connect to, and no warning from ipykernel
        about unencrypted TCP at every kernel start. Elsewhere, Jupyter's default (TCP)."""
        if os.name != "posix":
            return {}
        self._socket_dir = tempfile.mkdtemp(prefix="lhs-kernel-")  # mode 0700
        return {"transport": "ipc", "ip": os.path.join(self._socket_dir, "kernel")}

    def kill(self) -> None:
        """Kill the kernel process at once (safe from another thread: no event loop needed)."""
        km = self._km
        provisioner = getattr(km, "provisioner", None) if km is not None else None
        process = getattr(provisioner, "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self._km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return None if process is None else process.pid

    def alive(self) -> bool:
        return self._km is not None and bool(run_sync(self._km.is_alive)())

    # -- running ---------------------------------------------------------------------------
    def _run_code(self, code: str, *, timeout: float) -> str:
        """Run housekeeping code on the kernel and return what it printed.

        Talks to the kernel directly (not through nbclient), which costs ~0.1 s instead of
        ~0.35 s per call; it runs twice per notebook, so this matters at trust scale.

        Raises
        ------
        KernelDied
            The kernel died (or was killed) before it finished.
        KernelNoReply
            The kernel stayed alive but did not finish within ``timeout`` s (in all).
        KernelCodeFailed
            The code raised an error in the kernel.
        """
        return str(run_sync(self._run_code_async)(code, timeout))

    async def _run_code_async(self, code: str, timeout: float) -> str:
        kc = self._kc
        deadline = time.monotonic() + timeout
        msg_id = kc.execute(code, store_history=False, allow_stdin=False)
        printed: list[str] = []
        error: str | None = None
        while True:
            msg = await self._next_reply(kc.get_iopub_msg, deadline, timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                printed.append(msg["content"]["text"])
            elif kind == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        while True:
            reply = await self._next_reply(kc.get_shell_msg, deadline, timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if error:
            raise KernelCodeFailed(error)
        return "".join(printed)

    async def _next_reply(self, get: Any, deadline: float, timeout: float) -> dict[str, Any]:
        """The next message from ``get`` (a client channel) before ``deadline``.

        Waits in short slices, checking between them that the kernel is alive: a kernel that
        died is reported at once instead of after the whole timeout as a bare ``queue.Empty``.
        """
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelNoReply(f"no reply from the kernel within {timeout:g} s")
            try:
                return dict(await get(timeout=min(left, ALIVE_CHECK_EVERY)))
            except queue.Empty:
                if self._km is None or not await self._km.is_alive():
                    raise KernelDied(f"kernel '{self.kernel_name}' died") from None

    def execute(self, notebook: Path, output: Path, parameters: dict[str, Any], *,
                cell_timeout: float | None = None, start: bool = True) -> NotebookNode:
        """Execute ``notebook`` with ``parameters`` into ``output``, exactly as papermill does,
        and return the executed notebook (what was written to ``output``).

        With ``start=False`` the kernel must already be running (see :meth:`ensure_started`):
        a caller timing the notebook never has a kernel start inside its time limit.

        Raises whatever papermill raises for the notebook's own errors
        (``PapermillExecutionError``), :class:`KernelDied` if the kernel died (or, with
        ``start=False``, was not running), and what :meth:`start` raises.
        """
        from nbclient.exceptions import DeadKernelError

        if start:
            self.ensure_started()
        elif not self.ready:
            raise KernelDied(f"the kernel stopped before {notebook.name} could run")
        try:
            executed = papermill.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=self.kernel_name,
                progress_bar=False, log_output=False, km=self._km, kc=self._kc,
                execution_timeout=cell_timeout, engine_name=ENGINE_NAME,
                collect_reads=self._collect_reads,
            )
        except DeadKernelError as exc:
            self.stop()  # closes the client's sockets and removes the socket folder
            raise KernelDied(f"kernel died while running {notebook.name}") from exc
        except Exception:
            self._after_run(failed=True)
            raise
        self._after_run(failed=False)
        return executed

    def _collect_reads(self) -> list[dict[str, Any]] | None:
        """What the notebook just run read (None when the kernel cannot say, e.g. it is not
        Python or has no lhs-reports: its jobs then always run unless inputs are declared)."""
        try:
            text = self._run_code(COLLECT_READS, timeout=60)
            return list(json.loads(text.strip().splitlines()[-1]))
        except Exception as exc:
            log.info("could not collect what the notebook read: %s", exc)
            return None

    def _after_run(self, *, failed: bool) -> None:
        self.runs += 1
        if not self.warm:
            self.stop()
            return
        if not self.alive():
            self.stop()
            return
        try:
            rescan = UNFREEZE if self.runs % RESCAN_EVERY == 0 else ""
            text = self._run_code(RESET + rescan + FREEZE, timeout=60)
            state = json.loads(text.strip().splitlines()[-1])
        except Exception as exc:
            log.warning("resetting the kernel failed (%s); replacing it", exc)
            self.stop()
            return
        if state["leaks"]:
            self.leaks.append(state["leaks"])
            log.info("state left behind by a notebook was cleaned up: %s", state["leaks"])
        self.peak_mb = float(state["peak_mb"])
        if self.runs >= self.max_notebooks:
            self.stop()
        elif self.max_memory_mb is not None and self.peak_mb > self.max_memory_mb:
            log.info("replacing a kernel that reached %.0f MiB", self.peak_mb)
            self.stop()


def _remaining(deadline: float) -> float:
    """Seconds left before ``deadline``; :class:`KernelNoReply` once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise KernelNoReply("deadline passed")
    return left
