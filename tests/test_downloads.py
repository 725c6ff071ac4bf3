"""The data behind every table and chart: CSV downloads under each, disclosure-controlled by
the table's own path, with units in the header; the headline results of the whole build as
one CSV; every file published beside its page, linked, and read by the audit.

Unit tests on frames written here; whole builds on hand-written data (tests/handmade.py) with
probe notebooks that show a table and a chart, with both renderers (Quarto's stand-in).
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import pandas as pd
import plotnine as p9
import pytest

from lhs_reports.audit.files import audit_file
from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.downloads import (
    DOWNLOAD_MIME,
    PLACEHOLDER,
    csv_text,
    download_bundle,
    suppress_recoverable,
    with_units,
)
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.errors import DataError
from lhs_reports.notebook import chart_download, table_download, table_html
from lhs_reports.plots.mdc_icons import icon_cell
from lhs_reports.site.downloads import HEADLINE_CSV, headline_results, take_downloads

from .handmade import _notebook, build_site, make_handmade_project
from .test_quarto import fake_quarto  # noqa: F401  (the Quarto stand-in, as a fixture)


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def csv_of(bundle: dict[str, object]) -> str:
    payload = bundle[DOWNLOAD_MIME]
    assert isinstance(payload, dict)
    return str(payload["csv"])


# --- one table, one chart -------------------------------------------------------------------


def test_a_small_count_is_suppressed_in_the_csv_exactly_as_in_the_table():
    table = pd.DataFrame({"Ward": ["Oak", "Ash", "Elm"], "Patients": [3, 42, 1234]})
    rows = rows_of(csv_of(table_download(table, caption="Patients by ward")))
    assert rows == [["Ward", "Patients (count)"], ["Oak", "*"], ["Ash", "40"],
                    ["Elm", "1235"]]
    shown = re.findall(r"<td>([^<]*)</td>", table_html(table))
    assert shown == ["Oak", "*", "Ash", "40", "Elm", "1,235"]


def test_numeric_data_for_a_formatted_table_go_through_the_same_disclosure():
    shown = pd.DataFrame({"Ward": ["Oak", "Ash"], "Patients": [3, 42],
                          "Rate": ["4,079.6", "12.0"]})
    numbers = pd.DataFrame({"Ward": ["Oak", "Ash"], "Patients": [3, 42],
                            "Rate": [4079.6, 12.0]})
    rows = rows_of(csv_of(table_download(shown, data=numbers, caption="Wards",
                                         units={"Rate": "per 100,000 residents"})))
    assert rows == [["Ward", "Patients (count)", "Rate (per 100,000 residents)"],
                    ["Oak", "*", "4079.6"], ["Ash", "40", "12.0"]]


def test_the_given_count_columns_decide_for_the_csv_as_for_the_table():
    table = pd.DataFrame({"Ward": ["Oak"], "Beds": [3], "Patients": [5]})
    rows = rows_of(csv_of(table_download(table, count_columns=["Patients"])))
    assert rows == [["Ward", "Beds", "Patients (count)"], ["Oak", "3", "*"]]


def test_units_go_in_the_header_once_and_a_unit_in_the_name_is_not_repeated():
    frame = pd.DataFrame({"Measure": ["A"], "Events": [12], "Agree (%)": [40.0],
                          "Rate per 100,000": [3.5], "Stay": [4.2]})
    named = with_units(frame, {"Stay": "days"}, count_columns=["Events"])
    assert list(named) == ["Measure", "Events (count)", "Agree (%)", "Rate per 100,000",
                           "Stay (days)"]


def test_a_unit_for_a_column_the_table_lacks_is_an_error_naming_it():
    with pytest.raises(DataError) as error:
        with_units(pd.DataFrame({"A": [1]}), {"Rate": "%"})
    assert error.value.field == "Rate"


def test_names_with_commas_quotes_and_markup_are_written_as_csv_and_escaped_in_the_link():
    table = pd.DataFrame({'Trust "North", <b>': ['A, "B" & <C>', "=1+1"], "Rate": [1.5, 2.5]})
    bundle = table_download(table, caption='Rates, "all" <trusts>')
    rows = rows_of(csv_of(bundle))
    assert rows[0] == ['Trust "North", <b>', "Rate"]
    assert rows[1] == ['A, "B" & <C>', "1.5"]
    link = str(bundle["text/html"])
    assert "<trusts>" not in link and "&lt;trusts&gt;" in link
    assert 'aria-label="Download the data (CSV, 1 KB) for the table: Rates, &quot;all&quot; ' \
           '&lt;trusts&gt;"' in link
    assert f'href="{PLACEHOLDER}table-rates-all-trusts.csv"' in link


def test_icon_cells_are_written_as_their_words():
    table = pd.DataFrame({"Indicator": ["Crisis"],
                          "Variation": [icon_cell("concern_high", "inconsistent")]})
    assert rows_of(csv_of(table_download(table)))[1] == ["Crisis",
                                                          "Concern (higher); hit and miss"]


def test_a_chart_csv_holds_what_the_chart_draws_with_counts_suppressed_and_axis_units():
    data = pd.DataFrame({"month": ["2025-01", "2025-02"], "admissions": [3, 25],
                         "rate": [2.5, 3.0], "internal": ["x", "y"]})
    chart = (p9.ggplot(data, p9.aes("month", "rate")) + p9.geom_point()
             + p9.geom_col(p9.aes(y="admissions")) + p9.labs(y="per 1,000"))
    rows = rows_of(csv_of(chart_download(chart, "Admissions")))
    assert rows == [["month", "admissions (count)", "rate (per 1,000)"],
                    ["2025-01", "*", "2.5"], ["2025-02", "25", "3.0"]]


def test_an_exact_percentage_that_gives_back_a_suppressed_count_is_suppressed_too():
    frame = pd.DataFrame({"organisation": ["A", "B"], "denominator (count)": ["50", "400"],
                          "value (%)": [10.0, 12.5]})
    assert suppress_recoverable(frame)["value (%)"].tolist() == ["*", 12.5]
    assert audit_file(csv_text(suppress_recoverable(frame)), "x.csv") == []
    assert audit_file(csv_text(frame), "x.csv") != []


def test_the_csv_is_the_same_text_every_time():
    table = pd.DataFrame({"Ward": ["Oak", "Ash"], "Patients": [3, 42], "Rate": [1 / 3, 2.0]})
    assert table_download(table, caption="W") == table_download(table, caption="W")


# --- publication ----------------------------------------------------------------------------


def notebook_with(*bundles: dict[str, object]) -> nbformat.NotebookNode:
    outputs = [nbformat.v4.new_output("display_data", data=dict(b)) for b in bundles]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=outputs)])


def test_publication_points_each_link_at_its_file_and_tells_same_names_apart():
    one = download_bundle(pd.DataFrame({"A": [1.5]}), "Rates")
    two = download_bundle(pd.DataFrame({"A": [2.5]}), "Rates")
    notebook = notebook_with(one, two)
    files = take_downloads(notebook, "crisis_flow/RX4")
    assert files == {"crisis_flow/RX4/table-rates.csv": b"A\n1.5\n",
                     "crisis_flow/RX4/table-rates-2.csv": b"A\n2.5\n"}
    outputs = notebook.cells[0].outputs
    assert 'href="RX4/table-rates.csv"' in outputs[0].data["text/html"]
    assert 'href="RX4/table-rates-2.csv"' in outputs[1].data["text/html"]
    assert not any(DOWNLOAD_MIME in o.data for o in outputs)


def job(tmp_path: Path, family_id: str, param_id: str, **parameters: object) -> Job:
    from lhs_reports.params import ReportFamily

    family = ReportFamily(id=family_id, title=family_id.title(), notebook="n.ipynb",
                          parameters="params/*.yaml")
    return Job(family, param_id, tmp_path / f"{param_id}.yaml", tmp_path / "n.ipynb",
               dict(parameters), tmp_path / f"{param_id}.ipynb")


def test_the_headline_results_put_counts_through_disclosure_and_keep_every_record(tmp_path):
    jobs = [job(tmp_path, "flow", "RX4", trust_code="RX4", trust_name="Riverside, North"),
            job(tmp_path, "flow", "RW5", trust_code="RW5", trust_name="Southmoor")]
    results = [
        JobResult("flow/RX4", "ok", 1.0, records=[
            {"name": "admissions", "value": 3, "unit": "", "label": "Admissions"},
            {"name": "rate", "value": 4.0, "unit": "per 100,000", "label": ""},
            {"name": "variation", "value": "common_cause", "unit": "", "label": ""}]),
        JobResult("flow/RW5", "ok", 1.0, records=[
            {"name": "admissions", "value": 42, "unit": "", "label": "Admissions"},
            {"name": "rate", "value": 5.5, "unit": "per 100,000", "label": ""}]),
    ]
    table = headline_results(jobs, results)
    assert len(table) == 5
    by = {(r.organisation_code, r.measure): r for r in table.itertuples()}
    assert by["RX4", "admissions"].count == "*" and by["RW5", "admissions"].count == "40"
    assert by["RX4", "rate"].statistic == 4.0 and by["RX4", "rate"].unit == "per 100,000"
    assert by["RX4", "variation"].text == "common_cause"
    assert by["RX4", "rate"].page == "flow/RX4.html"
    assert audit_file(csv_text(table), HEADLINE_CSV) == []


# --- whole builds on hand-written data ------------------------------------------------------

SHOWS = '''
import pandas as pd
import plotnine as p9
from lhs_reports.data import load_table, resolve_data_dir
from lhs_reports.notebook import show_chart, show_table
from lhs_reports.results import record
folder = resolve_data_dir(data_dir)
mine = load_table(folder, "activity_monthly", organisation=trust_code)
record("admissions", int(mine["admissions"].sum()))
record("deaths", 3)
record("rate", 12.5, unit="per 100,000")
table = pd.DataFrame({"Month": mine["month"].dt.strftime("%B %Y"),
                      "Admissions": mine["admissions"].astype(int),
                      "Deaths": [3, 12, 40][:len(mine)]})
show_table(table, caption=f"Admissions by month, {trust_name} & <co>")
show_table(table, caption=f"Admissions by month, {trust_name} & <co>")
show_chart(p9.ggplot(table, p9.aes("Month", "Admissions")) + p9.geom_col(),
           "Bar chart of admissions by month")
'''

PLANTED = '''
import pandas as pd
from IPython.display import display
from lhs_reports.downloads import download_bundle
display(download_bundle(pd.DataFrame({"Ward": ["Oak"], "Patients": [3]}), "Raw"), raw=True)
'''

TRUST_PARAMETERS = ('trust_code = "RX4"\ntrust_name = "x"\nperiod_end = "2024-03"\n'
                    'change_month = None\ntargets = {}\nmissing_months = []\ndata_dir = ""')


def project(root: Path, code: str = SHOWS) -> Path:
    make_handmade_project(root, ["RX4", "RW5"], layout="csv")
    _notebook(root / "notebooks" / "trust.ipynb", TRUST_PARAMETERS, code)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = project(tmp_path_factory.mktemp("downloads"))
    status, out = build_site(root)
    assert status == 0, out
    return root / "outputs" / "_site"


def download_links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'<a href="([^"]+)" download', page)]


def resolved_downloads(site: Path) -> int:
    """How many download links the pages of ``site`` have; each must find its file."""
    found = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert PLACEHOLDER not in text and DOWNLOAD_MIME not in text
        relative = page.relative_to(site).as_posix()
        for href in download_links(text):
            target = site / urljoin(relative, href)
            assert target.is_file(), (relative, href)
            found += 1
    return found


@pytest.mark.slow
def test_every_download_link_on_every_page_resolves_to_a_published_file(built):
    assert resolved_downloads(built) == 2 * 3  # two trusts: two tables and a chart each
    page = (built / "trust" / "RX4.html").read_text(encoding="utf-8")
    assert download_links(page) == ["RX4/table-admissions-by-month-trust-rx4-co.csv",
                                    "RX4/table-admissions-by-month-trust-rx4-co-2.csv",
                                    "RX4/chart-bar-chart-of-admissions-by-month.csv"]
    assert "for the table: Admissions by month, Trust RX4 &amp; &lt;co&gt;" in page


@pytest.mark.slow
def test_a_published_table_csv_carries_the_tables_suppression_and_units(built):
    rows = rows_of((built / "trust" / "RX4" / "table-admissions-by-month-trust-rx4-co.csv")
                   .read_text(encoding="utf-8"))
    assert rows[0] == ["Month", "Admissions (count)", "Deaths (count)"]
    assert [row[2] for row in rows[1:]] == ["*", "10", "40"]
    assert rows[1][0] == "January 2024"


@pytest.mark.slow
def test_the_headline_csv_has_every_jobs_records_and_is_linked(built):
    rows = list(csv.DictReader(io.StringIO((built / HEADLINE_CSV).read_text(encoding="utf-8"))))
    trust = [(r["organisation_code"], r["measure"]) for r in rows if r["family"] == "trust"]
    assert sorted(trust) == sorted((code, measure) for code in ("RX4", "RW5")
                                   for measure in ("admissions", "deaths", "rate"))
    assert {r["measure"] for r in rows if r["family"] == "across"} == {"codes", "targets"}
    deaths = [r for r in rows if r["measure"] == "deaths"]
    assert {r["count"] for r in deaths} == {"*"}
    assert {r["page"] for r in rows if r["organisation_code"] == "RX4"} == {"trust/RX4.html"}
    for page in ("index.html", "about-data.html"):
        text = (built / page).read_text(encoding="utf-8")
        assert f'href="{HEADLINE_CSV}"' in text
    assert "units in the names" in (built / "about-data.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_audit_fails_a_build_whose_csv_would_show_a_small_count(tmp_path, capsys):
    root = project(tmp_path, PLANTED)
    status, out = build_site(root)
    assert status == 2
    message = capsys.readouterr().err + out
    assert "table-raw.csv" in message and "unsuppressed small count" in message
    assert not (root / "outputs" / "_site").exists()


@pytest.mark.slow
def test_the_quarto_site_carries_the_same_csv_files(built, tmp_path, fake_quarto):  # noqa: F811
    root = project(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status = main(["--project", str(root), "build", "--renderer", "quarto"])
    assert status == 0
    quarto_site = root / "outputs" / "_site"
    expected = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.csv"))
    assert sorted(p.relative_to(quarto_site).as_posix()
                  for p in quarto_site.rglob("*.csv")) == expected
    for name in expected:
        if name.startswith(("trust/", "downloads/")):
            assert (quarto_site / name).read_bytes() == (built / name).read_bytes(), name
    assert resolved_downloads(quarto_site) == 2 * 3
