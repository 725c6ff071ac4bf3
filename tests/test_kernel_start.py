"""Starting a kernel is not notebook time: its own limit, its own error, a retry, no orphans.

None of these tests depends on how fast the machine is: a kernel that must not start is one that
never can (its command sleeps), and the order of start and notebook clock is observed directly.
"""

from __future__ import annotations

import json
import pickle
import queue
import sys
import uuid
from pathlib import Path

import psutil
import pytest
from papermill.exceptions import PapermillExecutionError

from lhs_reports.engine import execute, kernels
from lhs_reports.engine.execute import error_summary, kernel_environment, run_job
from lhs_reports.engine.kernels import KernelDied, KernelStartTimeout, WarmKernel
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import Job, load_project, plan_jobs
from lhs_reports.errors import BuildError

from .test_engine import write_probe_project


# -- error_summary: never a bare name ----------------------------------------------------------
def test_a_bare_queue_empty_is_summarised_as_a_wait_for_the_kernel():
    summary = error_summary(queue.Empty())
    assert summary == "queue.Empty while waiting for the kernel: no reply within the time limit"


@pytest.mark.parametrize("exc", [queue.Empty(), TimeoutError(), RuntimeError(), ValueError(""),
                                 RuntimeError("   "), KernelDied(""),
                                 PapermillExecutionError(2, 3, "raise ValueError", "ValueError",
                                                         "", [])])
def test_no_error_summary_is_a_name_with_nothing_after_it(exc):
    summary = error_summary(exc)
    assert not summary.rstrip().endswith(":"), summary
    assert len(summary.split()) >= 4, summary  # a sentence, not a name


def test_a_notebook_error_without_a_message_names_its_cell():
    exc = PapermillExecutionError(2, 3, "raise ValueError", "ValueError", "", [])
    assert error_summary(exc) == "ValueError raised in cell 3 of the notebook, without a message"


def test_a_kernel_start_timeout_reads_as_advice_on_one_line_and_pickles():
    error = KernelStartTimeout.after(120)
    assert isinstance(error, KernelDied) and isinstance(error, BuildError)
    assert error_summary(error) == ("KernelStartTimeout: kernel did not start within 120 s; "
                                    "the machine may be overloaded; raise --kernel-timeout")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is KernelStartTimeout and str(clone) == str(error)


# -- a kernel that does not start ---------------------------------------------------------------
@pytest.fixture
def probe_job(tmp_path) -> Job:
    root = write_probe_project(tmp_path / "project", ["SYN01"], n_trusts=1)
    return plan_jobs(load_project(root))[0]


def kernel_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, code: str) -> str:
    """A kernel called ``name`` whose process runs ``code``; returns a marker in its command
    line, to find its processes by."""
    marker = f"lhs-test-{uuid.uuid4().hex}"
    folder = tmp_path / "jupyter" / "kernels" / name
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, "{connection_file}", marker],
        "display_name": name, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return marker


