"""The needs assessment's analysis: peer comparison, segmentation, narrative.

Numbers are checked against direct re-derivations written here (the DSR formula with the
published ESP 2013 weights; expected counts that must add up to the observed), not against the
package's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lhs_reports.data.dictionary import GROUP_MEASURES
from lhs_reports.data.synthetic import write_demo_data
from lhs_reports.reports import needs_comparison as peer
from lhs_reports.reports import needs_inequality as gaps
from lhs_reports.reports import needs_narrative as say

#: European Standard Population 2013 (Eurostat 2013, doi:10.2785/11470), 0-4 ... 90+.
ESP2013 = np.array([5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500,
                    6000, 5500, 5000, 4000, 2500, 1500, 1000], float)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_demo_data(tmp_path_factory.mktemp("demo"), 5)


@pytest.fixture(scope="module")
def peers(data_dir):
    return peer.load_peer_data(data_dir)


def direct_dsr(population: pd.DataFrame, by_group: pd.DataFrame, measure: str) -> float:
    from lhs_reports.data.dictionary import AGE_BANDS

    pop = population.groupby("age_band")["population"].sum().reindex(AGE_BANDS).to_numpy(float)
    events = by_group.groupby("age_band")[measure].sum().reindex(AGE_BANDS).to_numpy(float)
    return float((events / pop * ESP2013).sum() / ESP2013.sum() * 100_000)


def test_the_age_profile_keeps_every_resident_and_event(peers):
    ages = peers.ages_by_trust
    assert ages["population"].sum() == peers.population["population"].sum()
    for measure in GROUP_MEASURES:
        assert ages[measure].sum() == peers.by_group[measure].sum()


def test_trust_and_all_trust_rates_are_the_esp2013_weighted_sums(peers):
    comparison = peer.rate_comparison(peers, "SYN02").set_index("measure")
    population, by_group = peers.of("SYN02")
    for measure in GROUP_MEASURES:
        assert comparison.loc[measure, "value"] == pytest.approx(
            direct_dsr(population, by_group, measure), rel=1e-9)
        assert comparison.loc[measure, "benchmark"] == pytest.approx(
            direct_dsr(peers.population, peers.by_group, measure), rel=1e-9)
        assert comparison.loc[measure, "events"] == by_group[measure].sum()


def test_the_comparison_follows_the_interval(peers):
    comparison = peer.rate_comparison(peers, "SYN04")
    for _, row in comparison.iterrows():
        if row["benchmark"] < row["lower_ci"]:
            assert row["comparison"] == "higher"
        elif row["benchmark"] > row["upper_ci"]:
            assert row["comparison"] == "lower"
        else:
            assert row["comparison"] == "similar"


def test_expected_counts_add_up_to_the_observed_over_all_trusts(peers):
    for measure in GROUP_MEASURES:
        ratios = peer.standardised_ratios(peers, measure)
        assert ratios["expected"].sum() == pytest.approx(ratios["observed"].sum(), rel=1e-9)
        assert list(ratios.index) == sorted(peers.population["trust_code"].unique())


def test_the_planted_outlier_trust_has_more_detentions_than_expected(peers):
    funnel = peer.peer_funnel(peers, "mha_detentions")
    assert funnel.points.loc["SYN04", "significance"].startswith("High")


def test_deprivation_segments_come_in_quintile_order_with_readable_labels(peers):
    population, by_group = peers.of("SYN01")
    rates = gaps.rates_by_segment(population, by_group, segment="imd_quintile",
                                  measures=("admissions",))
    assert list(rates["imd_quintile"]) == [1, 2, 3, 4, 5]
    assert rates["segment_label"].iloc[0] == "1 (most deprived)"
    assert rates["segment_label"].iloc[-1] == "5 (least deprived)"


def test_the_planted_deprivation_gradient_is_found_and_reads_as_a_gap(peers):
    # The generator makes rates 1.8x the average in quintile 1 and 0.75x in quintile 5.
    population, by_group = peers.of("SYN01")
    rates = gaps.rates_by_segment(population, by_group, segment="imd_quintile",
                                  measures=("referrals",))
    gradient = gaps.deprivation_gradient(rates, population, measure="referrals")
    assert gradient.significant
    assert gradient.sii > 0 and gradient.rii > 1
    assert gradient.sii_lower <= gradient.sii <= gradient.sii_upper


def test_a_quintile_with_too_few_events_gives_no_gradient_and_says_why(peers):
    population, by_group = peers.of("SYN01")
    sparse = by_group.copy()
    sparse.loc[sparse["imd_quintile"] == 5, "admissions"] = 0
    rates = gaps.rates_by_segment(population, sparse, segment="imd_quintile",
                                  measures=("admissions",))
    gradient = gaps.deprivation_gradient(rates, population, measure="admissions")
    assert np.isnan(gradient.sii) and "fewer than 10 events" in gradient.reason
    assert "fewer than 10 events" in say.gradient_sentence(gradient, "Admissions")


@pytest.mark.parametrize(("comparison", "phrase"), [
    ("higher", "significantly higher"),
    ("lower", "significantly lower"),
    ("similar", "no evidence of a difference"),
])
def test_the_narrative_says_what_the_interval_says(comparison, phrase):
    row = pd.Series({"label": "Referrals", "value": 1200.0, "lower_ci": 1100.0,
                     "upper_ci": 1300.0, "benchmark": 1000.0, "comparison": comparison})
    assert phrase in say.comparison_sentence(row, "A *Trust*")
    assert "A \\*Trust\\*" in say.comparison_sentence(row, "A *Trust*")


def test_the_narrative_explains_a_rate_that_was_not_calculated():
    row = pd.Series({"label": "Admissions", "value": np.nan, "lower_ci": np.nan,
                     "upper_ci": np.nan, "benchmark": 210.0, "comparison": "not compared"})
    assert "fewer than 10 events" in say.comparison_sentence(row, "Trust")


def test_the_funnel_sentence_keeps_a_small_observed_count_out_of_the_text():
    points = pd.DataFrame({"numerator": [5.0, 400.0], "denominator": [4.2, 380.0],
                           "value": [119.0, 105.3],
                           "significance": ["Not significant", "Not significant"]},
                          index=["SYN05", "SYN01"])
    text = say.funnel_sentence(points, "SYN05", "Small Trust", "Detentions")
    assert "had * against" in text and " 5 " not in text
    assert "119" not in text  # ratio x expected would give the count back
    assert "ratio of 105" in say.funnel_sentence(points, "SYN01", "Big Trust", "Detentions")


def test_the_ratio_table_hides_a_ratio_whose_count_is_suppressed():
    from types import SimpleNamespace

    points = pd.DataFrame({"numerator": [5.0, 400.0], "denominator": [4.2, 380.0],
                           "value": [119.0, 105.3],
                           "significance": ["Not significant", "Not significant"]},
                          index=["SYN05", "SYN01"])
    funnels = {"mha_detentions": SimpleNamespace(points=points)}
    small = peer.ratio_table(funnels, "SYN05").iloc[0]
    assert small["Standardised ratio (100 = as expected)"] == "*"
    assert peer.ratio_table(funnels, "SYN01").iloc[0][
        "Standardised ratio (100 = as expected)"] == "105.3"


def test_a_segment_with_an_empty_age_band_has_no_rate_but_the_others_do(peers):
    population, by_group = peers.of("SYN01")
    thin = population.copy()
    thin.loc[(thin["ethnic_group"] == "Other") & (thin["age_band"] == "90+"), "population"] = 0
    rates = gaps.rates_by_segment(thin, by_group, segment="ethnic_group",
                                  measures=("admissions",)).set_index("ethnic_group")
    assert np.isnan(rates.loc["Other", "value"])
    assert "no residents" in rates.loc["Other", "reason"]
    assert rates.drop(index="Other")["value"].notna().all()


def test_expected_counts_agree_with_the_one_area_isr_function(peers):
    from lhs_reports.data.dictionary import AGE_BANDS
    from lhs_reports.stats.standardise import indirectly_standardised_ratio

    ratios = peer.standardised_ratios(peers, "admissions")
    ages = peers.ages_by_trust
    reference = ages.groupby("age_band")[["population", "admissions"]].sum().reindex(AGE_BANDS)
    mine = ages[ages["trust_code"] == "SYN03"].set_index("age_band").reindex(AGE_BANDS)
    one = indirectly_standardised_ratio(mine["admissions"], mine["population"],
                                        reference["admissions"], reference["population"]).iloc[0]
    assert ratios.loc["SYN03", "expected"] == pytest.approx(one["expected"], rel=1e-9)
    assert ratios.loc["SYN03", "observed"] == one["observed"]


def test_a_segment_chart_with_no_rates_still_draws_and_says_so():
    import matplotlib.pyplot as plt

    from lhs_reports.plots.rates import segment_rate_alt_text, segment_rate_chart

    rates = pd.DataFrame({"measure": ["admissions"] * 2, "segment_label": ["A", "B"],
                          "value": [np.nan, np.nan], "lower_ci": [np.nan, np.nan],
                          "upper_ci": [np.nan, np.nan]})
    figure = segment_rate_chart(rates, labels={"admissions": "Admissions"}).draw()
    plt.close(figure)
    assert "no segment has a rate" in segment_rate_alt_text(
        rates, labels={"admissions": "Admissions"}, segment_name="ethnic group")


def test_the_population_mix_shares_add_up_and_compare_with_all_trusts(peers):
    mix = peer.population_mix(peers, "SYN03")
    for _, part in mix.groupby("segment"):
        assert part["trust_share"].sum() == pytest.approx(100, abs=0.3)
        assert part["all_share"].sum() == pytest.approx(100, abs=0.3)
    quintiles = mix[mix["segment"] == "Deprivation quintile"]
    population, _ = peers.of("SYN03")
    most = population.loc[population["imd_quintile"] == 1, "population"].sum()
    assert quintiles["trust_share"].iloc[0] == pytest.approx(
        most / population["population"].sum() * 100, abs=0.05)
    assert list(quintiles["group"])[0] == "1 (most deprived)"


def test_activity_rates_come_from_rounded_counts_and_suppressed_counts_have_none(data_dir):
    from lhs_reports.data import load_trust_data
    from lhs_reports.reports.needs_assessment import activity_summary

    data = load_trust_data(data_dir, "SYN05")  # the small trust: some counts are 1-7
    table = activity_summary(data, period_end="2025-03")
    residents = data.population["population"].sum()
    counts = table["Events in the year"]
    assert counts.between(1, 7).any()
    for count, rate, interval in zip(counts, table["Rate per 100,000"], table["95% CI"],
                                     strict=True):
        if 1 <= count <= 7:
            assert np.isnan(rate) and interval == "–"
        else:
            rounded = 5 * np.floor(count / 5 + 0.5)
            assert rate == pytest.approx(round(rounded / residents * 100_000, 1))
