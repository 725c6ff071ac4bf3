"""`lhs-reports init DIR [--demo]`: a new project for one's own data, or the demo; the packaged
notebooks and methods pages, which a project's own copy overrides."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.engine.cache import MANIFEST, Manifest, cache_key
from lhs_reports.engine.plan import family_notebook, load_project, plan_jobs
from lhs_reports.errors import DataError
from lhs_reports.packaged import PACKAGED_NOTEBOOKS, PACKAGED_SITE, site_file
from lhs_reports.project_init import TEMPLATE, project_files

from .handmade import (
    activity_by_group_rows,
    build_site,
    population_rows,
    trusts_table,
    varied_monthly,
    write,
)
from .helpers import REPO_ROOT

#: Words a project on real data must never show or write.
DEMO_WORDS = re.compile(r"synthetic|fictitious", re.IGNORECASE)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def init(tmp_path: Path, *extra: str) -> Path:
    root = tmp_path / "mytrusts"
    status, _, err = run("init", str(root), *extra)
    assert status == 0, err
    return root


# --- what init writes ------------------------------------------------------------------------


def test_init_writes_a_project_for_real_data_and_no_trust_files(tmp_path):
    root = init(tmp_path)
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert written == sorted(project_files())
    for name in ("params/reports.yaml", "params/cross_trust/all-trusts.yaml",
                 "params/examples/trust.yaml", "_quarto.yml", "index.qmd", "README.md",
                 ".gitignore", "scripts/quarto-root-guard.ts", "data/README.txt"):
        assert name in written
    assert not list((root / "params" / "trusts").glob("*.yaml"))
    assert not (root / "notebooks").exists()  # the packaged notebooks are used
    catalogue = load_project(root).catalogue
    assert catalogue.data.dir == "data" and catalogue.site.synthetic is False
    enabled = {f.id: f.enabled for f in catalogue.families}
    assert enabled == {"needs_assessment": True, "crisis_flow": True, "lhs_priorities": True,
                       "flow_variation": True, "case_studies": False}
    assert "period_end" not in (root / "params" / "cross_trust" / "all-trusts.yaml").read_text()
    assert "data/*" in (root / ".gitignore").read_text().splitlines()
    # No staging folder is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mytrusts"]


def test_nothing_init_writes_for_real_data_says_synthetic_or_fictitious(tmp_path):
    root = init(tmp_path)
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.name == "reports.yaml":  # the setting that says the data are real
                text = text.replace("\n  synthetic: false ", "\n", 1)
            assert not DEMO_WORDS.search(text), path


def test_a_new_project_passes_check_params_only_and_says_what_to_add(tmp_path):
    root = init(tmp_path)
    status, out, err = run("--project", str(root), "check", "--params-only")
    assert status == 0, err
    assert "needs_assessment: no parameter files in params/trusts/*.yaml yet; add one per " \
        "trust with `lhs-reports new trust CODE --name" in out
    assert "case_studies: switched off" in out
    assert out.splitlines()[-1].startswith("OK (parameters only)")


def test_the_example_parameter_file_is_never_planned(tmp_path):
    root = init(tmp_path)
    example = root / "params" / "examples" / "trust.yaml"
    # Even with its keys filled in, the build does not read it.
    example.write_text("trust_code: RX4\ntrust_name: Example\n")
    project = load_project(root)
    jobs = plan_jobs(project)
    assert [job.key for job in jobs] == ["flow_variation/all-trusts"]
    assert all(job.params_path != example for job in jobs)


def test_a_build_with_no_data_yet_stops_saying_which_tables_and_how_to_start(tmp_path):
    root = init(tmp_path)
    for command in (("check",), ("plan",), ("build", "--renderer", "builtin")):
        status, out, err = run("--project", str(root), *command)
        assert status == 2, (command, out)
        assert "no data yet" in err and "trusts, activity_monthly" in err
        assert "`lhs-reports data-template data`" in err and "Traceback" not in err
    assert not (root / "outputs" / "_site").exists()


@pytest.mark.parametrize("existing", ["a file", "a non-empty folder"])
def test_init_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path, existing):
    target = tmp_path / "mine"
    if existing == "a file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    before = sorted(tmp_path.rglob("*"))
    status, _, err = run("init", str(target))
    assert status == 2
    assert "exists" in err and "fix:" in err and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before


def test_init_fills_an_empty_folder_such_as_the_current_one(tmp_path, monkeypatch):
    target = tmp_path / "empty"
    target.mkdir()
    monkeypatch.chdir(target)
    status, _, err = run("init", ".")
    assert status == 0, err
    assert (target / "params" / "reports.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


# --- the demo: one canonical copy --------------------------------------------------------------


def test_init_demo_writes_exactly_the_repository_demo(tmp_path):
    """The repository root's demo files are the package's, byte for byte (they cannot drift):
    the package's project_template is the one canonical copy."""
    root = init(tmp_path, "--demo")
    for name in ("_quarto.yml", "index.qmd", "scripts/quarto-root-guard.ts"):
        assert (root / name).read_bytes() == (REPO_ROOT / name).read_bytes(), name
    ours = {p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / "params").rglob("*") if p.is_file()}
    repo = {p.relative_to(REPO_ROOT).as_posix(): p.read_bytes()
            for p in (REPO_ROOT / "params").rglob("*") if p.is_file()}
    assert ours == repo
    assert load_project(root).catalogue.data.dir == ""


