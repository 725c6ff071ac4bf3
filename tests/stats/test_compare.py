"""Benchmark comparison (Fingertips' rule): the benchmark outside the interval is significant."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.stats.compare import benchmark_comparison


def test_a_benchmark_below_the_interval_means_higher_and_above_means_lower():
    assert benchmark_comparison(10.0, 20.0, 5.0) == "higher"
    assert benchmark_comparison(10.0, 20.0, 25.0) == "lower"
    assert benchmark_comparison(10.0, 20.0, 15.0) == "similar"


def test_a_benchmark_exactly_on_a_limit_is_similar():
    assert benchmark_comparison(10.0, 20.0, 10.0) == "similar"
    assert benchmark_comparison(10.0, 20.0, 20.0) == "similar"


def test_a_missing_limit_or_benchmark_is_not_compared():
    assert benchmark_comparison(np.nan, np.nan, 3.0) == "not compared"
    assert benchmark_comparison(1.0, 2.0, np.nan) == "not compared"


def test_a_series_keeps_its_index_and_benchmarks_may_vary_by_row():
    lower = pd.Series([1.0, 5.0], index=["SYN01", "SYN02"])
    upper = pd.Series([2.0, 6.0], index=["SYN01", "SYN02"])
    result = benchmark_comparison(lower, upper, pd.Series([0.5, 7.0], index=lower.index))
    assert result.to_dict() == {"SYN01": "higher", "SYN02": "lower"}


@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.floats(-1e6, 1e6))
def test_the_answer_agrees_with_the_definition(lower, width, benchmark):
    upper = lower + width
    expected = ("higher" if benchmark < lower else "lower" if benchmark > upper
                else "similar")
    assert benchmark_comparison(lower, upper, benchmark) == expected
