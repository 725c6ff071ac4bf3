"""XmR / Making Data Count: reference values from NHSRplotthedots 0.2.2 and edge cases.

Sources (reference README section 1.7): nhs-r-community/NHSRplotthedots@050b07d7
``tests/testthat/test-ptd_calculate_point_type.R``, ``test-ptd_spc_standard.R``,
``_snaps/ptd_spc_standard.md``, ``test-ptd_calculate_assurance_type.R``, vignette
``deviations.Rmd``; nhs-pycom/nhspy-plotthedots ``tests/unittests/test_limits_calculations.py``.
Tolerance 1e-9 relative for limits (closed forms); flags and icons exact.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats.spc import (
    LIMIT_CONSTANT,
    MDC_EXCEL,
    ShortBaselineWarning,
    assurance_icon,
    xmr,
    xmr_icons,
)
from lhs_reports.stats.spc_rules import (
    part_of_window,
    shift_window_ends,
    trend_window_ends,
    two_in_three_windows,
)

REL = 1e-9


def quiet_xmr(values, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortBaselineWarning)
        return xmr(values, **kwargs)


# --- helper-function vectors (test-ptd_calculate_point_type.R) ------------------------------

@pytest.mark.parametrize(("rtm", "expected"), [
    ([1] * 6, [0] * 6),
    ([1] * 6 + [-1], [0] * 7),
    ([1] * 8 + [-1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
    ([-1] * 8 + [1], [0, 0, 0, 0, 0, 0, -1, -1, 0]),
])
def test_shift_window_ends_match_the_anchor(rtm, expected):
    assert shift_window_ends(np.array(rtm, float), 7).tolist() == expected


@pytest.mark.parametrize(("ends", "expected"), [
    ([0] * 6 + [1, 0], [1] * 7 + [0]),
    ([0] * 7 + [-1, 0], [0] + [1] * 7 + [0]),
])
def test_part_of_window_matches_the_anchor(ends, expected):
    assert part_of_window(np.array(ends), 7).tolist() == expected


@pytest.mark.parametrize(("values", "expected"), [
    (list(range(1, 7)), [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7),
    (list(range(1, 8)), [0, 0, 0, 0, 0, 0, 1]),
    ([2, *range(1, 8), 3], [0, 0, 0, 0, 0, 0, 0, 1, 0]),
    (list(range(7, 0, -1)), [0, 0, 0, 0, 0, 0, -1]),
    ([2, *range(7, 0, -1), 3], [0, 0, 0, 0, 0, 0, 0, -1, 0]),
])
def test_trend_window_ends_match_the_anchor(values, expected):
    assert trend_window_ends(np.array(values, float), 7).tolist() == expected


@pytest.mark.parametrize(("close", "rtm", "expected"), [
    ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
    ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1, -1] * 3 + [1], [0] * 7),
])
def test_two_in_three_windows_match_the_anchor(close, rtm, expected):
    assert two_in_three_windows(np.array(close), np.array(rtm, float)).tolist() == expected


# --- limits -------------------------------------------------------------------------------

RNORM_20 = [  # set.seed(123); rnorm(20), full digits from the reference README
    -0.560475646552213, -0.230177489483280, 1.558708314149124, 0.070508391424576,
    0.129287735160946, 1.715064986883281, 0.460916205989202, -1.265061234606534,
    -0.686852851893526, -0.445661970099958, 1.224081797439462, 0.359813827057364,
    0.400771450594052, 0.110682715945120, -0.555841134754075, 1.786913136803078,
    0.497850478229239, -1.966617156629638, 0.701355901563686, -0.472791407727934,
]


@pytest.mark.parametrize(("y15", "screen", "mean", "lpl", "upl"), [
    (None, True, 0.141623802474599, -3.0113795957081, 3.2946272006573),
    (10, True, 0.669415859212302, -2.38366559727413, 3.72249731569874),
    (10, False, 0.669415859212302, -4.59662518246976, 5.93545690089436),
])
def test_limits_match_the_anchor_snapshots(y15, screen, mean, lpl, upl):
    y = list(RNORM_20)
    if y15 is not None:
        y[14] = y15
    result = xmr(y, screen_outliers=screen)
    assert result["mean"].iloc[0] == pytest.approx(mean, rel=REL)
    assert result["lpl"].iloc[0] == pytest.approx(lpl, rel=REL)
    assert result["upl"].iloc[0] == pytest.approx(upl, rel=REL)
    if y15 is None:
        assert (result["point_type"] == "common_cause").all()


@pytest.mark.parametrize(("screen", "lpl", "upl"), [
    (True, -0.715555555556, 4.604444444444),
    (False, -3.062614379085, 6.951503267974),
])
def test_deviations_vignette_screened_and_excel_limits(screen, lpl, upl):
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    result = xmr(y, screen_outliers=screen)
    assert result["mean"].iloc[0] == pytest.approx(1.944444444444, abs=1e-11)
    assert result["lpl"].iloc[0] == pytest.approx(lpl, abs=1e-11)
    assert result["upl"].iloc[0] == pytest.approx(upl, abs=1e-11)
    assert result["special_cause"].iloc[4] == "outside_limits_high"


@pytest.mark.parametrize(("y", "expected"), [
    (list(range(1, 11)), (5.5, 2.84, 8.16, 3.7266666666666666, 7.273333333333333)),
    (list(range(10, 0, -1)), (5.5, 2.84, 8.16, 3.7266666666666666, 7.273333333333333)),
    ([1, 2, 3, 4, 5, 4, 3, 2, 1, 2],
     (2.7, 0.040000000000000036, 5.36, 0.9266666666666667, 4.473333333333334)),
])
def test_limits_match_the_python_port_unit_tests(y, expected):
    row = quiet_xmr(y).iloc[0]
    got = (row["mean"], row["lpl"], row["upl"], row["nlpl"], row["nupl"])
    assert got == pytest.approx(expected, rel=REL)


def test_points_on_opposite_sides_beyond_two_sigma_are_common_cause():
    y = np.array([1.0, -1.0] * 8)
    y[14], y[15] = 5.5, -5.5
    result = xmr(y)
    assert result["mean"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert result["lpl"].iloc[0] == pytest.approx(-6.175, rel=REL)
    assert result["upl"].iloc[0] == pytest.approx(6.175, rel=REL)
    assert result["mr_bar"].iloc[0] == pytest.approx(2.3214285714, rel=1e-9)
    assert result["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]


def test_missing_value_inside_a_series():
    y = [5, 7, np.nan, 6, 8, 5, 7, 6, 9, 4, 6, 7, 5, 8]
    result = xmr(y)
    assert result["mean"].iloc[0] == pytest.approx(6.384615384615, abs=1e-11)
    assert result["lpl"].iloc[0] == pytest.approx(0.097342657343, abs=1e-11)
    assert result["upl"].iloc[0] == pytest.approx(12.671888111888, abs=1e-11)
    assert result["point_type"].iloc[2] == "common_cause"


def test_five_points_give_limits_and_a_short_baseline_warning():
    with pytest.warns(ShortBaselineWarning):
        result = xmr([3, 5, 4, 6, 5])
    assert (result["mean"].iloc[0], result["lpl"].iloc[0], result["upl"].iloc[0]) == \
        pytest.approx((4.6, 0.61, 8.59), rel=REL)


def test_twelve_points_is_not_short_eleven_is():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ShortBaselineWarning)
        xmr(list(range(12)))
    with pytest.warns(ShortBaselineWarning):
        xmr(list(range(11)))


def test_all_equal_values_give_limits_at_the_mean_not_nan():
    # Deviation from NHSRplotthedots (NaN limits when screening): documented in spc.py.
    result = quiet_xmr([4] * 10)
    assert result[["lpl", "upl", "mean"]].iloc[0].tolist() == [4.0, 4.0, 4.0]
    assert (result["special_cause"] == "none").all()


def test_the_constant_is_2_66_not_3_over_d2():
    assert LIMIT_CONSTANT == 2.66


# --- rules in context -----------------------------------------------------------------------

def baseline(n=20):
    """Alternating 12, 10 (mean 11, moving range 2), ending below the mean."""
    return [12, 10] * (n // 2)


def test_seven_points_above_the_mean_is_a_shift_and_six_is_not():
    six = quiet_xmr(baseline() + [11.5] * 6)
    seven = quiet_xmr(baseline() + [11.5] * 7)
    assert "shift_high" not in set(six["special_cause"])
    assert seven["special_cause"].iloc[-7:].tolist() == ["shift_high"] * 7
    assert (seven["point_type"].iloc[-7:] == "special_cause_improvement").all()


def test_a_point_on_the_mean_breaks_a_run():
    # 198 + 6 x 13 + 11.5 = 287.5 over 25 points: the mean is exactly 11.5.
    broken = quiet_xmr(baseline(18) + [13] * 3 + [11.5] + [13] * 3)
    assert broken["mean"].iloc[0] == 11.5
    assert set(broken["special_cause"]) == {"none"}
    unbroken = quiet_xmr(baseline(18) + [13] * 7)
    assert unbroken["special_cause"].iloc[-7:].tolist() == ["shift_high"] * 7


def test_a_tie_breaks_a_trend():
    rising = baseline() + [11, 11.2, 11.4, 11.6, 11.8, 12.0, 12.2]
    tied = baseline() + [11, 11.2, 11.4, 11.4, 11.8, 12.0, 12.2]
    assert "trend_increasing" in set(quiet_xmr(rising)["special_cause"])
    assert "trend_increasing" not in set(quiet_xmr(tied)["special_cause"])


def test_a_rebase_stops_a_run_and_recomputes_limits():
    y = baseline() + [20, 21, 20, 21, 20, 21, 20, 21, 20, 21, 20, 21]
    plain = quiet_xmr(y)
    rebased = quiet_xmr(y, rebase_at=[20])
    assert (plain["special_cause"].iloc[20:] != "none").all()
    assert set(rebased["special_cause"]) == {"none"}
    assert rebased["group"].tolist() == [1] * 20 + [2] * 12
    assert rebased["mean"].iloc[-1] == pytest.approx(20.5)


def test_rebase_accepts_index_labels():
    months = pd.date_range("2021-01-01", periods=32, freq="MS")
    y = pd.Series(baseline() + [20, 21] * 6, index=months)
    by_label = quiet_xmr(y, rebase_at=[months[20]])
    by_position = quiet_xmr(y, rebase_at=[20])
    pd.testing.assert_frame_equal(by_label, by_position)
    assert by_label.index.equals(months)


def test_two_in_three_needs_all_three_on_the_same_side():
    # mean 11.52, MR-bar 2.432: near limit 15.83, process limit 17.99
    flagged = quiet_xmr(baseline() + [16.5, 12, 16.5])
    assert flagged["special_cause"].iloc[-3:].tolist() == ["two_in_three_high", "none",
                                                           "two_in_three_high"]
    # 11.5 is exactly the mean of this series (264.5 / 23): on the mean fails the rule.
    on_mean = quiet_xmr(baseline() + [16.5, 11.5, 16.5])
    assert on_mean["mean"].iloc[0] == 11.5
    assert "two_in_three_high" not in set(on_mean["special_cause"])


def test_beyond_limits_points_count_towards_two_in_three_only_with_the_option():
    # mean 11.63, MR-bar 2.136: near limit 15.42, process limit 17.31; 19 is beyond it
    y = baseline() + [12, 16.5, 19]
    anchor = quiet_xmr(y)
    mdc = quiet_xmr(y, two_in_three_beyond_limits=True)
    assert anchor["special_cause"].iloc[-3:].tolist() == ["none", "none", "outside_limits_high"]
    assert mdc["special_cause"].iloc[-3:].tolist() == ["none", "two_in_three_high",
                                                       "outside_limits_high"]


def test_the_mdc_excel_preset_turns_off_screening_and_counts_beyond_limits():
    assert MDC_EXCEL == {"screen_outliers": False, "two_in_three_beyond_limits": True}
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    assert xmr(y, **MDC_EXCEL)["upl"].iloc[0] == pytest.approx(6.951503267974, abs=1e-11)


def test_a_decrease_is_improvement_when_lower_is_better():
    y = baseline() + [10.5] * 7
    result = quiet_xmr(y, improvement="decrease")
    assert (result["point_type"].iloc[-7:] == "special_cause_improvement").all()
    neutral = quiet_xmr(y, improvement="neutral")
    assert (neutral["point_type"].iloc[-7:] == "special_cause_neutral_low").all()


# --- icons ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("improvement", "expected"), [
    ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
    ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
    ("neutral", [None, None, None]),
])
def test_assurance_matches_the_anchor_unit_test(improvement, expected):
    got = [assurance_icon(lo, hi, 4, improvement) for lo, hi in [(1, 3), (5, 7), (1, 5)]]
    assert got == expected


def test_assurance_comparisons_are_strict():
    assert assurance_icon(1, 4, 4, "increase") == "inconsistent"


def test_variation_icon_comes_from_the_last_point_not_the_last_special_cause():
    y = baseline() + [30] + [11, 10, 12, 11]  # a spike, then back to common cause
    icons = xmr_icons(quiet_xmr(y, target=5))
    assert icons["variation"] == "common_cause"
    assert icons["assurance"] == "consistent_pass"


@pytest.mark.parametrize(("improvement", "icon"), [("increase", "improvement_high"),
                                                   ("decrease", "concern_high"),
                                                   ("neutral", "neutral_high")])
def test_variation_icon_names(improvement, icon):
    y = baseline() + [11.5] * 7
    assert xmr_icons(quiet_xmr(y, improvement=improvement))["variation"] == icon


# --- bad input ------------------------------------------------------------------------------

def test_duplicate_dates_are_an_error():
    y = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"]))
    with pytest.raises(DataError, match="duplicate"):
        xmr(y)


@pytest.mark.parametrize("kwargs", [{"improvement": "up"}, {"fix_after_n_points": 5},
                                    {"run_length": 3}, {"rebase_at": ["not a date"]}])
def test_bad_options_are_data_errors(kwargs):
    with pytest.raises(DataError):
        quiet_xmr(list(range(20)), **kwargs)


def test_fixed_baseline_limits_come_from_the_first_points_only():
    y = list(RNORM_20) + [5.0] * 10
    fixed = quiet_xmr(y, fix_after_n_points=20)
    assert fixed["mean"].iloc[0] == pytest.approx(0.141623802474599, rel=REL)
    assert (fixed["special_cause"].iloc[20:] == "outside_limits_high").all()


# --- properties -----------------------------------------------------------------------------

series = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=12, max_size=40)


@settings(max_examples=60, deadline=None)
@given(series, st.floats(-1e3, 1e3))
@example(values=[0.0] * 5 + [2.0, 1.0, 0.0, -6.843894707375608e-214, -0.5, -1.0, -2.0],
         shift=1.0)
def test_adding_a_constant_shifts_limits_and_keeps_flags(values, shift):
    shifted = [v + shift for v in values]
    a, b = quiet_xmr(values), quiet_xmr(shifted)
    assert (b["upl"] - a["upl"]).iloc[0] == pytest.approx(shift, abs=1e-6)
    # Rounding can move a point across a line it nearly touches, or make two neighbours that
    # differ by less than the shifted values' precision equal (0 and -7e-214, plus 1.0, are
    # both 1.0: no longer a decrease). Compare the flags where neither can happen: no point
    # within 1e-6 of the mean, a limit or a near-limit line, and every step keeps its direction.
    lines = [a[column] for column in ("mean", "upl", "lpl", "nupl", "nlpl")]
    margin = min((a["value"] - line).abs().min() for line in lines)
    steps_kept = np.array_equal(np.sign(np.diff(values)), np.sign(np.diff(shifted)))
    if margin > 1e-6 and a["mr_bar"].iloc[0] > 1e-6 and steps_kept:
        assert a["special_cause"].tolist() == b["special_cause"].tolist()


@settings(max_examples=60, deadline=None)
@given(series)
def test_limits_are_symmetric_and_ordered(values):
    r = quiet_xmr(values).iloc[0]
    assert r["upl"] - r["mean"] == pytest.approx(r["mean"] - r["lpl"], abs=1e-6)
    assert r["lpl"] <= r["nlpl"] <= r["mean"] <= r["nupl"] <= r["upl"]


@settings(max_examples=60, deadline=None)
@given(series)
def test_reversing_the_direction_swaps_improvement_and_concern(values):
    up = quiet_xmr(values, improvement="increase")["point_type"]
    down = quiet_xmr(values, improvement="decrease")["point_type"]
    swap = {"special_cause_improvement": "special_cause_concern",
            "special_cause_concern": "special_cause_improvement", "common_cause": "common_cause"}
    assert down.tolist() == [swap[p] for p in up]
