"""The ``lhs-reports`` command line: its commands, options, descriptions and examples.

:func:`build_parser` is all of it; :mod:`lhs_reports.cli` runs what it parses. Every subcommand
gets a ``description=`` and an ``epilog=`` with ``Example:`` lines, formatted by
:data:`HELP_FORMAT` (tests/test_cli_help.py holds every subcommand to it).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lhs_reports import __version__
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.shards import Shard, parse_shard
from lhs_reports.errors import LhsReportsError

__all__ = ["HELP_FORMAT", "build_parser"]


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


def build_parser() -> argparse.ArgumentParser:
    """The ``lhs-reports`` argument parser, with every subcommand."""
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
                       help="Dask scheduler address, tcp://HOST:PORT or tls://HOST:PORT (with "
                       "--executor dask; default: a local cluster); TLS settings come from "
                       "Dask's configuration (distributed.comm.tls)")
    limits = ExecutionSettings()  # the defaults live there, once
    build.add_argument("--connect-timeout", type=_positive(float),
                       default=limits.connect_timeout, metavar="SECONDS",
                       help="seconds to reach the Dask scheduler before giving up "
                       "(default %(default)g)")
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
    _add_render_cache(build)

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
    _add_render_cache(render)

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


def _add_render_cache(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-render-cache", dest="render_cache", action="store_false",
                        help="render and audit every page of the site again, even those whose "
                        "notebook, template and navigation are unchanged (and refresh the "
                        "caches in outputs/.cache)")


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", action="append", help="only this report family (repeatable)")
    parser.add_argument("--only", action="append", metavar="ID",
                        help="only this parameter set, e.g. SYN01 (repeatable)")
    parser.add_argument("--force", action="store_true",
                        help="run every selected job even if it is up to date")
