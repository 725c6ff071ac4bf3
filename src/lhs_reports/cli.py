"""The ``lhs-reports`` command: a thin adapter over the package.

User errors (:class:`~lhs_reports.errors.LhsReportsError`) are printed without a traceback and
exit with status 2; failed report jobs exit with status 1 after the rest of the build finished.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lhs_reports import __version__
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.shards import Shard, parse_shard
from lhs_reports.errors import LhsReportsError

if TYPE_CHECKING:
    from lhs_reports.engine.build import BuildReport

EXIT_FAILED_JOBS = 1
EXIT_USER_ERROR = 2


def _positive(kind: Callable[[str], int | float]) -> Callable[[str], int | float]:
    """An argparse type: a number above zero, with a plain message otherwise."""
    def convert(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value
    return convert


def _shard(text: str) -> Shard:
    """An argparse type: ``K/N``, with the package's message otherwise (argparse exits 2)."""
    try:
        return parse_shard(text)
    except LhsReportsError as error:
        raise argparse.ArgumentTypeError(f"{error.message}; {error.hint}") from None


#: Every subcommand's --help keeps its description's and examples' line breaks.
HELP_FORMAT = argparse.RawDescriptionHelpFormatter


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lhs-reports",
        description="Run parameterised report notebooks for every trust and publish a website.",
        epilog="Example:\n  lhs-reports init my-reports --demo && cd my-reports\n"
        "  lhs-reports check && lhs-reports build\n\n"
        "Each command has its own --help, e.g. lhs-reports build --help.",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("--version", action="version", version=f"lhs-reports {__version__}")
    parser.add_argument("--project", type=Path, default=Path("."),
                        help="project root (holding params/reports.yaml); default: current folder")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check", help="validate the catalogue, every parameter file and the data they read",
        description="Validate params/reports.yaml, every parameter file and the data the build "
        "would read,\nbefore any kernel starts. A mistake is reported with its file, field or "
        "row and the fix\n(exit status 2); nothing is run.",
        epilog="Example:\n  lhs-reports check\n  lhs-reports check --params-only   "
        "# the catalogue and parameter files only",
        formatter_class=HELP_FORMAT)
    check.add_argument("--params-only", action="store_true",
                       help="check the catalogue and parameter files only, not the data")

    plan = commands.add_parser(
        "plan", help="list the jobs a build would run or skip, and why",
        description="List every (report family, parameter set) job a build would run or skip, "
        "and why\n(never built, an input changed, up to date). Runs the same checks as "
        "`check` first.",
        epilog="Example:\n  lhs-reports plan\n  lhs-reports plan --family crisis_flow "
        "--only SYN01 --force",
        formatter_class=HELP_FORMAT)
    _add_selection(plan)

    build = commands.add_parser(
        "build", help="execute the notebooks and render the site",
        description="Check the project, execute every job that is not up to date (one "
        "notebook per parameter\nset, in parallel), render the site to outputs/_site/ and "
        "audit it. A failed notebook does\nnot stop the others; the command then exits "
        "with status 1.",
        epilog="Example:\n  lhs-reports build\n"
        "  lhs-reports build --renderer quarto --jobs 4\n"
        "  lhs-reports build --family needs_assessment --only SYN01\n"
        "  lhs-reports build --executor dask --scheduler tcp://10.0.0.5:8786",
        formatter_class=HELP_FORMAT)
    _add_selection(build)
    build.add_argument("--renderer", choices=["auto", "quarto", "builtin"], default="auto",
                       help="auto = Quarto when `quarto` is on PATH, else the built-in renderer")
    build.add_argument("--executor", choices=["local", "kernel", "dask"], default="local",
                       help="local: warm worker kernels (default); kernel: a fresh kernel per "
                       "notebook, as papermill; dask: a Dask cluster")
    build.add_argument("--jobs", "-j", type=_positive(int), default=None,
                       help="parallel workers (default: one per core)")
    build.add_argument("--scheduler", default=None,
                       help="Dask scheduler address (with --executor dask; default: a local "
                       "cluster)")
    limits = ExecutionSettings()  # the defaults live there, once
    build.add_argument("--cell-timeout", type=_positive(float), default=limits.cell_timeout,
                       help="seconds a single cell may run (default %(default)g)")
    build.add_argument("--notebook-timeout", type=_positive(float),
                       default=limits.notebook_timeout,
                       help="seconds a notebook may run before its worker is replaced; "
                       "counted from when its kernel is ready (default %(default)g)")
    build.add_argument("--kernel-timeout", type=_positive(float), default=limits.kernel_timeout,
                       metavar="SECONDS",
                       help="seconds a worker's kernel may take to start and import its "
                       "libraries; raise it on a busy machine (default %(default)g)")
    build.add_argument("--recycle-after", type=_positive(int),
                       default=limits.max_notebooks_per_worker,
                       help="replace a warm worker after this many notebooks "
                       "(default %(default)d)")
    build.add_argument("--history", type=Path, default=None, metavar="FILE",
                       help="the previous publication's results-history.json (e.g. downloaded "
                       "from the published site in CI); default: $LHS_REPORTS_HISTORY, else "
                       "outputs/_site/results-history.json")
    build.add_argument("--recycle-memory", type=_positive(float),
                       default=limits.max_worker_memory_mb, metavar="MIB",
                       help="replace a warm worker once its peak memory passes this many MiB "
                       "(default %(default)g)")
    build.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                       help="run only shard K of N (one per CI machine, balanced by the last "
                       "build's timings) into outputs/shards/K-of-N, and render no site: "
                       "`lhs-reports render` gathers the shards")

    render = commands.add_parser(
        "render", help="gather the outputs of sharded builds, then render and audit the site",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Gather the folders that `lhs-reports build --shard K/N` wrote on each "
        "machine\n(outputs/shards/K-of-N: shard.json and the executed notebooks) into this "
        "project's\noutputs, check that every planned job comes from exactly one shard, then "
        "render,\naudit and publish the site once, as a one-machine build would.",
        epilog="Example:\n  lhs-reports build --shard 1/2    # on one machine\n"
        "  lhs-reports build --shard 2/2    # on another\n"
        "  lhs-reports render --from shard-1 --from shard-2   # their outputs/shards/* "
        "folders\n\nWith no --from, the shards in outputs/shards/ (all built on this "
        "machine).")
    render.add_argument("--from", dest="sources", action="append", type=Path, default=None,
                        metavar="DIR", help="a shard's folder (holding shard.json), or a folder "
                        "of them as CI artifacts download (repeatable; default: "
                        "outputs/shards)")
    render.add_argument("--renderer", choices=["auto", "quarto", "builtin"], default="auto",
                        help="auto = Quarto when `quarto` is on PATH, else the built-in renderer")
    render.add_argument("--history", type=Path, default=None, metavar="FILE",
                        help="the previous publication's results-history.json, as for build")
    render.add_argument("--jobs", "-j", type=_positive(int), default=None,
                        help="parallel processes rendering pages (default: one per core)")

    audit = commands.add_parser(
        "audit", help="audit a rendered site for identifiers and unsuppressed small counts",
        description="Audit a rendered site (every page, table, chart text, download, search "
        "index and PDF)\nfor NHS numbers, postcodes, dates of birth and unsuppressed small "
        "counts: one line per\nfinding, exit status 2 if there is any. `build` runs the same "
        "audit before publishing.",
        epilog="Example:\n  lhs-reports audit\n  lhs-reports audit outputs/_site",
        formatter_class=HELP_FORMAT)
    audit.add_argument("site", nargs="?", type=Path, default=None, metavar="SITE",
                       help="the site folder (default: the project's outputs/_site)")

    data = commands.add_parser(
        "demo-data", help="(re)generate the synthetic demo data",
        description="Write the synthetic demo data (fictitious trusts, labelled SYNTHETIC) "
        "into data/demo/.\nThe build does this itself when the demo data are missing.",
        epilog="Example:\n  lhs-reports demo-data\n  lhs-reports demo-data --n-trusts 3 "
        "--seed 7",
        formatter_class=HELP_FORMAT)
    data.add_argument("--n-trusts", type=int, default=None,
                      help="how many trusts (default: the catalogue's data.demo.n_trusts)")
    data.add_argument("--seed", type=int, default=None,
                      help="random seed (default: the catalogue's data.demo.seed)")

    new = commands.add_parser(
        "new", help="write a new parameter file, notebook copy or report family (never "
        "overwrites)",
        description="Write a new file into the project: a validated parameter file, the "
        "project's own copy\nof a packaged notebook, or a new report family. An existing file "
        "is never overwritten.",
        epilog="Example:\n  lhs-reports new trust RX4 --name \"Northern NHS Foundation "
        "Trust\"\n  lhs-reports new notebook crisis_flow\n"
        "  lhs-reports new report waiting_times --title \"Waiting times\"",
        formatter_class=HELP_FORMAT)
    kinds = new.add_subparsers(dest="kind", required=True)
    trust = kinds.add_parser(
        "trust", help="a trust's parameter file (params/trusts/CODE.yaml)",
        description="Write a trust's parameter file into the catalogue's per-trust folder, "
        "validated as the\nbuild reads it; every per-trust report family then runs for it.",
        epilog="Example:\n  lhs-reports new trust RX4 --name \"Northern NHS Foundation "
        "Trust\"\n  lhs-reports new trust RX4 --name \"Northern NHS Foundation Trust\" "
        "--period-end 2025-03",
        formatter_class=HELP_FORMAT)
    trust.add_argument("code", help="the organisation code (ODS), e.g. RX4; any case")
    trust.add_argument("--name", required=True, help="the organisation's name as pages show it")
    trust.add_argument("--period-end", default=None, metavar="YYYY-MM",
                       help="last month reported (default: the latest month in the data)")

    notebook = kinds.add_parser(
        "notebook", help="this project's own copy of a packaged report notebook "
        "(notebooks/NAME.ipynb), which the build then runs instead",
        description="Copy a packaged report notebook into notebooks/NAME.ipynb; the build "
        "runs that copy\nfrom then on (delete it to use the packaged notebook again).",
        epilog="Example:\n  lhs-reports new notebook crisis_flow",
        formatter_class=HELP_FORMAT)
    notebook.add_argument("name", help="the notebook, e.g. crisis_flow")

    report = kinds.add_parser(
        "report", help="a new report family: its notebook, catalogue entry and test",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Add a report family to the project: a thin notebook notebooks/ID.ipynb "
        "with a typed\nparameters cell, its entry in params/reports.yaml (comments kept) and "
        "tests/test_ID.py,\nwhich fails until the notebook records a result with record(...)."
        "\nNever overwrites; checks everything first.",
        epilog="Example:\n  lhs-reports new report waiting_times --title \"Waiting times\" "
        "--tables trusts,activity_monthly\n"
        "  lhs-reports new report huddle_outcomes --title \"Huddle outcomes\" "
        "--per case_study")
    report.add_argument("id", metavar="ID", help="the family's id: lower-case letters, digits "
                        "and underscores, e.g. waiting_times (its pages go in ID/)")
    report.add_argument("--title", required=True, help="the family's title as the site shows "
                        "it")
    report.add_argument("--description", default="", help="a sentence or two for the site's "
                        "listing and the report's introduction")
    report.add_argument("--per", default="trust", choices=["trust", "case_study", "cross_trust"],
                        help="one report per trust (default), per case study, or pages across "
                        "trusts: the parameter schema its notebook receives")
    report.add_argument("--tables", type=_names, default=None, metavar="T1,T2",
                        help="the data dictionary's tables it reads (default: trusts and "
                        "activity_monthly; case_study_series with --per case_study)")

    case_study = kinds.add_parser(
        "case-study", help="a case study's parameter file (params/case_studies/SLUG.yaml)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a validated case study parameter file into the catalogue's "
        "case-study folder, with the\noptional measure's keys as comments. Never overwrites.",
        epilog="Example:\n  lhs-reports new case-study ward-huddles --title \"Ward huddles\" "
        "\\\n      --summary \"Daily huddles that review the ward's flow.\" "
        "--illustrates improvement,learning_community")
    case_study.add_argument("slug", metavar="SLUG", help="lower-case kebab-case, e.g. "
                            "ward-huddles: the case study's id and page address")
    case_study.add_argument("--title", required=True, help="the case study's title")
    case_study.add_argument("--summary", required=True, help="a sentence or two on what it is")
    case_study.add_argument("--illustrates", type=_names, required=True, metavar="TAG,...",
                            help="what it illustrates: full_lhs, data, technology, "
                            "learning_community, improvement (one or more)")

    init = commands.add_parser(
        "init", help="write a new project into a new or empty folder",
        description="Write a new project for your own data: the catalogue, the site's pages, "
        "a data folder and a README of the next steps (no trust parameter files, no "
        "SYNTHETIC labels).\nWith --demo, the demonstration project on synthetic data.",
        epilog="Example:\n  lhs-reports init my-reports\n  lhs-reports init demo --demo",
        formatter_class=HELP_FORMAT)
    init.add_argument("folder", type=Path, metavar="DIR",
                      help="the project folder (created; '.' only if empty)")
    init.add_argument("--demo", action="store_true",
                      help="the demo project: synthetic data for eight fictitious trusts")

    _add_kernel(commands)
    _add_inspect(commands)

    template = commands.add_parser(
        "data-template", help="write a template CSV for every data table (the header and two "
        "example rows) into a folder, as published on the site's About the data page",
        description="Write a template CSV for every table of the data dictionary (its header "
        "and two example\nrows) into a folder. Replace the example rows with your data; "
        "`check` refuses a file\nthat still holds them.",
        epilog="Example:\n  lhs-reports data-template data\n  lhs-reports data-template "
        "data --force",
        formatter_class=HELP_FORMAT)
    template.add_argument("folder", type=Path, metavar="DIR",
                          help="where to write them (created if needed)")
    template.add_argument("--force", action="store_true",
                          help="overwrite template files that already exist there")
    return parser


