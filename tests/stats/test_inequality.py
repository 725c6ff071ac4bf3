"""Slope and relative index of inequality against PHEindicatormethods' ``phe_sii``.

Reference values: ukhsa-collaboration/PHEindicatormethods@093fd288
``tests/testthat/testdata_SII.xlsx`` (area1 of "default parameters", transcribed below from the
shared reference README, section 5; the whole workbook is read from the shared CSV export
``phe/testdata_SII__testdata_SII.csv`` where present). The parameters of each workbook case
are those of the anchor's ``tests/testthat/testSII.R`` calls.

Tolerances: point estimates 1e-9 relative (closed-form least squares). Simulated limits within
5% relative of the workbook's, the anchor's own tolerance: both are Monte Carlo estimates
(PHE's from R's ``rnorm``, ours from a seeded numpy generator), so only agreement to simulation
error is possible.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats.inequality import (
    IncompleteQuantilesWarning,
    ManyQuantilesWarning,
    inequality_by_group,
    slope_index_of_inequality,
)

REL = 1e-9
SIM_REL = 0.05

# testdata_SII.xlsx, area1 (group A / group C), value_type 0, deciles 1 (most deprived) to 10.
POPULATIONS = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
VALUES = [75.9334590103080984, 78.3442382727842954, 83.8360631041654045, 83.6375399664930939,
          80.4655031529559039, 81.1156759857021967, 81.6930835718562065, 84.1900062060987011,
          80.5955641081472010, 86.2894349578623974]
STANDARD_ERRORS = [1.6384724263585451, 1.5781928845429070, 1.5134355059640296,
                   1.7754906175801293, 1.7013390591981388, 1.5641210737675499,
                   1.3681148366878566, 1.4001418005940802, 2.4328463975781616,
                   1.5665181695934678]
SII, RII, INTERCEPT = 6.9346164736688189, 1.088818080444622, 78.0766307823167
SII_CI = (3.1275946176508169, 10.7586873680794)  # simulated, 100,000 repetitions, 95%
RII_CI = (1.038369059164284, 1.141299336025124)


def area1(**kwargs):
    return slope_index_of_inequality(VALUES, POPULATIONS, **kwargs).iloc[0]


# --- reference values -------------------------------------------------------------------------

def test_point_estimates_match_the_phe_workbook_to_1e_9():
    row = area1()
    assert row["sii"] == pytest.approx(SII, rel=REL)
    assert row["rii"] == pytest.approx(RII, rel=REL)
    assert row["intercept"] == pytest.approx(INTERCEPT, rel=REL)


def test_simulated_interval_is_within_5_percent_of_the_phe_workbook():
    row = area1(se=STANDARD_ERRORS)
    assert (row["sii_lower_ci"], row["sii_upper_ci"]) == pytest.approx(SII_CI, rel=SIM_REL)
    assert (row["rii_lower_ci"], row["rii_upper_ci"]) == pytest.approx(RII_CI, rel=SIM_REL)


def test_the_simulated_interval_is_deterministic_for_a_fixed_seed_and_moves_with_the_seed():
    first = area1(se=STANDARD_ERRORS, repetitions=5_000, seed=7)
    again = area1(se=STANDARD_ERRORS, repetitions=5_000, seed=7)
    other = area1(se=STANDARD_ERRORS, repetitions=5_000, seed=8)
    pd.testing.assert_series_equal(first, again)
    assert first["sii_lower_ci"] != other["sii_lower_ci"]
    assert first["sii"] == other["sii"]  # the point estimate never depends on the simulation


def test_without_standard_errors_or_limits_the_interval_is_nan_and_the_method_says_so():
    row = area1()
    assert np.isnan([row["sii_lower_ci"], row["sii_upper_ci"], row["rii_lower_ci"],
                     row["rii_upper_ci"]]).all()
    assert "no CI" in row["method"]


def test_output_is_one_row_with_the_documented_columns():
    result = slope_index_of_inequality(VALUES, POPULATIONS, se=STANDARD_ERRORS,
                                       repetitions=1000)
    assert list(result.columns) == ["sii", "sii_lower_ci", "sii_upper_ci", "rii",
                                    "rii_lower_ci", "rii_upper_ci", "intercept", "confidence",
                                    "method", "repetitions", "seed"]
    row = result.iloc[0]
    assert len(result) == 1 and row["confidence"] == 0.95
    assert row["repetitions"] == 1000 and row["seed"] == 0
    assert "simulation (1,000 repetitions)" in row["method"]


# --- the whole PHE workbook -------------------------------------------------------------------

# Workbook case -> the phe_sii arguments its testSII.R call uses. "se" marks calls passing the
# standard error column; otherwise the 95% confidence limits are passed. Confidence levels are
# those of the R calls (the workbook's Confidence column says 95 for the 98% cases).
CASES = {
    "default (e.g. life expectancy) - default parameters": dict(value_type="normal", se=True),
    "default - testing 99% confidence": dict(value_type="normal", levels=(0.99,)),
    "default - testing 10,000 repetitions": dict(value_type="normal", se=True),
    "default - testing quintiles": dict(value_type="normal", se=True),
    "default (e.g. life expectancy) - multiple CIs": dict(value_type="normal", se=True,
                                                          levels=(0.95, 0.99)),
    "default (e.g. life expectancy) - intercept": dict(value_type="normal"),
    "rate (e.g. infant mortality) - default parameters": dict(value_type="rate", se=True),
    "rate (e.g. infant mortality) - intercept": dict(value_type="rate"),
    "rate (e.g. infant mortality) - log transform with intercept": dict(
        value_type="rate", transform=True),
    "rate (e.g. infant mortality) - log transform with negative multiplier": dict(
        value_type="rate", transform=True, multiplier=-1),
    "rate (e.g. infant mortality) - log transform with 98% CI": dict(
        value_type="rate", transform=True, levels=(0.98,)),
    "rate (e.g. infant mortality) - log transform with multiple Cis (95 and 98)": dict(
        value_type="rate", transform=True, levels=(0.95, 0.98)),
    "rate (e.g. infant mortality) - log transform without rii": dict(
        value_type="rate", transform=True),
    "proportion (e.g. child obesity) - default parameters": dict(value_type="proportion",
                                                                 se=True),
    # The anchor's call for this case passes value_type = 1 (rate); the workbook's ValueType
    # column says 2 and the point estimates are the same, so we test it as a proportion.
    "proportion (e.g. child obesity) - intercept": dict(value_type="proportion"),
    "proportion - testing multiplier (x 100)": dict(value_type="proportion", multiplier=100),
    "proportion - testing multiplier (x -100)": dict(value_type="proportion", multiplier=-100),
    "proportion (e.g. child obesity) - logit transform with intercept": dict(
        value_type="proportion", transform=True),
    "proportion (e.g. child obesity) - logit transform with negative multiplier": dict(
        value_type="proportion", transform=True, multiplier=-1),
    "proportion (e.g. child obesity) - logit transform with 98% cis": dict(
        value_type="proportion", transform=True, levels=(0.98,)),
    "proportion (e.g. child obesity) - logit transform with 95% and 98% cis": dict(
        value_type="proportion", transform=True, levels=(0.95, 0.98)),
    "proportion (e.g. child obesity) - logit transform without rii": dict(
        value_type="proportion", transform=True),
}
NUMERIC = ["Quantile", "Population", "Value", "ValueType", "LowerCL", "UpperCL",
           "StandardError", "Repetitions", "sii", "rii", "sii_lowercl_1", "sii_uppercl_1",
           "rii_lowercl_1", "rii_uppercl_1", "sii_lowercl_2", "sii_uppercl_2", "rii_lowercl_2",
           "rii_uppercl_2", "Intercept"]


@pytest.fixture(scope="module")
def workbook(reference_dir):
    frame = pd.read_csv(reference_dir / "phe" / "testdata_SII__testdata_SII.csv", dtype=str)
    frame = frame.apply(lambda column: column.str.strip()).replace("NA", np.nan)
    frame[NUMERIC] = frame[NUMERIC].astype(float)
    return frame


def test_every_workbook_case_with_results_is_covered(workbook):
    with_results = set(workbook.loc[workbook["sii"].notna(), "TestDescription"])
    assert with_results == set(CASES)


def _check_workbook_case(rows: pd.DataFrame, case: dict, use_se: bool) -> None:
    expected = rows.iloc[0]
    limits = ({"se": rows["StandardError"]} if use_se
              else {"lower_ci": rows["LowerCL"], "upper_ci": rows["UpperCL"]})
    for position, level in enumerate(case.get("levels", (0.95,)), start=1):
        got = slope_index_of_inequality(
            rows["Value"], rows["Population"], value_type=case["value_type"],
            transform=case.get("transform", False), multiplier=case.get("multiplier", 1),
            confidence=level, repetitions=int(expected["Repetitions"]), **limits).iloc[0]
        assert got["sii"] == pytest.approx(expected["sii"], rel=REL)
        for name, column in (("rii", "rii"), ("intercept", "Intercept")):
            if pd.notna(expected[column]):
                assert got[name] == pytest.approx(expected[column], rel=REL)
        for name in ("sii_lower", "sii_upper", "rii_lower", "rii_upper"):
            reference = expected[f"{name}cl_{position}"]
            if pd.notna(reference):
                assert got[f"{name}_ci"] == pytest.approx(reference, rel=SIM_REL), name


@pytest.mark.parametrize("description", sorted(CASES))
def test_every_workbook_case_matches_phe(workbook, description):
    case = CASES[description]
    cases = workbook.loc[workbook["TestDescription"] == description]
    for _, rows in cases.groupby("Area"):
        rows = rows.sort_values("Quantile")
        assert (rows["ValueType"] == {"normal": 0, "rate": 1, "proportion": 2}[
            case["value_type"]]).all()
        if case.get("se"):
            _check_workbook_case(rows, case, use_se=True)
        _check_workbook_case(rows, case, use_se=False)


@pytest.mark.parametrize(("first", "last", "problem"), [
    (151, 160, "population"),  # "negative populations": a population of -200
    (161, 165, "se"),  # "negative counts/standard error": a standard error of -5
    (171, 175, "proportion CL"),  # "invalid proportion in CLs": an upper limit of 11
    (176, 180, "proportion CL"),  # ... a lower limit of 8
    (191, 200, "missing se"),  # "missing confidence limits and se"
])
def test_the_workbook_error_cases_raise_data_errors(workbook, first, last, problem):
    rows = workbook.iloc[first - 1:last]
    if problem in ("population", "se", "missing se"):
        kwargs = {"se": rows["StandardError"]}
        value_type = "normal"
    else:
        kwargs = {"lower_ci": rows["LowerCL"], "upper_ci": rows["UpperCL"]}
        value_type = "proportion"
    with pytest.raises(DataError):
        slope_index_of_inequality(rows["Value"], rows["Population"], value_type=value_type,
                                  repetitions=1000, **kwargs)


# --- independent checks and properties --------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**6), st.floats(-1e3, 1e3)), min_size=5,
                max_size=30))
def test_point_estimates_equal_a_statsmodels_weighted_regression(rows):
    pops = np.array([p for p, _ in rows], float)
    values = np.array([v for _, v in rows])
    share = pops / pops.sum()
    rank = np.cumsum(share) - share / 2  # cumulative population midpoint, re-derived here
    fit = sm.WLS(values, np.column_stack([np.ones(len(rows)), rank]), weights=pops).fit()
    beta0, beta1 = fit.params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ManyQuantilesWarning)
        row = slope_index_of_inequality(values, pops).iloc[0]
    scale = 1e-9 * max(1.0, float(np.abs(values).max()))
    assert row["sii"] == pytest.approx(beta1, rel=REL, abs=scale * 10)
    assert row["intercept"] == pytest.approx(beta0, rel=REL, abs=scale * 10)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.1, 100), st.floats(-50, 50))
def test_rescaling_values_rescales_the_sii_and_shifting_them_moves_only_the_intercept(scale,
                                                                                     shift):
    base = area1()
    scaled = slope_index_of_inequality(np.array(VALUES) * scale, POPULATIONS).iloc[0]
    shifted = slope_index_of_inequality(np.array(VALUES) + shift, POPULATIONS).iloc[0]
    assert scaled["sii"] == pytest.approx(base["sii"] * scale, rel=1e-9)
    assert scaled["rii"] == pytest.approx(base["rii"], rel=1e-9)
    assert shifted["sii"] == pytest.approx(base["sii"], rel=1e-9)
    assert shifted["intercept"] == pytest.approx(base["intercept"] + shift, rel=1e-9)


def test_the_95_percent_interval_covers_the_true_sii_in_about_95_percent_of_trials():
    # Statistical property: 200 simulated areas drawn from a known linear gradient.
    pops = np.array([7000, 8000, 6000, 7500, 5800, 6900, 5900, 6000, 7100, 7500], float)
    share = pops / pops.sum()
    rank = np.cumsum(share) - share / 2
    truth, se = 70 + 10 * rank, np.full(10, 1.5)
    rng = np.random.default_rng(2024)
    covered = 0
    for trial in range(200):
        observed = truth + rng.normal(0, se)
        row = slope_index_of_inequality(observed, pops, se=se, repetitions=2000,
                                        seed=trial).iloc[0]
        covered += row["sii_lower_ci"] <= 10 <= row["sii_upper_ci"]
    assert 0.90 <= covered / 200 <= 0.99


def test_a_negative_multiplier_flips_the_sii_and_inverts_the_rii_and_its_limits():
    plus = area1(se=STANDARD_ERRORS, repetitions=10_000)
    minus = area1(se=STANDARD_ERRORS, repetitions=10_000, multiplier=-1)
    assert minus["sii"] == pytest.approx(-plus["sii"], rel=REL)
    assert minus["rii"] == pytest.approx(1 / plus["rii"], rel=REL)
    # PHE's positions (250th and 9,750th of 10,000 sorted draws) are not mirror images (the
    # mirror of the 250th is the 9,751st), so flipping moves a limit by one order statistic.
    assert minus["sii_lower_ci"] == pytest.approx(-plus["sii_upper_ci"], rel=2e-3)
    assert minus["sii_upper_ci"] == pytest.approx(-plus["sii_lower_ci"], rel=2e-3)
    assert minus["rii_upper_ci"] == pytest.approx(1 / plus["rii_lower_ci"], rel=2e-3)


def test_a_standard_error_takes_precedence_over_confidence_limits():
    with_se = area1(se=STANDARD_ERRORS, repetitions=2000)
    both = area1(se=STANDARD_ERRORS, lower_ci=np.array(VALUES) - 50,
                 upper_ci=np.array(VALUES) + 50, repetitions=2000)
    pd.testing.assert_series_equal(with_se, both)


def test_limits_give_the_standard_error_at_95_percent_whatever_the_confidence():
    limits = {"lower_ci": np.array(VALUES) - 1.959963984540054 * np.array(STANDARD_ERRORS),
              "upper_ci": np.array(VALUES) + 1.959963984540054 * np.array(STANDARD_ERRORS)}
    from_se = area1(se=STANDARD_ERRORS, confidence=0.99, repetitions=2000)
    from_limits = area1(confidence=0.99, repetitions=2000, **limits)
    assert from_limits["sii_lower_ci"] == pytest.approx(from_se["sii_lower_ci"], rel=1e-9)
    assert from_limits["sii_upper_ci"] == pytest.approx(from_se["sii_upper_ci"], rel=1e-9)


# --- edges, warnings and errors ---------------------------------------------------------------

def test_exactly_5_and_exactly_100_quantiles_are_accepted():
    assert np.isfinite(slope_index_of_inequality(VALUES[:5], POPULATIONS[:5])["sii"]).all()
    with pytest.warns(ManyQuantilesWarning):
        slope_index_of_inequality(np.linspace(1, 2, 100), np.full(100, 10.0))


def test_more_than_10_quantiles_warn_and_10_do_not():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area1()
    with pytest.warns(ManyQuantilesWarning, match="11 quantiles"):
        slope_index_of_inequality([*VALUES, 80.0], [*POPULATIONS, 7000])


@pytest.mark.parametrize("k", [0, 4, 101])
def test_fewer_than_5_or_more_than_100_quantiles_are_a_data_error(k):
    with pytest.raises(DataError, match="5 to 100 quantiles") as raised:
        slope_index_of_inequality(np.ones(k), np.ones(k))
    assert raised.value.field == "values" and raised.value.hint


@pytest.mark.parametrize("bad", [0, -200, np.nan])
def test_populations_that_are_zero_negative_or_missing_are_a_data_error_naming_the_row(bad):
    pops = pd.Series(POPULATIONS, index=[f"decile {i}" for i in range(1, 11)], dtype=float)
    pops.iloc[3] = bad
    with pytest.raises(DataError) as raised:
        slope_index_of_inequality(VALUES, pops)
    assert raised.value.field == "populations"
    assert raised.value.row == "decile 4"


@pytest.mark.parametrize("bad", [-0.1, 1.2])
def test_proportions_outside_0_to_1_are_a_data_error(bad):
    values = np.linspace(0.1, 0.3, 10)
    values[6] = bad
    with pytest.raises(DataError, match="between 0 and 1") as raised:
        slope_index_of_inequality(values, POPULATIONS, value_type="proportion")
    assert raised.value.field == "values" and raised.value.row == 7


def test_proportions_of_exactly_0_or_1_need_no_logit_without_an_interval_but_do_with_one():
    values = np.linspace(0, 1, 10)
    slope_index_of_inequality(values, POPULATIONS, value_type="proportion")
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        slope_index_of_inequality(values, POPULATIONS, value_type="proportion",
                                  se=np.full(10, 0.1))


def test_a_zero_rate_cannot_be_simulated_on_the_log_scale():
    values = np.linspace(0, 5, 10)
    with pytest.raises(DataError, match="log scale") as raised:
        slope_index_of_inequality(values, POPULATIONS, value_type="rate", se=np.full(10, 0.1))
    assert raised.value.row == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"se": [1.0] * 9 + [-1.0]}, "se"),
    ({"se": [1.0] * 9 + [np.nan]}, "se"),
    ({"lower_ci": [90.0] * 10, "upper_ci": [70.0] * 10}, "lower_ci"),
    ({"lower_ci": [70.0] * 10}, "upper_ci"),
    ({"upper_ci": [90.0] * 10}, "lower_ci"),
    ({"value_type": "Rate"}, "value_type"),
    ({"value_type": "normal", "transform": True}, "transform"),
    ({"transform": "yes"}, "transform"),
    ({"multiplier": 0}, "multiplier"),
    ({"repetitions": 999}, "repetitions"),
    ({"repetitions": 10_000.0}, "repetitions"),
    ({"seed": 1.5}, "seed"),
    ({"confidence": 95}, "confidence"),
])
def test_bad_options_and_inputs_are_data_errors_naming_the_argument(kwargs, field):
    with pytest.raises(DataError) as raised:
        area1(**kwargs)
    assert raised.value.field == field


def test_mismatched_lengths_are_a_data_error():
    with pytest.raises(DataError, match="different lengths"):
        slope_index_of_inequality(VALUES, POPULATIONS[:9])


def test_inputs_are_not_mutated():
    values = pd.Series(VALUES)
    pops = pd.Series(POPULATIONS)
    before = (values.copy(), pops.copy())
    slope_index_of_inequality(values, pops, se=STANDARD_ERRORS, repetitions=1000)
    pd.testing.assert_series_equal(values, before[0])
    pd.testing.assert_series_equal(pops, before[1])


# --- grouped form -----------------------------------------------------------------------------

def _long() -> pd.DataFrame:
    a = pd.DataFrame({"area": "A", "decile": range(1, 11), "value": VALUES,
                      "population": POPULATIONS, "se": STANDARD_ERRORS})
    b = a.assign(area="B", value=np.array(VALUES)[::-1])
    return pd.concat([a, b], ignore_index=True)


def test_by_group_gives_one_row_per_group_equal_to_a_call_on_that_group_alone():
    result = inequality_by_group(_long(), value="value", population="population", by="area",
                                 quantile="decile", se="se", repetitions=2000)
    assert list(result["area"]) == ["A", "B"]
    alone = slope_index_of_inequality(VALUES[::-1], POPULATIONS, se=STANDARD_ERRORS,
                                      repetitions=2000).iloc[0]
    pd.testing.assert_series_equal(result.iloc[1].drop("area"), alone, check_names=False)


def test_by_group_results_do_not_depend_on_row_order():
    frame = _long()
    shuffled = frame.sample(frac=1, random_state=3)
    kwargs = dict(value="value", population="population", by=["area"], quantile="decile",
                  se="se", repetitions=1000)
    pd.testing.assert_frame_equal(inequality_by_group(frame, **kwargs),
                                  inequality_by_group(shuffled, **kwargs))


def test_by_group_drops_a_group_missing_a_quantile_with_a_warning():
    frame = _long()
    frame = frame.drop(index=frame.index[(frame["area"] == "B") & (frame["decile"] == 6)])
    with pytest.warns(IncompleteQuantilesWarning, match="1 group"):
        result = inequality_by_group(frame, value="value", population="population", by="area",
                                     quantile="decile")
    assert list(result["area"]) == ["A"]


def test_by_group_drops_a_group_with_a_missing_value_and_returns_an_empty_frame_if_none_left():
    frame = _long().assign(value=np.nan)
    with pytest.warns(IncompleteQuantilesWarning, match="2 group"):
        result = inequality_by_group(frame, value="value", population="population", by="area",
                                     quantile="decile")
    assert result.empty and "sii" in result.columns


def test_by_group_errors_on_a_duplicated_quantile_a_bad_population_or_a_missing_column():
    frame = _long()
    frame.loc[3, "decile"] = 3
    with pytest.raises(DataError, match="twice"):
        inequality_by_group(frame, value="value", population="population", by="area",
                            quantile="decile")
    frame = _long()
    frame.loc[12, "population"] = 0
    with pytest.raises(DataError) as raised:
        inequality_by_group(frame, value="value", population="population", by="area",
                            quantile="decile")
    assert raised.value.field == "population" and raised.value.row == 12
    with pytest.raises(DataError, match="'rate' is not in the frame"):
        inequality_by_group(_long(), value="rate", population="population", by="area",
                            quantile="decile")
