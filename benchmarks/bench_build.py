"""Benchmark `lhs-reports build` against the plain papermill loop it replaces.

Generates a demo project with N synthetic trusts in a temporary folder and times, on this
machine, in one run:

1. the plain ``papermill`` CLI, one trust after another (the baseline);
2. ``lhs-reports build`` from cold with each executor (local warm workers, fresh kernels, Dask);
3. a rebuild with nothing changed;
4. a rebuild after one trust's data changed.

Each is printed as wall time and as a ratio to the papermill loop. Usage::

    .venv/bin/python benchmarks/bench_build.py --trusts 10 50 --repeat 3

Takes about 5 s per notebook for the baseline, so 50 trusts need over ten minutes. On a shared
or virtual machine identical runs can differ by 20%: ``--repeat N`` times each cold build N
times and reports the median, with the fastest and slowest beside it (the baseline runs once:
it is the slow part).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def make_project(root: Path, n_trusts: int) -> list[str]:
    from lhs_reports.data.synthetic import trust_profiles, write_demo_data

    for name in ("_quarto.yml", "index.qmd"):  # the notebooks and methods: the packaged ones
        shutil.copy(REPO / name, root / name)
    catalogue = yaml.safe_load((REPO / "params" / "reports.yaml").read_text())
    catalogue["data"] = {"dir": "data", "demo": {"n_trusts": n_trusts}}
    (root / "params" / "trusts").mkdir(parents=True)
    for folder in ("case_studies", "cross_trust"):
        shutil.copytree(REPO / "params" / folder, root / "params" / folder)
    (root / "params" / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    codes = []
    for profile in trust_profiles(n_trusts):
        codes.append(profile.code)
        (root / "params" / "trusts" / f"{profile.code}.yaml").write_text(yaml.safe_dump(
            {"trust_code": profile.code, "trust_name": profile.name, "period_end": "2025-03"}))
    write_demo_data(root / "data", n_trusts)
    return codes


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        sys.stderr.write(completed.stdout[-2000:] + completed.stderr[-2000:])
        raise SystemExit(f"command failed: {' '.join(command)}")
    return elapsed


def papermill_loop(root: Path, env: dict[str, str]) -> tuple[float, int]:
    """The baseline: the papermill CLI, one job after another, for exactly the build's jobs."""
    from lhs_reports.engine.plan import load_project, plan_jobs

    out = root / "papermill-out"
    out.mkdir()
    jobs = plan_jobs(load_project(root))
    started = time.perf_counter()
    for number, job in enumerate(jobs):
        parameters = out / f"{number}.yaml"
        parameters.write_text(yaml.safe_dump(job.parameters))
        subprocess.run(
            [str(BIN / "papermill"), str(job.notebook), str(out / f"{number}.ipynb"), "-f",
             str(parameters), "--no-progress-bar"],
            cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - started, len(jobs)


def cold_builds(build: list[str], root: Path, env: dict[str, str], repeat: int
                ) -> tuple[float, str]:
    """Median seconds of ``repeat`` builds from no outputs, and their range as text."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(root / "outputs", ignore_errors=True)
        runs.append(timed(build, root, env))
    return statistics.median(runs), f"{min(runs):.1f}-{max(runs):.1f}" if repeat > 1 else ""


def bench(n_trusts: int, executors: list[str], jobs: int | None, repeat: int = 1
          ) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix=f"lhs-bench-{n_trusts}-") as tmp:
        root = Path(tmp)
        codes = make_project(root, n_trusts)
        env = {**os.environ, "CI": "true", "LHS_REPORTS_PROJECT": str(root)}
        build = [str(BIN / "lhs-reports"), "--project", str(root), "build", "--renderer",
                 "builtin"] + (["--jobs", str(jobs)] if jobs else [])
        baseline, n_jobs = papermill_loop(root, env)
        rows.append({"trusts": n_trusts, "run": f"papermill CLI loop ({n_jobs} notebooks)",
                     "seconds": baseline})
        for executor in executors:
            seconds, spread = cold_builds(build + ["--executor", executor], root, env, repeat)
            rows.append({"trusts": n_trusts, "run": f"build, cold, --executor {executor}",
                         "seconds": seconds, "range": spread})
        # The outputs of the last cold build stand; rebuild with the default executor.
        cold, _ = cold_builds(build, root, env, 1)
        rows.append({"trusts": n_trusts, "run": "build, cold (local, before rebuilds)",
                     "seconds": cold})
        rows.append({"trusts": n_trusts, "run": "rebuild, nothing changed",
                     "seconds": timed(build, root, env)})
        changed = root / "data" / "activity_monthly" / f"{codes[len(codes) // 2]}.parquet"
        frame = pd.read_parquet(changed)
        frame.loc[0, "crisis_contacts"] += 1
        frame.to_parquet(changed)
        rows.append({"trusts": n_trusts, "run": "rebuild, one trust's data changed",
                     "seconds": timed(build, root, env)})
        for row in rows:
            row["ratio to papermill"] = baseline / float(row["seconds"])  # type: ignore[arg-type]
            row["share of cold local"] = float(row["seconds"]) / cold  # type: ignore[arg-type]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trusts", type=int, nargs="+", default=[10])
    parser.add_argument("--executors", nargs="+", default=["local", "kernel", "dask"])
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold builds per executor; the median is reported (default 1)")
    args = parser.parse_args()
    rows = []
    for n in args.trusts:
        rows += bench(n, args.executors, args.jobs, args.repeat)
    table = pd.DataFrame(rows)
    if "range" in table:
        table["range"] = table["range"].fillna("")
    with pd.option_context("display.width", 120, "display.max_colwidth", 60):
        print(f"cores: {os.cpu_count()}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
