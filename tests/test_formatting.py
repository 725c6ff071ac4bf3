"""The one number formatter: every number on the site reads alike.

Properties (hypothesis) rather than examples only: whatever the number, the text reads back to
it within half a unit of its last decimal, has a separator every three digits, and keeps its
sign; a missing number is "–", never "nan".
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.errors import ParameterError
from lhs_reports.reports.formatting import (
    DECIMALS,
    MISSING,
    count_text,
    interval_text,
    measure_text,
    month_text,
    number_text,
    percent_text,
    period_text,
    rate_text,
    signed_text,
)

#: Digits grouped in threes: "1,234,567.8", "-12.0", "0".
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?")
reasonable = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


def read_back(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


@given(reasonable, st.integers(min_value=0, max_value=4))
def test_a_number_reads_back_within_half_its_last_decimal(value, digits):
    text = number_text(value, digits)
    assert GROUPED.fullmatch(text), text
    # Half a unit of the last decimal, and the float's own error at this size.
    assert abs(read_back(text) - value) <= 0.5 * 10 ** -digits + abs(value) * 1e-15


@given(reasonable, st.integers(min_value=0, max_value=3))
def test_the_digits_before_the_point_are_grouped_in_threes_and_decimals_are_fixed(value, digits):
    text = number_text(value, digits)
    whole, _, decimals = text.lstrip("-").partition(".")
    assert len(decimals) == digits
    groups = whole.split(",")
    assert 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


@given(st.floats(min_value=0.05, max_value=1e9, allow_nan=False))
def test_a_negative_number_is_its_positive_with_a_minus_sign(value):
    assert number_text(-value) == "-" + number_text(value)


def test_rounding_to_zero_is_never_a_negative_nothing():
    assert number_text(-0.04) == "0.0" and count_text(-0.4) == "0"
    assert signed_text(-0.04) == "0.0" and signed_text(0.04) == "0.0"


@pytest.mark.parametrize("missing", [float("nan"), None, math.inf, -math.inf, pd.NA])
def test_a_missing_number_is_a_dash_never_nan(missing):
    assert number_text(missing) == MISSING == "–"
    assert count_text(missing) == percent_text(missing) == rate_text(missing, "days") == MISSING
    assert interval_text(missing, 1.0) == interval_text(1.0, missing) == MISSING


def test_each_kind_of_measure_has_its_fixed_decimals():
    assert DECIMALS == {"count": 0, "rate": 1, "percentage": 1, "ratio": 2, "index": 1}
    assert count_text(25265) == "25,265"
    assert rate_text(4079.64) == "4,079.6"
    assert percent_text(80) == "80.0%"
    assert measure_text(1.9, "ratio") == "1.90"
    with pytest.raises(ValueError, match="measure must be one of"):
        measure_text(1.0, "per cent")  # type: ignore[arg-type]


def test_a_rate_and_its_interval_read_alike():
    """The issue's example: "4079.6" beside "4,025.9 to 4,133.9"."""
    assert f"{rate_text(4079.6)} ({interval_text(4025.94, 4133.91)})" == (
        "4,079.6 (4,025.9 to 4,133.9)")
    assert interval_text(-147.8, 12.0) == "-147.8 to 12.0"
    assert interval_text(71.25, 80.0, percent=True) == "71.2% to 80.0%"


@given(reasonable)
def test_a_signed_difference_always_says_its_direction(value):
    text = signed_text(value)
    if read_back(text) > 0:
        assert text.startswith("+")
    elif read_back(text) < 0:
        assert text.startswith("-")
    else:
        assert text == "0.0"


@given(st.integers(min_value=1900, max_value=2200), st.integers(min_value=1, max_value=12))
def test_a_month_reads_as_its_name_and_year(year, month):
    text = month_text(f"{year:04d}-{month:02d}")
    assert text == pd.Timestamp(year=year, month=month, day=1).strftime("%B %Y")
    assert month_text(pd.Timestamp(year=year, month=month, day=15)) == text
    assert month_text(pd.Period(f"{year}-{month:02d}", freq="M")) == text


@pytest.mark.parametrize("bad", ["March", "2025-13", "25-03", "", "2025/03", None])
def test_what_is_not_a_month_is_a_parameter_error(bad):
    with pytest.raises(ParameterError) as raised:
        month_text(bad)
    assert raised.value.field == "month" and "YYYY-MM" in str(raised.value.hint)


def test_a_period_names_its_first_and_last_months():
    assert period_text("2025-03") == "April 2024 to March 2025"
    assert period_text("2025-03", 3) == "January 2025 to March 2025"
    assert period_text("2025-03", 1) == "March 2025"
