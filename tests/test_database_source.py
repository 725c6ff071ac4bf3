"""Data from a database (DuckDB and SQLite files written here by hand): the catalogue's
``data.source`` and ``data.tables``, the local extract of per-organisation files, what changes
when the database does, and the errors a user can cause, each through the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.data.database import database_url, masked
from lhs_reports.data.extract import refresh_extract
from lhs_reports.data.extract_manifest import read_manifest
from lhs_reports.data.loaders import load_table
from lhs_reports.engine.build import plan_build
from lhs_reports.engine.plan import load_project
from lhs_reports.errors import DataError, ParameterError
from lhs_reports.params import load_catalogue

from .handmade import make_handmade_project, trusts_table

CODES = ["RX4", "RW5"]
MONTHS = ["2024-01-01", "2024-02-01", "2024-03-01"]

#: The dictionary's activity_monthly columns from a contact-level table, aggregated in the
#: database. ``{month}`` is the dialect's first-of-month expression.
MONTHLY_QUERY = """
SELECT trust, {month} AS month,
       SUM(referral) AS referrals, SUM(crisis) AS crisis_contacts,
       SUM(crisis_24h) AS crisis_contacts_24h, SUM(admission) AS admissions,
       SUM(bed_days) AS occupied_bed_days, SUM(discharge) AS discharges,
       SUM(followup_72h) AS followups_72h, SUM(readmission) AS readmissions_30d,
       SUM(out_of_area) AS out_of_area_bed_days, SUM(delayed) AS delayed_discharge_days,
       SUM(detention) AS mha_detentions
FROM contacts GROUP BY trust, {month}
"""
DUCKDB_MONTH = "date_trunc('month', contact_date)"
SQLITE_MONTH = "strftime('%Y-%m-01', contact_date)"


def contacts(codes: list[str], per_month: int = 30, extra_admissions: dict[str, int] | None = None
             ) -> pd.DataFrame:
    """Contact-level rows, with trust codes in lower case as a database may hold them."""
    rows = []
    for code in codes:
        for month in MONTHS:
            for i in range(per_month):
                rows.append({"trust": code.lower(), "contact_date": f"{month[:8]}{1 + i % 28:02d}",
                             "referral": 1, "crisis": int(i % 2 == 0),
                             "crisis_24h": int(i % 4 == 0), "admission": int(i % 5 == 0),
                             "bed_days": 3, "discharge": int(i % 5 == 0),
                             "followup_72h": int(i % 10 == 0), "readmission": int(i % 15 == 0),
                             "out_of_area": 0, "delayed": 1, "detention": int(i % 6 == 0)})
    frame = pd.DataFrame(rows)
    for code, extra in (extra_admissions or {}).items():
        mine = frame.index[frame["trust"] == code.lower()][:extra]
        frame.loc[mine, "discharge"] = 1
        frame.loc[mine, "admission"] = 1
    return frame


def expected_monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """What the query should return, aggregated here in pandas (independently of SQL)."""
    frame = frame.assign(trust_code=frame["trust"].str.upper(),
                         month=pd.to_datetime(frame["contact_date"]).dt.to_period("M"))
    return frame.groupby(["trust_code", "month"], as_index=False)["admission"].sum()


def write_duckdb(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        for name, frame in tables.items():
            connection.register("incoming", frame)
            dates = "contact_date::DATE AS contact_date, " if "contact_date" in frame else ""
            rest = ", ".join(f'"{c}"' for c in frame.columns if c != "contact_date")
            connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {dates}{rest} "
                               "FROM incoming")
            connection.unregister("incoming")


def write_sqlite(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        for name, frame in tables.items():
            frame.to_sql(name, connection, if_exists="replace", index=False)  # dates as TEXT
    connection.close()


KINDS = {
    "duckdb": (write_duckdb, DUCKDB_MONTH, "warehouse.duckdb"),
    "sqlite": (write_sqlite, SQLITE_MONTH, "lhs.db"),
}


def set_data(root: Path, data: str) -> None:
    """Replace the catalogue's ``data:`` line with ``data`` (YAML flow mapping)."""
    path = root / "params" / "reports.yaml"
    path.write_text(path.read_text().replace("data: {dir: data}", f"data: {data}"))


