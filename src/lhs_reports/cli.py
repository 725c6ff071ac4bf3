"""The ``lhs-reports`` command: a thin adapter over the package.

User errors (:class:`~lhs_reports.errors.LhsReportsError`) are printed without a traceback and
exit with status 2; failed report jobs exit with status 1 after the rest of the build finished.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lhs_reports.cli_parser import build_parser
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.errors import LhsReportsError

if TYPE_CHECKING:
    from lhs_reports.engine.build import BuildReport

EXIT_FAILED_JOBS = 1
EXIT_USER_ERROR = 2


def _check(args: argparse.Namespace) -> int:
    from lhs_reports.engine.plan import load_project, plan_jobs
    from lhs_reports.engine.requirements import switched_off, without_parameter_files

    project = load_project(args.project)
    jobs = plan_jobs(project)
    not_run = switched_off(project) + without_parameter_files(project)
    checked = "parameters only"
    if not args.params_only:
        from lhs_reports.engine.build import ensure_data
        from lhs_reports.engine.manifest import planning
        from lhs_reports.engine.preflight import check_data
        from lhs_reports.engine.requirements import require_some_data, skip_missing_tables

        ensure_data(project)
        require_some_data(project)
        # One look at each data file (hashes kept from the last build): linear in the files.
        with planning(project.outputs):
            jobs, skipped = skip_missing_tables(project, jobs)
            not_run += skipped
            check_data(project, jobs)
        checked = "parameters and data"
    families = sorted({j.family.id for j in jobs})
    files = {j.params_path for j in jobs}
    for line in not_run:
        print(line.line)
    print(f"OK ({checked}): {len(files)} parameter files, {len(jobs)} jobs across "
          f"{len(families)} report {'family' if len(families) == 1 else 'families'} "
          f"({', '.join(families)})")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.plan import load_project, notebook_lines

    project = load_project(args.project)
    planned = plan_build(project, families=args.family, only=args.only, force=args.force)
    for which in notebook_lines(project, args.family):
        print(which)
    width = max((len(p.job.key) for p in planned), default=10)
    for item in planned:
        action = "run " if item.run else "skip"
        # The month the build filled in (or the file set): the one the page and cache key use.
        period = item.job.parameters.get("period_end")
        print(f"{action}  {item.job.key:<{width}}  {item.reason}"
              + (f"; period to {period}" if period else ""))
    for line in planned.not_run:
        print(line.line)
    _plan_shared(project, planned, force=args.force)
    runs = sum(p.run for p in planned)
    print(f"{runs} to run, {len(planned) - runs} to skip")
    return 0


def _plan_shared(project: Any, planned: Any, *, force: bool) -> None:
    """A line per shared computation the plan's reports read (run before them in a build)."""
    from lhs_reports.engine.shared_steps import plan_steps

    for step in plan_steps(project, planned, force=force):
        # Not a "run"/"skip" line: those are reports, one each.
        then = ": computed first, then its reports are checked again" if step.run else ""
        print(f"shared figures {step.label}: {step.reason}{then}")


def _build(args: argparse.Namespace) -> int:
    from lhs_reports.engine.build import run_build
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import choose_renderer

    project = load_project(args.project)
    settings = ExecutionSettings(cell_timeout=args.cell_timeout,
                                 notebook_timeout=args.notebook_timeout,
                                 kernel_timeout=args.kernel_timeout,
                                 max_notebooks_per_worker=args.recycle_after,
                                 max_worker_memory_mb=args.recycle_memory,
                                 connect_timeout=args.connect_timeout)
    renderer = choose_renderer(args.renderer)
    report = run_build(project, executor=args.executor, jobs=args.jobs, families=args.family,
                       only=args.only, force=args.force, settings=settings,
                       scheduler=args.scheduler, renderer=renderer,
                       history_file=args.history, shard=args.shard,
                       render_cache=args.render_cache)
    _summary(report)
    if report.shard_dir is not None:
        ran = [r.key for r in report.results if r.status != "skipped"]
        print(f"Shard {args.shard}: {len(report.results)} jobs, {len(ran)} ran"
              + (f" ({', '.join(ran[:10])}{', ...' if len(ran) > 10 else ''})" if ran else "")
              + f"; outputs in {report.shard_dir}")
        print("Gather every shard's folder with `lhs-reports render --from DIR ...`.")
    else:
        print(f"Site ({renderer} renderer): "
              f"{report.site / 'index.html' if report.site else '-'}")
    return EXIT_FAILED_JOBS if report.failed else 0


def _render(args: argparse.Namespace) -> int:
    from lhs_reports.engine.gather import run_render
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import choose_renderer

    project = load_project(args.project)
    renderer = choose_renderer(args.renderer)
    report = run_render(project, args.sources or (), renderer=renderer,
                        history_file=args.history, jobs=args.jobs,
                        render_cache=args.render_cache)
    _summary(report)
    print(f"Site ({renderer} renderer): {report.site / 'index.html' if report.site else '-'}")
    return EXIT_FAILED_JOBS if report.failed else 0


def _summary(report: BuildReport) -> None:
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.status] = counts.get(result.status, 0) + 1
    print(f"\n{'job':<40} {'status':<8} {'seconds':>8}  error")
    for result in report.results:
        if result.status == "skipped":
            continue
        print(f"{result.key:<40} {result.status:<8} {result.duration:>8.1f}  "
              f"{result.error or ''}")
    for line in report.not_run:
        print(line.line)
    for result in report.results:
        if result.lost_workers:
            print(f"{result.key}: run again after its Dask worker was lost "
                  f"({result.lost_workers} lost, {result.attempts} attempts in all)")
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{len(report.results)} jobs: {parts}; "
          f"{report.timings.get('total', 0):.1f} s in all")
    if report.site_render is not None:
        print(report.site_render.line)