def running(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if (marker in (process.info["cmdline"] or [])
                and process.info["status"] != psutil.STATUS_ZOMBIE):
            found.append(process)
    return found


@pytest.mark.slow
def test_a_kernel_that_never_starts_is_reported_as_such_retried_once_and_cleaned_up(
        tmp_path, monkeypatch, probe_job):
    # The kernel's process sleeps instead of starting: with any limit it never becomes ready.
    marker = kernel_spec(tmp_path, monkeypatch, "hang", "import time; time.sleep(600)")
    # The notebook limit is as short as the kernel's: were start-up counted as notebook time,
    # the job would end as a notebook "timeout".
    settings = ExecutionSettings(kernel_timeout=0.5, notebook_timeout=0.5, retries=1)
    kernel = WarmKernel(cwd=tmp_path, kernel_name="hang", startup_timeout=settings.kernel_timeout)
    try:
        result = run_job(probe_job, kernel, settings)
        assert result.status == "failed"
        assert result.attempts == 2
        assert result.error == ("KernelStartTimeout: kernel did not start within 0.5 s; "
                                "the machine may be overloaded; raise --kernel-timeout")
        assert kernel.starts == 0
        assert running(marker) == [], "a kernel that did not start was left running"
    finally:
        kernel.stop()
        for process in running(marker):
            process.kill()


@pytest.mark.slow
def test_a_kernel_that_dies_while_starting_is_retried_once_and_says_so(
        tmp_path, monkeypatch, probe_job):
    kernel_spec(tmp_path, monkeypatch, "dies", "raise SystemExit(3)")
    kernel = WarmKernel(cwd=tmp_path, kernel_name="dies")
    result = run_job(probe_job, kernel, ExecutionSettings(retries=1))
    assert (result.status, result.attempts) == ("failed", 2)
    assert result.error.startswith("KernelDied: kernel 'dies' died while starting")


@pytest.mark.slow
@pytest.mark.notebook
def test_a_kernel_that_dies_during_warm_up_is_reported_at_once_not_as_an_empty_wait(
        tmp_path, monkeypatch, probe_job):
    # Before, the warm-up waited the whole start-up limit for a reply from the dead kernel and
    # the job failed with "Empty: ". The limit here is the default 120 s; the job is reported
    # as soon as the kernel is seen dead (checked every ALIVE_CHECK_EVERY s).
    monkeypatch.setattr(kernels, "WARM_UP", "import os; os._exit(3)")
    kernel = WarmKernel(cwd=probe_job.params_path.parents[2],
                        env=kernel_environment(probe_job.params_path.parents[2]))
    result = run_job(probe_job, kernel, ExecutionSettings(retries=1))
    assert (result.status, result.attempts) == ("failed", 2)
    assert result.error.startswith("KernelDied: kernel 'python3' died while starting")


@pytest.mark.slow
@pytest.mark.notebook
def test_a_warm_up_that_fails_in_the_kernel_is_not_retried_and_names_the_error(
        tmp_path, monkeypatch, probe_job):
    monkeypatch.setattr(kernels, "WARM_UP", "import lhs_no_such_module")
    kernel = WarmKernel(cwd=tmp_path)
    result = run_job(probe_job, kernel, ExecutionSettings(retries=1))
    assert (result.status, result.attempts) == ("failed", 1)
    assert result.error.startswith("BuildError: the kernel's warm-up failed: "
                                   "ModuleNotFoundError: No module named 'lhs_no_such_module'")
    assert not kernel.alive()


def test_a_kernel_that_is_not_running_is_never_started_inside_a_notebooks_time(tmp_path):
    kernel = WarmKernel(cwd=tmp_path)
    with pytest.raises(KernelDied, match="stopped before probe.ipynb could run"):
        kernel.execute(tmp_path / "probe.ipynb", tmp_path / "out.ipynb", {}, start=False)
    assert kernel.starts == 0 and not kernel.alive()


# -- the notebook's clock starts when its kernel is ready ---------------------------------------
@pytest.mark.slow
@pytest.mark.notebook
def test_the_notebook_clock_starts_only_once_the_kernel_is_ready(tmp_path, monkeypatch):
    # Observed, not timed: each time a notebook's watchdog is armed, is its kernel ready?
    # Covers the first start, the fresh kernel after a crash, and the one after a recycle.
    armed: list[bool] = []

    class RecordingWatchdog(execute.NotebookWatchdog):
        def __enter__(self) -> execute.NotebookWatchdog:
            armed.append(self.kernel.ready)
            return super().__enter__()

    monkeypatch.setattr(execute, "NotebookWatchdog", RecordingWatchdog)
    # A slow warm-up, which the notebook's limit must not see.
    monkeypatch.setattr(kernels, "WARM_UP", kernels.WARM_UP + "\n__import__('time').sleep(1)\n")
    root = write_probe_project(tmp_path, ["SYN01", "CRASH", "SYN02"], n_trusts=2)
    jobs = {job.param_id: job for job in plan_jobs(load_project(root))}
    settings = ExecutionSettings(notebook_timeout=600, retries=1)
    kernel = WarmKernel(cwd=root, env=kernel_environment(root), max_notebooks=1)
    try:
        results = [run_job(jobs[code], kernel, settings) for code in ("SYN01", "CRASH", "SYN02")]
    finally:
        kernel.stop()
    assert [(r.status, r.attempts) for r in results] == [("ok", 1), ("failed", 2), ("ok", 1)]
    # SYN01 on a new kernel; CRASH on a new one (SYN01's was recycled after its one notebook)
    # and again after it died; SYN02 on a new one after the crash.
    assert kernel.starts == 4
    assert armed == [True, True, True, True]
