"""Benchmark rendering the site with Quarto: full, nothing changed, one trust changed.

Needs a real Quarto on PATH. Generates a demo project with N synthetic trusts in a temporary
folder, executes its notebooks once (not timed), then times ``render_site`` with the Quarto
renderer, in this process:

1. **full**: no kept render (``outputs/quarto`` removed), so every page is rendered;
2. **no change**: the same site again (the site key is removed, so the renderer does run);
3. **one trust changed**: every report of one trust edited (as if its data changed), so its
   pages are rendered and nothing else;
4. the built-in renderer, for comparison.

Each is printed as wall time and the number of pages Quarto rendered. Usage::

    PATH=/path/to/quarto/bin:$PATH .venv/bin/python benchmarks/bench_quarto.py --trusts 8

On a shared or virtual machine identical runs can differ by 20%: ``--repeat N`` reports the
median of N runs of each, with the fastest and slowest beside it.

Measured with Quarto 1.10.18 on a 2-core shared machine, 8 trusts (37 pages), ``--repeat 2``
(median, fastest-slowest)::

    full (no kept render)        47.4 s (40.8-54.0)   37 pages
    no change                     0.7 s                0 pages (Quarto not run)
    one trust changed (SYN01)     8.5 s (8.0-9.0)      3 pages (its three reports)
    built-in renderer             2.0 s
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
from collections.abc import Callable
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import make_project

BIN = Path(sys.executable).parent


def execute_notebooks(root: Path) -> None:
    env = {**os.environ, "LHS_REPORTS_PROJECT": str(root)}
    done = subprocess.run([str(BIN / "lhs-reports"), "--project", str(root), "build",
                           "--renderer", "builtin"], cwd=root, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit("the demo build failed")


def edit_trust(root: Path, code: str, round_: int) -> int:
    """Change every executed report of trust ``code``; how many were changed."""
    reports = sorted((root / "outputs" / "notebooks").glob(f"*/{code}.ipynb"))
    for path in reports:
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_markdown_cell(f"Benchmark edit {round_}."))
        nbformat.write(notebook, path)
    return len(reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trusts", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the demo project")
    args = parser.parse_args()
    if shutil.which("quarto") is None:
        raise SystemExit("quarto is not on PATH")

    import lhs_reports.site.quarto as quarto
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.outcome import JobResult
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import render_site

    renders: list[quarto.QuartoRender] = []
    original = quarto.render_quarto

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        renders.append(original(*a, **k))
        return renders[-1]

    quarto.render_quarto = spy  # render_site imports it when it renders
    folder = Path(tempfile.mkdtemp(prefix="bench-quarto-"))
    root = folder / "project"
    root.mkdir()
    codes = make_project(root, args.trusts)
    print(f"demo project: {root} ({args.trusts} trusts); executing notebooks...", flush=True)
    execute_notebooks(root)
    project = load_project(root)
    jobs = [p.job for p in plan_build(project)]
    results = [JobResult(j.key, "ok", 0.0) for j in jobs]
    key = project.outputs / ".cache" / "site-key"

    def render(renderer: str = "quarto") -> float:
        key.unlink(missing_ok=True)
        started = time.perf_counter()
        render_site(project, jobs, results, renderer=renderer, workers=2)  # type: ignore[arg-type]
        return time.perf_counter() - started

    def full() -> float:
        shutil.rmtree(project.outputs / "quarto", ignore_errors=True)
        return render()

    rounds = iter(range(1, 10_000))

    def one_trust() -> float:
        edit_trust(root, codes[0], next(rounds))
        return render()

    scenarios: list[tuple[str, Callable[[], float]]] = [
        ("full (no kept render)", full), ("no change", render),
        (f"one trust changed ({codes[0]})", one_trust),
        ("built-in renderer (reference)", lambda: render("builtin")),
    ]
    print(f"\n{'scenario':<36}{'median s':>10}{'min':>8}{'max':>8}{'pages':>8}")
    for name, run in scenarios:
        times, pages = [], "-"
        for _ in range(args.repeat):
            renders.clear()
            times.append(run())
            if renders:
                pages = str(len(renders[-1].rendered))
        print(f"{name:<36}{statistics.median(times):>10.1f}{min(times):>8.1f}"
              f"{max(times):>8.1f}{pages:>8}", flush=True)
    total = sum(1 for _ in (project.site_dir).rglob("*.html"))
    print(f"\nsite: {total} pages; Quarto {quarto._quarto_version()}")
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