#: Findings `lhs-reports audit` lists, one a line.
AUDIT_LISTED = 50


def _audit(args: argparse.Namespace) -> int:
    from lhs_reports.audit import scan_site

    if args.site is None:
        from lhs_reports.engine.plan import load_project

        site = load_project(args.project).site_dir
    else:
        site = args.site
    audit = scan_site(site)
    for finding in audit.findings[:AUDIT_LISTED]:
        print(finding)
    if len(audit.findings) > AUDIT_LISTED:
        print(f"... and {len(audit.findings) - AUDIT_LISTED} more")
    if audit.findings:
        raise audit.error(shown=0, hint="the findings are listed above: pass tables through "
                          "disclosure control, compute percentages from the rounded counts, "
                          "and never print identifiers")
    print(f"OK: {audit.pages} pages and {audit.files} files audited, no findings")
    if audit.search:
        print(f"Search index: {audit.search} files, read through its page fragments")
    if audit.unread:
        print(f"Not readable as text, so not audited: {len(audit.unread)} files (e.g. "
              f"{', '.join(audit.unread[:3])}); check that they hold no identifiers")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from lhs_reports.data.synthetic import write_demo_data
    from lhs_reports.engine.plan import load_project

    project = load_project(args.project)
    demo = project.catalogue.data.demo
    path = write_demo_data(project.root / "data" / "demo", args.n_trusts or demo.n_trusts,
                           seed=args.seed if args.seed is not None else demo.seed)
    print(f"Synthetic demo data written to {path}")
    return 0


def _data_template(args: argparse.Namespace) -> int:
    from lhs_reports.data.templates import write_templates

    written = write_templates(args.folder, force=args.force)
    print(f"{len(written)} data templates written to {args.folder}: "
          f"{', '.join(p.name for p in written)}")
    print("Replace the example rows with your data; `lhs-reports check` validates the folder.")
    return 0


def _new(args: argparse.Namespace) -> int:
    from lhs_reports.scaffold import new_case_study, new_notebook, new_trust

    if args.kind == "report":
        from lhs_reports.report_scaffold import new_report

        written = new_report(args.project, args.id, args.title, description=args.description,
                             per=args.per, tables=args.tables)
        print("Written " + ", ".join(str(path) for path in written) + ".\n"
              f"Write the analysis in notebooks/{args.id}.ipynb and record its headline "
              f"numbers: tests/test_{args.id}.py fails until it does. `lhs-reports plan` lists "
              "its reports.")
        return 0
    if args.kind == "case-study":
        path = new_case_study(args.project, args.slug, args.title, args.summary,
                              args.illustrates)
        print(f"Written {path}; `lhs-reports check` validates it.")
        return 0
    if args.kind == "notebook":
        path = new_notebook(args.project, args.name)
        print(f"Written {path}: the build runs this copy from now on (delete it to use the "
              "packaged notebook again).")
        return 0
    path = new_trust(args.project, args.code, args.name, period_end=args.period_end)
    print(f"Written {path}; `lhs-reports check` validates it with the data.")
    return 0


def _init(args: argparse.Namespace) -> int:
    from lhs_reports.project_init import init_project

    init_project(args.folder, demo=args.demo)
    where = args.folder
    if args.demo:
        print(f"The demo project is in {where}. Next: cd {where} && lhs-reports build")
    else:
        print(f"A new project is in {where}. Next, in {where}:\n"
              "  lhs-reports data-template data      # a template CSV per table; fill them in\n"
              '  lhs-reports new trust CODE --name "..."   # one per trust\n'
              "  lhs-reports check && lhs-reports build\n"
              "Its README.md says more.")
    return 0


def _kernel(args: argparse.Namespace) -> int:
    from lhs_reports.jupyter_kernel import KERNEL_NAME, Scope, install_kernel

    scope: Scope = "prefix" if args.prefix is not None else args.scope or "sys-prefix"
    kernel = install_kernel(scope=scope, prefix=args.prefix, name=args.name or KERNEL_NAME,
                            display_name=args.display_name)
    print(f"Kernel '{kernel.name}' ({kernel.display_name}) written to {kernel.path}")
    if not kernel.found:
        print(f"Jupyter does not look there yet: add {kernel.path.parents[1]} to JUPYTER_PATH "
              "for the JupyterLab that should offer it.")
    if kernel.name != KERNEL_NAME:
        print(f"The report notebooks ask for '{KERNEL_NAME}': choose '{kernel.display_name}' "
              "in JupyterLab's kernel menu.")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from lhs_reports.inspection import (
        find_notebook,
        inspect_notebook,
        parameters_json,
        parameters_table,
    )

    path = find_notebook(args.project, args.notebook)
    parameters = inspect_notebook(path)
    if args.json:
        print(parameters_json(parameters))
    else:
        print(f"Parameters of {path}:\n")
        print(parameters_table(parameters))
    return 0


def _show_notice(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
    """Data read with an adjustment (a :class:`~lhs_reports.data.rows.DataWarning`) is told as
    a one-line notice, not as a Python warning quoting the package's source."""
    if category.__name__ == "DataWarning":  # by name: importing it would import pandas
        print(f"notice: {message}", file=sys.stderr)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lhs-reports`` console script."""
    args = build_parser().parse_args(argv)
    handlers = {"check": _check, "plan": _plan, "build": _build, "render": _render,
                "audit": _audit,
                "demo-data": _demo_data, "data-template": _data_template, "new": _new,
                "init": _init, "kernel": _kernel, "inspect": _inspect}
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_notice
            return handlers[args.command](args)
    except LhsReportsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