def test_the_repository_keeps_no_second_copy_of_packaged_files():
    assert not (REPO_ROOT / "notebooks").exists()
    assert not (REPO_ROOT / "methods.qmd").exists() and not (REPO_ROOT / "methods").exists()
    assert not (REPO_ROOT / "templates" / "theme.scss").exists()
    assert (PACKAGED_SITE / "methods.qmd").is_file()
    assert (TEMPLATE / "common" / "_quarto.yml").is_file()


# --- packaged notebooks and a project's own copy -----------------------------------------------


def test_the_packaged_notebook_is_used_until_the_project_has_its_own(tmp_path):
    root = init(tmp_path)
    project = load_project(root)
    family = next(f for f in project.catalogue.families if f.id == "crisis_flow")
    packaged = family_notebook(project, family)
    assert packaged.packaged and packaged.path == PACKAGED_NOTEBOOKS / "crisis_flow.ipynb"
    status, out, err = run("--project", str(root), "new", "notebook", "crisis_flow")
    assert status == 0, err
    own = family_notebook(project, family)
    assert not own.packaged and own.path == root / "notebooks" / "crisis_flow.ipynb"
    assert own.path.read_bytes() == packaged.path.read_bytes()
    assert own.describe() == "notebooks/crisis_flow.ipynb (this project)"
    assert packaged.describe().startswith("crisis_flow.ipynb from lhs-reports ")
    # Never over the project's copy.
    status, _, err = run("--project", str(root), "new", "notebook", "crisis_flow")
    assert status == 2 and "exists already" in err
    status, _, err = run("--project", str(root), "new", "notebook", "crisis_flw")
    assert status == 2 and "did you mean crisis_flow" in err


def test_a_projects_copy_and_the_packaged_notebook_key_differently_and_an_edit_changes_it(
        tmp_path):
    root = init(tmp_path)
    parameters = {"title": "All trusts", "data_dir": "data"}
    packaged = PACKAGED_NOTEBOOKS / "flow_variation.ipynb"
    copy = root / "notebooks" / "flow_variation.ipynb"
    copy.parent.mkdir()
    copy.write_bytes(packaged.read_bytes())
    key_packaged, _ = cache_key(packaged, parameters, [], root)
    key_copy, _ = cache_key(copy, parameters, [], root)
    assert key_packaged != key_copy  # the same content, but not the same notebook
    notebook = nbformat.read(copy, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("Our own note."))
    nbformat.write(notebook, copy)
    assert cache_key(copy, parameters, [], root)[0] != key_copy
    # Where the project lives does not matter: a moved project keys the same.
    moved = tmp_path / "moved" / "notebooks" / "flow_variation.ipynb"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(copy.read_bytes())
    assert cache_key(moved, parameters, [], tmp_path / "moved")[0] == \
        cache_key(copy, parameters, [], root)[0]


