"""Interrupted time series: Lopez Bernal, Cummins & Gasparrini (2017) reproduced, and HAC
standard errors against an independent numpy computation.

Reference values: shared/reference/README.md section 4.3 (R ``glm`` on the tutorial's data,
gasparrini/2017_lopezbernal_IJE_codedata ``Rcode.R``). Tolerances: coefficients and rate ratios
1e-6 relative (fitted models); standard errors and the quasi-Poisson dispersion 1e-5 relative,
because statsmodels' IRLS stops at a slightly different point from R's (README 4.2: dispersion
2.26218641 in R vs 2.26218264 here, 1.7e-6 relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lhs_reports.errors import DataError
from lhs_reports.stats.its import design_matrix, segmented_regression

# The tutorial's public data (sicily.csv): acute coronary events in Sicily, 2002-01 .. 2006-11;
# the smoking ban (smokban) starts at time 37. Columns: year, month, aces, time, smokban, pop,
# stdpop.
SICILY_ROWS = [
    (2002, 1, 728, 1, 0, 364277.4, 379875.3),
    (2002, 2, 659, 2, 0, 364277.4, 376495.5),
    (2002, 3, 791, 3, 0, 364277.4, 377040.8),
    (2002, 4, 734, 4, 0, 364277.4, 377116.4),
    (2002, 5, 757, 5, 0, 364277.4, 377383.4),
    (2002, 6, 726, 6, 0, 364277.4, 374113.1),
    (2002, 7, 760, 7, 0, 364277.4, 379513.3),
    (2002, 8, 740, 8, 0, 364277.4, 376295.5),
    (2002, 9, 720, 9, 0, 364277.4, 374653.2),
    (2002, 10, 814, 10, 0, 364277.4, 378485.6),
    (2002, 11, 795, 11, 0, 364277.4, 375955.5),
    (2002, 12, 858, 12, 0, 364277.4, 378349.7),
    (2003, 1, 887, 13, 0, 363350.8, 376762.4),
    (2003, 2, 766, 14, 0, 363350.8, 379032.3),
    (2003, 3, 851, 15, 0, 363350.8, 379360.4),
    (2003, 4, 769, 16, 0, 363350.8, 376162.0),
    (2003, 5, 781, 17, 0, 363350.8, 377972.4),
    (2003, 6, 756, 18, 0, 363350.8, 381830.7),
    (2003, 7, 766, 19, 0, 363350.8, 379888.6),
    (2003, 8, 752, 20, 0, 363350.8, 380872.2),
    (2003, 9, 765, 21, 0, 363350.8, 380966.9),
    (2003, 10, 831, 22, 0, 363350.8, 381240.4),
    (2003, 11, 879, 23, 0, 363350.8, 382104.9),
    (2003, 12, 928, 24, 0, 363350.8, 381802.7),
    (2004, 1, 914, 25, 0, 364700.4, 381656.3),
    (2004, 2, 808, 26, 0, 364700.4, 383680.0),
    (2004, 3, 937, 27, 0, 364700.4, 383504.2),
    (2004, 4, 840, 28, 0, 364700.4, 386462.9),
    (2004, 5, 916, 29, 0, 364700.4, 383783.1),
    (2004, 6, 828, 30, 0, 364700.4, 380836.8),
    (2004, 7, 845, 31, 0, 364700.4, 383483.0),
    (2004, 8, 818, 32, 0, 364700.4, 380906.2),
    (2004, 9, 860, 33, 0, 364700.4, 382926.8),
    (2004, 10, 839, 34, 0, 364700.4, 384052.4),
    (2004, 11, 887, 35, 0, 364700.4, 384449.6),
    (2004, 12, 886, 36, 0, 364700.4, 383428.4),
    (2005, 1, 831, 37, 1, 364420.8, 388153.2),
    (2005, 2, 796, 38, 1, 364420.8, 388373.2),
    (2005, 3, 833, 39, 1, 364420.8, 386470.1),
    (2005, 4, 820, 40, 1, 364420.8, 386033.2),
    (2005, 5, 877, 41, 1, 364420.8, 383686.4),
    (2005, 6, 758, 42, 1, 364420.8, 385509.3),
    (2005, 7, 767, 43, 1, 364420.8, 385901.9),
    (2005, 8, 738, 44, 1, 364420.8, 386516.6),
    (2005, 9, 781, 45, 1, 364420.8, 388436.5),
    (2005, 10, 843, 46, 1, 364420.8, 383255.2),
    (2005, 11, 850, 47, 1, 364420.8, 390148.7),
    (2005, 12, 908, 48, 1, 364420.8, 385874.9),
    (2006, 1, 1021, 49, 1, 363832.6, 391613.6),
    (2006, 2, 859, 50, 1, 363832.6, 391750.4),
    (2006, 3, 976, 51, 1, 363832.6, 394005.6),
    (2006, 4, 888, 52, 1, 363832.6, 391364.9),
    (2006, 5, 962, 53, 1, 363832.6, 391664.6),
    (2006, 6, 838, 54, 1, 363832.6, 389022.3),
    (2006, 7, 810, 55, 1, 363832.6, 391878.5),
    (2006, 8, 876, 56, 1, 363832.6, 388575.3),
    (2006, 9, 843, 57, 1, 363832.6, 392989.0),
    (2006, 10, 936, 58, 1, 363832.6, 390018.8),
    (2006, 11, 912, 59, 1, 363832.6, 390712.3)
]
SICILY = pd.DataFrame(SICILY_ROWS, columns=["year", "month", "aces", "time", "smokban", "pop",
                                            "stdpop"])

COEF, SE = 1e-6, 1e-5


def fit(model: int):
    kwargs = {"intervention_at": 36, "offset": SICILY["stdpop"]}
    if model == 1:
        return segmented_regression(SICILY["aces"], family="poisson", slope_change=False,
                                    **kwargs)
    if model == 2:
        return segmented_regression(SICILY["aces"], family="quasipoisson", slope_change=False,
                                    **kwargs)
    harmonics = {"seasonality_harmonics": 2, "period_position": SICILY["month"]}
    return segmented_regression(SICILY["aces"], family="quasipoisson",
                                slope_change=(model == 4), **harmonics, **kwargs)


def test_the_transcribed_data_equal_the_shared_reference_file(reference_dir):
    shared = pd.read_csv(reference_dir / "its" / "sicily.csv")
    pd.testing.assert_frame_equal(SICILY, shared, check_dtype=False)


def test_design_matches_the_tutorial_coding():
    design = design_matrix(59, 36)
    assert (design["level_change"] == SICILY["smokban"]).all()
    assert (design["time"] == SICILY["time"]).all()
    assert design["slope_change"].iloc[36] == 1  # (time - 36) x smokban


def test_model_1_poisson():
    c = fit(1).coefficients
    assert c.loc["level_change", "estimate"] == pytest.approx(-0.1116284425588618, rel=COEF)
    assert c.loc["level_change", "std_error"] == pytest.approx(0.0172247650588676, rel=SE)
    assert c.loc["level_change", "rate_ratio"] == pytest.approx(0.894376508018192, rel=COEF)
    assert c.loc["level_change", "rr_lower"] == pytest.approx(0.864686416793232, rel=SE)
    assert c.loc["level_change", "rr_upper"] == pytest.approx(0.925086045715106, rel=SE)
    assert c.loc["time", "estimate"] == pytest.approx(0.004944992032214665, rel=COEF)
    assert c.loc["time", "std_error"] == pytest.approx(0.000499229549281646, rel=SE)


def test_model_2_quasipoisson_scales_the_standard_errors():
    result = fit(2)
    assert result.dispersion == pytest.approx(3.55919463201087, rel=SE)
    c = result.coefficients.loc["level_change"]
    assert c["estimate"] == pytest.approx(-0.1116284425588618, rel=COEF)
    assert c["std_error"] == pytest.approx(0.0324959453605953, rel=SE)
    assert (c["rr_lower"], c["rr_upper"]) == pytest.approx(
        (0.839189003858915, 0.953193302601110), rel=SE)


def test_model_3_reproduces_the_tutorials_headline_rate_ratio():
    result = fit(3)
    assert result.dispersion == pytest.approx(2.26218641456038, rel=SE)
    c = result.coefficients
    assert c.loc["level_change", "estimate"] == pytest.approx(-0.1220867928985133, rel=COEF)
    assert c.loc["level_change", "std_error"] == pytest.approx(0.0270311072554056, rel=SE)
    assert c.loc["level_change", "rate_ratio"] == pytest.approx(0.885071547243929, rel=COEF)
    assert (c.loc["level_change", "rr_lower"], c.loc["level_change", "rr_upper"]) == \
        pytest.approx((0.839400955658534, 0.933227009643085), rel=SE)
    # The tutorial's published figures: 0.885 (0.839 to 0.933).
    assert round(c.loc["level_change", "rate_ratio"], 3) == 0.885
    assert c.loc["time", "estimate"] == pytest.approx(0.005389219540519018, rel=COEF)
    assert c.loc["time", "std_error"] == pytest.approx(0.000795537232369094, rel=SE)
    assert np.exp(12 * c.loc["time", "estimate"]) == pytest.approx(1.06680759688108, rel=COEF)


def test_model_4_adds_a_slope_change():
    c = fit(4).coefficients
    assert c.loc["level_change", "estimate"] == pytest.approx(-0.1318591712497617, rel=COEF)
    assert c.loc["level_change", "std_error"] == pytest.approx(0.0297912992440324, rel=SE)
    assert (c.loc["level_change", "rr_lower"], c.loc["level_change", "rr_upper"]) == \
        pytest.approx((0.826753209697354, 0.929164672865825), rel=SE)
    assert c.loc["slope_change", "estimate"] == pytest.approx(0.00148222799808580, rel=COEF)
    assert c.loc["slope_change", "std_error"] == pytest.approx(0.00185463163225313, rel=SE)
    assert c.loc["slope_change", "rate_ratio"] == pytest.approx(1.00148332704095, rel=COEF)


def newey_west_covariance(x: np.ndarray, residuals: np.ndarray, lag: int) -> np.ndarray:
    """Independent Newey-West covariance: Bartlett weights, no small-sample adjustment."""
    bread = np.linalg.inv(x.T @ x)
    scores = x * residuals[:, None]
    meat = scores.T @ scores
    for j in range(1, lag + 1):
        weight = 1 - j / (lag + 1)
        gamma = scores[j:].T @ scores[:-j]
        meat += weight * (gamma + gamma.T)
    return bread @ meat @ bread


@pytest.mark.parametrize("lag", [0, 1, 3])
def test_gaussian_hac_standard_errors_equal_an_independent_newey_west(lag):
    rng = np.random.default_rng(7)
    n = 48
    noise = np.zeros(n)
    for t in range(1, n):  # AR(1) errors: what HAC is for
        noise[t] = 0.6 * noise[t - 1] + rng.normal()
    x = design_matrix(n, 24).to_numpy()
    y = x @ np.array([10, 0.2, 3.0, -0.1]) + noise
    result = segmented_regression(y, intervention_at=24, hac_lag=lag)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    residuals = y - x @ beta
    if lag == 0:
        sigma2 = residuals @ residuals / (n - x.shape[1])
        expected = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    else:
        expected = np.sqrt(np.diag(newey_west_covariance(x, residuals, lag)))
    np.testing.assert_allclose(result.coefficients["estimate"], beta, rtol=1e-10)
    np.testing.assert_allclose(result.coefficients["std_error"], expected, rtol=1e-10)


def test_intervention_by_label_and_by_position_agree():
    months = pd.date_range("2002-01-01", periods=59, freq="MS")
    series = pd.Series(SICILY["aces"].to_numpy(), index=months)
    by_label = segmented_regression(series, intervention_at=months[36], family="poisson")
    by_date = segmented_regression(series, intervention_at="2004-12-15", family="poisson")
    by_position = segmented_regression(series, intervention_at=36, family="poisson")
    pd.testing.assert_frame_equal(by_label.coefficients, by_position.coefficients)
    pd.testing.assert_frame_equal(by_date.coefficients, by_position.coefficients)
    assert by_label.counterfactual.index.equals(months)


def test_counterfactual_equals_fitted_before_the_intervention():
    result = fit(4)
    np.testing.assert_allclose(result.fitted.iloc[:36], result.counterfactual.iloc[:36],
                               rtol=1e-12)
    assert result.ljung_box_p > 0 and 0 < result.durbin_watson < 4


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"intervention_at": 0}, "intervention_at"),
    ({"intervention_at": 58}, "intervention_at"),
    ({"intervention_at": "not a date"}, "intervention_at"),
    ({"intervention_at": 36, "family": "poisson", "offset": np.zeros(59)}, "offset"),
    ({"intervention_at": 36, "family": "binomial"}, "family"),
])
def test_bad_inputs_are_data_errors(kwargs, field):
    with pytest.raises(DataError) as caught:
        segmented_regression(SICILY["aces"], **kwargs)
    assert caught.value.field == field


def test_a_near_exact_gaussian_fit_leaves_standard_errors_it_cannot_estimate_missing():
    # Found by hypothesis in a fresh-clone CI run: Newey-West variances of the flat segment
    # came out a hair below zero and numpy warned "invalid value encountered in sqrt".
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = segmented_regression([0.0] * 7 + [1.0], intervention_at=4)
    table = result.coefficients
    assert table.loc["level_change", "std_error"] > 0
    assert table.loc[["intercept", "time"], ["std_error", "p_value"]].isna().all().all()
