"""Interrupted time series: segmented regression on statsmodels.

``y_t = b0 + b1 t + b2 D_t + b3 (t - T0) D_t`` with ``t = 1..n``, ``D_t`` = 1 after the
intervention and ``T0`` the last pre-intervention time: ``b2`` is the change in level, ``b3``
the change in slope (Lopez Bernal et al.'s parametrisation).

- ``family="gaussian"``: OLS with Newey-West (HAC) standard errors at ``hac_lag`` (Bartlett
  kernel, no small-sample adjustment: R ``sandwich::NeweyWest(m, lag=L, prewhite=FALSE,
  adjust=FALSE)``). The default lag is ``floor(4 (n/100)^(2/9))`` (Newey and West 1994).
- ``family="poisson"`` / ``"quasipoisson"``: a log-linear GLM for counts, optionally with a
  population offset (``log(offset)``); quasi-Poisson scales the standard errors by the Pearson
  dispersion X^2 / (n - p), as R's ``quasipoisson`` does. Effects are rate ratios.
- ``seasonality_harmonics=k`` adds k Fourier pairs sin/cos(2 pi j period_position / period).

Validated against Lopez Bernal, Cummins & Gasparrini (2017) on their Sicily data (rate ratio
of the smoking ban 0.885, 0.839-0.933) to 1e-6 (coefficients) and 1e-5 (quasi-Poisson
dispersion and standard errors, which differ from R's IRLS by ~2e-6 relative).

References
----------
.. [1] Lopez Bernal J, Cummins S, Gasparrini A (2017). Interrupted time series regression for the
   evaluation of public health interventions: a tutorial. Int J Epidemiol 46(1):348-355.
   doi:10.1093/ije/dyw098
.. [2] Newey WK, West KD (1994). Automatic lag selection in covariance matrix estimation.
   Rev Econ Stud 61(4):631-653. doi:10.2307/2297912
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as scipy_stats
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from lhs_reports.errors import DataError
from lhs_reports.stats._common import (
    Numeric,
    as_numeric,
    check_confidence,
    require,
    require_values,
    row_label,
    shown,
    z_for,
)

Family = Literal["gaussian", "poisson", "quasipoisson"]
MIN_POINTS_EACH_SIDE = 3
#: A quasi-Poisson dispersion below this means the model fits every count exactly.
MIN_DISPERSION: Final = 1e-10


@dataclass(frozen=True)
class SegmentedRegression:
    """The fitted model and what a report needs from it."""

    coefficients: pd.DataFrame
    fitted: pd.Series
    counterfactual: pd.Series
    family: Family
    method: str
    confidence: float
    dispersion: float
    durbin_watson: float
    ljung_box_p: float
    intervention_position: int
    hac_lag: int | None
    attrs: dict[str, Any] = field(default_factory=dict)

    def _effect(self, term: str) -> pd.Series:
        return self.coefficients.loc[term]

    @property
    def level_change(self) -> pd.Series:
        """Change in level at the intervention (``level_change`` row)."""
        return self._effect("level_change")

    @property
    def slope_change(self) -> pd.Series:
        """Change in slope per period after the intervention (``slope_change`` row)."""
        return self._effect("slope_change")


def _default_lag(n: int) -> int:
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def _position(index: pd.Index, intervention_at: Any) -> int:
    if intervention_at in index:
        return int(index.get_loc(intervention_at))
    if isinstance(intervention_at, (int, np.integer)):
        return int(intervention_at)
    try:
        stamp = pd.Timestamp(intervention_at)
    except (TypeError, ValueError):
        stamp = None
    if stamp is not None and isinstance(index, pd.DatetimeIndex):
        after = np.flatnonzero(index >= stamp)
        if len(after):
            return int(after[0])
    raise DataError(f"intervention point {intervention_at!r} is not in the series",
                    field="intervention_at",
                    hint="give the first post-intervention index label (e.g. a month) or position")


def _complete(numeric: Numeric, name: str, hint: str) -> None:
    """Raise :class:`DataError` at the first missing value of ``numeric``."""
    missing = np.isnan(numeric.values)
    if missing.any():
        label = row_label(numeric.index, int(np.flatnonzero(missing)[0]))
        raise DataError(f"{name} has a missing value at row {label}", field=name, row=label,
                        hint=hint)


def _per_point(x: Any, name: str, n: int, hint: str) -> Numeric:
    """A complete, finite numeric input with one value per point of the series."""
    numeric = as_numeric(x, name)
    if numeric.scalar or len(numeric.values) != n:
        size = "one value" if numeric.scalar else f"{len(numeric.values)} values"
        raise DataError(f"{name} has {size} but the series has {n} points", field=name,
                        hint=hint)
    _complete(numeric, name, hint)
    return numeric


def _whole(value: Any, name: str, low: int) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
            or not float(value).is_integer() or value < low):
        raise DataError(f"{name} must be a whole number of at least {low}, got {shown(value)}",
                        field=name)
    return int(value)


def _check_events(y: np.ndarray, position: int, labels: pd.Index | None) -> None:
    """A rate ratio needs events: in the series, before and after the intervention."""
    if not y.sum() > 0:
        raise DataError("no events: a rate ratio cannot be estimated (every count is 0)",
                        field="values", hint="a Poisson model needs some events; check the "
                        "counts, or report that there were none")
    for part, rows in (("before", slice(0, position)), ("after", slice(position, None))):
        if not y[rows].sum() > 0:
            first = row_label(labels, range(len(y))[rows][0])
            raise DataError(f"no events {part} the intervention: the change in level cannot "
                            "be estimated as a rate ratio", field="values", row=first,
                            hint="a Poisson model needs events on both sides of the "
                            "intervention")


def _fit_counts(model: Any, family: str) -> Any:
    """Poisson fit; quasi-Poisson rescales by the Pearson dispersion, refusing an exact fit."""
    with warnings.catch_warnings():
        # Events on both sides are checked first, so a count series fitted exactly (e.g. a
        # constant one) is a perfect fit, not the separation statsmodels warns about.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit(tol=1e-12)
        if family == "poisson":
            return fit
        if not fit.pearson_chi2 / fit.df_resid >= MIN_DISPERSION:
            raise DataError(
                "the model fits every count exactly (e.g. a constant series): the quasi-"
                "Poisson dispersion is 0, so its standard errors cannot be estimated",
                field="values", hint="use family='poisson', whose standard errors do not "
                "come from the residuals")
        # Start from the Poisson fit: statsmodels' own first guess fails on a constant series.
        return model.fit(scale="X2", tol=1e-12, start_params=fit.params)


def design_matrix(n: int, position: int, *, slope_change: bool = True,
                  harmonics: int = 0, period: int = 12,
                  period_position: np.ndarray | None = None) -> pd.DataFrame:
    """The segmented-regression design: intercept, time (1..n), level and slope change, and
    optional Fourier terms.

    Examples
    --------
    >>> design_matrix(5, 3).to_numpy().tolist()
    [[1.0, 1.0, 0.0, 0.0], [1.0, 2.0, 0.0, 0.0], [1.0, 3.0, 0.0, 0.0], [1.0, 4.0, 1.0, 1.0],
     [1.0, 5.0, 1.0, 2.0]]
    """
    time = np.arange(1, n + 1, dtype=float)
    after = (np.arange(n) >= position).astype(float)
    columns = {"intercept": np.ones(n), "time": time, "level_change": after}
    if slope_change:
        # (time - T0) x D with T0 the last pre-intervention time, as Lopez Bernal et al.:
        # 1 at the first post-intervention point.
        columns["slope_change"] = (time - position) * after
    phase = (np.arange(n) if period_position is None else np.asarray(period_position, float))
    for k in range(1, harmonics + 1):
        columns[f"sin{k}"] = np.sin(2 * np.pi * k * phase / period)
        columns[f"cos{k}"] = np.cos(2 * np.pi * k * phase / period)
    return pd.DataFrame(columns)


def _standard_errors(fit: Any, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors and two-sided p-values, as statsmodels gives them, without its warning
    for a near-exact fit: there a variance can come out zero or a hair below it (Newey-West and
    OLS covariances are positive semi-definite, so only round-off makes one negative). Such a
    coefficient's standard error cannot be estimated: it is NaN, as are its interval and
    p-value."""
    with np.errstate(invalid="ignore", divide="ignore"):
        variances = np.diag(np.asarray(fit.cov_params()))
        bse = np.sqrt(np.where(variances > 0, variances, np.nan))
        statistic = np.abs(params) / bse
    reference = scipy_stats.t(fit.df_resid) if fit.use_t else scipy_stats.norm
    p_value = np.where(np.isnan(statistic), np.nan, 2 * reference.sf(np.nan_to_num(statistic)))
    return bse, p_value


