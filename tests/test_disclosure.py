"""Statistical disclosure control: the NHS Digital secondary-care rule, as data.

Reference: NHS Digital, "Change to disclosure control methodology for HES and ECDS from
September 2018" (as summarised in the shared reference README, section 6): national counts are
not controlled; below national level 0 stays 0, 1-7 become ``*``, other counts are rounded to
the nearest 5; percentages come from the rounded numerator and denominator; means and medians
with 1-7 contributors become ``*``. The 2013-14 Mental Health Bulletin (MHMDS) rule: numbers
below five, including zero, become ``*``; others are rounded to the nearest 5. Exact equality:
these are rules, not estimates.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lhs_reports.disclosure import (
    MHMDS_2014,
    NHS_DIGITAL_SDC,
    DisclosureRule,
    apply_disclosure,
    disclose_table,
    round_to_base,
    safe_mean,
    safe_percentage,
    suppress_counts,
)
from lhs_reports.errors import DataError

NATIONAL = dataclasses.replace(NHS_DIGITAL_SDC, national=True)


# --- counts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("count", "display"), [
    (0, "0"), (1, "*"), (2, "*"), (5, "*"), (7, "*"), (8, "10"), (12, "10"), (13, "15"),
    (17, "15"), (18, "20"), (1234, "1,235"), (1_234_567, "1,234,565"),
])
def test_nhs_digital_rule_keeps_zero_suppresses_1_to_7_and_rounds_the_rest_to_5(count, display):
    row = suppress_counts(pd.Series([count])).iloc[0]
    assert row["display"] == display
    assert row["suppressed"] == (display == "*")
    assert np.isnan(row["value"]) if display == "*" else row["value"] == float(
        display.replace(",", ""))


def test_ties_round_half_away_from_zero_not_to_even():
    assert list(round_to_base([12.5, 17.5, 22.5, -12.5, 2.5])) == [15, 20, 25, -15, 5]
    result = suppress_counts(pd.Series([12.5, 17.5]), allow_fractional=True)
    assert list(result["value"]) == [15.0, 20.0]
    assert list(result["display"]) == ["15", "20"]


def test_fractional_totals_that_could_be_small_counts_are_suppressed():
    result = suppress_counts(pd.Series([0.4, 7.6, 8.0, 0.0]), allow_fractional=True)
    assert list(result["suppressed"]) == [True, True, False, False]
    assert list(result["display"]) == ["*", "*", "10", "0"]


def test_national_figures_are_unchanged():
    result = suppress_counts(pd.Series([0, 3, 12, 1234]), rule=NATIONAL)
    assert list(result["value"]) == [0, 3, 12, 1234]
    assert list(result["display"]) == ["0", "3", "12", "1,234"]
    assert not result["suppressed"].any()


@pytest.mark.parametrize(("count", "display"), [
    (0, "*"), (1, "*"), (4, "*"), (5, "5"), (7, "5"), (8, "10"), (1234, "1,235")])
def test_the_2014_mental_health_bulletin_rule_suppresses_below_5_including_zero(count, display):
    assert suppress_counts(pd.Series([count]), rule=MHMDS_2014)["display"].iloc[0] == display


def test_missing_counts_stay_missing_with_an_empty_display_and_no_flag():
    result = suppress_counts(pd.Series([np.nan, 3, 12], index=["a", "b", "c"]))
    assert np.isnan(result.loc["a", "value"]) and result.loc["a", "display"] == ""
    assert not result.loc["a", "suppressed"]
    nullable = suppress_counts(pd.Series([pd.NA, 13], dtype="Int64"))
    assert list(nullable["display"]) == ["", "15"]


@pytest.mark.parametrize(("bad", "problem"), [(-1, "negative"), (2.5, "not a whole number"),
                                              (np.inf, "infinite")])
def test_negative_fractional_or_infinite_counts_are_a_data_error_naming_column_and_row(bad,
                                                                                      problem):
    counts = pd.Series([10, 12, bad], index=["x", "y", "z"], name="admissions")
    with pytest.raises(DataError, match=problem) as raised:
        suppress_counts(counts)
    assert raised.value.field == "admissions" and raised.value.row == "z"
    assert raised.value.hint


def test_an_array_gives_1_based_row_positions_in_errors_and_text_is_an_error():
    with pytest.raises(DataError) as raised:
        suppress_counts(np.array([3, -2]))
    assert raised.value.row == 2 and raised.value.field == "values"
    with pytest.raises(DataError, match="numeric"):
        suppress_counts(pd.Series(["three"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 2_000_000), st.just(np.nan)), max_size=40),
       st.sampled_from([NHS_DIGITAL_SDC, MHMDS_2014]))
def test_no_displayed_number_is_a_small_count_and_every_number_is_within_half_a_base(counts,
                                                                                    rule):
    index = pd.Index([f"row{i}" for i in range(len(counts))][::-1])
    series = pd.Series(counts, index=index, dtype=float)
    before = series.copy()
    result = suppress_counts(series, rule=rule)
    pd.testing.assert_series_equal(series, before)  # never mutates
    assert result.index.equals(series.index)
    low, high = rule.suppress_range
    for truth, display in zip(series, result["display"], strict=True):
        if np.isnan(truth):
            assert display == ""
        elif re.fullmatch(r"[\d,]+", display):
            shown = int(display.replace(",", ""))
            assert not low <= shown <= high
            assert not (rule.suppress_zero and truth == 0)
            assert abs(shown - truth) <= rule.round_base / 2
            assert shown % rule.round_base == 0
        else:
            assert display == rule.suppressed_symbol and (low <= truth <= high or truth == 0)


# --- percentages ------------------------------------------------------------------------------

def test_percentages_come_from_the_rounded_numerator_and_denominator():
    row = safe_percentage(pd.Series([13]), pd.Series([27])).iloc[0]  # 15 / 25, not 48.1%
    assert row["value"] == 60.0 and row["display"] == "60.0" and not row["suppressed"]
    assert safe_percentage([13], [27], decimals=0)["display"].iloc[0] == "60"
    assert safe_percentage([13], [27], rule=NATIONAL)["display"].iloc[0] == "48.1"


@pytest.mark.parametrize(("numerator", "denominator"), [(3, 100), (0, 6), (7, 7)])
def test_a_percentage_is_suppressed_when_either_part_is(numerator, denominator):
    row = safe_percentage([numerator], [denominator]).iloc[0]
    assert row["display"] == "*" and row["suppressed"] and np.isnan(row["value"])


def test_a_percentage_with_a_missing_part_or_no_denominator_is_blank():
    result = safe_percentage(pd.Series([np.nan, 0, 10], index=[5, 6, 7]),
                             pd.Series([20, 0, np.nan], index=[5, 6, 7]))
    assert list(result["display"]) == ["", "", ""]
    assert list(result.index) == [5, 6, 7] and not result["suppressed"].any()


def test_a_numerator_above_its_denominator_is_a_data_error():
    with pytest.raises(DataError, match="exceeds") as raised:
        safe_percentage(pd.Series([10, 30], index=["a", "b"]), pd.Series([20, 25]))
    assert raised.value.row == "b"


# --- means ------------------------------------------------------------------------------------

def test_means_of_fewer_than_8_contributors_are_suppressed():
    values = list(range(1, 9)) + [10, 20, 30, 40, 50, 60, 70] + [np.nan]
    groups = ["eight"] * 8 + ["seven"] * 7 + ["none"]
    result = safe_mean(values, by=groups)
    assert result.loc["eight", "display"] == "4.5" and result.loc["eight", "contributors"] == 8
    assert result.loc["seven", "display"] == "*" and result.loc["seven", "suppressed"]
    assert result.loc["none", "display"] == "" and result.loc["none", "contributors"] == 0
    median = safe_mean([1, 2, 3, 4, 5, 6, 7, 100], statistic="median").iloc[0]
    assert median["value"] == 4.5
    national = safe_mean([1, 2, 3], rule=NATIONAL).iloc[0]
    assert national["display"] == "2.0" and not national["suppressed"]
    with pytest.raises(DataError):
        safe_mean([1, 2], statistic="mode")  # type: ignore[arg-type]


# --- tables -----------------------------------------------------------------------------------

def _table() -> pd.DataFrame:
    return pd.DataFrame({"ward": ["A", "B", "C"], "falls": [3, 13, 0],
                         "patients": [40, 27, 1234], "rate": [7.5, 48.1, 0.0]},
                        index=pd.Index([10, 10, 30], name="id"))  # duplicate labels on purpose


def test_a_table_gets_display_strings_flags_and_percentages_and_keeps_everything_else():
    table = _table()
    before = table.copy()
    out = disclose_table(table, count_columns=["falls", "patients"],
                         percentage_columns={"falls (%)": ("falls", "patients")})
    pd.testing.assert_frame_equal(table, before)  # never mutates
    assert out.index.equals(table.index)
    assert list(out.columns) == ["ward", "falls", "patients", "rate", "falls (%)",
                                 "falls_suppressed", "patients_suppressed"]
    assert list(out["falls"]) == ["*", "15", "0"]
    assert list(out["patients"]) == ["40", "25", "1,235"]
    assert list(out["falls (%)"]) == ["*", "60.0", "0.0"]
    assert list(out["falls_suppressed"]) == [True, False, False]
    pd.testing.assert_series_equal(out["rate"], table["rate"])
    pd.testing.assert_series_equal(out["ward"], table["ward"])


def test_a_table_with_a_missing_column_or_a_clashing_name_is_a_data_error():
    with pytest.raises(DataError) as raised:
        disclose_table(_table(), count_columns=["deaths"])
    assert raised.value.field == "deaths"
    with pytest.raises(DataError, match="both"):
        disclose_table(_table(), count_columns=["falls"],
                       percentage_columns={"falls": ("falls", "patients")})


def test_a_bad_count_in_a_table_names_its_column_and_row_label():
    table = pd.DataFrame({"falls": [3, -1]}, index=["ward A", "ward B"])
    with pytest.raises(DataError) as raised:
        disclose_table(table, count_columns=["falls"])
    assert raised.value.field == "falls" and raised.value.row == "ward B"


def test_rules_validate_their_fields_and_are_immutable():
    with pytest.raises(DataError) as raised:
        DisclosureRule(suppress_range=(7, 1))
    assert raised.value.field == "suppress_range"
    with pytest.raises(DataError):
        DisclosureRule(round_base=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        NHS_DIGITAL_SDC.round_base = 10  # type: ignore[misc]
    assert NHS_DIGITAL_SDC.suppress_range == (1, 7) and NHS_DIGITAL_SDC.round_base == 5
    assert NHS_DIGITAL_SDC.min_contributors == 8 and not NHS_DIGITAL_SDC.national


# --- the existing callers ---------------------------------------------------------------------

def _provisional_apply_disclosure(frame: pd.DataFrame, count_columns: list[str]) -> pd.DataFrame:
    """The 20-line function this module replaced, kept here as the compatibility reference."""
    out = frame.copy()
    for column in count_columns:
        values = frame[column].astype(float)
        suppressed = values.between(1, 7)
        rounded = np.floor(values / 5 + 0.5) * 5
        out[column] = [("*" if s else f"{r:,.0f}")
                       for s, r in zip(suppressed, rounded, strict=True)]
        out[f"{column}_suppressed"] = suppressed
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 500)), min_size=1,
                max_size=20))
def test_apply_disclosure_behaves_as_the_provisional_version_on_whole_counts(rows):
    frame = pd.DataFrame(rows, columns=["events", "beds"]).assign(name="x")
    got = apply_disclosure(frame, count_columns=["events", "beds"])
    want = _provisional_apply_disclosure(frame, ["events", "beds"])
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_the_notebook_table_helper_still_suppresses_integer_columns_by_default():
    from lhs_reports.notebook import table_html

    frame = pd.DataFrame({"Measure": ["Falls", "Deaths"], "Events in the year": [3, 1234],
                          "Rate per 100,000": [1.5, 617.0]})
    html = table_html(frame, caption="Activity")
    assert "<td>*</td>" in html and "<td>1,235</td>" in html and "<td>617.0</td>" in html
    assert "_suppressed" not in html


def test_a_lone_suppressed_cell_beside_a_total_gets_a_second_one():
    from lhs_reports.disclosure import disclose_table

    table = pd.DataFrame({"ward": ["Oak", "Ash", "Elm", "Total"], "falls": [3, 40, 12, 55],
                          "patients": [30, 60, 45, 135]})
    shown = disclose_table(table, count_columns=["falls", "patients"], total_row=3,
                           percentage_columns={"falls (%)": ("falls", "patients")})
    assert shown["falls"].tolist() == ["*", "40", "*", "55"]
    assert shown["falls (%)"].tolist()[:3] == ["*", "66.7", "*"]
    assert shown["falls_suppressed"].tolist() == [True, False, True, False]


def test_secondary_suppression_repeats_until_no_line_has_a_lone_suppressed_cell():
    from lhs_reports.disclosure_secondary import secondary_suppression

    counts = pd.DataFrame({"a": [3, 20, 23], "b": [9, 30, 39], "total": [12, 50, 62]},
                          index=["x", "y", "Total"])
    primary = counts < 8
    final = secondary_suppression(counts, primary, total_row="Total", total_column="total")
    # Row x: a is suppressed, so b (9) is too; column a: y (20) too; then row y: b (30) too.
    assert final.loc[["x", "y"], ["a", "b"]].to_numpy().all()
    assert not final["total"].any() and not final.loc["Total"].any()
    for line in (final.loc[["x", "y"], "a"], final.loc[["x", "y"], "b"],
                 final.loc["x", ["a", "b"]], final.loc["y", ["a", "b"]]):
        assert line.sum() != 1


def test_a_zero_is_never_the_second_cell():
    from lhs_reports.disclosure_secondary import secondary_suppression

    counts = pd.DataFrame({"n": [3, 0, 20, 23]}, index=["a", "b", "c", "Total"])
    primary = (counts > 0) & (counts < 8)  # the NHS Digital rule shows 0 as 0
    final = secondary_suppression(counts, primary, total_row="Total")
    assert final["n"].tolist() == [True, False, True, False]
