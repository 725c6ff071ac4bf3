"""Every public statistic refuses what it cannot compute, or returns a documented result.

Each case passes one bad input (infinite or text values in each numeric argument, all-missing,
empty, negative counts where counts cannot be negative, mismatched lengths, degenerate series)
and expects a :class:`DataError` naming the argument (and the row: a Series' index label, else
the 1-based position) with no warning of any kind on the way. The documented results of
degenerate but computable input (constant series, all-zero counts, all-missing rows of a
row-by-row statistic) are checked with the exact warnings they give. These are self-consistency
checks of the package's own rules, not comparisons with published values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lhs_reports.errors import DataError
from lhs_reports.stats import (
    ShortBaselineWarning,
    TooFewAreasWarning,
    TooFewUsefulPointsWarning,
    assign_quantiles,
    assurance_icon,
    benchmark_comparison,
    byar_interval,
    crude_rate,
    directly_standardised_rate,
    directly_standardised_rates,
    dobson_interval,
    exact_poisson_interval,
    funnel_grid,
    funnel_limits,
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
    inequality_by_group,
    mean_interval,
    overdispersed_funnel,
    proportion,
    proportion_funnel,
    rate_funnel,
    ratio_funnel,
    run_chart,
    segmented_regression,
    slope_index_of_inequality,
    wilson_interval,
    xmr,
    xmr_icons,
)
from lhs_reports.stats.funnel import FunnelWarning, UnadjustedLimitsWarning

INF, NAN = np.inf, np.nan
TRUSTS = ["RAA", "RBB", "RCC"]
BANDS = ["0-4", "5-9", "10-14"]
MONTHS = pd.date_range("2022-01-01", periods=14, freq="MS")
NOISY = [10.0, 12, 11, 14, 9, 13, 12, 10, 11, 15, 12, 13, 11, 14]
COUNTS_BEFORE_AFTER = [20, 22, 19, 25, 21, 23, 24, 18, 26, 30, 28, 27, 31, 29]


def with_(values: list[Any], at: int, bad: Any) -> list[Any]:
    """``values`` with position ``at`` replaced by ``bad``."""
    changed = list(values)
    changed[at] = bad
    return changed


def long_frame(**replace: Any) -> pd.DataFrame:
    """Two areas by five quintiles, indexed 100.. so row labels differ from positions."""
    frame = pd.DataFrame({"area": ["A"] * 5 + ["B"] * 5, "quintile": [1, 2, 3, 4, 5] * 2,
                          "value": [70.0, 72, 75, 77, 80, 80, 79, 80, 81, 80],
                          "population": [100.0] * 10}, index=range(100, 110))
    for column, (row, bad) in replace.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = bad
    return frame


def dsr_frame(**replace: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"area": ["A"] * 3, "age_band": BANDS, "count": [5.0, 6, 7],
                          "population": [100.0, 200, 300]}, index=["r1", "r2", "r3"])
    for column, (row, bad) in replace.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = bad
    return frame


def its(values: Any = NOISY, **kwargs: Any) -> Any:
    return segmented_regression(values, intervention_at=7, **kwargs)


ISR = ([30, 20, 10], [1000, 500, 200], [2, 3, 4], [100, 100, 100])
SII = ([70.0, 72, 75, 77, 80], [100.0] * 5)

# (id, call, argument named, row named or None)
REFUSED: list[tuple[str, Callable[[], Any], str, Any]] = [
    # rates, proportions and intervals
    ("wilson_inf_successes", lambda: wilson_interval([1, INF], [2, 3]), "successes", 2),
    ("wilson_minus_inf_trials", lambda: wilson_interval([1, 2], [2, -INF]), "trials", 2),
    ("wilson_text_in_a_series",
     lambda: wilson_interval(pd.Series([1, "n/a", 3], TRUSTS), pd.Series([5, 5, 5], TRUSTS)),
     "successes", "RBB"),
    ("wilson_lengths_differ", lambda: wilson_interval([1, 2, 3], [5, 5]), "successes", None),
    ("exact_poisson_inf_scalar", lambda: exact_poisson_interval(INF), "count", None),
    ("exact_poisson_negative", lambda: exact_poisson_interval([3, -1]), "count", 2),
    ("byar_text", lambda: byar_interval(["12", "twelve"]), "count", 2),
    ("crude_rate_inf_population", lambda: crude_rate([3, 4], [1000, INF]), "population", 2),
    ("crude_rate_minus_inf_count", lambda: crude_rate([-INF, 4], [1000, 900]), "count", 1),
    ("crude_rate_zero_population", lambda: crude_rate([3, 4], [0, 900]), "population", 1),
    ("proportion_more_successes_than_trials", lambda: proportion([6], [5]), "successes", 1),
    ("proportion_text_trials", lambda: proportion([1, 2], [10, "ten"]), "trials", 2),
    ("proportion_dates", lambda: proportion(MONTHS[:2], [10, 10]), "successes", None),
    ("mean_all_missing", lambda: mean_interval([NAN, NAN, NAN]), "values", None),
    ("mean_empty", lambda: mean_interval([]), "values", None),
    ("mean_inf", lambda: mean_interval([1.0, 2.0, INF]), "values", 3),
    ("mean_text", lambda: mean_interval(pd.Series([1.0, "x" * 80], ["a", "b"])), "values", "b"),
    # standardisation
    ("dsr_inf_count", lambda: directly_standardised_rate(
        pd.Series([5.0, INF, 7.0], BANDS), [100, 200, 300], standard=[1, 1, 1]), "counts", "5-9"),
    ("dsr_text_population", lambda: directly_standardised_rate(
        [5, 6, 7], [100, "200 people", 300], standard=[1, 1, 1]), "populations", 2),
    ("dsr_inf_standard", lambda: directly_standardised_rate(
        [5, 6, 7], [100, 200, 300], standard=[1, INF, 1]), "standard", 2),
    ("dsr_all_counts_missing", lambda: directly_standardised_rate(
        [NAN, NAN, NAN], [100, 200, 300], standard=[1, 1, 1]), "counts", None),
    ("dsr_negative_count", lambda: directly_standardised_rate(
        [5, -6, 7], [100, 200, 300], standard=[1, 1, 1]), "counts", 2),
    ("dsr_lengths_differ", lambda: directly_standardised_rate(
        [5, 6, 7], [100, 200], standard=[1, 1, 1]), "counts", None),
    ("dsrs_inf_count_column", lambda: directly_standardised_rates(
        dsr_frame(count=("r2", INF)), by="area", standard=pd.Series([1.0] * 3, BANDS)),
     "count", "r2"),
    ("dsrs_text_population_column", lambda: directly_standardised_rates(
        dsr_frame(population=("r3", "n/a")), by="area", standard=pd.Series([1.0] * 3, BANDS)),
     "population", "r3"),
    ("dsrs_all_counts_missing", lambda: directly_standardised_rates(
        dsr_frame().assign(count=NAN), by="area", standard=pd.Series([1.0] * 3, BANDS)),
     "count", None),
    ("dobson_inf_variance", lambda: dobson_interval(100.0, INF, 25), "variance", None),
    ("dobson_zero_events", lambda: dobson_interval(100.0, 400.0, 0), "total_count", None),
    ("isr_inf_observed", lambda: indirectly_standardised_ratio(
        [30, INF, 10], *ISR[1:]), "observed", 2),
    ("isr_text_reference_counts", lambda: indirectly_standardised_ratio(
        ISR[0], ISR[1], [2, "?", 4], ISR[3]), "reference_counts", 2),
    ("isr_minus_inf_population", lambda: indirectly_standardised_ratio(
        ISR[0], [1000, 500, -INF], *ISR[2:]), "populations", 3),
    ("isr_all_observed_missing", lambda: indirectly_standardised_ratio(
        [NAN, NAN, NAN], *ISR[1:]), "observed", None),
    ("isr_missing_total", lambda: indirectly_standardised_ratio(NAN, *ISR[1:]), "observed",
     None),
    ("israte_inf_reference_population", lambda: indirectly_standardised_rate(
        *ISR[:3], [100, 100, INF]), "reference_populations", 3),
    # funnels
    ("proportion_funnel_inf_successes", lambda: proportion_funnel(
        pd.Series([1, INF, 3], TRUSTS), pd.Series([10, 10, 10], TRUSTS)), "successes", "RBB"),
    ("proportion_funnel_text_trials", lambda: proportion_funnel([1, 2], [10, "x"]), "trials", 2),
    ("proportion_funnel_all_missing", lambda: proportion_funnel([NAN, NAN], [10, 10]),
     "successes", None),
    ("proportion_funnel_empty", lambda: proportion_funnel([], []), "successes", None),
    ("ratio_funnel_inf_expected", lambda: ratio_funnel([1, 2, 3], [10, INF, 30]), "expected",
     2),
    ("ratio_funnel_negative_observed", lambda: ratio_funnel([1, -2], [10, 20]), "observed", 2),
    ("rate_funnel_text_population", lambda: rate_funnel([1, 2], ["1e5", "lots"]),
     "population", 2),
    ("rate_funnel_all_counts_missing", lambda: rate_funnel([NAN, NAN], [1e5, 1e5]), "count",
     None),
    ("funnel_limits_inf_denominator", lambda: funnel_limits(
        [10, INF], target=1, statistic="ratio"), "denominators", 2),
    ("funnel_limits_inf_target", lambda: funnel_limits(
        [10, 20], target=INF, statistic="ratio"), "target", None),
    ("funnel_grid_all_missing", lambda: funnel_grid([NAN, NAN], statistic="rate"),
     "denominators", None),
    ("od_funnel_inf_numerator", lambda: overdispersed_funnel(
        [5, INF, 7, 8], [5.0, 6, 7, 8], data_type="SR"), "numerator", 2),
    ("od_funnel_text_denominator", lambda: overdispersed_funnel(
        [5, 6], [5.0, "six"], data_type="SR"), "denominator", 2),
    ("od_funnel_all_missing", lambda: overdispersed_funnel(
        [NAN, NAN], [5.0, 6.0], data_type="PR"), "numerator", None),
    ("od_funnel_no_events_ratio_of_counts", lambda: overdispersed_funnel(
        [0, 0], [2, 3], data_type="RC"), "numerator", None),
    # statistical process control and run charts
    ("xmr_inf", lambda: xmr(with_(NOISY, 4, INF)), "values", 5),
    ("xmr_minus_inf_dated", lambda: xmr(pd.Series(with_(NOISY, 2, -INF), MONTHS)), "values",
     MONTHS[2]),
    ("xmr_text", lambda: xmr(with_(NOISY, 0, "twelve")), "values", 1),
    ("xmr_all_missing", lambda: xmr([NAN] * 14), "values", None),
    ("xmr_empty", lambda: xmr([]), "values", None),
    ("xmr_all_but_one_missing", lambda: xmr([NAN] * 6 + [5.0] + [NAN] * 7), "values", 1),
    ("xmr_no_two_in_a_row", lambda: xmr([1.0, NAN, 2.0, NAN, 3.0, NAN]), "values", 1),
    ("xmr_rebase_leaves_one_point", lambda: xmr(pd.Series(NOISY, MONTHS), rebase_at=[13]),
     "values", MONTHS[13]),
    ("xmr_inf_target", lambda: xmr(NOISY, target=INF), "target", None),
    ("xmr_text_target", lambda: xmr(NOISY, target="95%"), "target", None),
    ("xmr_icons_inf_target", lambda: xmr_icons(xmr(NOISY), target=-INF), "target", None),
    ("xmr_icons_empty_result", lambda: xmr_icons(xmr(NOISY).iloc[:0]), "result", None),
    ("assurance_icon_missing_limit", lambda: assurance_icon(NAN, 5.0, 4.0, "increase"), "lpl",
     None),
    ("run_chart_inf", lambda: run_chart(with_(NOISY, 3, INF)), "values", 4),
    ("run_chart_text", lambda: run_chart(pd.Series(with_(NOISY, 5, "n/a"), MONTHS)), "values",
     MONTHS[5]),
    ("run_chart_all_missing", lambda: run_chart([NAN] * 5), "values", None),
    ("run_chart_inf_median", lambda: run_chart(NOISY, median=INF), "median", None),
    # interrupted time series
    ("its_inf", lambda: its(with_(NOISY, 9, INF)), "values", 10),
    ("its_text", lambda: its(pd.Series(with_(NOISY, 1, "x"), MONTHS)), "values", MONTHS[1]),
    ("its_all_missing", lambda: its([NAN] * 14), "values", None),
    ("its_missing_value", lambda: its(with_(NOISY, 8, NAN)), "values", 9),
    ("its_inf_offset", lambda: its(COUNTS_BEFORE_AFTER, family="poisson",
                                   offset=with_([1e4] * 14, 3, INF)), "offset", 4),
    ("its_text_offset", lambda: its(COUNTS_BEFORE_AFTER, family="poisson",
                                    offset=with_([1e4] * 14, 0, "pop")), "offset", 1),
    ("its_offset_too_short", lambda: its(COUNTS_BEFORE_AFTER, family="poisson",
                                         offset=[1e4] * 13), "offset", None),
    ("its_offset_with_a_gaussian_model", lambda: its(NOISY, offset=[1e4] * 14), "offset", None),
    ("its_poisson_all_zero", lambda: its([0] * 14, family="poisson"), "values", None),
    ("its_poisson_none_before", lambda: its([0] * 7 + [3] * 7, family="poisson"), "values", 1),
    ("its_poisson_negative", lambda: its(with_(COUNTS_BEFORE_AFTER, 2, -1), family="poisson"),
     "values", 3),
    ("its_quasipoisson_constant", lambda: its([5] * 14, family="quasipoisson"), "values", None),
    ("its_gaussian_constant", lambda: its([5.0] * 14), "values", None),
    ("its_inf_period_position", lambda: its(NOISY, seasonality_harmonics=1,
                                            period_position=with_(list(range(14)), 6, INF)),
     "period_position", 7),
    # inequality, quantiles, comparison
    ("sii_inf_value", lambda: slope_index_of_inequality(with_(SII[0], 4, INF), SII[1]),
     "values", 5),
    ("sii_text_population", lambda: slope_index_of_inequality(SII[0], with_(SII[1], 0, "n")),
     "populations", 1),
    ("sii_minus_inf_se", lambda: slope_index_of_inequality(*SII, se=with_([1.0] * 5, 2, -INF)),
     "se", 3),
    ("sii_inf_upper_limit", lambda: slope_index_of_inequality(
        *SII, lower_ci=[60.0] * 5, upper_ci=with_([90.0] * 5, 1, INF)), "upper_ci", 2),
    ("sii_all_missing", lambda: slope_index_of_inequality([NAN] * 5, SII[1]), "values", 1),
    ("sii_by_group_inf_value", lambda: inequality_by_group(
        long_frame(value=(103, INF)), value="value", population="population", by="area",
        quantile="quintile"), "value", 103),
    ("sii_by_group_text_population", lambda: inequality_by_group(
        long_frame(population=(107, "many")), value="value", population="population",
        by="area", quantile="quintile"), "population", 107),
    ("quantiles_inf", lambda: assign_quantiles(with_([1.0, 2, 3, 4, 5], 0, -INF), n_quantiles=5),
     "values", 1),
    ("quantiles_text", lambda: assign_quantiles(pd.Series([1.0, "b", 3], ["x", "y", "z"]),
                                                n_quantiles=2), "values", "y"),
    ("benchmark_inf", lambda: benchmark_comparison([90.0, 80], [110.0, 95], [100.0, INF]),
     "benchmark", 2),
    ("benchmark_text", lambda: benchmark_comparison("low", 110.0, 100.0), "lower_ci", None),
    ("benchmark_limits_swapped", lambda: benchmark_comparison([90.0, 120], [110.0, 95], 100.0),
     "lower_ci", 2),
]


@pytest.mark.parametrize(("call", "field", "row"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_bad_input_is_a_data_error_naming_the_argument_and_row_without_any_warning(
        call, field, row):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as caught:
            call()
    error = caught.value
    assert error.field == field
    assert field in str(error)
    assert error.row == row
    if row is not None:
        assert f"row: {row}" in str(error)


def test_the_offending_text_is_shown_cut_to_40_characters():
    with pytest.raises(DataError) as caught:
        mean_interval(["1", "2", "y" * 100])
    assert caught.value.message.endswith("(got 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…)")
    assert "at row 3" in caught.value.message


def test_an_infinite_value_is_named_with_its_sign_and_row():
    with pytest.raises(DataError, match=r"count is infinite at row 2 \(got -inf\)"):
        crude_rate([1, -INF], [10, 10])


def test_numbers_written_as_text_are_read_as_numbers():
    pd.testing.assert_frame_equal(proportion(["20", 30], ["100", "100"]),
                                  proportion([20, 30], [100, 100]))


# --- degenerate but computable input: documented results ---------------------------------------

def constant_xmr(result: pd.DataFrame) -> None:
    assert (result[["lpl", "upl", "nlpl", "nupl"]].to_numpy() == 4.0).all()
    assert (result["mr_bar"] == 0).all()
    assert set(result["special_cause"]) == {"none"}
    assert set(result["point_type"]) == {"common_cause"}


def constant_run_chart(result: pd.DataFrame) -> None:
    assert (result["side"] == 0).all() and (result["run"] == 0).all()
    assert result.attrs["n_useful"] == 0 and result.attrs["signal"] is False


def poisson_constant(fit: Any) -> None:
    assert fit.level_change["rate_ratio"] == pytest.approx(1.0, abs=1e-8)
    assert fit.slope_change["rate_ratio"] == pytest.approx(1.0, abs=1e-8)
    assert 0 < fit.level_change["std_error"] < 1


def quasi_with_offset(fit: Any) -> None:
    assert fit.dispersion > 0 and np.isfinite(fit.coefficients.to_numpy()).all()


def flat_funnel(result: Any) -> None:
    assert result.target == 0
    assert (result.points[["lower_998", "upper_998"]].to_numpy() == 0).all()
    assert set(result.points["significance"]) == {"Not significant"}


def all_zero_ratios(result: Any) -> None:
    assert result.target == 1.0
    assert result.points["significance"].tolist()[-1] == "Low (0.001)"


# (id, call, the one warning expected or None, check of the result)
DOCUMENTED: list[tuple[str, Callable[[], Any], type[Warning] | None, Callable[[Any], Any]]] = [
    ("xmr_constant_series_has_zero_width_limits", lambda: xmr([4.0] * 12), None, constant_xmr),
    ("xmr_short_constant_series_warns_only_of_its_short_baseline",
     lambda: xmr([4.0] * 5), ShortBaselineWarning, constant_xmr),
    ("xmr_constant_series_meets_a_lower_target",
     lambda: xmr_icons(xmr([4.0] * 12, target=3)), None,
     lambda icons: icons == {"variation": "common_cause", "assurance": "consistent_pass"}),
    ("xmr_missing_target_is_no_target", lambda: xmr(NOISY, target=NAN), None,
     lambda result: result["target"].isna().all() and xmr_icons(result)["assurance"] is None),
    ("run_chart_constant_series_cannot_signal", lambda: run_chart([4.0] * 12),
     TooFewUsefulPointsWarning, constant_run_chart),
    ("its_poisson_constant_counts_give_rate_ratios_of_one",
     lambda: its([5] * 14, family="poisson"), None, poisson_constant),
    ("its_quasipoisson_constant_counts_with_a_changing_population_are_fitted",
     lambda: its([5] * 14, family="quasipoisson", offset=np.linspace(1e4, 2e4, 14)), None,
     quasi_with_offset),
    ("proportion_funnel_with_no_successes_is_flat",
     lambda: proportion_funnel([0, 0, 0], [10, 20, 30]), FunnelWarning, flat_funnel),
    ("rate_funnel_with_no_events_is_flat", lambda: rate_funnel([0, 0, 0], [1e4, 2e4, 3e4]),
     FunnelWarning, flat_funnel),
    ("ratio_funnel_with_no_events_judges_each_against_its_expected_count",
     lambda: ratio_funnel([0, 0, 0], [0.5, 2.0, 20.0]), None, all_zero_ratios),
    ("od_funnel_on_target_everywhere_uses_unadjusted_limits",
     lambda: overdispersed_funnel([5, 5, 5, 5], [5.0, 5, 5, 5], data_type="SR"),
     UnadjustedLimitsWarning, lambda result: result.phi == 0 and not result.adjusted),
    ("proportion_of_all_missing_rows_is_missing",
     lambda: proportion([NAN, NAN], [NAN, 10]), None,
     lambda frame: frame[["value", "lower_ci", "upper_ci"]].isna().all().all()),
    ("wilson_of_nothing_is_nothing", lambda: wilson_interval([], []), None,
     lambda limits: all(len(limit) == 0 for limit in limits)),
    ("crude_rate_of_no_events_has_exact_limits", lambda: crude_rate([0, 0], [1e5, 1e5]), None,
     lambda frame: (frame["value"] == 0).all() and (frame["method"] == "Exact").all()
     and (frame["upper_ci"] > 0).all()),
    ("funnel_limits_of_missing_denominators_are_missing",
     lambda: funnel_limits([NAN, NAN], target=50, statistic="proportion", multiplier=100),
     None, lambda frame: frame.drop(columns="denominator").isna().all().all()),
    ("dsr_of_all_zero_counts_is_not_calculated",
     lambda: directly_standardised_rate([0, 0, 0], [100, 200, 300], standard=[1, 1, 1]), None,
     lambda frame: frame["reason"].iloc[0] == "not calculated: fewer than 10 events"),
    ("dsrs_of_an_empty_table_is_an_empty_table",
     lambda: directly_standardised_rates(dsr_frame().iloc[:0], by="area",
                                         standard=pd.Series([1.0] * 3, BANDS)), None,
     lambda frame: frame.empty),
    ("isr_of_no_events_is_zero_with_exact_limits",
     lambda: indirectly_standardised_ratio([0, 0, 0], *ISR[1:]), None,
     lambda frame: frame["value"].iloc[0] == 0 and frame["method"].iloc[0] == "Exact"),
    ("mean_of_equal_values_has_a_zero_width_interval", lambda: mean_interval([3.0] * 4), None,
     lambda frame: (frame[["value", "lower_ci", "upper_ci"]].to_numpy() == 3.0).all()),
    ("sii_of_equal_values_has_no_gradient",
     lambda: slope_index_of_inequality([75.0] * 5, SII[1]), None,
     lambda frame: abs(frame["sii"].iloc[0]) < 1e-9 and frame["rii"].iloc[0] == pytest.approx(1)),
    ("sii_of_all_zero_values_has_no_rii",
     lambda: slope_index_of_inequality([0.0] * 5, SII[1]), None,
     lambda frame: frame["sii"].iloc[0] == 0 and np.isnan(frame["rii"].iloc[0])),
    ("quantiles_of_all_missing_values_are_missing_with_a_warning",
     lambda: assign_quantiles([NAN] * 6, n_quantiles=5), TooFewAreasWarning,
     lambda got: np.isnan(got).all()),
    ("quantiles_of_equal_values_are_all_the_first",
     lambda: assign_quantiles([2.0] * 10, n_quantiles=5), None, lambda got: (got == 1).all()),
    ("quantiles_of_nothing_are_nothing", lambda: assign_quantiles([], n_quantiles=5), None,
     lambda got: len(got) == 0),
    ("benchmark_of_missing_limits_is_not_compared",
     lambda: benchmark_comparison([NAN, NAN], [NAN, NAN], 100.0), None,
     lambda got: got.tolist() == ["not compared"] * 2),
]


@pytest.mark.parametrize(("call", "warning", "check"), [case[1:] for case in DOCUMENTED],
                         ids=[case[0] for case in DOCUMENTED])
def test_degenerate_input_gives_the_documented_result_and_only_the_documented_warning(
        call, warning, check):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    assert [w.category for w in caught] == ([warning] if warning else [])
    assert check(result) is not False
