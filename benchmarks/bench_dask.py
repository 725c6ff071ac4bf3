"""Benchmark a Dask cluster's throughput against the local executor on the same machine.

Generates a demo project with N synthetic trusts (every report family, as
``benchmarks/bench_build.py`` does), starts a real deployment as separate processes (``dask
scheduler`` and ``dask worker --nthreads 1 --nworkers W``, where W is ``--workers``, default one
per core), and times a forced build (every job runs) with each executor:

- ``local``: W warm worker kernels in the build's own process;
- ``dask``: the same number of warm kernels, one per Dask worker, the notebooks sent to the
  workers and the executed notebooks sent back.

It prints, per executor, the execution time (notebooks only), the whole build's time (with
planning, site and audit), the mean seconds per job and the ratio of Dask to local. Usage::

    .venv/bin/python benchmarks/bench_dask.py --trusts 8 --repeat 1

On a shared or virtual machine identical runs can differ by 20%: ``--repeat N`` runs each
build N times (alternating) and reports the median with the fastest and slowest beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A sibling script (run as a script, its folder is on sys.path), not a package.
from bench_build import make_project

from lhs_reports.engine.build import run_build
from lhs_reports.engine.outcome import ExecutionSettings, default_jobs
from lhs_reports.engine.plan import load_project

DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(workers: int, logs: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and ``workers`` single-threaded workers, as separate processes."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    processes = []
    with (logs / "scheduler.log").open("wb") as out:
        processes.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
             address.rsplit(":", 1)[1], "--no-dashboard"], stdout=out, stderr=out,
            start_new_session=True))
    with (logs / "workers.log").open("wb") as out:
        processes.append(subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", str(workers),
             "--no-dashboard"], stdout=out, stderr=out, start_new_session=True))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout=10, set_as_default=False) as client:
                if len(client.scheduler_info()["workers"]) == workers:
                    return address, processes
        except OSError:
            pass
        time.sleep(1)
    stop(processes)
    raise SystemExit(f"the cluster did not start within 300 s (logs in {logs})")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    import psutil

    for process in reversed(processes):
        try:
            family = [psutil.Process(process.pid),
                      *psutil.Process(process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        process.wait(timeout=60)


def one_build(root: Path, executor: str, workers: int, scheduler: str | None
              ) -> tuple[float, float, int]:
    """``(execution seconds, whole build seconds, jobs run)`` of a forced build."""
    started = time.perf_counter()
    report = run_build(load_project(root), executor=executor, jobs=workers, force=True,
                       scheduler=scheduler, renderer="builtin", progress_plain=True,
                       settings=ExecutionSettings())
    total = time.perf_counter() - started
    ran = [r for r in report.results if r.status != "skipped"]
    if report.failed:
        raise SystemExit(f"{executor}: {len(report.failed)} jobs failed: "
                         + "; ".join(f"{r.key}: {r.error}" for r in report.failed[:3]))
    return report.timings["execute"], total, len(ran)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trusts", type=int, default=8)
    parser.add_argument("--workers", type=int, default=default_jobs())
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lhs-bench-dask-") as folder:
        root = Path(folder) / "project"
        root.mkdir()
        make_project(root, args.trusts)
        os.environ.setdefault("PYTHONHASHSEED", "0")
        address, processes = start_cluster(args.workers, Path(folder))
        try:
            # A first build of each, untimed: demo data, notebook parameters and caches made.
            one_build(root, "local", args.workers, None)
            times: dict[str, list[tuple[float, float, int]]] = {"local": [], "dask": []}
            for _ in range(args.repeat):
                times["local"].append(one_build(root, "local", args.workers, None))
                times["dask"].append(one_build(root, "dask", args.workers, address))
        finally:
            stop(processes)
    print(f"\n{args.trusts} trusts, {args.workers} workers (local: kernels in the build's "
          f"process; dask: `dask worker --nthreads 1 --nworkers {args.workers}`), "
          f"{args.repeat} run(s) each, median [min-max]")
    print(f"{'executor':<8} {'jobs':>5} {'execute s':>22} {'whole build s':>22} {'s/job':>7}")
    medians = {}
    for executor, runs in times.items():
        execute = [r[0] for r in runs]
        whole = [r[1] for r in runs]
        jobs = runs[0][2]
        medians[executor] = statistics.median(execute)
        print(f"{executor:<8} {jobs:>5} "
              f"{medians[executor]:>8.1f} [{min(execute):.1f}-{max(execute):.1f}]".ljust(37)
              + f" {statistics.median(whole):>8.1f} [{min(whole):.1f}-{max(whole):.1f}]"
              .ljust(23)
              + f" {medians[executor] / jobs:>7.2f}")
    print(f"dask / local (execution): {medians['dask'] / medians['local']:.2f}")


if __name__ == "__main__":
    main()
