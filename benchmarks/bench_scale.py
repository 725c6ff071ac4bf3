"""Benchmark planning and bookkeeping at scale: 50, 500 and 6,300 organisations.

For each size, a demo project (``bench_build.make_project``: the packaged notebooks, one
parameter file per organisation, the demo data written as one Parquet file per organisation
and table) is made in a work folder (kept between runs with ``--workdir``), and this machine
times, each in a fresh process:

1. ``lhs-reports check``, cold (no ``outputs/.cache``: every table read and validated, every
   file hashed) and again (the verdict remembered);
2. ``lhs-reports plan`` after a finished build (every job up to date);
3. a rebuild with nothing changed, up to where the site is rendered: ``plan_build``, opening
   the manifest, executing nothing, and the run manifest (``run-manifest.json``) that
   ``publish_build`` writes; rendering and auditing the site are left out (the incremental
   site is measured by its own benchmark);
4. one result written to the cache manifest: the executor's side (``Manifest.update``, under
   its lock) and the background writer's (per result, flushed);
5. ``lhs-reports plan`` after one organisation's population file was edited: how many jobs
   are stale, and why.

What is real and what is simulated: a real cold build of 6,300 organisations takes days on two
cores, so the state a finished build leaves is *simulated* at every size, the same way: a real
``lhs-reports build`` of a 3-organisation project of the same shape is run once (the
*template*), and each job of the big project gets the manifest entry that job would record:
its real cache key, status ``ok``, the template job's duration and headline records, and the
*same data lookups* its family's template job recorded, answered again by the data layer on
the big project's files (an all-organisation lookup then names every organisation's file, with
its real content hash). The entries are written through ``Manifest.update``, the build's own
path. Each job's output notebook is a small placeholder file (the plan only checks it exists).
Everything timed after that (check, plan, rebuild bookkeeping, one changed file) is the real
code on the real files. ``--real-build`` runs a real cold build instead of the simulation at
the sizes given (minutes at 50 on two cores).

Per-job time is each measure divided by the number of jobs; ``growth`` is the ratio of per-job
CPU times (of the measured process: on a shared machine wall time includes waiting for a core)
between a size and the previous one (about 1 means linear growth). Usage::

    .venv/bin/python benchmarks/bench_scale.py --sizes 50 500 6300 --workdir /tmp/lhs-scale
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import make_project

BIN = Path(sys.executable).parent
TEMPLATE_TRUSTS = 3


#: CPU seconds of the last measured child process (user + system): on a shared machine wall
#: time includes waiting for the CPU, so growth is judged on CPU time.
LAST_CPU = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(root: Path, *args: str) -> tuple[float, str]:
    """Seconds ``lhs-reports ARGS`` took in a fresh process, and its output."""
    env = {**os.environ, "CI": "true", "LHS_REPORTS_PROJECT": str(root)}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "lhs-reports"), "--project", str(root), *args], cwd=root,
                          env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    LAST_CPU[0] = _children_cpu() - cpu
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"lhs-reports {' '.join(args)} failed in {root}")
    return elapsed, done.stdout


def project(workdir: Path, n: int) -> tuple[Path, float]:
    """The demo project with ``n`` organisations, made unless kept; seconds to make it."""
    root = workdir / f"scale-{n}"
    if (root / "data" / "manifest.json").is_file():
        return root, 0.0
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    make_project(root, n)
    return root, time.perf_counter() - started


def template(workdir: Path) -> Path:
    """A real build of a small project of the same shape: what each family's job reads."""
    root, _ = project(workdir, TEMPLATE_TRUSTS)
    if not (root / "outputs" / "run-manifest.json").is_file():
        print(f"real build of the {TEMPLATE_TRUSTS}-organisation template ...", flush=True)
        cli(root, "build", "--renderer", "builtin", "--jobs", "2")
    return root


