"""Wilson, Byar and exact Poisson intervals and crude rates against PHEindicatormethods 2.1.0.

Reference values: ukhsa-collaboration/PHEindicatormethods@093fd288 test workbooks
``testdata_Byars_Wilson.xlsx`` and ``testdata_Rate.xlsx`` (as transcribed in the shared reference
README, section 2.9). Tolerance 1e-9 relative: closed forms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats.rates import (
    byar_interval,
    crude_rate,
    exact_poisson_interval,
    wilson_interval,
)

REL = 1e-9

BYAR = [  # count, confidence, lower, upper
    (65, 0.95, 50.1631877104594537, 82.849138545939837),
    (1045, 0.95, 982.5932018073325480, 1110.331212985649927),
    (1, 0.95, 0.0130721329015044, 5.563755582475260),
    (65, 0.998, 42.8802614714802033, 94.000290844318016),
    (1045, 0.998, 947.9407035610373669, 1148.806160988033071),
    (10, 0.998, 2.9163183746956860, 24.193724927880535),
]
WILSON = [  # x, n, confidence, lower, upper
    (65, 100, 0.95, 0.5525444329688797, 0.736357517569025),
    (1045, 5000, 0.95, 0.1979554988001330, 0.220491303731890),
    (0.445, 1, 0.95, 0.0438174477205882, 0.933462127697916),
    (65, 100, 0.998, 0.4954946574070431, 0.778354061408970),
    (1045, 5000, 0.998, 0.1917938179901524, 0.227315629025258),
    (0.445, 1, 0.998, 0.0193470061329010, 0.970225994701954),
]
RATES_PER_100 = [  # x, n, 95% lower, 95% upper, 99.8% lower, 99.8% upper, method
    (1, 100, 0.0253178079842899, 5.57164339093890, 0.00100050033358353, 9.23341347645158,
     "Exact"),
    (5, 100, 1.62348639011842, 11.6683320793227, 0.739371731917839, 16.4547452036801, "Exact"),
    (20, 100, 12.2114288348759, 30.8898803691971, 8.92280236514419, 38.0850356250419, "Byar"),
    (9856, 12345, 78.2694905897676, 81.4300165427214, 77.3759054327105, 82.3544727709543,
     "Byar"),
    (222, 3215, 6.02657487765268, 7.87572937087185, 5.56073769525985, 8.46104668173341,
     "Byar"),
]


@pytest.mark.parametrize(("count", "confidence", "lower", "upper"), BYAR)
def test_byar_matches_phe(count, confidence, lower, upper):
    lo, hi = byar_interval(count, confidence=confidence)
    assert (lo, hi) == pytest.approx((lower, upper), rel=REL)


@pytest.mark.parametrize(("x", "n", "confidence", "lower", "upper"), WILSON)
def test_wilson_matches_phe(x, n, confidence, lower, upper):
    lo, hi = wilson_interval(x, n, confidence=confidence)
    assert (lo, hi) == pytest.approx((lower, upper), rel=REL)


@pytest.mark.parametrize(("x", "n", "lo95", "hi95", "lo998", "hi998", "method"), RATES_PER_100)
def test_crude_rate_matches_phe_exact_below_10_and_byar_from_10(x, n, lo95, hi95, lo998, hi998,
                                                                method):
    r95 = crude_rate(x, n, multiplier=100).iloc[0]
    r998 = crude_rate(x, n, multiplier=100, confidence=0.998).iloc[0]
    assert r95["value"] == pytest.approx(x / n * 100, rel=REL)
    assert (r95["lower_ci"], r95["upper_ci"]) == pytest.approx((lo95, hi95), rel=REL)
    assert (r998["lower_ci"], r998["upper_ci"]) == pytest.approx((lo998, hi998), rel=REL)
    assert r95["method"] == method


def test_a_rate_above_one_is_allowed():
    row = crude_rate(250, 220).iloc[0]
    assert row["value"] == pytest.approx(113636.363636364, rel=REL)
    assert (row["lower_ci"], row["upper_ci"]) == pytest.approx(
        (99984.9473853288, 128631.144874558), rel=REL)


def test_zero_events_gives_lower_zero_not_nan():
    lower, upper = exact_poisson_interval(0)
    assert lower == 0.0
    assert upper == pytest.approx(3.688879454113936, rel=REL)
    assert crude_rate(0, 100).iloc[0]["lower_ci"] == 0.0


def test_wilson_upper_at_x_equals_n_is_not_clipped_as_in_phe():
    assert wilson_interval(10, 10)[1] >= 1.0


def test_negative_byar_lower_is_missing():
    assert np.isnan(byar_interval(1, confidence=0.998)[0])


def test_series_keep_their_index_and_missing_values_pass_through():
    counts = pd.Series([5.0, np.nan, 30.0], index=["SYN01", "SYN02", "SYN03"])
    frame = crude_rate(counts, 1000)
    assert list(frame.index) == ["SYN01", "SYN02", "SYN03"]
    assert np.isnan(frame.loc["SYN02", "value"])
    assert frame.loc["SYN01", "method"] == "Exact" and frame.loc["SYN03", "method"] == "Byar"


@pytest.mark.parametrize(("call", "field"), [
    (lambda: wilson_interval(-1, 10), "successes"),
    (lambda: wilson_interval(11, 10), "successes"),
    (lambda: wilson_interval(1, 0), "trials"),
    (lambda: crude_rate(3, 0), "population"),
    (lambda: crude_rate([1, 2], [10, 20, 30]), "count"),
    (lambda: byar_interval(-2), "count"),
    (lambda: wilson_interval(1, 10, confidence=95), "confidence"),
])
def test_bad_inputs_are_data_errors_naming_the_argument(call, field):
    with pytest.raises(DataError) as caught:
        call()
    assert caught.value.field == field


def test_the_first_bad_row_is_named():
    with pytest.raises(DataError) as caught:
        wilson_interval(pd.Series([1, 20], index=["a", "b"]), pd.Series([10, 10], index=["a", "b"]))
    assert caught.value.row == "b"


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_the_value_lies_within_its_interval(x, n):
    x = min(x, n)
    lower, upper = wilson_interval(x, n)
    assert lower <= x / n + 1e-12 and x / n <= upper + 1e-12
    rate = crude_rate(x, n).iloc[0]
    assert rate["lower_ci"] <= rate["value"] <= rate["upper_ci"]


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 0.95), st.integers(10, 2000))
def test_wilson_intervals_narrow_as_the_denominator_grows(p, n):
    small = np.subtract(*reversed(wilson_interval(p * n, n)))
    large = np.subtract(*reversed(wilson_interval(p * 4 * n, 4 * n)))
    assert large < small