def _names(text: str) -> list[str]:
    """An argparse type: a comma-separated list of names (spaces ignored)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _add_kernel(commands: Any) -> None:
    """``lhs-reports kernel install``: the named Jupyter kernel of this environment."""
    kernel = commands.add_parser(
        "kernel", help="register this environment's Python as the 'lhs-reports' Jupyter kernel",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Manage the Jupyter kernel named 'lhs-reports', which runs this "
        "environment's Python: the report notebooks ask JupyterLab for it.",
        epilog="Example:\n  lhs-reports kernel install          # for this environment's "
        "JupyterLab\n  lhs-reports kernel install --user   # for a shared JupyterLab or "
        "JupyterHub\n\nRemove it with `jupyter kernelspec remove lhs-reports`.")
    actions = kernel.add_subparsers(dest="action", required=True)
    install = actions.add_parser(
        "install", help="write (or replace) the kernelspec",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write the kernelspec 'lhs-reports' (python -m ipykernel_launcher with this "
        "environment's interpreter), replacing one of that name in the same place. By default "
        "it goes into this environment (no root needed), where a JupyterLab installed here "
        "finds it; --user puts it where every JupyterLab you run finds it, such as a shared "
        "JupyterHub's that runs from another environment.",
        epilog="Example:\n  lhs-reports kernel install --user --display-name "
        "\"NHS North reports\"")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--sys-prefix", dest="scope", action="store_const", const="sys-prefix",
                       help="into this environment, sys.prefix/share/jupyter (the default)")
    where.add_argument("--user", dest="scope", action="store_const", const="user",
                       help="into your own Jupyter folder (e.g. ~/.local/share/jupyter)")
    where.add_argument("--prefix", type=Path, metavar="DIR",
                       help="into DIR/share/jupyter/kernels (e.g. another environment's prefix)")
    install.add_argument("--name", default=None,
                         help="the kernelspec's name (default: lhs-reports, the name the "
                         "report notebooks ask for)")
    install.add_argument("--display-name", default=None,
                         help="what JupyterLab shows (default: lhs-reports (Python 3.x, "
                         "<this environment's folder>))")


def _add_inspect(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect", help="list a notebook's parameters: name, type, default and help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List the parameters a report notebook accepts, as papermill reads them "
        "from its cell tagged 'parameters': name, type (its hint, else its default's), "
        "default and the line's # comment. A parameter file may set exactly these.",
        epilog="Example:\n  lhs-reports inspect crisis_flow\n"
        "  lhs-reports inspect notebooks/my_report.ipynb --json")
    inspect.add_argument("notebook", metavar="NOTEBOOK",
                         help="a .ipynb path, a notebook's name (the project's notebooks/ "
                         "copy, else the packaged one), or a report family's id")
    inspect.add_argument("--json", action="store_true",
                         help="print a JSON list of {name, type, default, help}")


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", action="append", help="only this report family (repeatable)")
    parser.add_argument("--only", action="append", metavar="ID",
                        help="only this parameter set, e.g. SYN01 (repeatable)")
    parser.add_argument("--force", action="store_true",
                        help="run every selected job even if it is up to date")


def _check(args: argparse.Namespace) -> int:
    from lhs_reports.engine.plan import load_project, plan_jobs
    from lhs_reports.engine.requirements import switched_off, without_parameter_files

    project = load_project(args.project)
    jobs = plan_jobs(project)
    not_run = switched_off(project) + without_parameter_files(project)
    checked = "parameters only"
    if not args.params_only:
        from lhs_reports.engine.build import ensure_data
        from lhs_reports.engine.preflight import check_data
        from lhs_reports.engine.requirements import require_some_data, skip_missing_tables

        ensure_data(project)
        require_some_data(project)
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
    runs = sum(p.run for p in planned)
    print(f"{runs} to run, {len(planned) - runs} to skip")
    return 0


def _build(args: argparse.Namespace) -> int:
    from lhs_reports.engine.build import run_build
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import choose_renderer

    project = load_project(args.project)
    settings = ExecutionSettings(cell_timeout=args.cell_timeout,
                                 notebook_timeout=args.notebook_timeout,
                                 kernel_timeout=args.kernel_timeout,
                                 max_notebooks_per_worker=args.recycle_after,
                                 max_worker_memory_mb=args.recycle_memory)
    renderer = choose_renderer(args.renderer)
    report = run_build(project, executor=args.executor, jobs=args.jobs, families=args.family,
                       only=args.only, force=args.force, settings=settings,
                       scheduler=args.scheduler, renderer=renderer,
                       history_file=args.history, shard=args.shard)
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
                        history_file=args.history, jobs=args.jobs)
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
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{len(report.results)} jobs: {parts}; "
          f"{report.timings.get('total', 0):.1f} s in all")


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
    args = _parser().parse_args(argv)
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