def simulate_build(root: Path, template_root: Path) -> dict[str, float]:
    """Bring ``root`` to the state a finished build leaves (see the module's description)."""
    from lhs_reports.data.layout import table_files
    from lhs_reports.data.reads import glob_files, glob_read, table_read
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.manifest import MANIFEST, Manifest
    from lhs_reports.engine.plan import load_project

    os.environ["LHS_REPORTS_PROJECT"] = str(root)
    known = Manifest(template_root / "outputs" / MANIFEST).entries
    by_family: dict[str, dict[str, Any]] = {}
    for key, entry in sorted(known.items()):
        by_family.setdefault(key.split("/")[0], entry)
    template_codes = {f"SYN{n:02d}" for n in range(1, TEMPLATE_TRUSTS + 1)}
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}

    def answer(read: dict[str, Any], code: str | None) -> dict[str, Any]:
        folder = root / read["folder"]
        if read["kind"] == "glob":
            key = ("glob", read["folder"], read["pattern"])
            if key not in shared:
                shared[key] = glob_read(folder, read["pattern"],
                                        glob_files(folder, read["pattern"]), root=root)
            return shared[key]
        organisation = read["organisation"]
        if organisation in template_codes:
            organisation = code
        key = ("table", read["folder"], read["table"], organisation)
        if key not in shared:
            shared[key] = table_read(folder, read["table"], organisation,
                                     table_files(folder, read["table"], organisation),
                                     root=root)
        return shared[key]

    started, cpu = time.perf_counter(), time.process_time()
    planned = plan_build(load_project(root), force=True)
    plan_seconds, plan_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    with Manifest(root / "outputs" / MANIFEST) as manifest:
        for item in planned:
            job = item.job
            model = known.get(job.key) or by_family[job.family.id]
            code = job.parameters.get("trust_code")
            reads = [answer(read, code) for read in model["reads"] or []]
            manifest.update(job.key, {
                "key": item.key, "key_parts": item.key_parts, "status": "ok",
                "finished": model["finished"], "duration": model["duration"], "error": None,
                "records": model["records"], "reads": [*reads, *item.declared],
                "reads_recorded": True, "attempts": 1})
            job.output.parent.mkdir(parents=True, exist_ok=True)
            job.output.write_text('{"simulated": "placeholder of an executed notebook"}')
    return {"simulated plan (cold)": plan_seconds, "plan cpu": plan_cpu,
            "simulated writing": time.perf_counter() - started,
            "writing cpu": time.process_time() - cpu}


REBUILD = """
import json, sys, time, datetime as dt
from pathlib import Path
t0 = time.perf_counter()
from lhs_reports.engine.build import execute_jobs, plan_build, write_run_manifest, _job_provenance
from lhs_reports.engine.manifest import MANIFEST, Manifest
from lhs_reports.engine.plan import load_project
project = load_project(sys.argv[1])
t1 = time.perf_counter()
planned = plan_build(project)
t2 = time.perf_counter()
with Manifest(project.outputs / MANIFEST) as manifest:
    ran = execute_jobs(project, planned, planned, manifest, executor="local", jobs=None,
                       settings=None, scheduler=None, progress_plain=True)
t3 = time.perf_counter()
now = dt.datetime.now(dt.UTC)
write_run_manifest(project, planned, {}, manifest, started=now, finished_execution=now,
                   executor="local")
provenance = {k: _job_provenance(e) for k, e in manifest.entries.items()}
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "plan": t2 - t1, "manifest and execute": t3 - t2,
                  "run manifest": t4 - t3, "ran": len(ran),
                  "stale": sum(p.run for p in planned), "jobs": len(planned)}))
"""

WRITES = """
import copy, json, statistics, sys, time
from pathlib import Path
from lhs_reports.engine.manifest import MANIFEST, Manifest
path = Path(sys.argv[1]) / "outputs" / MANIFEST
manifest = Manifest(path)
every = sorted(manifest.entries)
keys = every[:: max(1, len(every) // int(sys.argv[2]))]  # spread over every family
# Fresh copies, as results arriving from the kernels are (nothing shared with earlier ones).
entries = [(key, copy.deepcopy(manifest.entries[key])) for key in keys]
caller = []
started = time.perf_counter()
for key, entry in entries:
    entry.pop("data_fingerprint", None)
    t = time.perf_counter()
    manifest.update(key, entry)
    caller.append(time.perf_counter() - t)
manifest.close()
total = time.perf_counter() - started
print(json.dumps({"caller": statistics.median(caller), "writer": total / len(entries)}))
"""


def python(code: str, *args: str, root: Path) -> dict[str, Any]:
    env = {**os.environ, "CI": "true", "LHS_REPORTS_PROJECT": str(root)}
    cpu = _children_cpu()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=root, env=env,
                          capture_output=True, text=True)
    LAST_CPU[0] = _children_cpu() - cpu
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit("a measured step failed")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def stale_summary(output: str) -> tuple[int, str]:
    """Jobs the plan runs, and why (by family and reason)."""
    counts: collections.Counter[str] = collections.Counter()
    for line in output.splitlines():
        found = re.match(r"run\s+(\S+?)/\S+\s+(.*?)(; period to .*)?$", line)
        if found:
            reason = re.sub(r"SYN\d+", "SYNnn", found[2])
            counts[f"{found[1]}: {reason}"] += 1
    return sum(counts.values()), "; ".join(f"{n} x {why}" for why, n in counts.most_common())


