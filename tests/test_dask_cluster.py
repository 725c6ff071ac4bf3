"""A real Dask deployment: a scheduler and workers as separate processes, as on a cluster.

One cluster for the module: a ``dask scheduler`` and two ``dask worker`` processes (one with
two threads, one with one), each started (as root) in a mount namespace where a tmpfs hides
the folder holding the projects, so no worker can read a project: the client must send the
notebooks and write what comes back. The data live in a shared folder every worker reads.
Every process (and every kernel under it) is killed in the fixture's teardown, whatever
happened; every wait polls with a generous deadline and each test has a time limit.
"""

from __future__ import annotations

import contextlib
import difflib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest
from distributed import Client

from lhs_reports.cli import _summary, main
from lhs_reports.engine import dask_executor
from lhs_reports.engine.build import BuildReport, run_build
from lhs_reports.engine.cache import MANIFEST, Manifest
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project
from lhs_reports.engine.remote import Identity

from .test_engine import normalised, write_probe_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

DASK = Path(sys.executable).with_name("dask")
#: Seconds a process may take to be ready on a busy 2-core machine (it usually takes a few).
READY = 240
SETTINGS = ExecutionSettings(cell_timeout=300, notebook_timeout=300, kernel_timeout=300,
                             retries=1, connect_timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hiding_prefix(hidden: Path) -> tuple[list[str], str]:
    """A command prefix that starts a process unable to read ``hidden``, and how it does so
    (empty when no way works here)."""
    marker = hidden / ".visible"
    marker.touch()
    mount = 'mount -t tmpfs -o size=1m lhs-hidden "$0" && exec "$@"'
    unshare = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mount,
               str(hidden)]
    try:
        tried = subprocess.run([*unshare, "test", "!", "-e", str(marker)], timeout=60,
                               capture_output=True)
        if tried.returncode == 0:
            return unshare, "a tmpfs mounted over the projects' folder (unshare --mount)"
    except (OSError, subprocess.TimeoutExpired):
        pass
    # Another user, for whom the projects' folder is closed (needs root, and the environment
    # readable by that user).
    if os.geteuid() == 0 and shutil.which("setpriv"):
        hidden.chmod(0o700)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        try:
            tried = subprocess.run(
                [*nobody, sys.executable, "-c",
                 f"import os, lhs_reports, distributed; assert not os.access({str(hidden)!r}, "
                 "os.R_OK)"], timeout=120, capture_output=True)
            if tried.returncode == 0:
                return nobody, "another user, for whom the projects' folder is closed"
        except (OSError, subprocess.TimeoutExpired):
            pass
        hidden.chmod(0o755)
    return [], ""