def test_a_projects_own_methods_page_replaces_the_packaged_one(tmp_path):
    root = init(tmp_path)
    assert site_file(root, "methods/spc.qmd").packaged
    (root / "methods").mkdir()
    (root / "methods" / "spc.qmd").write_text("---\ntitle: Our SPC\n---\nOurs.\n")
    own = site_file(root, "methods/spc.qmd")
    assert own is not None and not own.packaged and own.path == root / "methods" / "spc.qmd"


# --- end to end: one's own data, from init to a rebuild ------------------------------------------


#: Three trusts with real-looking ODS codes: different start months (April 2023, February 2024,
#: July 2023), a 14-month series, and one with a month declared missing.
TRUSTS = {"RX4": ("Northern Mental Health NHS Foundation Trust", 24, "2025-03-01"),
          "RV3": ("Central and North West London NHS Foundation Trust", 14, "2025-03-01"),
          "RWX": ("Berkshire Healthcare NHS Foundation Trust", 21, "2025-03-01")}
#: RWX's month with no data, before the last year (a test below puts one within it).
GAP = "2024-01"


def _own_data(data: Path, gap: str = GAP) -> None:
    """Per-trust CSV files of activity (a folder, as trusts often send them) and one CSV each
    for the other tables, all written by hand."""
    codes = list(TRUSTS)
    trusts = trusts_table(codes).drop(columns="synthetic")  # real data need not say so
    trusts["trust_name"] = [TRUSTS[code][0] for code in codes]
    write(trusts, data / "trusts.csv")
    for seed, (code, (_, months, end)) in enumerate(TRUSTS.items()):
        monthly = varied_monthly(code, months, end=end, seed=seed)
        if code == "RWX":
            monthly = monthly[monthly["month"] != pd.Timestamp(f"{gap}-01")]
        write(monthly, data / "activity_monthly" / f"{code}.csv")
    population = pd.concat([population_rows(code) for code in codes], ignore_index=True)
    write(population, data / "population.csv")
    write(activity_by_group_rows(population), data / "activity_by_group.csv")


def _own_project(root: Path, gap: str = GAP) -> Path:
    """``init``, the data dropped in, ``new trust`` per trust and RWX's gap declared."""
    assert run("init", str(root))[0] == 0
    _own_data(root / "data", gap)
    for code, (name, _, _) in TRUSTS.items():
        status, _, err = run("--project", str(root), "new", "trust", code.lower(), "--name", name)
        assert status == 0, err
    rwx = root / "params" / "trusts" / "RWX.yaml"
    rwx.write_text(rwx.read_text().replace("# missing_months: []", f"missing_months: [{gap}]"))
    return root


@pytest.fixture(scope="module")
def own_site(tmp_path_factory) -> tuple[Path, int, str]:
    root = _own_project(tmp_path_factory.mktemp("own") / "mytrusts")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status, out, err = run("--project", str(root), "check")
        assert status == 0, err
        status, out, err = run("--project", str(root), "build", "--renderer", "builtin")
    return root, status, out + err


def _pages(root: Path) -> dict[str, str]:
    site = root / "outputs" / "_site"
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(site.rglob("*.html"))}


def _every_report_ok(root: Path, status: int, out: str) -> dict[str, str]:
    """Assert the own-data build ran every report of the three trusts and the page across them
    with no failure, and said the survey family was skipped; return its pages."""
    assert status == 0, out
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    jobs = {job["job"]: job["status"] for job in manifest["jobs"]}
    assert set(jobs) == {f"{family}/{code}" for family in ("needs_assessment", "crisis_flow")
                         for code in TRUSTS} | {"flow_variation/all-trusts"}
    assert set(jobs.values()) == {"ok"}
    # No survey in the data: that family is one line, not three failures.
    assert "lhs_priorities: no lhs_survey table in the data; skipped" in out
    return _pages(root)


