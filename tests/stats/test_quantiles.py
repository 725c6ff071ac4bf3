"""Quantile assignment against PHEindicatormethods 2.1.0 (``phe_quantile``).

Reference: ukhsa-collaboration/PHEindicatormethods@093fd288 ``testdata_Quantiles.xlsx``
(``testQuantiles.R`` uses ``invert = Polarity``: "Low is good" and TRUE mean the highest values
go to quantile 1). Exact equality: quantiles are integers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats.quantiles import TooFewAreasWarning, assign_quantiles

#: North East region, indicator 40501 (under-75 cancer mortality), females: value, decile.
NORTH_EAST = [
    (118.74604810, 10), (131.27782760, 9), (137.10986400, 8), (137.72565260, 7),
    (138.90052290, 6), (143.26330200, 6), (145.59667070, 5), (146.69712620, 4),
    (153.69128330, 3), (155.76308100, 2), (157.12222860, 1), (171.21704550, 1),
]
INVERT = {"RAG - High is good": False, "RAG - Low is good": True, "TRUE": True, "FALSE": False}


def test_within_region_deciles_match_the_workbook():
    values = [v for v, _ in NORTH_EAST]
    assert assign_quantiles(values, n_quantiles=10).tolist() == [q for _, q in NORTH_EAST]


def test_every_grouped_case_of_the_workbook_matches(reference_dir):
    data = pd.read_csv(reference_dir / "phe" / "testdata_Quantiles__testdata_Quantiles.csv",
                       skipinitialspace=True, dtype=str)
    data = data[data["Test"] != "BadPolarity"]
    for column in ("Value", "QuantileInGrp"):
        data[column] = pd.to_numeric(data[column].str.strip().replace("NA", np.nan))
    checked = 0
    for group_set, keys, n in (("IndSexReg", ["IndSexRef", "ParentCode"], 10),
                               ("IndSex", ["IndSexRef"], 7)):
        for _, group in data[data["GroupSet"] == group_set].groupby(keys):
            invert = INVERT[group["Polarity"].iloc[0].strip()]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                got = assign_quantiles(group["Value"], n_quantiles=n, invert=invert)
            too_few = group["Value"].notna().sum() < n
            assert [w.category for w in caught] == ([TooFewAreasWarning] if too_few else [])
            pd.testing.assert_series_equal(got, group["QuantileInGrp"].astype(float),
                                           check_names=False)
            checked += 1
    assert checked == 21


def test_missing_values_get_no_quantile_and_do_not_count():
    got = assign_quantiles([3.0, np.nan, 1.0, 2.0], n_quantiles=3, invert=False)
    assert np.isnan(got[1]) and got[[0, 2, 3]].tolist() == [3.0, 1.0, 2.0]


def test_fewer_areas_than_quantiles_assigns_none_and_warns():
    with pytest.warns(TooFewAreasWarning):
        assert np.isnan(assign_quantiles([1.0, 2.0], n_quantiles=5)).all()


def test_ties_share_a_quantile():
    assert assign_quantiles([1.0, 1.0, 2.0, 3.0], n_quantiles=2, invert=False).tolist() == \
        [1.0, 1.0, 2.0, 2.0]


@pytest.mark.parametrize("bad", [0, 1, 2.5, True])
def test_the_number_of_quantiles_must_be_a_whole_number_of_at_least_two(bad):
    with pytest.raises(DataError) as caught:
        assign_quantiles([1.0, 2.0, 3.0], n_quantiles=bad)
    assert caught.value.field == "n_quantiles"


@given(st.lists(st.floats(-1e6, 1e6), min_size=10, max_size=200), st.integers(2, 10))
def test_quantiles_are_in_range_and_follow_the_values(values, n):
    q = assign_quantiles(values, n_quantiles=n, invert=False)
    assert ((q >= 1) & (q <= n)).all()
    order = np.argsort(values, kind="stable")
    assert (np.diff(q[order]) >= 0).all()
