"""Proportions (Wilson) and means (Student's t) against PHEindicatormethods 2.1.0.

Reference values: ukhsa-collaboration/PHEindicatormethods@093fd288 test workbooks
``tests/testthat/testdata_Proportion.xlsx`` (sheet ``testdata_Prop``) and
``tests/testthat/testdata_Mean.xlsx`` (sheets ``testdata_Mean`` and ``testdata_Mean_results``),
transcribed from the shared reference README, section 2.9. Tolerance 1e-9 relative: closed forms.
The ``*_workbook_*`` tests re-check every row of the exported sheets in
``shared/reference/phe`` and skip when that folder is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from lhs_reports.errors import DataError
from lhs_reports.stats.rates import mean_interval, proportion

REL = 1e-9

# testdata_Proportion.xlsx / testdata_Prop, multiplier 1:
# x, n, value, 95% lower, 95% upper, 99.8% lower, 99.8% upper
PROPORTIONS = [
    (1, 100, 0.01, 0.00176743206414065, 0.05448619617870529, 8.73065697299977e-04,
     0.10455445283705821),
    (5, 100, 0.05, 0.02154367915436798, 0.11175046923191911, 1.38653207259972e-02,
     0.16458852282596442),
    (20, 100, 0.2, 0.13336693333103250, 0.28882916559315885, 0.105191620667114,
     0.34711094170086010),
    (9856, 12345, 0.79837991089509919, 0.79121017529090687, 0.80536400736149094,
     0.786992410841906, 0.80930614125896261),
    (7776456, 7564336677, 0.00102804202563392, 0.00102732010016411, 0.00102876445789772,
     0.00102690401184422, 0.00102918129926984),
    (222, 3215, 0.06905132192846034, 0.06079169036363660, 0.07833956681383633,
     0.0564710196462425, 0.08418414185270134),
    (999, 3456, 0.2890625, 0.27418951080009873, 0.30440389662818057, 0.265839957680750,
     0.31344754492799848),
]

# testdata_Mean.xlsx, Area1: 8 values; mean, sd, 95% and 99.8% limits.
AREA1_VALUES = [33.09375, 48.38596, 64.83495, 67.98475, 22.93556, 71.23587, 38.78465, 82.37927]
AREA1 = {"value": 53.704345, "sd": 20.9755752577093, "lo95": 36.1683252413365,
         "hi95": 71.2403647586635, "lo998": 18.2167052947888, "hi998": 89.1919847052112}


def read_phe(reference_dir, name: str) -> pd.DataFrame:
    """Read an exported PHE sheet: cells are space-padded strings, "NA" is missing."""
    table = pd.read_csv(reference_dir / "phe" / name, dtype=str, keep_default_na=False)
    table = table.apply(lambda column: column.str.strip())
    for column in table.columns:
        numbers = pd.to_numeric(table[column].replace("NA", np.nan), errors="coerce")
        if numbers.notna().sum() == (table[column] != "NA").sum():
            table[column] = numbers
    return table


# --- proportions ------------------------------------------------------------------------------

@pytest.mark.parametrize(("x", "n", "value", "lo95", "hi95", "lo998", "hi998"), PROPORTIONS)
def test_proportion_matches_phe_at_95_and_99_8(x, n, value, lo95, hi95, lo998, hi998):
    r95 = proportion(x, n).iloc[0]
    r998 = proportion(x, n, confidence=0.998).iloc[0]
    assert r95["value"] == pytest.approx(value, rel=REL)
    assert (r95["lower_ci"], r95["upper_ci"]) == pytest.approx((lo95, hi95), rel=REL)
    assert (r998["lower_ci"], r998["upper_ci"]) == pytest.approx((lo998, hi998), rel=REL)
    assert r95["method"] == "Wilson"
    assert r95["statistic"] == "proportion of 1"
    assert r95["confidence"] == 0.95 and r998["confidence"] == 0.998


@pytest.mark.parametrize(("x", "n"), [(np.nan, 100), (10, np.nan), (np.nan, np.nan)])
def test_a_missing_numerator_or_denominator_gives_a_missing_row(x, n):
    row = proportion(x, n).iloc[0]
    assert np.isnan(row["value"]) and np.isnan(row["lower_ci"]) and np.isnan(row["upper_ci"])
    assert row["method"] == "Wilson"


def test_a_multiplier_of_100_is_a_percentage():
    row = proportion(20, 100, multiplier=100).iloc[0]
    assert row["statistic"] == "percentage"
    assert row["value"] == pytest.approx(20.0, rel=REL)
    assert (row["lower_ci"], row["upper_ci"]) == pytest.approx(
        (13.336693333103250, 28.882916559315885), rel=REL)
    assert proportion(1, 4, multiplier=1000).iloc[0]["statistic"] == "proportion of 1000"


def test_proportion_keeps_a_series_index_and_a_scalar_gives_one_row():
    x = pd.Series([1, 5, np.nan], index=["SYN01", "SYN02", "SYN03"])
    frame = proportion(x, 100)
    assert list(frame.index) == ["SYN01", "SYN02", "SYN03"]
    assert list(frame.columns) == ["value", "lower_ci", "upper_ci", "confidence", "method",
                                   "statistic"]
    assert np.isnan(frame.loc["SYN03", "value"])
    assert len(proportion(1, 100)) == 1


def test_proportion_at_x_equals_n_is_not_clipped_as_in_phe():
    assert proportion(10, 10).iloc[0]["upper_ci"] >= 1.0


@pytest.mark.parametrize(("call", "field"), [
    (lambda: proportion(-1, 10), "successes"),
    (lambda: proportion(11, 10), "successes"),
    (lambda: proportion(1, 0), "trials"),
    (lambda: proportion([1, 2], [10, 20, 30]), "successes"),
    (lambda: proportion(1, 10, confidence=95), "confidence"),
    (lambda: proportion(1, 10, multiplier=0), "multiplier"),
])
def test_bad_proportion_inputs_are_data_errors_naming_the_argument(call, field):
    with pytest.raises(DataError) as caught:
        call()
    assert caught.value.field == field


def test_the_first_bad_proportion_row_is_named():
    with pytest.raises(DataError) as caught:
        proportion(pd.Series([1, 2], index=["a", "b"]), pd.Series([10, 0], index=["a", "b"]))
    assert caught.value.row == "b"


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 100_000), st.sampled_from([0.95, 0.998]),
       st.sampled_from([1, 100, 1000]))
def test_the_proportion_lies_within_its_interval(x, n, confidence, multiplier):
    x = min(x, n)
    row = proportion(x, n, confidence=confidence, multiplier=multiplier).iloc[0]
    slack = 1e-12 * multiplier
    assert row["lower_ci"] <= row["value"] + slack
    assert row["value"] <= row["upper_ci"] + slack


def test_proportion_workbook_every_row(reference_dir):
    sheet = read_phe(reference_dir, "testdata_Proportion__testdata_Prop.csv")
    assert len(sheet) == 19
    for _, row in sheet.iterrows():
        for level, lo, hi in [(0.95, "lower95_0cl", "upper95_0cl"),
                              (0.998, "lower99_8cl", "upper99_8cl")]:
            got = proportion(row["Numerator"], row["Denominator"], confidence=level,
                             multiplier=row["multiplier"]).iloc[0]
            expected = [row["value"], row[lo], row[hi]]
            actual = [got["value"], got["lower_ci"], got["upper_ci"]]
            np.testing.assert_allclose(actual, expected, rtol=REL, err_msg=row["Area"])
            assert got["statistic"] == row["statistic"]
            assert got["method"] == row["method"]


def test_proportion_workbook_grouped_sums(reference_dir):
    # testdata_Prop_g: PHE sums x and n per group first; the sheet holds the sums.
    sheet = read_phe(reference_dir, "testdata_Proportion__testdata_Prop_g.csv")
    got = proportion(sheet["Numerator"], sheet["Denominator"])
    np.testing.assert_allclose(got[["value", "lower_ci", "upper_ci"]].to_numpy(float),
                               sheet[["value", "lowercl", "uppercl"]].to_numpy(float), rtol=REL)


# --- means ------------------------------------------------------------------------------------

def test_mean_matches_phe_area1_at_95_and_99_8():
    r95 = mean_interval(AREA1_VALUES).iloc[0]
    r998 = mean_interval(AREA1_VALUES, confidence=0.998).iloc[0]
    assert r95["value"] == pytest.approx(AREA1["value"], rel=REL)
    assert r95["sd"] == pytest.approx(AREA1["sd"], rel=REL)
    assert r95["count"] == 8
    assert (r95["lower_ci"], r95["upper_ci"]) == pytest.approx(
        (AREA1["lo95"], AREA1["hi95"]), rel=REL)
    assert (r998["lower_ci"], r998["upper_ci"]) == pytest.approx(
        (AREA1["lo998"], AREA1["hi998"]), rel=REL)
    assert r95["method"] == "Student's t"
    assert list(mean_interval(AREA1_VALUES).columns) == [
        "value", "lower_ci", "upper_ci", "confidence", "method", "sd", "count"]


def test_missing_values_are_dropped_from_the_mean():
    with_gaps = pd.Series([np.nan, *AREA1_VALUES, np.nan])
    pd.testing.assert_frame_equal(mean_interval(with_gaps), mean_interval(AREA1_VALUES))


def test_the_mean_interval_agrees_with_scipy_t_interval():
    values = np.array(AREA1_VALUES)
    expected = sps.t.interval(0.99, len(values) - 1, loc=values.mean(),
                              scale=sps.sem(values))
    row = mean_interval(values, confidence=0.99).iloc[0]
    assert (row["lower_ci"], row["upper_ci"]) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("values", [[], [1.0], [np.nan, 2.0, np.nan]])
def test_fewer_than_two_values_is_a_data_error(values):
    with pytest.raises(DataError) as caught:
        mean_interval(values)
    assert caught.value.field == "values"


@pytest.mark.parametrize(("values", "confidence"), [([1.0, np.inf], 0.95), (["a", "b"], 0.95),
                                                    ([1.0, 2.0], 0.5)])
def test_bad_mean_inputs_are_data_errors(values, confidence):
    with pytest.raises(DataError):
        mean_interval(values, confidence=confidence)


def test_mean_workbook_every_row(reference_dir):
    data = read_phe(reference_dir, "testdata_Mean__testdata_Mean.csv")
    results = read_phe(reference_dir, "testdata_Mean__testdata_Mean_results.csv")
    for _, expected in results.iterrows():
        area = expected["area"]
        values = data["values"] if area == "No grouping" else data.loc[data["area"] == area,
                                                                       "values"]
        r95 = mean_interval(values).iloc[0]
        r998 = mean_interval(values, confidence=0.998).iloc[0]
        actual = [r95["value"], r95["sd"], r95["count"], r95["lower_ci"], r95["upper_ci"],
                  r998["lower_ci"], r998["upper_ci"]]
        wanted = [expected[c] for c in ("value", "stdev", "value_count", "lower95_0cl",
                                        "upper95_0cl", "lower99_8cl", "upper99_8cl")]
        np.testing.assert_allclose(actual, wanted, rtol=REL, err_msg=area)
