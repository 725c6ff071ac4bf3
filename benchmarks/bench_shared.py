"""Benchmark the work every organisation's report shares: per-report time at N organisations.

For each N in ``--trusts``, writes a demo project of N synthetic trusts (the needs assessment
and the LHS priorities families only) in a temporary folder, then runs ``--sample`` reports of
each family on one warm kernel (``--jobs 1``, forced, no site rendered) and prints:

- the shared figures' own time (computed once per build: ``lhs_reports.engine.shared_steps``;
  absent on code before it existed);
- each report's time as the build records it, the first on a fresh kernel (which reads what
  the kernel has not read yet) and the median of the others (a warm kernel);
- how many data files each report read (what its cache key is checked against at every plan).

The per-report times should not grow with N once the shared work is done once per build; the
first report on a kernel shows what a new kernel pays. Usage::

    .venv/bin/python benchmarks/bench_shared.py --trusts 50 200 --sample 4

To compare with older code, run the same script with ``PYTHONPATH=/path/to/old/src``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

FAMILIES = ("needs_assessment", "lhs_priorities")
REPO = Path(__file__).resolve().parents[1]


def make_project(root: Path, n_trusts: int) -> list[str]:
    """A project of ``n_trusts`` demo trusts running the two families that compare with all."""
    from lhs_reports.data.synthetic import trust_profiles, write_demo_data

    catalogue = yaml.safe_load((REPO / "params" / "reports.yaml").read_text())
    catalogue["data"] = {"dir": "data", "demo": {"n_trusts": n_trusts}}
    catalogue["families"] = [f for f in catalogue["families"] if f["id"] in FAMILIES]
    (root / "params" / "trusts").mkdir(parents=True)
    (root / "params" / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    codes = []
    for profile in trust_profiles(n_trusts):
        codes.append(profile.code)
        (root / "params" / "trusts" / f"{profile.code}.yaml").write_text(yaml.safe_dump(
            {"trust_code": profile.code, "trust_name": profile.name, "period_end": "2025-03"}))
    write_demo_data(root / "data", n_trusts)
    return codes


def run_reports(root: Path, family: str, sample: list[str]) -> dict[str, object]:
    """Run ``sample``'s reports of ``family`` on one warm kernel; their times and reads."""
    from lhs_reports.engine.build import execute_jobs, plan_build
    from lhs_reports.engine.cache import MANIFEST, Manifest
    from lhs_reports.engine.plan import load_project

    project = load_project(root)
    planned = plan_build(project, families=[family], only=sample, force=True)
    shared = None
    try:
        from lhs_reports.engine.shared_steps import run_shared_steps
    except ImportError:  # code from before the shared figures
        pass
    else:
        started = time.perf_counter()
        planned = run_shared_steps(project, planned)
        shared = time.perf_counter() - started
    manifest = Manifest(project.outputs / MANIFEST)
    ran = execute_jobs(project, planned, planned, manifest, executor="local", jobs=1,
                       settings=None, scheduler=None, progress_plain=True)
    failed = [r for r in ran if not r.ok]
    if failed:
        raise SystemExit(f"{family}: {failed[0].key} failed: {failed[0].error}")
    order = [r.key for r in ran]
    durations = [manifest.entries[key]["duration"] for key in order]
    files = [sum(len(read["files"]) for read in manifest.entries[key]["reads"])
             for key in order]
    return {"shared": shared, "first": durations[0],
            "warm": statistics.median(durations[1:]) if len(durations) > 1 else None,
            "files": max(files)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--sample", type=int, default=4, help="reports run per family")
    args = parser.parse_args()
    import lhs_reports

    print(f"lhs-reports from {Path(lhs_reports.__file__).parent}")
    print(f"{'N':>5}  {'family':<17} {'shared (s)':>10} {'first (s)':>10} {'warm (s)':>9} "
          f"{'files read':>10}")
    for n in args.trusts:
        with tempfile.TemporaryDirectory(prefix="lhs-bench-shared-") as tmp:
            root = Path(tmp)
            os.environ["LHS_REPORTS_PROJECT"] = str(root)
            codes = make_project(root, n)
            sample = codes[:: max(1, len(codes) // args.sample)][: args.sample]
            for family in FAMILIES:
                got = run_reports(root, family, sample)
                shared = "-" if got["shared"] is None else f"{got['shared']:.2f}"
                warm = "-" if got["warm"] is None else f"{got['warm']:.2f}"
                print(f"{n:>5}  {family:<17} {shared:>10} {got['first']:>10.2f} {warm:>9} "
                      f"{got['files']:>10}", flush=True)


if __name__ == "__main__":
    main()