@pytest.mark.slow
@pytest.mark.notebook
def test_own_data_from_init_build_every_report_with_no_failure(own_site):
    root, status, out = own_site
    pages = _every_report_ok(root, status, out)
    assert {"crisis_flow/RWX.html", "needs_assessment/RV3.html",
            "flow_variation/all-trusts.html", "methods/spc.html"} <= set(pages)


@pytest.mark.slow
@pytest.mark.notebook
def test_own_data_pages_never_say_synthetic_or_fictitious(own_site):
    root, _, _ = own_site
    # The one mention allowed: About the data names the trusts table's optional column.
    column = re.compile(r"<code>synthetic</code>")
    for name, html in _pages(root).items():
        assert not DEMO_WORDS.search(column.sub("", html)), name


@pytest.mark.slow
@pytest.mark.notebook
def test_the_declared_gap_is_stated_on_the_trusts_pages(own_site):
    root, _, _ = own_site
    pages = _pages(root)
    for family in ("crisis_flow", "needs_assessment"):
        assert "No data for January 2024: declared missing" in pages[f"{family}/RWX.html"], \
            family
        assert "No data for" not in pages[f"{family}/RX4.html"]
    assert "RWX" in pages["flow_variation/all-trusts.html"]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_declared_gap_within_the_last_year_leaves_the_needs_assessment_standing(tmp_path):
    root = _own_project(tmp_path / "mytrusts", gap="2024-06")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status, out, err = run("--project", str(root), "build", "--renderer", "builtin",
                               "--family", "needs_assessment", "--only", "RWX")
    assert status == 0, out + err
    page = (root / "outputs" / "_site" / "needs_assessment" / "RWX.html").read_text()
    assert "No data for June 2024: declared missing" in page


@pytest.mark.slow
@pytest.mark.notebook
def test_a_change_to_one_trusts_rows_reruns_exactly_what_read_them(own_site):
    root, _, _ = own_site
    path = root / "data" / "activity_monthly" / "RV3.csv"
    rows = pd.read_csv(path)
    rows.loc[rows.index[-1], "admissions"] += 3
    rows.to_csv(path, index=False)
    with Manifest(root / "outputs" / MANIFEST) as manifest:
        entries = manifest.entries
    read_it = {key for key, entry in entries.items()
               if any("activity_monthly/RV3.csv" in f"{read['folder']}/{name}"
                      for read in entry["reads"] for name in read["files"])}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status, out, err = run("--project", str(root), "plan")
    assert status == 0, err
    runs = {line.split()[1] for line in out.splitlines() if line.startswith("run ")}
    assert runs == read_it
    assert {"crisis_flow/RV3", "needs_assessment/RV3", "flow_variation/all-trusts"} <= runs
    assert "crisis_flow/RX4" not in runs and "crisis_flow/RWX" not in runs
    assert "needs_assessment: notebook needs_assessment.ipynb from lhs-reports" in out


@pytest.mark.slow
@pytest.mark.notebook
def test_init_demo_then_build_gives_the_demo_site(tmp_path, monkeypatch):
    root = init(tmp_path, "--demo")
    monkeypatch.chdir(root)  # as the README's `cd D && lhs-reports build`
    monkeypatch.setenv(PROJECT_ENV, str(root))
    status, out, err = run("build", "--renderer", "builtin")
    assert status == 0, out + err
    pages = _pages(root)
    assert {"index.html", "crisis_flow/SYN01.html", "needs_assessment/SYN08.html",
            "case_studies/precept2.html", "flow_variation/all-trusts.html",
            "methods/spc.html"} <= set(pages)
    assert "SYNTHETIC" in pages["crisis_flow/SYN01.html"]
    assert (root / "data" / "demo").is_dir()  # generated on demand, inside the project


