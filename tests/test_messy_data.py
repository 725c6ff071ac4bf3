"""Your own data, as it arrives: files in any order, codes in any case, short series.

Every table here is written by hand in the test (tests/handmade.py), never by the demo
generator. Builds with these data are in tests/test_messy_build.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lhs_reports.data import load_table, load_trust_data
from lhs_reports.data.dictionary import AGE_BANDS, ETHNIC_GROUPS

from .handmade import (
    activity_by_group_rows,
    monthly_rows,
    population_rows,
    trusts_table,
    write,
)

#: Age bands as a file listed them when the pyramid put "5-9" between "45-49" and "50-54".
SHUFFLED_BANDS = ["45-49", "5-9", "50-54", "0-4", *[b for b in reversed(AGE_BANDS)
                                                    if b not in ("45-49", "5-9", "50-54", "0-4")]]
SHUFFLED_GROUPS = ["White", "Other", "Asian", "Mixed", "Black"]


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory):
    """Two trusts whose population and activity files list age bands and ethnic groups out of
    the dictionary's order, and the same data in order, for comparison."""
    folders = {}
    for name, bands, groups in (("shuffled", SHUFFLED_BANDS, SHUFFLED_GROUPS),
                                ("ordered", None, None)):
        folder = tmp_path_factory.mktemp(name)
        population = pd.concat([population_rows(code, bands=bands, groups=groups)
                                for code in ("RX4", "RW5")], ignore_index=True)
        write(trusts_table(["RX4", "RW5"]), folder / "trusts.csv")
        write(population, folder / "population.csv")
        write(activity_by_group_rows(population), folder / "activity_by_group.csv")
        write(pd.concat([monthly_rows(c, months=12) for c in ("RX4", "RW5")]),
              folder / "activity_monthly.csv")
        folders[name] = folder
    return folders


# -- 1. age bands in the dictionary's order, never the file's --------------------------------


def test_the_file_really_lists_age_bands_out_of_order(shuffled):
    text = pd.read_csv(shuffled["shuffled"] / "population.csv")
    assert list(dict.fromkeys(text["age_band"]))[:3] == ["45-49", "5-9", "50-54"]


