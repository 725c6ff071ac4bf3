"""A report notebook run through a real Jupyter server, on the named ``lhs-reports`` kernel.

What an analyst does in JupyterLab, without the browser: a Jupyter server on localhost (a free
port, a token, a temporary root holding a small project and a copy of a packaged notebook) starts
a session for the notebook on the ``lhs-reports`` kernelspec, installed into a temporary prefix
on the server's ``JUPYTER_PATH``; every code cell runs over the kernel's websocket channel, on the
notebook's default parameters. No cell may fail and the notebook must record its results. The
server is then shut down through its API (and killed, with its kernel, if anything went wrong).

Nothing here waits a fixed time: readiness is polled (``/api/status``) and each wait has a
generous overall limit, since a kernel on a loaded machine can take many seconds to start.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
import websocket
from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session

from lhs_reports.cli import main
from lhs_reports.jupyter_kernel import KERNEL_NAME, install_kernel
from lhs_reports.packaged import PACKAGED_NOTEBOOKS
from lhs_reports.results import records_from_notebook

from .helpers import make_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

#: Overall limit for the server to answer, and for the notebook to run (a loaded CI machine).
READY_WITHIN = 300.0
RUN_WITHIN = 900.0
#: The report run: one trust's crisis flow page, on the demo data of a two-trust project.
NOTEBOOK = "crisis_flow.ipynb"


def free_port() -> int:
    """A port free now; the server moves on if it is taken by then (the runtime file says)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class JupyterServer:
    """A ``jupyter server`` process and the REST calls the test makes to it."""

    root: Path
    env: dict[str, str]
    log: Path
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self) -> None:
        command = [sys.executable, "-m", "jupyter_server", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={free_port()}",
                   f"--ServerApp.root_dir={self.root}", f"--IdentityProvider.token={self.token}",
                   # The server's own wait for a new kernel's first reply (default 60 s).
                   f"--MappingKernelManager.kernel_info_timeout={READY_WITHIN:g}"]
        if os.geteuid() == 0:  # as root (a container, CI) the server refuses to start without
            command.append("--allow-root")
        with self.log.open("wb") as log:
            # Its own session (process group), so the finally can stop its kernels with it.
            self.process = subprocess.Popen(command, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self._port()}"
        self._poll(lambda: self.request("GET", "/api/status") is not None, "answer /api/status")

    def _port(self) -> int:
        """The port the server listens on, from the runtime file it writes once listening."""
        runtime = Path(self.env["JUPYTER_RUNTIME_DIR"])
        ports: list[int] = []

        def read() -> bool:
            ports.extend(int(json.loads(info.read_text())["port"])
                         for info in runtime.glob("jpserver-*.json"))
            return bool(ports)

        self._poll(read, "write its runtime file")
        return ports[0]

    def _poll(self, ready: Any, what: str) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"jupyter server exited ({self.process.returncode}) before it "
                            f"would {what}:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if ready():
                    return
            except (OSError, ValueError):
                pass  # not listening yet, or the runtime file half written
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter server did not {what} within {READY_WITHIN:g} s:\n"
                            f"{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)  # a polling interval, not a wait for anything to happen

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=READY_WITHIN) as response:
            text = response.read()
        return json.loads(text) if text else {}

    def stop(self) -> int:
        """Ask the server to shut down (it stops its kernels), then wait for it to exit."""
        assert self.process is not None
        self.request("POST", "/api/shutdown")
        return self.process.wait(timeout=READY_WITHIN)

    def kill(self) -> None:
        """Kill the server and its kernels (its process group) if it is still there."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class KernelChannel:
    """A kernel's websocket channel on the server: run code, collect its outputs as nbformat
    outputs, as JupyterLab's notebook does."""

    def __init__(self, server: JupyterServer, kernel_id: str) -> None:
        self.session = Session(username="lhs-reports-test")
        ws_url = server.url.replace("http", "ws", 1)
        self.ws = websocket.create_connection(
            f"{ws_url}/api/kernels/{kernel_id}/channels?session_id={self.session.session}",
            header=[f"Authorization: token {server.token}"], timeout=RUN_WITHIN)

    def run(self, code: str, deadline: float) -> tuple[list[Any], dict[str, Any]]:
        """Run ``code``; return its outputs and the kernel's execute reply."""
        request = self.session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        request["channel"] = "shell"
        self.ws.send(json.dumps(request, default=json_default))
        outputs: list[Any] = []
        reply: dict[str, Any] | None = None
        idle = False
        while reply is None or not idle:
            self.ws.settimeout(max(deadline - time.monotonic(), 1.0))
            message = json.loads(self.ws.recv())
            if message.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                continue
            kind = message["msg_type"]
            if message["channel"] == "shell" and kind == "execute_reply":
                reply = message["content"]
            elif kind == "status":
                idle = message["content"]["execution_state"] == "idle"
            elif kind in {"stream", "display_data", "execute_result", "error"}:
                outputs.append(nbformat.v4.output_from_msg(message))
        return outputs, reply

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def server_root(tmp_path: Path) -> Path:
    """A two-trust project with its demo data and its own copy of the notebook."""
    root = make_project(tmp_path / "lab", n_trusts=2)
    assert main(["--project", str(root), "demo-data"]) == 0
    (root / "notebooks").mkdir()
    shutil.copy(PACKAGED_NOTEBOOKS / NOTEBOOK, root / "notebooks" / NOTEBOOK)
    return root