def database_project(root: Path, kind: str, *, codes: list[str] = CODES,
                     tables: str | None = None) -> Path:
    """The hand-made probe project (tests/handmade.py) reading its data from a database file:
    trusts as a table of the same name, monthly activity from a GROUP BY over contacts."""
    make_handmade_project(root, codes, layout="csv")
    for path in (root / "data").iterdir():
        path.unlink()
    write, month, name = KINDS[kind]
    write(root / "data" / name, {"trusts": trusts_table(codes), "contacts": contacts(codes)})
    query = " ".join(MONTHLY_QUERY.format(month=month).split()).replace("trust,", "trust AS "
                                                                        "trust_code,", 1)
    tables = tables or f'{{activity_monthly: {{query: "{query}"}}}}'
    set_data(root, f'{{source: "{kind}:///data/{name}", tables: {tables}}}')
    return root


def extract_dir(root: Path) -> Path:
    return root / "outputs" / "data" / "extract"


def refresh(root: Path):
    catalogue = load_catalogue(root)
    return refresh_extract(catalogue.data.source, catalogue.data.tables, extract_dir(root),
                           root=root)


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*.parquet")}


# --- The catalogue -------------------------------------------------------------------------


def catalogue_with(tmp_path: Path, data: str):
    make_handmade_project(tmp_path, CODES, layout="csv")
    set_data(tmp_path, data)
    return load_catalogue(tmp_path)


@pytest.mark.parametrize("source", ["duckdb:///data/warehouse.duckdb", "sqlite:///data/x.db",
                                    "postgresql+psycopg://me:${PGPASSWORD}@db.example/lhs",
                                    "mssql+pyodbc://me:pw@host/lhs?driver=ODBC+Driver+18+for+"
                                    "SQL+Server"])
def test_a_url_with_a_scheme_is_a_database_read_into_an_extract_under_outputs(tmp_path, source):
    catalogue = catalogue_with(tmp_path, f'{{source: "{source}"}}')
    assert catalogue.data.is_database
    assert load_project(tmp_path).data_dir == tmp_path / "outputs" / "data" / "extract"
    assert not load_project(tmp_path).uses_demo_data


@pytest.mark.parametrize("data", ["{source: data}", "{dir: data}"])
def test_anything_else_is_a_folder_and_data_dir_is_its_older_name(tmp_path, data):
    catalogue = catalogue_with(tmp_path, data)
    assert not catalogue.data.is_database
    assert load_project(tmp_path).data_dir == tmp_path / "data"


@pytest.mark.parametrize(("data", "key", "says"), [
    ('{dir: data, source: "duckdb:///w.duckdb"}', "data.source", "not both"),
    ("{source: data, tables: {trusts: orgs}}", "data.tables", "not a database URL"),
    ("{tables: {trusts: orgs}}", "data.tables", "not a database URL"),
    ('{source: "duckdb:///w.duckdb", tables: {activity_montly: activity}}', "data.tables",
     "did you mean 'activity_monthly'"),
    ('{source: "duckdb:///w.duckdb", tables: {trusts: {qery: x}}}', "data.tables.trusts", ""),
])
def test_a_catalogue_data_section_that_cannot_be_meant_is_refused(tmp_path, data, key, says):
    with pytest.raises(ParameterError) as caught:
        catalogue_with(tmp_path, data)
    assert caught.value.field.startswith(key), caught.value
    assert says in str(caught.value)


def test_a_password_comes_from_the_environment_and_is_never_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("LHS_TEST_PASSWORD", "p@ss/word")
    url = database_url("postgresql+psycopg://me:${LHS_TEST_PASSWORD}@db.example/lhs", tmp_path)
    assert url.password == "p@ss/word"  # a password with URL characters needs no escaping
    assert masked(url) == "postgresql+psycopg://me:***@db.example/lhs"
    monkeypatch.delenv("LHS_TEST_PASSWORD")
    with pytest.raises(DataError, match=r"\$\{LHS_TEST_PASSWORD\}, which is not set"):
        database_url("postgresql+psycopg://me:${LHS_TEST_PASSWORD}@db.example/lhs", tmp_path)