@dataclass
class Cluster:
    address: str
    projects: Path
    shared: Path
    client: Client
    #: How the workers were kept from the projects ("" when they can read them).
    hidden: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def project(self, name: str, codes: list[str], names: str = "Trust") -> Path:
        """A probe project under the hidden folder, its data in the shared one."""
        root = write_probe_project(self.projects / name, codes, n_trusts=4,
                                   data=self.shared / name)
        for code in codes:
            (root / "params" / "trusts" / f"{code}.yaml").write_text(
                f"trust_code: {code}\ntrust_name: {names} {code}\n")
        return root

    def build(self, root: Path) -> BuildReport:
        return run_build(load_project(root), executor="dask", scheduler=self.address,
                         settings=SETTINGS, renderer="builtin", progress_plain=True)


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and everything under it (nanny, worker, kernels)."""
    try:
        family = [psutil.Process(process.pid),
                  *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=60)


def _wait_for(what: str, ready: object, processes: list[subprocess.Popen[bytes]],
              logs: Path) -> None:
    deadline = time.monotonic() + READY
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                text = "\n".join(p.read_text(errors="replace")[-2000:]
                                 for p in sorted(logs.glob("*.log")))
                pytest.fail(f"{what}: a process exited ({process.args}):\n{text}")
        with contextlib.suppress(Exception):
            if ready():  # type: ignore[operator]
                return
        time.sleep(0.5)
    pytest.fail(f"{what} not ready within {READY} s")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    base = Path(tempfile.mkdtemp(prefix="lhs-cluster-"))
    base.chmod(0o755)
    projects, shared = base / "projects", base / "shared"
    projects.mkdir()
    shared.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    client = None
    try:
        prefix, hidden = hiding_prefix(projects)
        address = f"tcp://127.0.0.1:{free_port()}"
        processes.append(_start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                                 address.rsplit(":", 1)[1], "--no-dashboard"],
                                base / "scheduler.log"))
        holder: list[Client] = []

        def connected() -> bool:
            holder.append(Client(address, timeout=10, set_as_default=False))
            return True

        _wait_for("the scheduler", connected, processes, base)
        client = holder[-1]
        # Two threads in one worker (dask's default is one per core): one kernel per thread.
        for number, threads in enumerate((2, 1)):
            processes.append(_start(
                [*prefix, str(DASK), "worker", address, "--nthreads", str(threads),
                 "--no-dashboard", "--name", f"w{number}"], base / f"worker{number}.log"))
        _wait_for("two workers", lambda: len(client.scheduler_info()["workers"]) == 2,
                  processes, base)
        yield Cluster(address, projects, shared, client, hidden, processes)
    finally:
        if client is not None:
            client.close(timeout=30)
        for process in reversed(processes):
            _kill_tree(process)
        subprocess.run(["umount", "-l", str(projects)], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def built(cluster: Cluster) -> tuple[Path, BuildReport]:
    """A three-trust project built on the cluster (by workers that cannot read it)."""
    root = cluster.project("clean", ["SYN01", "SYN02", "SYN03"])
    return root, cluster.build(root)


def _without(notebook: dict, data: Path) -> dict:
    return json.loads(json.dumps(notebook).replace(str(data), "<data>"))


def _difference(one: dict, other: dict) -> str:
    lines = [json.dumps(n, indent=1, sort_keys=True).splitlines() for n in (one, other)]
    return "\n".join(difflib.unified_diff(*lines, "cluster", "local", lineterm="", n=2))


def _records(root: Path) -> dict[str, list[dict]]:
    with Manifest(root / "outputs" / MANIFEST) as manifest:
        return {key: entry["records"] for key, entry in manifest.entries.items()}


@pytest.mark.timeout(900)
def test_a_clean_build_on_the_cluster_equals_the_local_build(cluster, built, tmp_path):
    root, report = built
    assert not report.failed, [(r.key, r.error) for r in report.failed]
    local = write_probe_project(tmp_path / "local", ["SYN01", "SYN02", "SYN03"], n_trusts=4,
                                data=tmp_path / "shared-data")
    for code in ("SYN01", "SYN02", "SYN03"):
        (local / "params" / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: Trust {code}\n")
    here = run_build(load_project(local), executor="local", jobs=2, settings=SETTINGS,
                     renderer="builtin", progress_plain=True)
    assert not here.failed
    for code in ("SYN01", "SYN02", "SYN03"):
        # Each project's own data folder is the one path left that differs.
        remote = _without(normalised(root / "outputs" / "notebooks" / "probe" / f"{code}.ipynb",
                                     root), cluster.shared / "clean")
        mine = _without(normalised(local / "outputs" / "notebooks" / "probe" / f"{code}.ipynb",
                                   local), tmp_path / "shared-data")
        assert remote == mine, (code, _difference(remote, mine))
    assert _records(root) == _records(local)


@pytest.mark.timeout(900)
def test_workers_that_cannot_read_the_project_build_it_and_the_client_writes_it(cluster,
                                                                                built):
    if not cluster.hidden:
        pytest.skip("no way to hide a folder from a process here (needs root and unshare, "
                    "or setpriv)")
    root, report = built
    seen = cluster.client.run(os.path.exists, str(root / "params" / "reports.yaml"))
    assert seen and not any(seen.values()), seen  # the workers really cannot read it
    assert not report.failed, [(r.key, r.error) for r in report.failed]
    for code in ("SYN01", "SYN02", "SYN03"):
        notebook = nbformat.read(root / "outputs" / "notebooks" / "probe" / f"{code}.ipynb",
                                 as_version=4)
        assert f"Trust {code}" in json.dumps(notebook.cells[-1].outputs)
        assert notebook.metadata.papermill.output_path == str(
            root / "outputs" / "notebooks" / "probe" / f"{code}.ipynb")
    # What the notebooks read is recorded as a local build records it, so the next plan
    # finds everything up to date.
    second = cluster.build(root)
    assert [r.status for r in second.results] == ["skipped"] * 3


@pytest.mark.timeout(900)
def test_a_worker_killed_mid_build_is_reported_and_its_job_still_runs(cluster, capsys):
    root = cluster.project("killed", ["SYN01", "WAIT", "SYN02"])
    data = cluster.shared / "killed"
    outcome: list[BuildReport | BaseException] = []

    def build() -> None:
        try:
            outcome.append(cluster.build(root))
        except BaseException as exc:  # reported by the test below
            outcome.append(exc)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    deadline = time.monotonic() + 600
    while not (data / "started-WAIT").exists():
        assert time.monotonic() < deadline and thread.is_alive(), outcome
        time.sleep(0.2)
    running = {worker: keys for worker, keys in cluster.client.processing().items()
               if any("-probe-WAIT-" in key for key in keys)}
    assert len(running) == 1, running
    (worker,) = running
    pid = cluster.client.run(os.getpid, workers=[worker])[worker]
    victims = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    for victim in victims:  # the worker and its kernel, as when its machine goes down
        victim.send_signal(signal.SIGKILL)
    (data / "release-WAIT").touch()
    thread.join(timeout=600)
    assert not thread.is_alive(), "the build did not finish"
    (report,) = outcome
    assert isinstance(report, BuildReport), report
    assert not report.failed, [(r.key, r.error) for r in report.failed]
    wait = next(r for r in report.results if r.key == "probe/WAIT")
    assert wait.lost_workers >= 1 and wait.attempts >= 2, wait
    # Only jobs the scheduler had given that worker were lost with it (others queued there).
    given = {key.split("-probe-")[1].rsplit("-", 1)[0] for key in running[worker]}
    assert {r.key.split("/")[1] for r in report.results if r.lost_workers} <= given
    capsys.readouterr()
    _summary(report)
    assert "probe/WAIT: run again after its Dask worker was lost (1 lost, 2 attempts in all)" \
        in capsys.readouterr().out
    # The nanny restarts the worker: the cluster is whole again for the other tests.
    _wait_for("the restarted worker",
              lambda: len(cluster.client.scheduler_info()["workers"]) == 2,
              [], cluster.projects)


@pytest.mark.timeout(900)
def test_two_projects_built_on_one_cluster_at_once_each_get_only_their_own_reports(cluster):
    # The same family and organisation codes in both: only the project tells them apart.
    codes = ["SYN01", "SYN02"]
    roots = {"Alpha": cluster.project(f"alpha-{time.monotonic_ns()}", codes, "Alpha"),
             "Beta": cluster.project(f"beta-{time.monotonic_ns()}", codes, "Beta")}
    reports: dict[str, BuildReport | BaseException] = {}

    def build(name: str) -> None:
        try:
            reports[name] = cluster.build(roots[name])
        except BaseException as exc:  # reported by the test below
            reports[name] = exc

    threads = [threading.Thread(target=build, args=(name,), daemon=True) for name in roots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a build did not finish"
    for name, root in roots.items():
        report = reports[name]
        assert isinstance(report, BuildReport), report
        assert not report.failed, [(r.key, r.error) for r in report.failed]
        folder = root / "outputs" / "notebooks" / "probe"
        assert sorted(p.name for p in folder.glob("*.ipynb")) == [f"{c}.ipynb" for c in codes]
        for code in codes:
            notebook = nbformat.read(folder / f"{code}.ipynb", as_version=4)
            assert f"{name} {code}" in json.dumps(notebook.cells[-1].outputs), (name, code)
            assert str(root) in notebook.metadata.papermill.output_path
            records = {r["name"]: r["value"] for r in _records(root)[f"probe/{code}"]}
            assert records["trust"] == f"{name} {code}"


@pytest.mark.timeout(600)
def test_a_worker_running_other_lhs_reports_code_is_refused(cluster, monkeypatch, capsys):
    root = cluster.project("other-code", ["SYN01"])
    theirs = cluster.client.run(dask_executor.worker_identity)
    monkeypatch.setattr(dask_executor, "client_identity",
                        lambda: Identity("0.0.1-elsewhere", "f" * 64))
    status = main(["--project", str(root), "build", "--renderer", "builtin", "--executor",
                   "dask", "--scheduler", cluster.address])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    version = next(iter(theirs.values())).version
    assert f"runs lhs-reports {version}" in err and "lhs-reports 0.0.1-elsewhere" in err, err
    assert not (root / "outputs" / "notebooks" / "probe" / "SYN01.ipynb").exists()


@pytest.fixture(scope="module")
def not_dask() -> Iterator[dict[str, str]]:
    """Addresses where something that is not a Dask scheduler answers, or nothing does."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections (the kernel does) and never says a word
    try:
        yield {
            "malformed": "this is not an address",
            "unknown scheme": "bogus://127.0.0.1:8786",
            "refused": f"tcp://127.0.0.1:{free_port()}",
            "unknown host": "tcp://no-such-host.invalid:8786",
            "an HTTP server": f"tcp://127.0.0.1:{web.server_address[1]}",
            "a silent listener": f"tcp://127.0.0.1:{silent.getsockname()[1]}",
        }
    finally:
        web.shutdown()
        silent.close()


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Path:
    return write_probe_project(tmp_path_factory.mktemp("address") / "project", ["SYN01"],
                               n_trusts=2)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("problem", ["malformed", "unknown scheme", "refused", "unknown host",
                                     "an HTTP server", "a silent listener"])
def test_a_bad_scheduler_address_is_the_packages_own_error(problem, not_dask, small_project,
                                                           capsys):
    root = small_project
    address = not_dask[problem]
    status = main(["--project", str(root), "build", "--renderer", "builtin", "--executor",
                   "dask", "--scheduler", address, "--connect-timeout", "3"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert address in err and "--scheduler" in err, err
    expected = {"malformed": "is not a Dask scheduler address",
                "unknown scheme": "is not a Dask scheduler address",
                "refused": "connection refused", "unknown host": "unknown host",
                "an HTTP server": "answered, but not as a Dask scheduler",
                "a silent listener": "answered, but not as a Dask scheduler"}[problem]
    assert expected in err, err
