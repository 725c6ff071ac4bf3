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
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from lhs_reports.build.outcome import ExecutionSettings
from lhs_reports.data.reads import READS_METADATA

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

#: Imported (and a figure drawn) once per kernel, before any notebook runs.
WARM_UP = """
import os, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy, pandas, scipy.stats, statsmodels.api, plotnine
import lhs_reports, lhs_reports.notebook, lhs_reports.stats, lhs_reports.plots, lhs_reports.data
_fig = plt.figure(); plt.plot([0, 1]); _fig.canvas.draw(); plt.close("all")
_df = pandas.DataFrame({"x": [1, 2], "y": [1, 2]})
(plotnine.ggplot(_df, plotnine.aes("x", "y")) + plotnine.geom_point()).draw()
plt.close("all")
import copy as _copy
# Kept on the shell object: `%reset -f` clears the namespace but not this.
get_ipython()._lhs_baseline = {
    "rc": _copy.deepcopy(dict(matplotlib.rcParams)),
    "cwd": os.getcwd(),
    "theme": plotnine.theme_get(),
    "theme_type": type(plotnine.theme_get()),
}
del _fig, _df, _copy
# A fresh namespace, execution count 1 and a new history session, as in a new kernel.
get_ipython().reset(new_session=True)
"""

#: Run after every notebook: report leaks and peak memory as JSON, then restore a fresh state.
RESET = """
import json as __json, os as __os, warnings as __warnings
import matplotlib as __mpl, matplotlib.pyplot as __plt
__leaks = {}
if __plt.get_fignums():
    __leaks["open_figures"] = len(__plt.get_fignums())
__plt.close("all")
__base = get_ipython()._lhs_baseline
with __warnings.catch_warnings():
    __warnings.simplefilter("ignore")
    __changed = sorted(k for k, v in __mpl.rcParams.items()
                       if k in __base["rc"] and str(__base["rc"][k]) != str(v))
    if __changed:
        __leaks["rcparams"] = __changed[:10]
        __mpl.rcParams.update(__base["rc"])
import plotnine as __p9
if type(__p9.theme_get()) is not __base["theme_type"]:
    __leaks["plotnine_theme"] = True
    __p9.theme_set(__base["theme"])
if __os.getcwd() != __base["cwd"]:
    __leaks["cwd"] = __os.getcwd()
    __os.chdir(__base["cwd"])
import resource as __resource, sys as __sys
# Peak resident memory: kilobytes on Linux, bytes on macOS.
__peak = __resource.getrusage(__resource.RUSAGE_SELF).ru_maxrss
__peak_mb = __peak / (2**20 if __sys.platform == "darwin" else 2**10)
print(__json.dumps({"leaks": __leaks, "peak_mb": round(__peak_mb, 1)}))
if "lhs_reports.data.reads" in __sys.modules:  # a failed notebook's reads were never taken
    __sys.modules["lhs_reports.data.reads"].clear()
get_ipython().reset(new_session=True)
"""

#: Run after a notebook succeeded: what it read through the data layer, as JSON.
COLLECT_READS = """
import json as __json
import lhs_reports.data.reads as __reads
print(__json.dumps(__reads.take()))
del __json, __reads
"""

#: Run straight after WARM_UP and after RESET. The libraries imported at warm-up live as long as
#: the kernel: freezing moves them out of the garbage collector's sight, so a full collection
#: scans only what notebooks create (~0.1 s saved per collection). After a notebook: reset()
#: collects garbage before it clears the namespace, so collect what the namespace held (no
#: finaliser of this notebook's objects then runs during the next one), and freeze what is
#: left, the modules and caches the notebooks filled (~0.05 s less per demo notebook).
FREEZE = """
import gc as __gc
__gc.collect()
__gc.freeze()
del __gc
"""

#: Frozen objects that later become garbage in a cycle (a cache entry dropped, say) are not
#: collected while frozen, so every RESCAN_EVERY notebooks everything is scanned once more.
#: Measured over 100 demo notebooks, a kernel's memory then stays at 365-390 MiB, as without
#: freezing (364-378 MiB); without the rescan it grew to 446 MiB.
RESCAN_EVERY = 20
UNFREEZE = "\n__import__('gc').unfreeze()\n"


class KernelDied(RuntimeError):
    """The kernel process died or had to be killed (an infrastructure fault, retryable)."""


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
    runs: int = field(default=0, init=False)
    starts: int = field(default=0, init=False)
    leaks: list[dict[str, Any]] = field(default_factory=list, init=False)
    #: The kernel's peak resident memory (MiB) after its last notebook.
    peak_mb: float = field(default=0.0, init=False)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the kernel and import the heavy libraries in it."""
        self.stop()
        km = AsyncKernelManager(kernel_name=self.kernel_name, **self._private_transport())
        # A warm kernel runs hundreds of notebooks: keeping their input history in SQLite (and
        # committing a new history session at every reset) is work nobody reads.
        extra = ["--HistoryManager.enabled=False"] if self.warm else []
        run_sync(km.start_kernel)(cwd=str(self.cwd), env={**os.environ, **self.env},
                                  extra_arguments=extra)
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        self._km, self._kc = km, kc
        self.runs = 0
        self.starts += 1
        if self.warm:
            self._run_code(WARM_UP + FREEZE, timeout=self.startup_timeout)

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
        """
        return str(run_sync(self._run_code_async)(code, timeout))

    async def _run_code_async(self, code: str, timeout: float) -> str:
        kc = self._kc
        msg_id = kc.execute(code, store_history=False, allow_stdin=False)
        printed: list[str] = []
        error: str | None = None
        while True:
            msg = await kc.get_iopub_msg(timeout=timeout)
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
            reply = await kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if error:
            raise RuntimeError(f"kernel housekeeping failed: {error}")
        return "".join(printed)

    def execute(self, notebook: Path, output: Path, parameters: dict[str, Any], *,
                cell_timeout: float | None = None) -> NotebookNode:
        """Execute ``notebook`` with ``parameters`` into ``output``, exactly as papermill does,
        and return the executed notebook (what was written to ``output``).

        Raises whatever papermill raises for the notebook's own errors
        (``PapermillExecutionError``), :class:`KernelDied` if the kernel died.
        """
        from nbclient.exceptions import DeadKernelError

        if self._km is None or not self.alive():
            self.start()
        try:
            executed = papermill.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=self.kernel_name,
                progress_bar=False, log_output=False, km=self._km, kc=self._kc,
                execution_timeout=cell_timeout, engine_name=ENGINE_NAME,
                collect_reads=self._collect_reads,
            )
        except DeadKernelError as exc:
            self._km = self._kc = None
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
            self._km = self._kc = None
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
