"""The worker's side of a Dask build: run a job sent by the client in a private folder and send
back everything it produced.

A Dask worker needs only the installed package and access to the data, never the project
folder: the client sends each job's notebook (its JSON) and parameters, and once per build a
:class:`ProjectSnapshot` (the catalogue and the parameter files, which pages across
organisations read). The worker writes them into a private temporary folder, runs the notebook
there on a warm kernel of its own thread, and returns the executed (or failed) notebook in a
:class:`RemoteOutcome`. Only the client writes the project's outputs, so a worker with a copy
of the project (or a stale one) can never publish anything.

Kernels belong to a build and a worker thread (:func:`thread_kernel`): a ``dask worker`` with
several threads runs one kernel per thread, never two notebooks on one kernel; two builds on
one worker never share a kernel, folder or environment. They are created in the task itself,
when first needed, and stopped by the build's own :class:`BuildPlugin` when that build ends.

Every task first checks that the worker runs the client's lhs-reports (version and code digest,
:func:`check_identity`): a worker with other code would produce other reports under the same
cache key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

import lhs_reports
from lhs_reports.engine.cache import code_digest
from lhs_reports.engine.execute import kernel_environment, run_job
from lhs_reports.engine.kernels import WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.errors import BuildError

#: Where a job's notebook is put in the worker's copy of the project (by family id).
NOTEBOOKS = Path(".lhs-notebooks")


@dataclass(frozen=True)
class Identity:
    """The lhs-reports a process runs: its version and the digest of its source."""

    version: str
    digest: str

    def describe(self) -> str:
        return f"lhs-reports {self.version} (code digest {self.digest[:12]})"


def local_identity() -> Identity:
    """The lhs-reports this process runs.

    Examples
    --------
    >>> local_identity().version == lhs_reports.__version__
    True
    """
    return Identity(lhs_reports.__version__, code_digest())


class WorkerMismatch(BuildError):
    """A worker runs another lhs-reports than the client (refused: not retried)."""


def mismatch(worker: str, theirs: Identity, ours: Identity) -> WorkerMismatch:
    """The error for a worker running ``theirs`` when the client runs ``ours``."""
    return WorkerMismatch(
        f"Dask worker {worker} runs {theirs.describe()}, but this build runs "
        f"{ours.describe()}; its reports could differ from this machine's",
        field="--scheduler",
        hint="install the same lhs-reports on every worker as on the machine running the "
        "build (pip install -r requirements.lock, then the same lhs-reports), and restart the "
        "workers")


def check_identity(expected: Identity, worker: str) -> None:
    """Raise :class:`WorkerMismatch` unless this process runs ``expected``."""
    here = local_identity()
    if here != expected:
        raise mismatch(worker, here, expected)


@dataclass(frozen=True)
class ProjectSnapshot:
    """What a worker needs of the project besides the data: small files, by relative path.

    The catalogue, every parameter file (pages across organisations read them all) and each
    family's notebook under ``.lhs-notebooks/<family>.ipynb``. Sent to each worker once per
    build (with the build's worker plugin), not once per task.
    """

    files: dict[str, bytes]

    @property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def write(self, folder: Path) -> None:
        for name, content in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


@dataclass(frozen=True)
class RemoteJob:
    """A job as sent to a worker: the job (with the client's paths, for its names and
    parameters), the build it belongs to and the code the client runs."""

    build: str
    job: Job
    settings: ExecutionSettings
    identity: Identity


@dataclass(frozen=True)
class RemoteOutcome:
    """What a job produced on a worker: its result and its executed notebook (the text of the
    notebook as written; on failure the failed notebook, or None if it never started)."""

    result: JobResult
    notebook: str | None
    worker: str


class _BuildOnWorker:
    """One build's private folder and kernels (one per worker thread) on one worker."""

    def __init__(self, build: str, snapshot: ProjectSnapshot) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"lhs-reports-{build[:12]}-"))
        snapshot.write(self.folder)
        self.kernels: dict[int, WarmKernel] = {}
        self.closed = False

    def stop(self) -> None:
        self.closed = True
        kernels, self.kernels = list(self.kernels.values()), {}
        for kernel in kernels:
            kernel.kill()  # at once, from any thread: a notebook still running stops now
        for kernel in kernels:
            with contextlib.suppress(Exception):  # best effort: it may be dead already
                kernel.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_builds: dict[str, _BuildOnWorker] = {}
