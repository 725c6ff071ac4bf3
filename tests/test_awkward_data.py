"""Real data's awkward shapes through a whole build, on hand-written data (never the demo
generator's), with the package's report notebooks:

- RX4 declares a missing month (``missing_months: [2024-11]``) inside its last 12 months;
- RW5 (Southmoor) stopped reporting in June 2024, long before everyone else (March 2025);
- ``--only`` is given in another case than the parameter file's name.

Quick checks of the rules behind them (the period rule, the notes) are at the end and in the
modules' doctests.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.cli import main

from .handmade import (
    activity_by_group_rows,
    build_site,
    make_handmade_project,
    monthly_rows,
    population_rows,
    trusts_table,
    write,
)
from .test_messy_build import varied_monthly

REPO_ROOT = Path(__file__).resolve().parents[1]
NAMES = {"RX4": "Riverside", "TAH": "Tarnhill", "RXT": "Rowan Vale", "RW5": "Southmoor"}
#: The note's entries, by code and the trust's name (the notebooks pass names).
STALE = re.compile(r"RW5 Southmoor \(its data end in June 2024; the period shown runs to "
                   r"March 2025\)")
GAP = re.compile(r"RX4 Riverside \(no data for November 2024; the comparison needs all 12 "
                 r"months to March 2025\)")


def _text(html: str) -> str:
    """A page's words, without tags, entities or line breaks in the way."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def awkward(tmp_path_factory) -> tuple[Path, int, str]:
    root = tmp_path_factory.mktemp("awkward")
    for name in ("_quarto.yml", "index.qmd"):  # the notebooks and methods: the packaged ones
        shutil.copy(REPO_ROOT / name, root / name)
    params = root / "params"
    (params / "trusts").mkdir(parents=True)
    (params / "cross_trust").mkdir()
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["site"]["synthetic"] = False
    catalogue["data"] = {"dir": "data"}
    catalogue["families"] = [f for f in catalogue["families"]
                             if f["id"] in ("needs_assessment", "crisis_flow",
                                            "flow_variation")]
    (params / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    for code, name in NAMES.items():
        extra = "missing_months: [2024-11]\n" if code == "RX4" else ""
        (params / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: {name}\n{extra}")
    (params / "cross_trust" / "all-trusts.yaml").write_text("title: All trusts\n")
    data = root / "data"
    write(trusts_table(list(NAMES)), data / "trusts.csv")
    riverside = varied_monthly("RX4", 24)
    monthly = pd.concat([
        riverside.loc[riverside["month"] != pd.Timestamp("2024-11-01")],
        varied_monthly("TAH", 24, seed=1),
        varied_monthly("RXT", 24, seed=2),
        varied_monthly("RW5", 18, end="2024-06-01", seed=3),  # stopped reporting
    ], ignore_index=True)
    write(monthly, data / "activity_monthly.csv")
    population = pd.concat([population_rows(code) for code in NAMES], ignore_index=True)
    write(population, data / "population.csv")
    write(activity_by_group_rows(population), data / "activity_by_group.csv")
    return (root, *build_site(root))


def page(root: Path, name: str) -> str:
    return (root / "outputs" / "_site" / name).read_text()


@pytest.mark.slow
def test_the_build_with_a_gap_and_a_stale_trust_has_no_failed_report(awkward):
    root, status, out = awkward
    assert status == 0, out
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    assert len(manifest["jobs"]) == 9
    assert "failed" not in page(root, "needs_assessment/index.html")


@pytest.mark.slow
def test_a_trust_that_stopped_reporting_does_not_hold_back_the_page_across_trusts(awkward):
    root, _, _ = awkward
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    ends = {job["job"]: job["parameters"]["period_end"] for job in manifest["jobs"]}
    assert ends["flow_variation/all-trusts"] == "2025-03"
    assert ends["crisis_flow/RW5"] == "2024-06"  # its own pages: its own latest month
    across = page(root, "flow_variation/all-trusts.html")
    assert "Reporting period to March 2025" in across
    # Said on the page, named, with why; and not judged in the icon matrix as if current.
    assert STALE.search(_text(across))
    matrix = _text(across).split("Variation and assurance by trust")[1].split("Funnel plots")[0]
    assert "Southmoor (RW5) Left out" in matrix


@pytest.mark.slow
def test_the_stale_trust_is_left_out_of_the_peer_comparisons_on_the_others_needs_pages(awkward):
    root, _, _ = awkward
    text = _text(page(root, "needs_assessment/TAH.html"))
    assert "Reporting period to March 2025" in text
    assert STALE.search(text) and GAP.search(text)


@pytest.mark.slow
def test_the_needs_page_opens_with_key_findings_then_a_contents_list_of_its_sections(awkward):
    root, _, _ = awkward
    html = page(root, "needs_assessment/TAH.html")
    box = re.search(r'<section class="lhs-key-findings" aria-labelledby="key-findings">'
                    r'<h2 id="key-findings">Key findings</h2><ul>(.*?)</ul></section>', html)
    assert box is not None and box.group(1).count("<li>") >= 2
    assert "significantly" in _text(box.group(1)).lower()  # a rate compared with all trusts
    nav = re.search(r'<nav class="lhs-contents" aria-label="Contents">(.*?)</nav>', html)
    assert nav is not None
    sections = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(1))
    assert [text for _, text in sections][:2] == ["Who lives in the catchment",
                                                  "Crisis contacts over time"]
    assert all(f'id="{anchor}"' in html for anchor, _ in sections)
    # After the header and the box, before the first section.
    assert (html.index("Reporting period to March 2025") < html.index("lhs-key-findings")
            < html.index('aria-label="Contents"') < html.index(f'<h2 id="{sections[0][0]}"'))
    # Numbers read alike in the tables: thousands separators on a rate beside its interval.
    assert not re.search(r"<td>\d{4,}\.\d</td>", html)


@pytest.mark.slow
def test_a_declared_gap_in_the_last_year_is_said_and_the_figures_cover_the_months_present(
        awkward):
    root, _, _ = awkward
    text = _text(page(root, "needs_assessment/RX4.html"))
    assert "Reporting period to March 2025" in text
    assert ("Activity in the 12 months to March 2025: no data for November 2024, so the counts "
            "and rates cover the 11 months with data") in text
    assert "Events in the 11 months with data" in text
    assert "Line chart of monthly crisis contacts, April 2023 to March 2025 (no data for " \
        "November 2024)" in text
    # Left out of the peer comparisons (part of a year is not compared with whole years).
    assert GAP.search(text)
    assert "Not compared (left out: see the note)" in text


@pytest.mark.slow
def test_the_flow_page_of_a_trust_with_a_gap_draws_limits_from_the_months_present(awkward):
    root, _, _ = awkward
    text = _text(page(root, "crisis_flow/RX4.html"))
    assert "No data for November 2024: declared missing" in text
    assert "Too few points" not in text
    # The charts' alt text: the gap is a gap, not a point.
    assert ("SPC chart of average length of stay, 23 points from April 2023 to March 2025; no "
            "value for November 2024.") in text


# -- quick checks: no notebook runs --------------------------------------------------------------


def test_only_selects_a_parameter_file_whatever_the_case(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    assert main(["--project", str(root), "plan", "--only", "rx4"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"run\s+trust/RX4", out) and not re.search(r"run\s+trust/RW5", out)
    assert main(["--project", str(root), "plan", "--only", "ALL", "--family", "ACROSS"]) == 0
    assert re.search(r"run\s+across/all", capsys.readouterr().out)
    # No match: still refused, with the nearest name.
    assert main(["--project", str(root), "plan", "--only", "rx44"]) == 2
    assert "did you mean RX4?" in capsys.readouterr().err


def test_two_parameter_files_for_one_trust_differing_only_by_case_are_refused(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    (root / "params" / "trusts" / "rx4.yaml").write_text("trust_code: rx4\ntrust_name: Again\n")
    assert main(["--project", str(root), "plan", "--only", "rx4"]) == 2
    err = capsys.readouterr().err
    assert "two parameter files" in err and "RX4.yaml" in err and "rx4.yaml" in err


def test_two_parameter_files_whose_names_differ_only_by_case_are_refused(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    (root / "params" / "across" / "ALL.yaml").write_text("title: Again\n")
    assert main(["--project", str(root), "plan", "--only", "all"]) == 2
    assert "two parameter files are both called" in capsys.readouterr().err


def test_the_plan_and_the_cache_key_use_the_month_half_the_trusts_reach(tmp_path, capsys):
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.cache import cache_key
    from lhs_reports.engine.plan import load_project

    root = make_handmade_project(tmp_path, ["RX4", "TAH", "RW5"], layout="csv")
    for path in [*(root / "params" / "trusts").glob("*.yaml"),
                 root / "params" / "across" / "all.yaml"]:
        path.write_text(path.read_text().replace("period_end: 2024-03\n", ""))
    write(pd.concat([monthly_rows("RX4", months=6), monthly_rows("TAH", months=6),
                     monthly_rows("RW5", months=2)]), root / "data" / "activity_monthly.csv")
    planned = {p.job.key: p for p in plan_build(load_project(root))}
    assert planned["across/all"].job.parameters["period_end"] == "2024-06"
    assert planned["trust/RW5"].job.parameters["period_end"] == "2024-02"
    # The cache key is of the month filled in, so new months in the data rebuild the page.
    job = planned["across/all"].job
    assert planned["across/all"].key == cache_key(job.notebook, job.parameters,
                                                  job.family.inputs, root)[0]
    assert planned["across/all"].key != cache_key(
        job.notebook, {**job.parameters, "period_end": "2024-02"}, job.family.inputs, root)[0]
    # The plan says the same month.
    assert main(["--project", str(root), "plan"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"run\s+across/all\s+never built; period to 2024-06", out), out
    assert re.search(r"run\s+trust/RW5\s+never built; period to 2024-02", out), out


LATEST = st.dictionaries(st.sampled_from([f"R{i:02d}" for i in range(12)]),
                         st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2020, 2026),
                                   st.integers(1, 12)), min_size=1)


@given(LATEST)
def test_the_month_across_trusts_is_reached_by_half_of_them_and_never_before_every_one(latest):
    from lhs_reports.reports.periods import period_end_across

    month = period_end_across(latest)
    reached = sum(last >= month for last in latest.values())
    assert reached >= -(-len(latest) // 2)  # at least half, rounded up
    assert min(latest.values()) <= month <= max(latest.values())
    # The latest such month: one month later, fewer than half reach it.
    later = str(pd.Period(month, freq="M") + 1)
    assert sum(last >= later for last in latest.values()) < -(-len(latest) // 2)


@given(LATEST)
def test_the_month_across_trusts_does_not_depend_on_the_order_of_the_trusts(latest):
    from lhs_reports.reports.periods import period_end_across

    assert period_end_across(dict(reversed(list(latest.items())))) == period_end_across(latest)


# -- quick checks of each piece on hand-written frames -------------------------------------------


def _gappy_trust(tmp_path: Path):
    from lhs_reports.data import load_trust_data

    population = population_rows("RX4")
    write(trusts_table(["RX4"]), tmp_path / "trusts.csv")
    write(population, tmp_path / "population.csv")
    write(activity_by_group_rows(population), tmp_path / "activity_by_group.csv")
    monthly = monthly_rows("RX4", months=24)
    monthly["month"] = pd.date_range(end="2025-03-01", periods=24, freq="MS")
    write(monthly.loc[monthly["month"] != pd.Timestamp("2024-11-01")],
          tmp_path / "activity_monthly.csv")
    return load_trust_data(tmp_path, "RX4")


def test_the_activity_summary_of_a_year_with_a_declared_gap_counts_the_11_months_and_says_so(
        tmp_path):
    from lhs_reports.reports.needs_assessment import activity_caption, activity_summary

    data = _gappy_trust(tmp_path)
    summary = activity_summary(data, period_end="2025-03").set_index("Measure")
    # Counts of the 11 months present; the rate is per resident over those months, unscaled.
    assert summary.loc["Referrals", "Events in the 11 months with data"] == 11 * 40
    residents = int(data.population["population"].sum())
    assert summary.loc["Referrals", "Rate per 100,000"] == pytest.approx(
        round(440 / residents * 100_000, 1))
    assert activity_caption(data, period_end="2025-03", missing_months=["2024-11"]) == (
        "Activity in the 12 months to March 2025: no data for November 2024, so the counts and "
        "rates cover the 11 months with data (not annualised); the trust's parameter file "
        "declares the month missing")
    # Before the gap, a whole year.
    assert "Events in the year" in activity_summary(data, period_end="2024-10")
    assert activity_caption(data, period_end="2024-10") == (
        "Activity in the 12 months to October 2024")


def test_the_crisis_contacts_trend_breaks_its_line_at_a_missing_month(tmp_path):
    from lhs_reports.plots.trend import trend_alt_text, trend_chart

    data = _gappy_trust(tmp_path)
    chart = trend_chart(data.monthly, "crisis_contacts")
    runs = chart.data.groupby("_run")["month"].agg(["min", "max"])
    assert [(f"{a:%Y-%m}", f"{b:%Y-%m}") for a, b in runs.itertuples(index=False)] == [
        ("2023-04", "2024-10"), ("2024-12", "2025-03")]
    assert "(no data for November 2024)" in trend_alt_text(data.monthly, "crisis_contacts")


def test_a_trust_whose_data_end_before_the_period_is_left_out_of_the_icon_matrix_and_funnels():
    from lhs_reports.reports import flow_funnels
    from lhs_reports.reports.flow import icon_matrix

    def rows(code: str, end: str) -> pd.DataFrame:
        frame = monthly_rows(code, months=18)
        frame["month"] = pd.date_range(end=end, periods=18, freq="MS")
        return frame

    monthly = pd.concat([rows("RX4", "2025-03-01"), rows("TAH", "2025-03-01"),
                         rows("RW5", "2024-06-01")], ignore_index=True)
    matrix = icon_matrix(monthly, trusts_table(["RX4", "TAH", "RW5"]), period_end="2025-03")
    stale = matrix.set_index("Trust").loc["Trust RW5 (RW5)"]
    assert set(stale) == {"Left out: its data end in June 2024"}
    assert "Left out" not in " ".join(map(str, matrix.set_index("Trust").loc["Trust RX4 (RX4)"]))
    assert flow_funnels.left_out(monthly, period_end="2025-03") == {
        "RW5": "its data end in June 2024; the period shown runs to March 2025"}
    funnels = flow_funnels.flow_funnels(monthly, period_end="2025-03")
    assert all(set(f.points.index) == {"RX4", "TAH"} for f in funnels.values())


def test_the_left_out_note_escapes_codes_and_reasons_from_the_data():
    from lhs_reports import notebook as nb

    html = nb.left_out_html({"<RW5>": "its data end in June 2024; the period shown runs to "
                                       "March 2025 & later"})
    assert "&lt;RW5&gt;" in html and "&amp; later" in html and "<RW5>" not in html


def test_the_left_out_note_can_name_each_trust_from_its_parameter_file_or_the_data():
    from lhs_reports import notebook as nb
    from lhs_reports.reports.periods import trust_names

    trusts = trusts_table(["RX4", "RW5"]).assign(trust_name=["Riverside", "South <moor>"])
    left = {"RW5": "its data end in June 2024; the period shown runs to March 2025"}
    assert nb.left_out_html(left, names=trust_names(trusts)) == (
        '<p class="lhs-left-out" role="note">Left out of these comparisons: RW5 South '
        "&lt;moor&gt; (its data end in June 2024; the period shown runs to March 2025).</p>")

    class Settings:
        trust_name = "Southmoor"

    names = trust_names(trusts, {"RW5": Settings()})
    assert "RW5 Southmoor (its data end" in nb.left_out_html(left, names=names)