def test_a_notebook_run_by_hand_in_a_new_project_reads_the_projects_data(tmp_path,
                                                                         monkeypatch):
    from lhs_reports.data.loaders import resolve_data_dir

    root = init(tmp_path)
    (root / "notebooks").mkdir()
    monkeypatch.delenv(PROJECT_ENV, raising=False)
    monkeypatch.chdir(root / "notebooks")  # where JupyterLab runs a project's own notebook
    assert resolve_data_dir("") == root / "data"  # never the demo data
    assert not (root / "data" / "demo").exists()
    catalogue = root / "params" / "reports.yaml"
    catalogue.write_text(catalogue.read_text().replace("dir: data ", "dir: my-extract "))
    with pytest.raises(DataError, match="my-extract does not exist"):
        resolve_data_dir("")


#: The same trusts' data kept in a DuckDB warehouse the way a trust's analysts might: their own
#: table names and column names, codes in lower case, months as DATEs, and the trusts table
#: given as a query that renames its columns.
WAREHOUSE_TABLES = """
  source: duckdb:///warehouse/mh.duckdb
  tables:
    trusts:
      query: SELECT org_code AS trust_code, org_name AS trust_name, region FROM ref_providers
    activity_monthly: mh_monthly
    population: catchment_population
    activity_by_group: activity_by_segment
"""


def _own_project_in_duckdb(root: Path) -> Path:
    """``init``; the hand-made tables written into a DuckDB file; the catalogue's ``data.dir``
    replaced by that database; ``new trust`` per trust and RWX's gap declared."""
    duckdb = pytest.importorskip("duckdb")
    assert run("init", str(root))[0] == 0
    files = root / "csv"
    _own_data(files)
    (root / "warehouse").mkdir()
    with duckdb.connect(str(root / "warehouse" / "mh.duckdb")) as con:
        providers = pd.read_csv(files / "trusts.csv").rename(
            columns={"trust_code": "org_code", "trust_name": "org_name"})
        con.register("providers", providers)
        con.execute("CREATE TABLE ref_providers AS SELECT * FROM providers")
        monthly = pd.concat([pd.read_csv(p) for p in sorted((files / "activity_monthly").glob(
            "*.csv"))], ignore_index=True)
        monthly["trust_code"] = monthly["trust_code"].str.lower()
        monthly["month"] = pd.to_datetime(monthly["month"]).dt.date
        con.register("monthly", monthly)
        con.execute("CREATE TABLE mh_monthly AS SELECT * FROM monthly")
        for table, csv in (("catchment_population", "population"),
                           ("activity_by_segment", "activity_by_group")):
            con.register(csv, pd.read_csv(files / f"{csv}.csv"))
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {csv}")
    shutil.rmtree(files)
    catalogue = root / "params" / "reports.yaml"
    text = catalogue.read_text()
    line = next(x for x in text.splitlines() if x.strip().startswith("dir: data"))
    catalogue.write_text(text.replace(line + "\n", WAREHOUSE_TABLES.lstrip("\n")))
    for code, (name, _, _) in TRUSTS.items():
        status, _, err = run("--project", str(root), "new", "trust", code, "--name", name)
        assert status == 0, err
    rwx = root / "params" / "trusts" / "RWX.yaml"
    rwx.write_text(rwx.read_text().replace("# missing_months: []", f"missing_months: [{GAP}]"))
    return root


@pytest.fixture(scope="module")
def warehouse_site(tmp_path_factory) -> tuple[Path, int, str]:
    root = _own_project_in_duckdb(tmp_path_factory.mktemp("warehouse") / "mytrusts")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status, out, err = run("--project", str(root), "build", "--renderer", "builtin")
    return root, status, out + err


