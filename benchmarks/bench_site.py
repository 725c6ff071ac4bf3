"""Benchmark the site step: a full render and audit against an incremental one.

Executes the demo's notebooks once for a few synthetic trusts (``--source-trusts``, a real
``lhs-reports build``), then, for each N in ``--trusts``, makes a demo project of N trusts
whose executed notebooks and records are copies of those real ones (cycled over the N trusts:
pages of real size and content; executing N trusts' notebooks would take far longer than the
site step it feeds). On that project it times only the site step, ``render_site_report``
(model, render, board packs, audit, publish), with the built-in renderer:

1. a first render (fills the board packs', the pages' and the audit's caches);
2. a full re-render and re-audit (``render_cache=False``: what every rebuild did before the
   page cache and the audit memo), with the board packs' own cache warm;
3. a rebuild with nothing changed;
4. the first publication with a history (one trust's figures changed, and every organisation
   page changes once, from "changes are listed from the next one");
5. a rebuild after one trust's notebook and figures changed (its report page, its board pack,
   the pages that show its figures);
6. a rebuild after one trust's notebook alone changed.

Each line prints wall seconds, pages rendered and reused, and files the audit read and
reused. Usage::

    .venv/bin/python benchmarks/bench_site.py --trusts 50 200 --source-trusts 8

``--no-board-packs`` leaves the PDF board packs out (making and auditing a PDF takes seconds
each: without them the larger sizes finish sooner).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import yaml
from bench_build import make_project  # type: ignore[import-not-found]

BIN = Path(sys.executable).parent


def executed_source(root: Path, n_trusts: int, jobs: int) -> Path:
    """A demo project of ``n_trusts`` whose notebooks ``lhs-reports build`` executed."""
    make_project(root, n_trusts)
    env = {**os.environ, "LHS_REPORTS_PROJECT": str(root)}
    done = subprocess.run([str(BIN / "lhs-reports"), "--project", str(root), "build",
                           "--renderer", "builtin", "--jobs", str(jobs)],
                          cwd=root, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit("the source build failed")
    return root


def scaled_project(source: Path, root: Path, n_trusts: int, board_packs: bool
                   ) -> tuple[Any, list[Any], dict[str, list[dict[str, Any]]], list[str]]:
    """A project of ``n_trusts`` with the source's executed notebooks and records."""
    from lhs_reports.engine.cache import MANIFEST, Manifest
    from lhs_reports.engine.plan import load_project, plan_jobs

    codes = make_project(root, n_trusts)
    if not board_packs:
        catalogue_path = root / "params" / "reports.yaml"
        catalogue = yaml.safe_load(catalogue_path.read_text())
        catalogue.setdefault("site", {})["board_packs"] = False
        catalogue_path.write_text(yaml.safe_dump(catalogue, sort_keys=False))
    entries = Manifest(source / "outputs" / MANIFEST).entries
    built = [job for job in plan_jobs(load_project(source)) if job.output.is_file()
             and (entries.get(job.key) or {}).get("status") == "ok"]
    by_family: dict[str, list[Any]] = {}
    for job in built:
        by_family.setdefault(job.family.id, []).append(job)
    project = load_project(root)
    jobs = [job for job in plan_jobs(project) if job.family.id in by_family]
    records = {}
    for number, job in enumerate(jobs):
        same = [j for j in by_family[job.family.id] if j.param_id == job.param_id]
        origin = same[0] if same else by_family[job.family.id][number
                                                               % len(by_family[job.family.id])]
        job.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin.output, job.output)
        records[job.key] = list(entries[origin.key].get("records") or [])
    return project, jobs, records, codes


def render(project: Any, jobs: list[Any], records: dict[str, list[dict[str, Any]]], *,
           cache: bool = True) -> tuple[float, Any]:
    from lhs_reports.engine.outcome import JobResult
    from lhs_reports.site import render_site_report

    results = [JobResult(job.key, "ok", 1.0, records=records[job.key]) for job in jobs]
    started = time.perf_counter()
    done = render_site_report(project, jobs, results, renderer="builtin", workers=2,
                              render_cache=cache)
    return time.perf_counter() - started, done


def change_notebook(job: Any) -> None:
    notebook = nbformat.read(job.output, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("A note added for the benchmark."))
    nbformat.write(notebook, job.output)


def change_figures(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with every number moved, so headlines and What's new change."""
    return [{**r, "value": r["value"] * 1.5 + 1} if isinstance(r.get("value"), int | float)
            and not isinstance(r.get("value"), bool) else r for r in records]


def bench(source: Path, n_trusts: int, board_packs: bool, work: Path) -> list[dict[str, Any]]:
    root = work / f"site-{n_trusts}"
    root.mkdir()
    project, jobs, records, codes = scaled_project(source, root, n_trusts, board_packs)
    rows = []

    def row(run: str, seconds: float, done: Any) -> None:
        rows.append({"trusts": n_trusts, "run": run, "seconds": seconds,
                     "pages rendered": done.pages_rendered, "pages reused": done.pages_reused,
                     "files audited": done.files_audited, "verdicts reused": done.files_reused})

    row("first render (fills the caches)", *render(project, jobs, records))
    full, done = render(project, jobs, records, cache=False)
    row("full re-render and re-audit (no render cache)", full, done)
    row("rebuild, nothing changed", *render(project, jobs, records))
    # The first publication with a history to compare changes every organisation's page
    # once ("changes are listed from the next one"): not what a rebuild usually meets.
    first = [job for job in jobs if job.param_id == codes[0]]
    for job in first:
        records[job.key] = change_figures(records[job.key])
    row(f"first publication with a history ({codes[0]}'s figures changed)",
        *render(project, jobs, records))
    middle = codes[len(codes) // 2]
    mine = [job for job in jobs if job.param_id == middle]
    for job in mine:
        change_notebook(job)
        records[job.key] = change_figures(records[job.key])
    row(f"one trust's notebooks and figures changed ({middle})",
        *render(project, jobs, records))
    change_notebook(mine[0])
    row(f"one trust's notebook alone changed ({mine[0].key})",
        *render(project, jobs, records))
    for each in rows:
        each["share of full"] = each["seconds"] / full
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trusts", type=int, nargs="+", default=[50])
    parser.add_argument("--source-trusts", type=int, default=8,
                        help="trusts whose notebooks are really executed (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="workers for the source build")
    parser.add_argument("--no-board-packs", dest="board_packs", action="store_false")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder (kept; reuses its executed source)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lhs-bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"source-{args.source_trusts}"
    started = time.perf_counter()
    if not (source / "outputs" / "_site").is_dir():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir()
        executed_source(source, args.source_trusts, args.jobs)
    print(f"source: {args.source_trusts} trusts executed in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for n in args.trusts:
        shutil.rmtree(work / f"site-{n}", ignore_errors=True)
        rows += bench(source, n, args.board_packs, work)
        print(pd.DataFrame(rows[-6:]).to_string(index=False), flush=True)
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(f"\ncores: {os.cpu_count()}; board packs: {args.board_packs}")
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