@pytest.fixture
def server_env(tmp_path: Path) -> tuple[dict[str, str], str]:
    """The server's environment: Jupyter's folders in ``tmp_path`` (nothing of the machine's
    or the user's configuration), and the named kernel installed in a prefix on its path."""
    display_name = f"lhs-reports under test {secrets.token_hex(4)}"
    kernel = install_kernel(scope="prefix", prefix=tmp_path / "kernels",
                            display_name=display_name)
    jupyter = tmp_path / "jupyter"
    env = {**os.environ,
           "JUPYTER_PATH": str(kernel.path.parents[1]),
           "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_DATA_DIR": str(jupyter / "data"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
           "IPYTHONDIR": str(jupyter / "ipython"),
           "MPLBACKEND": "Agg"}
    env.pop("LHS_REPORTS_PROJECT", None)  # the kernel finds the project from its folder
    return env, display_name


def test_a_report_notebook_runs_through_a_jupyter_server_on_the_named_kernel(
        tmp_path, server_root, server_env):
    env, display_name = server_env
    server = JupyterServer(server_root, env, tmp_path / "jupyter-server.log")
    channel = None
    try:
        server.start()
        specs = server.request("GET", "/api/kernelspecs")["kernelspecs"]
        assert specs[KERNEL_NAME]["spec"]["display_name"] == display_name

        session = server.request("POST", "/api/sessions", {
            "path": f"notebooks/{NOTEBOOK}", "type": "notebook", "name": NOTEBOOK,
            "kernel": {"name": KERNEL_NAME}})
        assert session["kernel"]["name"] == KERNEL_NAME
        channel = KernelChannel(server, session["kernel"]["id"])

        notebook = nbformat.read(server_root / "notebooks" / NOTEBOOK, as_version=4)
        deadline = time.monotonic() + RUN_WITHIN
        failures = []
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs, reply = channel.run(cell.source, deadline)
            if reply["status"] != "ok":
                failures.append(f"cell {index}: {reply.get('ename')}: {reply.get('evalue')}")
        assert not failures, failures
        assert not [o for c in notebook.cells for o in c.get("outputs", [])
                    if o.output_type == "error"]

        records = records_from_notebook(notebook)
        assert records, "the notebook recorded no results"
        assert {"name", "value", "unit"} <= set(records[0])

        # The kernel is this environment's Python, started in the notebook's folder.
        where, _ = channel.run("import os, sys; print(sys.prefix); print(os.getcwd())",
                               deadline)
        prefix, cwd = "".join(o.text for o in where if o.output_type == "stream").split()
        assert Path(prefix).resolve() == Path(sys.prefix).resolve()
        assert Path(cwd).resolve() == (server_root / "notebooks").resolve()

        server.request("DELETE", f"/api/sessions/{session['id']}")
        channel.close()
        channel = None
        assert server.stop() == 0
    finally:
        if channel is not None:
            channel.close()
        server.kill()