def test_age_bands_and_ethnic_groups_load_as_ordered_categoricals_in_the_dictionary_order(
        shuffled):
    population = load_table(shuffled["shuffled"], "population")
    for column, order in (("age_band", AGE_BANDS), ("ethnic_group", ETHNIC_GROUPS)):
        dtype = population[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
        assert list(dtype.categories) == list(order)
    assert population.sort_values("age_band")["age_band"].iloc[[0, -1]].tolist() == ["0-4",
                                                                                      "90+"]


def test_the_population_pyramid_runs_youngest_to_oldest_whatever_the_file_order(shuffled):
    from lhs_reports.plots.population import population_pyramid, pyramid_alt_text, pyramid_data

    population = load_trust_data(shuffled["shuffled"], "RX4").population
    assert list(dict.fromkeys(pyramid_data(population)["age_band"])) == list(AGE_BANDS)
    chart = population_pyramid(population)
    assert list(chart.data["age_band"].cat.categories) == list(AGE_BANDS)
    # The same picture and words from the shuffled file as from the ordered one.
    ordered = load_trust_data(shuffled["ordered"], "RX4").population
    pd.testing.assert_frame_equal(pyramid_data(population), pyramid_data(ordered))
    assert pyramid_alt_text(population) == pyramid_alt_text(ordered)


def test_a_pyramid_of_plain_text_bands_in_file_order_is_ordered_too():
    from lhs_reports.plots.population import pyramid_data

    frame = population_rows("RX4", bands=SHUFFLED_BANDS).astype({"age_band": object})
    assert list(dict.fromkeys(pyramid_data(frame)["age_band"])) == list(AGE_BANDS)


def test_segments_and_the_population_mix_follow_the_dictionary_and_the_numbers_do_not_move(
        shuffled):
    from lhs_reports.data.dictionary import GROUP_MEASURES
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports import needs_inequality as gaps

    results = {}
    for name, folder in shuffled.items():
        peers = peer.load_peer_data(folder)
        population, by_group = peers.of("RW5")
        rates = gaps.rates_by_segment(population, by_group, segment="ethnic_group",
                                      measures=GROUP_MEASURES)
        mix = peer.population_mix(peers, "RW5")
        results[name] = (rates, mix, peer.rate_comparison(peers, "RW5"),
                         peer.standardised_ratios(peers, "admissions"))
        assert list(dict.fromkeys(rates["ethnic_group"])) == list(ETHNIC_GROUPS)
        ethnic = mix.loc[mix["segment"] == "Ethnic group", "group"].tolist()
        assert ethnic == list(ETHNIC_GROUPS)
    for shuffled_result, ordered_result in zip(results["shuffled"], results["ordered"],
                                               strict=True):
        pd.testing.assert_frame_equal(shuffled_result, ordered_result, check_categorical=False)


# -- 2. codes in any case, reported in upper case ----------------------------------------------


def test_a_lower_case_code_in_a_parameter_file_is_read_in_upper_case(tmp_path):
    from lhs_reports.params import load_parameters

    path = tmp_path / "rx4.yaml"
    path.write_text("trust_code: ' rx4'\ntrust_name: Trust RX4\n")
    assert load_parameters(path).trust_code == "RX4"


def test_lower_case_codes_in_the_data_are_read_in_upper_case_and_match(tmp_path):
    write(trusts_table(["rx4", "Rw5"]), tmp_path / "trusts.csv")
    write(pd.concat([monthly_rows("rx4"), monthly_rows("RW5")]), tmp_path / "activity_monthly.csv")
    population = population_rows("rw5")
    write(population, tmp_path / "population.csv")
    write(activity_by_group_rows(population), tmp_path / "activity_by_group.csv")
    assert load_table(tmp_path, "trusts")["trust_code"].tolist() == ["RX4", "RW5"]
    assert set(load_table(tmp_path, "activity_monthly")["trust_code"]) == {"RX4", "RW5"}
    for asked in ("RX4", "rx4"):
        mine = load_table(tmp_path, "activity_monthly", organisation=asked)
        assert set(mine["trust_code"]) == {"RX4"} and len(mine) == 3
    data = load_trust_data(tmp_path, "rw5")
    assert data.trust_code == "RW5" and data.trust_name == "Trust Rw5" and len(data.monthly) == 3
    assert set(data.population["trust_code"]) == set(data.by_group["trust_code"]) == {"RW5"}


def test_a_per_organisation_file_named_in_lower_case_is_that_organisation_s(tmp_path):
    write(trusts_table(["RX4", "RW5"]), tmp_path / "trusts.csv")
    write(monthly_rows("rx4"), tmp_path / "activity_monthly" / "rx4.csv")
    write(monthly_rows("RW5"), tmp_path / "activity_monthly" / "RW5.csv")
    mine = load_table(tmp_path, "activity_monthly", organisation="RX4")
    assert set(mine["trust_code"]) == {"RX4"} and len(mine) == 3
    assert len(load_table(tmp_path, "activity_monthly")) == 6


def test_the_same_month_under_two_cases_of_one_code_is_a_duplicate(tmp_path):
    from lhs_reports.errors import DataError

    write(pd.concat([monthly_rows("rx4"), monthly_rows("RX4")]), tmp_path / "activity_monthly.csv")
    with pytest.raises(DataError, match="duplicate rows"):
        load_table(tmp_path, "activity_monthly")


# -- 3. period_end left out: the latest month in the data ----------------------------------------


def test_a_parameter_file_without_period_end_reports_to_its_trust_s_latest_month(tmp_path):
    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.plan import load_project

    from .handmade import make_handmade_project

    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    for path in [*(root / "params" / "trusts").glob("*.yaml"), root / "params" / "across" /
                 "all.yaml"]:
        path.write_text(path.read_text().replace("period_end: 2024-03\n", ""))
    # RW5's data end a month before RX4's.
    write(pd.concat([monthly_rows("RX4"), monthly_rows("RW5", months=2)]),
          root / "data" / "activity_monthly.csv")
    ends = {p.job.key: p.job.parameters["period_end"] for p in plan_build(load_project(root))}
    # Each trust its own latest month; the page across trusts the latest month half of the
    # trusts (rounded up) reach: of two, the later (RW5 is left out of its comparisons).
    assert ends == {"trust/RX4": "2024-03", "trust/RW5": "2024-02", "across/all": "2024-03"}
    (root / "params" / "trusts" / "RX4.yaml").write_text(
        "trust_code: RX4\ntrust_name: Trust RX4\nperiod_end: 2024-02\n")
    ends = {p.job.key: p.job.parameters["period_end"] for p in plan_build(load_project(root))}
    assert ends["trust/RX4"] == "2024-02"  # a month given is kept


def test_a_notebook_run_by_hand_without_period_end_gets_the_same_month():
    from lhs_reports.errors import DataError
    from lhs_reports.reports.periods import reporting_period_end

    monthly = pd.concat([monthly_rows("RX4"), monthly_rows("TAH"),
                         monthly_rows("RW5", months=2)])
    assert reporting_period_end(monthly, None) == "2024-03"  # two of three reach March
    later = pd.concat([monthly, monthly_rows("RXT", months=2), monthly_rows("R1A", months=2)])
    assert reporting_period_end(later, None) == "2024-02"  # two of five reach March
    assert reporting_period_end(monthly.loc[monthly["trust_code"] == "RX4"], None) == "2024-03"
    with pytest.raises(DataError, match="period_end 2024-09 is later than the data"):
        reporting_period_end(monthly, "2024-09")


# -- 4. a trust with too little data is left out of comparisons, with a note -------------------


def _short_and_full() -> pd.DataFrame:
    """RX4 and TAH with two years of monthly activity to March 2025, RW5 with eight months."""
    def rows(code: str, months: int, **counts: int) -> pd.DataFrame:
        frame = monthly_rows(code, months=months).assign(**counts)
        frame["month"] = pd.date_range(end="2025-03-01", periods=months, freq="MS")
        return frame
    return pd.concat([rows("RX4", 24), rows("TAH", 24, discharges=60, followups_72h=30),
                      rows("RW5", 8)], ignore_index=True)


def test_a_trust_with_eight_months_is_left_out_of_the_flow_funnels_and_named_in_the_note():
    from lhs_reports import notebook as nb
    from lhs_reports.reports import flow_funnels

    monthly = _short_and_full()
    funnels = flow_funnels.flow_funnels(monthly, period_end="2025-03")
    assert set(funnels) == {i.id for i in flow_funnels.FUNNEL_INDICATORS}
    assert all(set(f.points.index) == {"RX4", "TAH"} for f in funnels.values())
    left = flow_funnels.left_out(monthly, period_end="2025-03")
    assert left == {"RW5": "8 months of data; the comparison needs 12"}
    assert nb.left_out_html(left) == (
        '<p class="lhs-left-out" role="note">Left out of these comparisons: RW5 (8 months of '
        'data; the comparison needs 12).</p>')
    summary = flow_funnels.funnel_summary(funnels, trusts_table(["RX4", "TAH", "RW5"]))
    assert len(summary) == len(funnels)


def test_the_icon_matrix_keeps_the_short_trust_with_too_few_points():
    from lhs_reports.reports.flow import icon_matrix

    matrix = icon_matrix(_short_and_full(), trusts_table(["RX4", "TAH", "RW5"]),
                         period_end="2025-03")
    short = matrix.set_index("Trust").loc["Trust RW5 (RW5)"]
    assert set(short) == {"Too few points for process limits"}


def test_a_trust_with_data_ending_early_or_no_discharges_is_left_out_saying_why():
    from lhs_reports.reports import flow_funnels

    monthly = _short_and_full()
    monthly = monthly.loc[~((monthly["trust_code"] == "TAH")
                            & (monthly["month"] > "2025-01-01"))].copy()
    monthly.loc[monthly["trust_code"] == "RX4", ["discharges", "followups_72h",
                                                 "readmissions_30d"]] = 0
    left = flow_funnels.left_out(monthly, period_end="2025-03")
    assert left["TAH"] == "its data end in January 2025; the period shown runs to March 2025"
    assert left["RX4"] == "no discharges in the 12 months to March 2025"
    funnels = flow_funnels.flow_funnels(monthly, period_end="2025-03")
    # RX4 alone has patients for crisis contacts seen within 24 hours: one trust is no
    # comparison, so no funnel, and the summary says why for each indicator.
    assert funnels == {}
    summary = flow_funnels.funnel_summary(funnels, trusts_table(["RX4", "TAH", "RW5"]))
    assert len(summary) == len(flow_funnels.FUNNEL_INDICATORS)
    assert set(summary["Limits"]) == {
        "no funnel: fewer than 2 trusts have the 12 months to compare"}


@pytest.fixture(scope="module")
def peers_with_a_short_trust(tmp_path_factory):
    from lhs_reports.reports import needs_comparison as peer

    folder = tmp_path_factory.mktemp("short")
    population = pd.concat([population_rows(c) for c in ("RX4", "TAH", "RW5")],
                           ignore_index=True)
    write(trusts_table(["RX4", "TAH", "RW5"]), folder / "trusts.csv")
    write(population, folder / "population.csv")
    events = activity_by_group_rows(population)
    short = events["trust_code"] == "RW5"
    events.loc[short, "admissions"] *= 3  # compared, RW5 would raise the all-trust rate
    write(events, folder / "activity_by_group.csv")
    write(_short_and_full(), folder / "activity_monthly.csv")
    return peer.load_peer_data(folder, period_end="2025-03")


def test_the_short_trust_is_left_out_of_the_peer_comparisons_on_other_trusts_pages(
        peers_with_a_short_trust):
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports import needs_narrative as say

    peers = peers_with_a_short_trust
    assert peers.left_out == {"RW5": "8 months of data; the comparison needs 12"}
    funnel = peer.peer_funnel(peers, "admissions")
    assert set(funnel.points.index) == {"RX4", "TAH"}
    # The all-trust rate is of the two trusts compared, which have the same rates, so RX4 is
    # exactly at it; with RW5's (tripled) admissions counted it would not be.
    comparison = peer.rate_comparison(peers, "RX4").set_index("measure")
    assert comparison.loc["admissions", "benchmark"] == pytest.approx(
        comparison.loc["admissions", "value"])
    assert comparison.loc["admissions", "comparison"] == "similar"
    everyone = peer.rate_comparison(peer.PeerData(peers.trusts, peers.population,
                                                  peers.by_group), "RX4").set_index("measure")
    assert everyone.loc["admissions", "benchmark"] > 1.5 * comparison.loc["admissions",
                                                                          "benchmark"]
    assert "2 trusts are compared" in say.funnel_sentence(funnel.points, "RX4", "Trust RX4",
                                                          "Admissions")


def test_the_short_trust_s_own_page_says_it_is_left_out_rather_than_failing(
        peers_with_a_short_trust):
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports import needs_narrative as say

    peers = peers_with_a_short_trust
    comparison = peer.rate_comparison(peers, "RW5")
    assert set(comparison["comparison"]) == {"left out"}
    assert set(peer.rate_comparison_table(comparison)["Compared with all trusts"]) == {
        "Not compared (left out: see the note)"}
    assert "left out of these comparisons" in say.comparison_markdown(comparison, "Trust RW5")
    funnels = {m: peer.peer_funnel(peers, m) for m in ("admissions", "referrals")}
    assert peers.compared("RW5") is None and peers.compared("RX4") == "RX4"
    table = peer.ratio_table(funnels, "RW5", left_out=peers.left_out)
    assert set(table["Position in the peer funnel"]) == {
        "Left out (8 months of data; the comparison needs 12)"}
    assert "left out of the peer funnel (8 months of data" in say.funnel_sentence(
        funnels["admissions"].points, "RW5", "Trust RW5", "Admissions",
        left_out=peers.left_out)


def test_the_short_trust_s_activity_summary_covers_its_months_and_says_so(tmp_path):
    from lhs_reports.reports.needs_assessment import activity_caption, activity_summary

    population = population_rows("RW5")
    write(trusts_table(["RW5"]), tmp_path / "trusts.csv")
    write(population, tmp_path / "population.csv")
    write(activity_by_group_rows(population), tmp_path / "activity_by_group.csv")
    write(_short_and_full().query("trust_code == 'RW5'"), tmp_path / "activity_monthly.csv")
    data = load_trust_data(tmp_path, "RW5")
    summary = activity_summary(data, period_end="2025-03")
    assert summary["Events in the 8 months"].iloc[0] == 8 * 40  # referrals
    assert activity_caption(data, period_end="2025-03") == (
        "Activity in the 8 months to March 2025 (the data start in August 2024)")


# -- one trust only: a page across trusts compares nothing, and says so -----------------------


@pytest.fixture(scope="module")
def one_trust(tmp_path_factory):
    from lhs_reports.reports import needs_comparison as peer

    folder = tmp_path_factory.mktemp("one")
    population = population_rows("RX4")
    write(trusts_table(["RX4"]), folder / "trusts.csv")
    write(population, folder / "population.csv")
    write(activity_by_group_rows(population), folder / "activity_by_group.csv")
    monthly = monthly_rows("RX4", months=13)
    monthly["month"] = pd.date_range(end="2025-03-01", periods=13, freq="MS")
    write(monthly, folder / "activity_monthly.csv")
    return peer.load_peer_data(folder, period_end="2025-03"), monthly


def test_with_one_trust_the_flow_page_draws_no_funnel_and_says_why(one_trust):
    from lhs_reports.reports import flow_funnels

    funnels = flow_funnels.flow_funnels(one_trust[1], period_end="2025-03")
    assert funnels == {}
    summary = flow_funnels.funnel_summary(funnels, trusts_table(["RX4"]))
    assert summary["Indicator"].tolist() == [i.title for i in flow_funnels.FUNNEL_INDICATORS]
    assert set(summary["Limits"]) == {
        "no funnel: fewer than 2 trusts have the 12 months to compare"}


def test_with_one_trust_its_rates_are_not_called_no_different_from_its_own(one_trust):
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports import needs_narrative as say

    peers = one_trust[0]
    comparison = peer.rate_comparison(peers, "RX4")
    assert set(comparison["comparison"]) == {"no peers"}
    table = peer.rate_comparison_table(comparison)
    assert set(table["Compared with all trusts"]) == {"Not compared (no other trust in the data)"}
    text = say.comparison_markdown(comparison, "St Mary's & Central")
    assert "no evidence of a difference" not in text
    assert "is the only trust in the data compared" in text
    funnel = peer.peer_funnel(peers, "admissions")
    sentence = say.funnel_sentence(funnel.points, "RX4", "Trust RX4", "Admissions")
    assert "the only trust in the funnel" in sentence and "1 trusts" not in sentence
    ratios = peer.ratio_table({"admissions": funnel}, "RX4")
    assert ratios["Position in the peer funnel"].tolist() == [
        "Not compared (no other trust in the data)"]


def test_a_trust_listed_without_monthly_rows_is_left_out_of_the_icon_matrix_saying_so():
    from lhs_reports.reports.flow import icon_matrix

    monthly = monthly_rows("RX4", months=13)
    matrix = icon_matrix(monthly, trusts_table(["RX4", "RXT"]), period_end="2025-01")
    listed = matrix.set_index("Trust").loc["Trust RXT (RXT)"]
    assert set(listed) == {"Left out: no monthly data"}
