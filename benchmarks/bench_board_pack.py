"""Seconds per PDF board pack, on a project whose reports have been built.

Times :func:`lhs_reports.site.board_pack.write_board_packs` on the project's site model (the
same pages the site shows), three ways, each into a fresh folder:

1. cold, in this process (the first build, or a build after a code change);
2. cold, shared among ``--workers`` processes;
3. warm: every pack copied from the cache (a rebuild where nothing changed for anyone).

Usage, on the demo (8 trusts)::

    lhs-reports init demo --demo && (cd demo && lhs-reports build --renderer builtin)
    .venv/bin/python benchmarks/bench_board_pack.py demo --workers 2

Timings depend on the machine and its load (WeasyPrint is single-threaded Python); they are
recorded here and in the report, never asserted in tests.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from lhs_reports.engine.plan import load_project, plan_jobs
from lhs_reports.site.board_pack import write_board_packs
from lhs_reports.site.pages import site_model
from lhs_reports.site.provenance import build_provenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("project", type=Path, help="a project whose reports were built")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    project = load_project(args.project)
    jobs = plan_jobs(project)
    # No results given: a page is shown for every report whose executed notebook exists.
    site = site_model(project, jobs, [], build_provenance(project.root))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for label, workers in (("cold, 1 process", 1), (f"cold, {args.workers} workers",
                                                         args.workers), ("warm (cached)", 1)):
            if label.startswith("cold"):
                shutil.rmtree(cache, ignore_errors=True)
            out = Path(tmp) / label.split(",")[0].split()[0] / str(workers)
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            run = write_board_packs(site, jobs, out, cache_dir=cache, workers=workers)
            elapsed = time.perf_counter() - started
            packs = len(run.made) + len(run.reused)
            each = (f"; WeasyPrint alone {sum(run.made.values()) / len(run.made):.2f} s a pack"
                    if run.made else "")
            print(f"{label}: {packs} packs in {elapsed:.1f} s, {elapsed / packs:.2f} s per pack"
                  f"{each}")


if __name__ == "__main__":
    main()