#: Each build's project files on this worker, put there by its plugin.
_snapshots: dict[str, ProjectSnapshot] = {}
_builds_lock = threading.Lock()


def thread_kernel(build: str, settings: ExecutionSettings, worker: str
                  ) -> tuple[WarmKernel, Path]:
    """This worker thread's kernel for ``build`` and the build's folder, created on first use.

    The kernel is started by :func:`~lhs_reports.engine.execute.run_job` in this thread: a
    kernel client's sockets belong to the thread that uses them.
    """
    with _builds_lock:
        here = _builds.get(build)
        if here is None or here.closed:
            snapshot = _snapshots.get(build)
            if snapshot is None:
                raise BuildError(f"the project's files for build {build} never reached Dask "
                                 f"worker {worker} (its worker plugin is missing)",
                                 hint="run the build again; if it recurs, restart the workers")
            here = _builds[build] = _BuildOnWorker(build, snapshot)
        thread = threading.get_ident()
        kernel = here.kernels.get(thread)
        if kernel is None:
            kernel = here.kernels[thread] = WarmKernel(
                cwd=here.folder, env=kernel_environment(here.folder),
                max_notebooks=settings.max_notebooks_per_worker,
                max_memory_mb=settings.max_worker_memory_mb,
                startup_timeout=settings.kernel_timeout)
        return kernel, here.folder


def forget_build(build: str) -> None:
    """Stop ``build``'s kernels on this worker and remove its folder (no other build's)."""
    with _builds_lock:
        here = _builds.pop(build, None)
        _snapshots.pop(build, None)
    if here is not None:
        here.stop()


def run_remote(task: RemoteJob) -> RemoteOutcome:
    """Run ``task`` on this worker, in the build's private folder; return what it produced.

    Nothing is written outside that folder; the notebook files are removed once read.
    """
    from distributed import get_worker

    worker = get_worker().address
    check_identity(task.identity, worker)
    kernel, folder = thread_kernel(task.build, task.settings, worker)
    job = task.job
    thread = threading.get_ident()
    local = dataclasses.replace(
        job, notebook=folder / NOTEBOOKS / f"{job.family.id}.ipynb",
        output=folder / "outputs" / f"{thread}" / job.family.id / f"{job.param_id}.ipynb")
    result = run_job(local, kernel, task.settings)
    written = local.output if result.status == "ok" else local.failed_output
    notebook = written.read_text(encoding="utf-8") if written.is_file() else None
    for path in (local.output, local.failed_output):
        path.unlink(missing_ok=True)
    return RemoteOutcome(result, notebook, worker)


class BuildPlugin(WorkerPlugin):
    """Registered per build (``lhs-reports-<build>``): brings the build's project files to
    every worker (those that join later too), and when its build ends and removes it, stops
    that build's kernels and folder, and nothing of any other build.

    Sent once per worker rather than as a task's input: a task depending on another task's
    result is placed where that result is, which would put every job on one worker.
    """

    def __init__(self, build: str, snapshot: ProjectSnapshot) -> None:
        super().__init__()
        self.build = build
        self.snapshot = snapshot
        self.name = plugin_name(build)

    def setup(self, worker: Any) -> None:
        # Only kept: the folder and kernels are made by the tasks that use them.
        with _builds_lock:
            _snapshots[self.build] = self.snapshot

    def teardown(self, worker: Any) -> None:
        # Runs on the worker's event loop: stopping kernels waits for them, so not here.
        threading.Thread(target=forget_build, args=(self.build,), daemon=True,
                         name=f"lhs-forget-{self.build[:8]}").start()


def plugin_name(build: str) -> str:
    """The worker plugin's name for ``build`` (unique to it, so no build replaces or removes
    another's)."""
    return f"lhs-reports-{build}"


def worker_identity() -> Identity:
    """Run on each worker by the client before a build (``Client.run``)."""
    return local_identity()