@pytest.mark.slow
@pytest.mark.notebook
def test_own_data_from_a_duckdb_file_builds_the_same_site(warehouse_site):
    root, status, out = warehouse_site
    pages = _every_report_ok(root, status, out)
    column = re.compile(r"<code>synthetic</code>")
    for name, html in pages.items():
        assert not DEMO_WORDS.search(column.sub("", html)), name
    assert "No data for January 2024: declared missing" in pages["crisis_flow/RWX.html"]
    assert "Berkshire Healthcare NHS Foundation Trust" in pages["needs_assessment/RWX.html"]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_change_in_the_warehouse_reruns_exactly_what_read_that_trusts_rows(warehouse_site):
    duckdb = pytest.importorskip("duckdb")
    root, _, _ = warehouse_site
    with duckdb.connect(str(root / "warehouse" / "mh.duckdb")) as con:
        con.execute("UPDATE mh_monthly SET admissions = admissions + 3 WHERE trust_code = 'rv3' "
                    "AND month = (SELECT max(month) FROM mh_monthly WHERE trust_code = 'rv3')")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status, out, err = run("--project", str(root), "plan")
    assert status == 0, err
    runs = {line.split()[1] for line in out.splitlines() if line.startswith("run ")}
    # Exactly the reports that read RV3's rows: its own, the page across trusts, and the needs
    # pages that compare every trust with its peers; never another trust's flow report.
    with Manifest(root / "outputs" / MANIFEST) as manifest:
        entries = manifest.entries
    read_it = {key for key, entry in entries.items()
               if any(name == "activity_monthly/RV3.parquet"
                      for read in entry["reads"] for name in read["files"])}
    assert runs == read_it
    assert {"crisis_flow/RV3", "needs_assessment/RV3", "flow_variation/all-trusts"} <= runs
    assert "crisis_flow/RX4" not in runs and "crisis_flow/RWX" not in runs
    assert "activity_monthly/RV3.parquet" in out


def test_a_template_left_with_its_example_rows_is_refused_naming_file_and_row(tmp_path):
    from lhs_reports.data.templates import template_csv

    root = _own_project(tmp_path / "mytrusts")
    # The survey template written with the others and never filled in.
    (root / "data" / "lhs_survey.csv").write_text(template_csv("lhs_survey"))
    status, _, err = run("--project", str(root), "check")
    assert status == 2 and "Traceback" not in err
    assert "table 'lhs_survey' still holds the template's example row EXAMPLE1" in err
    assert "lhs_survey.csv" in err and "row: 1" in err and "trust_code" in err
    assert "delete the file" in err
    (root / "data" / "lhs_survey.csv").unlink()
    assert run("--project", str(root), "check")[0] == 0


@pytest.mark.slow
@pytest.mark.notebook
def test_a_project_of_one_trust_builds_every_report_and_compares_it_with_nobody(tmp_path):
    # An analyst serving a single trust: its pages across trusts have no peers to show.
    root = init(tmp_path)
    data = root / "data"
    trusts = trusts_table(["RX4"]).drop(columns="synthetic")
    trusts["trust_name"] = "St Mary's & Central NHS Trust"
    write(trusts, data / "trusts.csv")
    write(varied_monthly("RX4", 18), data / "activity_monthly.csv")
    population = population_rows("RX4")
    write(population, data / "population.csv")
    write(activity_by_group_rows(population), data / "activity_by_group.csv")
    assert run("--project", str(root), "new", "trust", "RX4", "--name",
               "St Mary's & Central NHS Trust")[0] == 0
    status, out = build_site(root)
    assert status == 0, out
    pages = _pages(root)
    needs = pages["needs_assessment/RX4.html"]
    assert "St Mary&#x27;s &amp; Central" in needs or "St Mary&#39;s &amp; Central" in needs
    assert "Funnel plot" not in needs  # no funnel of the trust against itself
    assert "no evidence of a difference" not in needs
    assert "fewer than 2 trusts have the 12 months to compare" in pages[
        "flow_variation/all-trusts.html"]