def edit_population(root: Path, code: str) -> None:
    path = root / "data" / "population" / f"{code}.parquet"
    frame = pd.read_parquet(path)
    frame.loc[0, "population"] += 1
    frame.to_parquet(path, index=False)


def bench(n: int, workdir: Path, template_root: Path, real: bool, reuse_check: bool
          ) -> list[dict[str, Any]]:
    root, made = project(workdir, n)
    checked = root / "outputs" / ".cache" / "data-checked"
    verdict = checked.read_bytes() if reuse_check and checked.is_file() else None
    shutil.rmtree(root / "outputs", ignore_errors=True)
    if verdict is not None:  # --reuse-check: the last cold check's verdict stands
        checked.parent.mkdir(parents=True)
        checked.write_bytes(verdict)
    rows: list[dict[str, Any]] = []

    def row(measure: str, seconds: float, jobs: int, note: str = "",
            cpu: float | None = None) -> None:
        """``cpu``: CPU seconds of the measured process (default: the last one measured)."""
        cpu = LAST_CPU[0] if cpu is None else cpu
        rows.append({"orgs": n, "jobs": jobs, "measure": measure, "seconds": seconds,
                     "cpu s": cpu, "per job (ms)": 1000 * seconds / jobs,
                     "cpu per job (ms)": 1000 * cpu / jobs, "note": note})
        print(f"  {n} {measure}: {seconds:.2f} s, cpu {cpu:.2f} s ({note})", flush=True)

    cold_check, out = cli(root, "check")
    jobs = int(re.search(r"(\d+) jobs", out)[1])  # type: ignore[index]
    if made:
        row("make the demo project (not a measure)", made, jobs, cpu=float("nan"))
    row("check, cold (hashes everything, reads all data" + (
        " unless the kept verdict still holds)" if verdict else ")"), cold_check, jobs)
    row("check, again", cli(root, "check")[0], jobs)
    if real:
        row("build, cold (real)", cli(root, "build", "--renderer", "builtin")[0], jobs)
    else:
        steps = simulate_build(root, template_root)
        row("simulated build: its plan", steps["simulated plan (cold)"], jobs,
            "as a cold build plans", cpu=steps["plan cpu"])
        row("simulated build: writing every result", steps["simulated writing"], jobs,
            "shared read objects: see 'one result written'", cpu=steps["writing cpu"])
    seconds, out = cli(root, "plan")
    stale, why = stale_summary(out)
    row("plan, nothing changed", seconds, jobs, f"{stale} stale")
    rebuild = python(REBUILD, str(root), root=root)
    total = sum(rebuild[k] for k in ("import", "plan", "manifest and execute", "run manifest"))
    row("no-change rebuild: plan + bookkeeping", total, jobs,
        f"{rebuild['stale']} stale; plan {rebuild['plan']:.1f} s, manifest "
        f"{rebuild['manifest and execute']:.1f} s, run manifest {rebuild['run manifest']:.1f} s")
    writes = python(WRITES, str(root), str(min(200, jobs)), root=root)
    row("one result written: executor's side", writes["caller"], 1,
        "Manifest.update, under the executor's lock", cpu=writes["caller"])
    row("one result written: background writer", writes["writer"], 1, "per result, flushed",
        cpu=writes["writer"])
    edit_population(root, f"SYN{max(1, n // 2):02d}")
    seconds, out = cli(root, "plan")
    stale, why = stale_summary(out)
    row("plan, one organisation's population edited", seconds, jobs,
        f"{stale} stale: {why}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the projects here between runs (default: a temporary one)")
    parser.add_argument("--reuse-check", action="store_true",
                        help="keep the last cold check's verdict on the data (the cold check "
                        "then hashes every file but reads no table)")
    parser.add_argument("--real-build", type=int, nargs="*", default=[],
                        help="sizes at which to run a real cold build instead of simulating")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lhs-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    template_root = template(workdir)
    rows = []
    for n in args.sizes:
        rows += bench(n, workdir, template_root, n in args.real_build, args.reuse_check)
        print(f"{n} organisations done", flush=True)
    table = pd.DataFrame(rows)
    # Growth: per-job time at this size over per-job time at the previous size.
    table["growth"] = ""
    for measure, group in table.groupby("measure", sort=False):
        previous = None
        for index in group.index:
            now = table.at[index, "cpu per job (ms)"]
            if previous is not None and "one result" not in str(measure):
                table.at[index, "growth"] = f"{now / previous:.2f}"
            elif previous is not None:
                table.at[index, "growth"] = f"{now / previous:.2f} (per result)"
            previous = now
    with pd.option_context("display.width", 250, "display.max_colwidth", 120,
                           "display.max_rows", 200):
        print(f"cores: {os.cpu_count()}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
