"""Run charts: Anhøj rules against the published critical values and hand-counted cases.

Critical values from Anhøj & Olesen (2014), PLoS One 9(11):e113825, Table 1: for 10, 20 and 30
useful points the longest run limit is 6, 7, 8 and the fewest crossings 2, 6, 10.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats.run_chart import longest_run_limit, min_crossings, run_chart


@pytest.mark.parametrize(("n", "run_limit", "crossings"), [(10, 6, 2), (20, 7, 6), (30, 8, 10)])
def test_critical_values_match_the_published_table(n, run_limit, crossings):
    assert longest_run_limit(n) == run_limit
    assert min_crossings(n) == crossings


def test_alternating_values_cross_every_time_and_do_not_signal():
    chart = run_chart([1, 3] * 10)
    assert chart.attrs["crossings"] == 19
    assert chart.attrs["longest_run"] == 1
    assert not chart.attrs["signal"]


def test_a_shift_gives_a_long_run_and_few_crossings():
    chart = run_chart([5, 6] * 5 + [9, 10] * 5)
    assert chart.attrs["longest_run"] == 10
    assert chart.attrs["crossings"] == 1
    assert chart.attrs["signal"]
    assert chart["in_long_run"].sum() == 20  # both halves are runs longer than 7


def test_points_on_the_median_neither_count_nor_break_a_run():
    # median 2: the 2s are skipped, so the 1s and 3s form runs across them
    chart = run_chart([1, 2, 1, 2, 1, 3, 2, 3, 3], median=2)
    assert chart.attrs["n_useful"] == 6
    assert chart.attrs["longest_run"] == 3
    assert chart.attrs["crossings"] == 1


def test_index_is_kept_and_missing_values_are_ignored():
    import pandas as pd

    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    chart = run_chart(pd.Series([1, np.nan, 3, 2, 4, 0], index=months))  # median 2
    assert chart.index.equals(months)
    assert chart.attrs["n_useful"] == 4


def test_too_few_values_is_a_data_error():
    with pytest.raises(DataError):
        run_chart([1.0])


@pytest.mark.filterwarnings("ignore::lhs_reports.stats.run_chart.TooFewUsefulPointsWarning")
@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=5, max_size=40))
def test_run_lengths_add_up_to_the_useful_points(values):
    chart = run_chart(values)
    useful = chart[chart["side"] != 0]
    assert useful.groupby("run").size().sum() == chart.attrs["n_useful"]
    assert chart.attrs["crossings"] == max(0, useful["run"].nunique() - 1)
