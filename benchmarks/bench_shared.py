"""Benchmark the work every organisation's report shares: per-report time at N organisations.

For each N in ``--trusts``, writes a demo project of N synthetic trusts (the needs assessment
and the LHS priorities families only) in a temporary folder, then runs ``--sample`` reports of
each family on one warm kernel (``--jobs 1``, forced, no site rendered) and prints:

- the shared figures' own time (computed once per build: ``lhs_reports.engine.shared_steps``;
  absent on code before it existed);
- each report's time as the build records it, the first on a fresh kernel (which reads what
  the kernel has not read yet) and the median of the others (a warm kernel);
- how many data files each report read (what its cache key is checked against at every plan).

With ``--one-changed``, every report is built, then one trust's files change three ways (a
month outside the comparison year, a survey answer that leaves who agrees as it was, its
population) and the reports each family would run again are counted.

With ``--in-process``, only the comparisons themselves are timed, in CPU seconds of one process
(which a busy machine disturbs far less than wall time), per report: as every report computed
them from every trust's tables, and from the shared figures; for the first report on a new
kernel and for the next ones.

The per-report times should not grow with N once the shared work is done once per build; the
first report on a kernel shows what a new kernel pays. Usage::

    .venv/bin/python benchmarks/bench_shared.py --trusts 50 200 --sample 4
    .venv/bin/python benchmarks/bench_shared.py --trusts 50 200 1000 --in-process
    .venv/bin/python benchmarks/bench_shared.py --trusts 12 --one-changed

To compare with older code, run the same script with ``PYTHONPATH=/path/to/old/src``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import make_project as demo_project

FAMILIES = ("needs_assessment", "lhs_priorities")


def make_project(root: Path, n_trusts: int) -> list[str]:
    """The demo project of ``bench_build`` with only the two families that compare with all."""
    codes = demo_project(root, n_trusts)
    catalogue_path = root / "params" / "reports.yaml"
    catalogue = yaml.safe_load(catalogue_path.read_text())
    catalogue["families"] = [f for f in catalogue["families"] if f["id"] in FAMILIES]
    catalogue_path.write_text(yaml.safe_dump(catalogue, sort_keys=False))
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


def analysis_times(data_dir: Path, sample: list[str]
                   ) -> tuple[float, float, float, float]:
    """CPU seconds of the needs assessment's and priorities' comparisons for one report in
    one process: every trust's tables compared directly, as each report did before, against
    the shared figures read from a build's parts; for the first report on a new kernel (which
    reads what it needs) and the median of the next ones (a warm kernel)."""
    from lhs_reports.data import load_table, load_trust_data
    from lhs_reports.data.dictionary import GROUP_MEASURES
    from lhs_reports.reports import lhs_priorities as lhs
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports.needs_peers import NEEDS_PEERS, peers_for
    from lhs_reports.reports.shared_figures import (
        SHARED_ENV,
        compute_parts,
        instance_name,
        step_values,
    )

    def report(peers: peer.Peers, code: str) -> None:
        peer.rate_comparison(peers, code)
        {m: peer.peer_funnel(peers, m) for m in GROUP_MEASURES}
        peer.population_mix(peers, code)

    def direct(code: str) -> None:
        report(peer.load_peer_data(data_dir, period_end="2025-03"), code)
        survey = load_table(data_dir, "lhs_survey")
        lhs.compare_with_all(lhs.agreement_by_area(survey[survey["trust_code"] == code]),
                             lhs.agreement_by_area(survey))

    def shared(code: str) -> None:
        report(peers_for(load_trust_data(data_dir, code), period_end="2025-03"), code)
        lhs.comparison_with_all(data_dir, code)

    folder = data_dir.parent / "shared"
    for step, values in ((NEEDS_PEERS, {"period_end": "2025-03"}), (lhs.ALL_AGREEMENT, {})):
        filled = step_values(step, data_dir, values)
        parts, _ = compute_parts(step, data_dir, filled)
        (folder / instance_name(step, filled)).mkdir(parents=True, exist_ok=True)
        for name, table in parts.items():
            table.to_parquet(folder / instance_name(step, filled) / f"{name}.parquet")
    os.environ[SHARED_ENV] = str(folder)
    times = []
    for run in (direct, shared):
        _forget()  # a new kernel: nothing read yet
        started = time.process_time()
        run(sample[0])
        times.append(time.process_time() - started)
        each = []
        for code in sample[1:]:
            started = time.process_time()
            run(code)
            each.append(time.process_time() - started)
        times.append(statistics.median(each))
    del os.environ[SHARED_ENV]
    return times[0], times[1], times[2], times[3]


def _forget() -> None:
    """Forget what this process has read, as a new kernel has."""
    from lhs_reports.data import loaders
    from lhs_reports.reports import shared_figures

    loaders._load_validated.cache_clear()
    shared_figures._parts_kept.clear()
    shared_figures._computed.clear()


def _plan(root: Path, **options: object) -> tuple[object, object]:
    """The project and its plan, with the shared figures computed first as a build does
    (on code from before them, the plan alone)."""
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.plan import load_project

    project = load_project(root)
    planned = plan_build(project, **options)
    try:
        from lhs_reports.engine.shared_steps import run_shared_steps
    except ImportError:  # code from before the shared figures
        return project, planned
    return project, run_shared_steps(project, planned, say=lambda line: None)


def _build_all(root: Path) -> None:
    from lhs_reports.engine.build import execute_jobs
    from lhs_reports.engine.cache import MANIFEST, Manifest

    project, planned = _plan(root)
    execute_jobs(project, planned, planned, Manifest(project.outputs / MANIFEST),
                 executor="local", jobs=None, settings=None, scheduler=None,
                 progress_plain=True)


def one_changed(root: Path, codes: list[str]) -> None:
    """Build every report, then change one trust's files in three ways and print how many
    reports of each family a build would run again after each."""
    import pandas as pd

    _build_all(root)
    code = codes[len(codes) // 2]

    def edit(table: str, how: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[], None]:
        def run() -> None:
            path = root / "data" / table / f"{code}.parquet"
            how(pd.read_parquet(path)).to_parquet(path, index=False)
        return run

    def older_month(frame: pd.DataFrame) -> pd.DataFrame:
        first = frame["month"] == frame["month"].min()  # outside the comparison year
        return frame.assign(admissions=frame["admissions"].where(~first,
                                                                 frame["admissions"] + 1))

    def same_agreement(frame: pd.DataFrame) -> pd.DataFrame:
        # A 5 becomes a 4: nobody changes whether they agree.
        five = frame.index[frame["score"] == 5][:1]
        return frame.assign(score=frame["score"].where(~frame.index.isin(five), 4))

    def more_residents(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(population=frame["population"] + 1)

    for label, change in (
            (f"{code}'s activity in its oldest month", edit("activity_monthly", older_month)),
            (f"{code}'s survey: a 5 becomes a 4", edit("lhs_survey", same_agreement)),
            (f"{code}'s population", edit("population", more_residents))):
        change()
        _, planned = _plan(root)
        runs = {family: f"{sum(p.run for p in planned if p.job.family.id == family)} of "
                f"{sum(p.job.family.id == family for p in planned)}" for family in FAMILIES}
        print(f"  {label}: " + ", ".join(f"{family} {runs[family]}" for family in FAMILIES),
              flush=True)
        _build_all(root)  # the cache brought up to date before the next change


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--sample", type=int, default=4, help="reports run per family")
    parser.add_argument("--one-changed", action="store_true",
                        help="build every report, then count the re-runs after one trust's "
                        "files change")
    parser.add_argument("--in-process", action="store_true",
                        help="only time the comparisons in one process, before and after")
    args = parser.parse_args()
    import lhs_reports

    print(f"lhs-reports from {Path(lhs_reports.__file__).parent}")
    if not (args.in_process or args.one_changed):
        print(f"{'N':>5}  {'family':<17} {'shared (s)':>10} {'first (s)':>10} {'warm (s)':>9} "
              f"{'files read':>10}")
    for n in args.trusts:
        with tempfile.TemporaryDirectory(prefix="lhs-bench-shared-") as tmp:
            root = Path(tmp)
            os.environ["LHS_REPORTS_PROJECT"] = str(root)
            codes = make_project(root, n)
            sample = codes[:: max(1, len(codes) // args.sample)][: args.sample]
            if args.one_changed:
                print(f"{n} trusts, reports run again after one change:", flush=True)
                one_changed(root, codes)
                continue
            if args.in_process:
                cold, warm, cold_shared, warm_shared = analysis_times(root / "data", sample)
                print(f"{n:>5}  comparisons, CPU s per report: every trust's tables "
                      f"{cold:.3f} first, {warm:.3f} warm; shared figures {cold_shared:.3f} "
                      f"first, {warm_shared:.3f} warm", flush=True)
                continue
            for family in FAMILIES:
                got = run_reports(root, family, sample)
                shared = "-" if got["shared"] is None else f"{got['shared']:.2f}"
                warm = "-" if got["warm"] is None else f"{got['warm']:.2f}"
                print(f"{n:>5}  {family:<17} {shared:>10} {got['first']:>10.2f} {warm:>9} "
                      f"{got['files']:>10}", flush=True)


if __name__ == "__main__":
    main()