def segmented_regression(
    values: Any,
    *,
    intervention_at: Any,
    family: Family = "gaussian",
    offset: Any = None,
    hac_lag: int | None = None,
    seasonality_harmonics: int = 0,
    period: int = 12,
    period_position: Any = None,
    slope_change: bool = True,
    confidence: float = 0.95,
) -> SegmentedRegression:
    """Fit an interrupted time series (segmented regression).

    Parameters
    ----------
    values
        The outcome in time order (Series or array-like); counts for the Poisson families.
    intervention_at
        The first post-intervention point: an index label (e.g. a month), a date, or a position.
    family
        ``"gaussian"`` (OLS, Newey-West SEs), ``"poisson"`` or ``"quasipoisson"`` (log link).
    offset
        Population (or person-time) for a rate model (Poisson families only); its log is the
        offset. Must be positive, one value per point.
    hac_lag
        Newey-West lag for the Gaussian model (default ``floor(4 (n/100)^(2/9))``; 0 = OLS SEs).
    seasonality_harmonics
        Number of Fourier pairs for seasonality.
    period, period_position
        Season length, and each point's position in the season (e.g. calendar month);
        by default positions 0, 1, 2, ... from the first point.
    slope_change
        Include the change-in-slope term.
    confidence
        Level of the confidence intervals.

    Returns
    -------
    SegmentedRegression
        ``coefficients`` has ``estimate``, ``std_error``, ``lower_ci``, ``upper_ci``,
        ``p_value`` (and ``rate_ratio``, ``rr_lower``, ``rr_upper`` for log links).

    Raises
    ------
    DataError
        ``values`` (or ``offset``, ``period_position``) with text that is not a number, an
        infinite or missing value (naming the row) or the wrong length; an intervention
        leaving fewer than 3 points on a side; more terms than points; a Gaussian series
        whose values are all equal (no variation to model); for the Poisson families,
        negative counts, no events at all ("no events: a rate ratio cannot be estimated") or
        none before or after the intervention, an offset of 0 or less; for quasi-Poisson, a
        model that fits every count exactly, such as a constant series (dispersion 0, so no
        standard errors: use ``family="poisson"``); a bad option.

    Notes
    -----
    A constant count series is a legitimate Poisson fit: rate ratios of 1 with Poisson
    standard errors (statsmodels' perfect-prediction warning is silenced, since events on
    both sides of the intervention are checked first). When the residuals are exactly 0 the
    Durbin-Watson statistic and Ljung-Box p-value are NaN.

    Examples
    --------
    >>> y = [10, 11, 12, 13, 14, 20, 21, 22, 23, 24]
    >>> fit = segmented_regression(y, intervention_at=5, hac_lag=0)
    >>> round(float(fit.level_change["estimate"]), 6), round(float(fit.slope_change["estimate"]), 6)
    (5.0, 0.0)
    """
    if family not in ("gaussian", "poisson", "quasipoisson"):
        raise DataError(f"family must be gaussian, poisson or quasipoisson, got {family!r}",
                        field="family", hint="use poisson/quasipoisson for counts")
    check_confidence(confidence)
    hac_lag = None if hac_lag is None else _whole(hac_lag, "hac_lag", 0)
    harmonics = _whole(seasonality_harmonics, "seasonality_harmonics", 0)
    numeric = as_numeric(values, "values")
    require_values(numeric, "values", hint="pass the outcome for every period")
    _complete(numeric, "values", "segmented regression needs a complete series; impute or trim")
    y, labels = numeric.values, numeric.index
    n = len(y)
    index = labels if labels is not None else pd.RangeIndex(n)
    position = _position(index, intervention_at)
    if position < MIN_POINTS_EACH_SIDE or n - position < MIN_POINTS_EACH_SIDE:
        raise DataError(
            f"the intervention must leave at least {MIN_POINTS_EACH_SIDE} points on each side "
            f"(it leaves {position} before and {n - position} after)",
            field="intervention_at", hint="check the intervention date against the series")
    if harmonics:
        if not (isinstance(period, (int, float, np.number)) and not isinstance(period, bool)
                and np.isfinite(period) and period > 0):
            raise DataError(f"period must be a positive number, got {shown(period)}",
                            field="period", hint="12 for months, 52 for weeks")
        if period_position is not None:
            period_position = _per_point(period_position, "period_position", n,
                                         "give each point's position in the season").values
    exog = design_matrix(n, position, slope_change=slope_change, harmonics=harmonics,
                         period=period, period_position=period_position)
    if n <= exog.shape[1]:
        raise DataError(f"{n} points cannot fit {exog.shape[1]} terms", field="values",
                        hint="use fewer seasonal harmonics or a longer series")
    z = z_for(confidence)
    if family == "gaussian":
        if offset is not None:
            raise DataError("offset is for the Poisson families (a rate model), not gaussian",
                            field="offset", hint="use family='poisson' or 'quasipoisson' with "
                            "counts and a population offset, or divide before a gaussian fit")
        if np.ptp(y) == 0:
            raise DataError(f"values are all equal ({y[0]:g}): there is no variation for a "
                            "segmented regression to model", field="values",
                            hint="a constant series shows no change at the intervention")
        lag = _default_lag(n) if hac_lag is None else hac_lag
        model = sm.OLS(y, exog)
        fit = (model.fit(cov_type="HAC", cov_kwds={"maxlags": lag}) if lag > 0
               else model.fit())
        dispersion = float(fit.scale)
        method = (f"OLS segmented regression, Newey-West standard errors (lag {lag})" if lag
                  else "OLS segmented regression")
        residuals = np.asarray(fit.resid)
    else:
        require(numeric, y >= 0, "values", "must not be negative",
                "Poisson models need counts of 0 or more")
        _check_events(y, position, labels)
        log_offset = None
        if offset is not None:
            off = _per_point(offset, "offset", n, "give the population for every period")
            require(off, off.values > 0, "offset", "must be greater than 0",
                    "give the population for every period")
            log_offset = np.log(off.values)
        model = sm.GLM(y, exog, family=sm.families.Poisson(), offset=log_offset)
        fit = _fit_counts(model, family)
        dispersion = float(fit.scale)
        method = ("quasi-Poisson" if family == "quasipoisson" else "Poisson") + \
            " segmented regression (log link" + (", population offset)" if offset is not None
                                                 else ")")
        lag = None
        residuals = np.asarray(fit.resid_deviance)
    params = np.asarray(fit.params)
    bse, p_value = _standard_errors(fit, params)
    coefficients = pd.DataFrame({
        "estimate": params, "std_error": bse,
        "lower_ci": params - z * bse, "upper_ci": params + z * bse,
        "p_value": p_value,
    }, index=exog.columns)
    if family != "gaussian":
        coefficients["rate_ratio"] = np.exp(coefficients["estimate"])
        coefficients["rr_lower"] = np.exp(coefficients["lower_ci"])
        coefficients["rr_upper"] = np.exp(coefficients["upper_ci"])
    counter_exog = exog.copy()
    counter_exog[["level_change"] + (["slope_change"] if slope_change else [])] = 0.0
    if family == "gaussian":
        fitted = np.asarray(fit.fittedvalues)
        counterfactual = counter_exog.to_numpy() @ params
    else:
        base = 0.0 if log_offset is None else log_offset
        fitted = np.exp(exog.to_numpy() @ params + base)
        counterfactual = np.exp(counter_exog.to_numpy() @ params + base)
    with np.errstate(divide="ignore", invalid="ignore"):  # an exact fit: NaN diagnostics
        lb = acorr_ljungbox(residuals, lags=[min(12, n // 4)], return_df=True)
        watson = float(durbin_watson(residuals))
    return SegmentedRegression(
        coefficients=coefficients,
        fitted=pd.Series(fitted, index=index, name="fitted"),
        counterfactual=pd.Series(counterfactual, index=index, name="counterfactual"),
        family=family, method=method, confidence=confidence, dispersion=dispersion,
        durbin_watson=watson,
        ljung_box_p=float(lb["lb_pvalue"].iloc[0]),
        intervention_position=position, hac_lag=lag, attrs={"kind": "its"},
    )