# --- Extraction ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_group_by_query_over_contacts_becomes_one_validated_file_per_trust(tmp_path, kind):
    root = database_project(tmp_path, kind)
    summary = refresh(root)
    folder = extract_dir(root)
    assert sorted(stamps(folder)) == ["activity_monthly/RW5.parquet",
                                      "activity_monthly/RX4.parquet", "trusts.parquet"]
    assert sorted(summary.written) == sorted(stamps(folder))
    monthly = load_table(folder, "activity_monthly")
    assert pd.api.types.is_datetime64_any_dtype(monthly["month"])
    got = monthly.assign(month=monthly["month"].dt.to_period("M"))[
        ["trust_code", "month", "admissions"]].rename(columns={"admissions": "admission"})
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  expected_monthly(contacts(CODES)), check_dtype=False)
    mine = load_table(folder, "activity_monthly", organisation="rw5")
    assert set(mine["trust_code"]) == {"RW5"} and len(mine) == len(MONTHS)
    assert list(load_table(folder, "trusts")["trust_code"]) == sorted(CODES)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_table_named_in_the_catalogue_is_read_with_lower_case_codes_split_by_trust(tmp_path,
                                                                                     kind):
    write, _, name = KINDS[kind]
    root = database_project(tmp_path, kind, tables="{activity_monthly: monthly_activity}")
    from .handmade import monthly_rows

    monthly = pd.concat([monthly_rows("rx4", 3), monthly_rows("Rw5 ", 3)], ignore_index=True)
    monthly["month"] = monthly["month"].dt.strftime("%Y-%m-%d" if kind == "sqlite" else "%Y-%m")
    write(root / "data" / name, {"monthly_activity": monthly})
    refresh(root)
    folder = extract_dir(root)
    assert sorted(p.name for p in (folder / "activity_monthly").iterdir()) == ["RW5.parquet",
                                                                              "RX4.parquet"]
    frame = load_table(folder, "activity_monthly", organisation="RX4")
    assert list(frame["month"].dt.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03"]
    entry = read_manifest(folder)["tables"]["activity_monthly"]
    assert entry["key"] == "data.tables.activity_monthly"
    assert entry["from"] == "table monthly_activity"


def test_a_duckdb_date_column_survives_the_extract_as_a_month(tmp_path):
    root = database_project(tmp_path, "duckdb", tables="{activity_monthly: monthly_activity}")
    from .handmade import monthly_rows

    monthly = pd.concat([monthly_rows(code, 3) for code in CODES], ignore_index=True)
    write_duckdb(root / "data" / "warehouse.duckdb", {"monthly_activity": monthly.assign(
        month=monthly["month"].dt.date)})
    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as connection:
        kind = connection.execute("SELECT data_type FROM information_schema.columns WHERE "
                                  "table_name = 'monthly_activity' AND column_name = 'month'"
                                  ).fetchone()
    assert kind == ("DATE",)
    refresh(root)
    frame = load_table(extract_dir(root), "activity_monthly", organisation="RW5")
    assert list(frame["month"].dt.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_extracting_an_unchanged_database_again_rewrites_nothing(tmp_path, kind):
    root = database_project(tmp_path, kind)
    refresh(root)
    before = stamps(extract_dir(root))
    manifest = (extract_dir(root) / "source.json").stat().st_mtime_ns
    again = refresh(root)
    assert again.written == () and again.removed == ()
    assert sorted(again.unchanged) == sorted(before)
    assert stamps(extract_dir(root)) == before
    assert (extract_dir(root) / "source.json").stat().st_mtime_ns == manifest


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_trusts_rows_changing_in_the_database_rewrites_only_its_file(tmp_path, kind):
    root = database_project(tmp_path, kind, codes=["RX4", "RW5", "TAH"])
    refresh(root)
    before = stamps(extract_dir(root))
    write, _, name = KINDS[kind]
    changed = contacts(["RX4", "RW5", "TAH"], extra_admissions={"RW5": 2})
    write(root / "data" / name, {"contacts": changed})
    summary = refresh(root)
    assert summary.written == ("activity_monthly/RW5.parquet",)
    after = stamps(extract_dir(root))
    assert {f for f in before if before[f] != after[f]} == {"activity_monthly/RW5.parquet"}
    write(root / "data" / name, {"contacts": changed[changed["trust"] != "tah"]})
    summary = refresh(root)
    assert summary.removed == ("activity_monthly/TAH.parquet",) and summary.written == ()
    assert not (extract_dir(root) / "activity_monthly" / "TAH.parquet").exists()


def test_a_trust_the_database_does_not_return_is_missing_from_the_query_it_came_from(tmp_path):
    root = database_project(tmp_path, "sqlite")
    refresh(root)
    with pytest.raises(DataError) as caught:
        load_table(extract_dir(root), "activity_monthly", organisation="TAH")
    assert "for organisation 'TAH'" in caught.value.message
    assert "data.tables.activity_monthly in params/reports.yaml" in caught.value.hint


def test_a_table_left_out_of_the_catalogue_is_read_from_the_same_name_or_is_absent(tmp_path):
    root = database_project(tmp_path, "duckdb")
    refresh(root)
    manifest = read_manifest(extract_dir(root))
    assert manifest["tables"]["trusts"] == {"key": "data.source", "from": "table trusts",
                                            "files": manifest["tables"]["trusts"]["files"]}
    assert set(manifest["tables"]) == {"trusts", "activity_monthly"}
    assert not (extract_dir(root) / "population").exists()
    assert "contacts" not in {p.stem for p in extract_dir(root).iterdir()}


def test_the_extract_says_real_unless_the_trusts_table_says_synthetic(tmp_path, capsys):
    root = database_project(tmp_path, "duckdb")
    assert main(["--project", str(root), "check"]) == 0
    from lhs_reports.data.origin import data_are_synthetic

    assert not data_are_synthetic(extract_dir(root))
    write_duckdb(root / "data" / "warehouse.duckdb",
                 {"trusts": trusts_table(CODES).assign(synthetic=[0, 1])})
    assert main(["--project", str(root), "check"]) == 0
    assert data_are_synthetic(extract_dir(root))


# --- Errors through the command line -------------------------------------------------------


def check_fails(root: Path, capsys, *says: str) -> str:
    assert main(["--project", str(root), "check"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in says:
        assert text in err, err
    return err


def test_a_driver_not_installed_says_what_to_install_and_never_the_password(tmp_path, capsys):
    root = database_project(tmp_path, "duckdb")
    path = root / "params" / "reports.yaml"
    text = path.read_text()
    start = text.index("data: {source")
    end = text.index("\n", start)
    path.write_text(text[:start] + 'data: {source: "postgresql+psycopg://me:s3cret@db.example/'
                    'lhs"}' + text[end:])
    err = check_fails(root, capsys, "pip install psycopg", "params/reports.yaml", "data.source")
    assert "s3cret" not in err


def test_a_database_file_that_does_not_exist_is_an_error_and_is_not_created(tmp_path, capsys):
    root = database_project(tmp_path, "sqlite")
    (root / "data" / "lhs.db").unlink()
    check_fails(root, capsys, "lhs.db does not exist", "data.source")
    assert not (root / "data" / "lhs.db").exists()


def test_a_file_that_is_not_a_database_cannot_be_connected_to(tmp_path, capsys):
    root = database_project(tmp_path, "duckdb")
    (root / "data" / "warehouse.duckdb").write_bytes(b"not a database" * 1000)
    check_fails(root, capsys, "cannot connect to duckdb:///", "data.source")


def test_a_table_the_database_does_not_have_is_named_with_those_it_has(tmp_path, capsys):
    root = database_project(tmp_path, "duckdb", tables="{activity_monthly: activity}")
    check_fails(root, capsys, "table 'activity' of data.tables.activity_monthly is not in the "
                "database", "tables here: contacts, trusts")
    root = database_project(tmp_path / "typo", "duckdb", tables="{activity_monthly: contact}")
    check_fails(root, capsys, "(did you mean 'contacts'?)")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_error_in_a_query_quotes_the_database(tmp_path, capsys, kind):
    root = database_project(tmp_path, kind, tables='{activity_monthly: {query: "SELECT trust '
                            'FROM contacts GROUP BY"}}')
    err = check_fails(root, capsys, "the database could not run data.tables.activity_monthly",
                      "column: data.tables.activity_monthly", "correct the SQL")
    assert "syntax error" in err.lower()


def test_a_query_without_a_dictionary_column_names_it(tmp_path, capsys):
    root = database_project(tmp_path, "sqlite", tables='{activity_monthly: {query: "SELECT '
                            'trust AS trust_code, COUNT(*) AS referrals FROM contacts GROUP BY '
                            'trust"}}')
    check_fails(root, capsys, "returns no column 'month' of table 'activity_monthly'",
                "data.tables.activity_monthly", "AS month")


def test_bad_rows_in_the_database_name_the_query_they_came_from(tmp_path, capsys):
    root = database_project(tmp_path, "duckdb")
    bad = contacts(CODES)
    bad.loc[bad["trust"] == "rw5", "followup_72h"] = 1  # more follow-ups than discharges
    write_duckdb(root / "data" / "warehouse.duckdb", {"contacts": bad})
    check_fails(root, capsys, "followups_72h", "activity_monthly/RW5.parquet",
                "data.tables.activity_monthly in params/reports.yaml (query SELECT",
                "correct them there")


def test_an_unset_environment_variable_in_the_url_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LHS_TEST_DB", raising=False)
    root = database_project(tmp_path, "duckdb")
    path = root / "params" / "reports.yaml"
    path.write_text(path.read_text().replace("data/warehouse.duckdb", "${LHS_TEST_DB}"))
    check_fails(root, capsys, "${LHS_TEST_DB}, which is not set", "export LHS_TEST_DB=")
    monkeypatch.setenv("LHS_TEST_DB", "data/warehouse.duckdb")
    assert main(["--project", str(root), "check"]) == 0


# --- Re-running exactly what changed -------------------------------------------------------


def plan(root: Path) -> dict[str, str]:
    return {p.job.key: (f"run: {p.reason}" if p.run else "skip")
            for p in plan_build(load_project(root))}


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_change_in_the_database_reruns_exactly_the_reports_that_read_those_rows(tmp_path,
                                                                                  kind, capsys):
    root = database_project(tmp_path, kind)
    assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 0
    before = stamps(extract_dir(root))
    assert set(plan(root).values()) == {"skip"}
    assert stamps(extract_dir(root)) == before  # an unchanged database rewrites nothing
    write, _, name = KINDS[kind]
    write(root / "data" / name, {"contacts": contacts(CODES, extra_admissions={"RW5": 2})})
    changed = "run: data changed: outputs/data/extract/activity_monthly/RW5.parquet changed"
    assert plan(root) == {"trust/RX4": "skip", "trust/RW5": changed, "across/all": changed}


# --- The whole own-data flow from a DuckDB file, with the package's report notebooks ---------


def _notebooks_folder() -> Path:
    """The package's report notebooks, wherever this version keeps them."""
    from .helpers import REPO_ROOT

    for folder in (REPO_ROOT / "src" / "lhs_reports" / "notebooks", REPO_ROOT / "notebooks"):
        if (folder / "crisis_flow.ipynb").is_file():
            return folder
    pytest.skip("the package's report notebooks were not found")


def varied_monthly(code: str, months: int, shift: int) -> pd.DataFrame:
    """A trust's monthly activity that varies from month to month, written by hand."""
    i = pd.Series(range(months)) + shift
    return pd.DataFrame({
        "trust_code": code.lower(),  # as a warehouse may hold it
        "month": pd.date_range("2023-01-01", periods=months, freq="MS").date,
        "referrals": 400 + 7 * (i % 9), "crisis_contacts": 150 + i % 13,
        "crisis_contacts_24h": 100 + i % 9, "admissions": 30 + i % 7,
        "occupied_bed_days": 1000 + 13 * (i % 5), "discharges": 30 + i % 6,
        "followups_72h": 20 + i % 5, "readmissions_30d": 8 + i % 3,
        "out_of_area_bed_days": 40 + i % 4, "delayed_discharge_days": 100 + i % 10,
        "mha_detentions": 20 + i % 4})


@pytest.fixture(scope="module")
def duckdb_site(tmp_path_factory) -> Path:
    """Two trusts with 15 months each, every table in one DuckDB file, built by the command
    line with the needs assessment and crisis flow notebooks and the built-in renderer."""
    import shutil

    import yaml

    from .handmade import activity_by_group_rows, population_rows
    from .helpers import REPO_ROOT

    root = tmp_path_factory.mktemp("duckdb-site")
    shutil.copytree(_notebooks_folder(), root / "notebooks")
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["data"] = {"source": "duckdb:///data/warehouse.duckdb",
                         "tables": {"activity_monthly": "monthly"}}
    catalogue["families"] = [f for f in catalogue["families"]
                             if f["id"] in ("needs_assessment", "crisis_flow")]
    (root / "params" / "trusts").mkdir(parents=True)
    (root / "params" / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    names = {"RX4": "Northern Care NHS Foundation Trust", "RW5": "Lancashire Mind NHS Trust"}
    for code, name in names.items():
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            yaml.safe_dump({"trust_code": code, "trust_name": name,
                            "targets": {"crisis_24h": 75.0, "followup_72h": 80.0}}))
    population = pd.concat([population_rows(code) for code in names], ignore_index=True)
    write_duckdb(root / "data" / "warehouse.duckdb", {
        # Real data need not say they are real: no synthetic column.
        "trusts": pd.DataFrame({"trust_code": list(names), "trust_name": list(names.values()),
                                "region": "North West"}),
        "monthly": pd.concat([varied_monthly(code, 15, shift) for shift, code
                              in enumerate(names)], ignore_index=True),
        "population": population,
        "activity_by_group": activity_by_group_rows(population),
    })
    assert main(["--project", str(root), "build", "--renderer", "builtin", "--jobs", "2"]) == 0
    return root


@pytest.mark.slow
@pytest.mark.notebook
def test_a_site_built_from_a_duckdb_file_has_every_report_and_never_says_synthetic(
        duckdb_site):
    from .test_real_data_site import COLUMN_NAME

    site = duckdb_site / "outputs" / "_site"
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
             for p in site.rglob("*.html")}
    for family in ("needs_assessment", "crisis_flow"):
        for code in ("RX4", "RW5"):
            assert any(family in name and code in name for name in pages), (family, code)
    assert any("Northern Care NHS Foundation Trust" in text for text in pages.values())
    for name, text in pages.items():
        assert "synthetic" not in COLUMN_NAME.sub("", text).lower(), name


@pytest.mark.slow
@pytest.mark.notebook
def test_the_reports_read_the_extract_and_end_at_the_databases_latest_month(duckdb_site):
    import json

    manifest = json.loads((duckdb_site / "outputs" / "run-manifest.json").read_text())
    for job in manifest["jobs"]:
        assert job["status"] == "ok", job
        assert job["parameters"]["period_end"] == "2024-03"  # 15 months from January 2023
        code = job["parameters"]["trust_code"]
        read = {name for ref in job["data_read"] for name in manifest["reads"][ref]["files"]}
        assert f"outputs/data/extract/activity_monthly/{code}.parquet" in read


def test_counts_the_database_returns_as_decimals_are_read_as_counts(tmp_path):
    """PostgreSQL's SUM of a bigint, and DuckDB's of a DECIMAL, come back as Decimal objects."""
    query = " ".join(MONTHLY_QUERY.format(month=DUCKDB_MONTH).split()).replace(
        "trust,", "trust AS trust_code,", 1).replace("SUM(admission)",
                                                     "CAST(SUM(admission) AS DECIMAL(18, 0))")
    root = database_project(tmp_path, "duckdb",
                            tables=f'{{activity_monthly: {{query: "{query}"}}}}')
    refresh(root)
    frame = load_table(extract_dir(root), "activity_monthly", organisation="RX4")
    assert frame["admissions"].dtype == "int64"
    assert list(frame["admissions"]) == [6, 6, 6]
