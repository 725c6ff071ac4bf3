"""The bad-input catalogue: every mistake stops the build before any job runs, with the package's
own message naming the file, the field or column and the row, exit status 2, no traceback, and
the published site exactly as it was.

Each case starts from a built project with hand-written data (never the demo generator's) and a
published site, makes one mistake, and runs the command a user would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lhs_reports.cli import main

from .handmade import make_handmade_project, monthly_rows, write
from .test_build_safety import snapshot

pytestmark = [pytest.mark.slow]


@dataclass(frozen=True)
class Case:
    """One mistake: what to do to the project, the command, and what the message must say."""

    mistake: Callable[[Path], object]
    says: tuple[str, ...]
    command: tuple[str, ...] = ("build", "--renderer", "builtin")
    #: Problems found only in what a notebook published: its job runs, the audit stops it.
    runs_jobs: bool = False


def edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text, (old, text)
        path.write_text(text.replace(old, new, 1))
    return apply


def append(relative: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text() + text)
    return apply


def replace_file(relative: str, content: str | bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return apply


def monthly(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    """Edit the monthly activity CSV as a spreadsheet would (text in, text out)."""
    def apply(root: Path) -> None:
        path = root / "data" / "activity_monthly.csv"
        frame = pd.read_csv(path, dtype=str)
        change(frame).to_csv(path, index=False)
    return apply


def cell(row: int, column: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row - 1, column] = value
        return frame
    return change


def plant(code: str) -> Callable[[Path], None]:
    """Add a cell to the per-trust notebook that publishes something it must not."""
    def apply(root: Path) -> None:
        path = root / "notebooks" / "trust.ipynb"
        notebook = nbformat.read(path, as_version=4)
        cell = nbformat.v4.new_code_cell("from IPython.display import HTML, display\n"
                                         "import pandas as pd\n" + code)
        cell.id = "planted"
        notebook.cells.append(cell)
        nbformat.write(notebook, path)
    return apply


def audit_case(code: str, *says: str) -> Case:
    return Case(plant(code), ("failed its disclosure audit", *says),
                ("build", "--renderer", "builtin", "--only", "RW5"), runs_jobs=True)


TRUST = "params/trusts/RW5.yaml"
CATALOGUE = "params/reports.yaml"

CASES: dict[str, Case] = {
    # -- parameter files ---------------------------------------------------------------------
    "a mistyped key": Case(append(TRUST, "tagets: {crisis_24h: 80}\n"),
                           ("unknown key 'tagets'", "did you mean 'targets'", "RW5.yaml")),
    "a code that is not a code": Case(edit(TRUST, "trust_code: RW5", "trust_code: rw-5"),
                                      ("trust_code", "RW5.yaml", "'RW-5'")),
    "a month in words": Case(edit(TRUST, "period_end: 2024-03", "period_end: March 2024"),
                             ("period_end", "YYYY-MM", "RW5.yaml")),
    "a period after the data": Case(edit(TRUST, "period_end: 2024-03", "period_end: 2031-01"),
                                    ("period_end 2031-01 is later than the data",
                                     "RW5's data end in 2024-03", "RW5.yaml")),
    "a cross-trust period after the data": Case(
        edit("params/across/all.yaml", "period_end: 2024-03", "period_end: 2024-09"),
        ("period_end 2024-09 is later than the data", "all.yaml")),
    "a key given twice": Case(append(TRUST, "trust_name: Another name\n"),
                              ("'trust_name' appears twice", "first on line 2", "RW5.yaml",
                               "row: 5")),
    "bytes that are not UTF-8": Case(
        replace_file(TRUST, b"trust_code: RW5\ntrust_name: Caf\xe9 Trust\n"),
        ("not UTF-8", "line 2", "RW5.yaml", "save the file as UTF-8")),
    "a name a million characters long": Case(
        edit(TRUST, "trust_name: Trust RW5", "trust_name: " + "x" * 1_000_000),
        ("trust_name", "(1000000 characters)", "RW5.yaml")),
    "two files for one trust": Case(
        replace_file("params/trusts/RW5-copy.yaml", "trust_code: RW5\ntrust_name: Again\n"),
        ("both for organisation 'RW5'", "RW5-copy.yaml")),
    "a trust's target copied into the cross-trust file": Case(
        append("params/across/all.yaml", "targets: {crisis_24h: 75}\n"),
        ("'targets' belongs in each trust's own parameter file", "all.yaml")),
    "a month declared missing that is not a month": Case(
        append(TRUST, "missing_months: [2024-13]\n"), ("missing_months", "RW5.yaml")),
    "a data folder that does not exist": Case(append(TRUST, "data_dir: no/such/folder\n"),
                                              ("no/such/folder does not exist", "RW5.yaml")),
    "a file that is not a mapping": Case(replace_file(TRUST, "- just\n- a list\n"),
                                         ("must be a mapping", "RW5.yaml")),
    "broken YAML": Case(replace_file(TRUST, "trust_code: RW5\ntrust_name: [unclosed\n"),
                        ("not valid YAML", "RW5.yaml")),
    # -- the catalogue ------------------------------------------------------------------------
    "a placeholder that is not a parameter": Case(
        edit(CATALOGUE, "    parameters: params/trusts/*.yaml\n",
             "    parameters: params/trusts/*.yaml\n    inputs: [\"x/{trust_cod}.csv\"]\n"),
        ("'{trust_cod}'", "did you mean '{trust_code}'", "reports.yaml")),
    "an unknown catalogue key": Case(edit(CATALOGUE, "    title: Per trust\n",
                                          "    title: Per trust\n    colour: blue\n"),
                                     ("unknown key 'colour'", "reports.yaml")),
    "a notebook that does not exist": Case(
        edit(CATALOGUE, "notebooks/trust.ipynb", "notebooks/trusts.ipynb"),
        ("notebooks/trusts.ipynb", "does not exist", "reports.yaml")),
    "a parameter glob that matches nothing": Case(
        edit(CATALOGUE, "params/across/*.yaml", "params/acros/*.yaml"),
        ("no parameter files match", "reports.yaml")),
    "a table the data dictionary does not have": Case(
        edit(CATALOGUE, "    title: Per trust\n", "    title: Per trust\n"
             "    tables: [trusts, activity_monthy]\n"),
        ("unknown table 'activity_monthy'", "did you mean 'activity_monthly'", "tables",
         "reports.yaml")),
    "a family id used twice": Case(edit(CATALOGUE, "  - id: across", "  - id: trust"),
                                   ("used twice", "reports.yaml")),
    "not a yes or no": Case(edit(CATALOGUE, "synthetic: false", "synthetic: maybe"),
                            ("site.synthetic", "reports.yaml")),
    # -- selecting work -----------------------------------------------------------------------
    "--only with a typo": Case(lambda root: None, ("--only 'RW6' selects no report",
                                                   "did you mean RW5"),
                               ("build", "--renderer", "builtin", "--only", "RW6")),
    "--family that does not exist": Case(lambda root: None, ("no report family 'trusts'",),
                                         ("build", "--renderer", "builtin", "--family",
                                          "trusts")),
    "--only outside the chosen family": Case(
        lambda root: None, ("--only 'RW5' selects no report in family across",),
        ("build", "--renderer", "builtin", "--family", "across", "--only", "RW5")),
    # -- data files ---------------------------------------------------------------------------
    "a 24-hour count above its parent": Case(
        monthly(cell(2, "crisis_contacts_24h", "300")),
        ("'crisis_contacts_24h'", "more than 'crisis_contacts'", "activity_monthly.csv",
         "row: 2")),
    "follow-ups above discharges": Case(
        monthly(cell(5, "followups_72h", "41")),
        ("'followups_72h'", "more than 'discharges'", "row: 5")),
    "readmissions above discharges": Case(
        monthly(cell(7, "readmissions_30d", "99")), ("'readmissions_30d'", "row: 7")),
    "a month missing in the middle": Case(
        monthly(lambda f: f.drop(index=4).reset_index(drop=True)),
        ("no rows for RW5 in 2024-02", "may not skip months", "missing_months: [2024-02]",
         "activity_monthly.csv")),
    "a month in the future": Case(monthly(cell(3, "month", "2099-01-01")),
                                  ("month in the future (2099-01)", "row: 3")),
    "a suppressed count": Case(monthly(cell(4, "admissions", "*")),
                               ("'admissions'", "suppressed ('*')", "row: 4",
                                "missing_months")),
    "a blank count": Case(monthly(cell(6, "discharges", "")),
                          ("'discharges'", "blank", "row: 6")),
    "a date in the middle of a month": Case(monthly(cell(2, "month", "2024-02-15")),
                                            ("middle of a month", "row: 2")),
    "a month nobody can read": Case(monthly(cell(2, "month", "Feb 24")),
                                    ("is not a month", "'Feb 24'", "row: 2")),
    "text in a count": Case(monthly(cell(3, "referrals", "12a")),
                            ("'referrals'", "not of type int", "row: 3")),
    "a negative count": Case(monthly(cell(3, "admissions", "-2")),
                             ("'admissions'", "0 or more", "row: 3")),
    "a month given twice": Case(
        monthly(lambda f: pd.concat([f, f.iloc[[1]]], ignore_index=True)),
        ("duplicate rows", "trust_code, month")),
    "a table with headers and no rows": Case(
        monthly(lambda f: f.iloc[0:0]), ("has no rows", "activity_monthly.csv")),
    "a missing column": Case(monthly(lambda f: f.drop(columns="discharges")),
                             ("missing column(s): discharges", "activity_monthly.csv")),
    "a month before the data's declared start": Case(
        edit(CATALOGUE, "data: {dir: data}", "data: {dir: data, start: 2024-02}"),
        ("has 2024-01, outside the data's months (2024-02 to now)", "activity_monthly.csv",
         "row: 1", "data.start")),
    "a month after the data's release": Case(
        edit(CATALOGUE, "data: {dir: data}", "data: {dir: data, release: 2024-02}"),
        ("has 2024-03, outside the data's months (any start to 2024-02)", "row: 3")),
    "a flag that is not 0 or 1": Case(
        replace_file("data/trusts.csv", "trust_code,trust_name,region,synthetic\n"
                     "RX4,Trust RX4,North,0\nRW5,Trust RW5,North,2\nTAH,Trust TAH,North,0\n"),
        ("'synthetic'", "not an allowed value", "row: 2", "trusts.csv")),
    "another trust's rows in a trust's own file": Case(
        lambda root: write(monthly_rows("TAH"), root / "data" / "activity_monthly" / "RW5.csv"),
        ("RW5.csv is RW5's file", "rows for 'TAH'", "trust_code", "row: 1")),
    # -- what a notebook publishes (found by the audit; the last good site stays) -------------
    "a small count in a plain pandas table": audit_case(
        'display(pd.DataFrame({"Ward": ["Oak"], "Patients detained": [3]}))',
        "trust/RW5.html", "Patients detained"),
    "a small count written 3.0": audit_case(
        'display(HTML(pd.DataFrame({"Ward": ["Oak", "Ash"], "Patients": [3.0, None]})'
        '.to_html(classes="lhs-table")))', "Patients"),
    "a small count beside a percentage": audit_case(
        'display(pd.DataFrame({"Ward": ["Oak"], "Patients (%)": ["3 (1.8 %)"]}))',
        "trust/RW5.html"),
    "a count given back by a percentage": audit_case(
        'display(pd.DataFrame({"Area": ["A"], "Respondents": [115], "Agree (%)": [1.8]}))',
        "Agree (%)"),
    "an NHS number in text": audit_case('print("Seen: patient 9434765919")',
                                        "NHS-number"),
    "an NHS number in alt text": audit_case(
        'display(HTML(\'<img alt="Scores for patient 943 476 5919" src="data:,">\'))',
        "NHS-number", "alt"),
    "an NHS number in a title": audit_case(
        'display(HTML(\'<span title="NHS 943-476-5919">x</span>\'))', "NHS-number", "title"),
    "an NHS number for a screen reader": audit_case(
        'display(HTML(\'<div aria-label="patient 9434765919">x</div>\'))', "NHS-number"),
    "an NHS number in chart text": audit_case(
        'display(HTML(\'<svg><text x="1" y="1">943 476 5919</text></svg>\'))', "NHS-number"),
    "a postcode": audit_case('display(HTML("<p>Lives at LS1 4AP</p>"))', "postcode"),
    "a date of birth": audit_case('display(HTML("<p>DOB 04/07/1961</p>"))', "birth"),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    root = make_handmade_project(tmp_path_factory.mktemp("published"), ["RX4", "RW5", "TAH"],
                                 layout="csv")
    assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 0
    return root


@pytest.mark.parametrize("name", list(CASES))
def test_a_mistake_stops_everything_with_a_message_that_says_where_and_how(
        name, published, tmp_path, capsys):
    case = CASES[name]
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    if name == "another trust's rows in a trust's own file":  # the folder layout
        monthly_file = root / "data" / "activity_monthly.csv"
        frame = pd.read_csv(monthly_file)
        for code, rows in frame.groupby("trust_code"):
            write(rows, root / "data" / "activity_monthly" / f"{code}.csv")
        monthly_file.unlink()
    before = snapshot(root / "outputs" / "_site")
    capsys.readouterr()
    case.mistake(root)
    status = main(["--project", str(root), *case.command])
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    for fragment in case.says:
        assert fragment in err, (fragment, err)
    assert len(err) < 3000  # a long value is cut, not echoed whole
    assert snapshot(root / "outputs" / "_site") == before
    if not case.runs_jobs:
        executed = root / "outputs" / "notebooks"
        assert not [p for p in executed.rglob("*.ipynb") if p.stat().st_mtime
                    > (root / "outputs" / "run-manifest.json").stat().st_mtime]


def test_a_declared_gap_and_end_of_month_dates_are_accepted_with_a_notice(published, tmp_path,
                                                                          capsys):
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    path = root / "data" / "activity_monthly.csv"
    frame = pd.read_csv(path)
    frame = frame.drop(index=4)  # RW5, February 2024
    ends = pd.to_datetime(frame["month"]) + pd.offsets.MonthEnd(0)
    frame["month"] = ends.dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)
    trust = root / "params" / "trusts" / "RW5.yaml"
    trust.write_text(trust.read_text() + "missing_months: [2024-02]\n")
    assert main(["--project", str(root), "check"]) == 0
    out, err = capsys.readouterr()
    assert "OK (parameters and data)" in out
    assert "end-of-month dates (2024-01-31, ...); each is read as its calendar month" in err


@pytest.mark.parametrize("written", ["%Y-%m", "%d/%m/%Y"])
def test_months_written_as_year_and_month_or_day_first_are_read(published, tmp_path, capsys,
                                                                written):
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    path = root / "data" / "activity_monthly.csv"
    frame = pd.read_csv(path)
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime(written)
    frame.to_csv(path, index=False)
    assert main(["--project", str(root), "check"]) == 0
    assert main(["--project", str(root), "check", "--params-only"]) == 0
    assert "OK (parameters only)" in capsys.readouterr().out


def test_a_declared_missing_month_is_a_gap_in_the_series_and_the_chart():
    from lhs_reports.plots.spc import spc_chart
    from lhs_reports.reports.flow import INDICATORS_BY_ID, indicator_series
    from lhs_reports.stats import xmr

    rows = monthly_rows("RW5", months=14).drop(index=5)  # June 2024 declared missing
    series = indicator_series(rows, INDICATORS_BY_ID["followup_72h"])
    assert len(series) == 14 and series.isna().tolist() == [False] * 5 + [True] + [False] * 8
    chart = spc_chart(xmr(series))
    line = chart.layers[0]
    frame = chart.data
    assert "run" in str(line.mapping) and frame["run"].nunique() == 2


# -- honest pages for thin data ---------------------------------------------------------------


def test_a_trust_with_three_months_gets_its_values_and_no_limits_or_icons():
    from lhs_reports.reports.flow import flow_panels, icon_summary, panel_alt_text, panel_chart

    rows = monthly_rows("RW5", months=3)
    panels = flow_panels(rows, period_end="2024-03", targets={"crisis_24h": 75.0})
    assert all(panel.result is None for panel in panels)
    assert all(panel.icons == {"variation": None, "assurance": None} for panel in panels)
    summary = icon_summary(panels)
    assert set(summary["Variation"]) == {"Too few points for process limits"}
    assert set(summary["Assurance"]) == {"Not assessed"}
    assert summary.loc[0, "Target"] == "75.0%" and summary.loc[0, "Mean"] == "-"
    text = panel_alt_text(panels[0])
    assert "3 values from January 2024 to March 2024" in text
    assert "3 months with a value, and 12 are needed" in text
    assert panel_chart(panels[0]).labels.caption.startswith("Too few points")


def test_a_month_without_a_denominator_is_not_calculated_never_nan():
    from lhs_reports.reports.flow import flow_panels, icon_summary

    rows = monthly_rows("RW5", months=14)
    rows.loc[rows.index[-1], ["discharges", "followups_72h", "readmissions_30d"]] = 0
    summary = icon_summary(flow_panels(rows, period_end="2025-02"))
    followup = summary.set_index("Indicator").loc["Discharges followed up within 72 hours"]
    assert followup["Latest"] == "not calculated: no discharges in February 2025"
    assert followup["Variation"] == "Not calculated (no value for the latest month)"
    assert "nan" not in summary.to_string().lower()


def test_no_discharges_in_any_month_says_so_on_every_discharge_measure():
    from lhs_reports.reports.flow import flow_panels, icon_summary

    rows = monthly_rows("RW5", months=14)
    rows[["discharges", "followups_72h", "readmissions_30d"]] = 0
    summary = icon_summary(flow_panels(rows, period_end="2025-02")).set_index("Indicator")
    for measure in ("Average length of stay", "Discharges followed up within 72 hours",
                    "Emergency readmissions within 30 days"):
        assert summary.loc[measure, "Latest"] == "not calculated: no discharges in February 2025"
        assert summary.loc[measure, "Variation"] == "Too few points for process limits"
    assert "nan" not in summary.to_string().lower()


def test_a_change_month_leaving_too_few_points_says_since_when():
    from lhs_reports.reports.flow import flow_panels

    panels = flow_panels(monthly_rows("RW5", months=20), period_end="2025-08",
                         change_month="2025-03")
    assert panels[0].result is None
    assert panels[0].too_few_points == ("Too few points for process limits: 6 months with a "
                                        "value since the change in March 2025, and 12 are "
                                        "needed.")
