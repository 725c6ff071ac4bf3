"""Proportions, rates and means with confidence intervals (OHID/PHE indicator methods).

Interval primitives are named ``<method>_interval`` and return ``(lower, upper)`` in the
caller's shape (float, ndarray, or Series with the input's index). Frame-level functions are
named after the statistic and return ``value``, ``lower_ci``, ``upper_ci``, ``confidence`` and
``method`` columns so a page can say how every number was made.

Bad input is refused with :class:`~lhs_reports.errors.DataError` naming the argument and the
row (a Series' index label, else the 1-based position): text that is not a number, ``inf`` or
``-inf``, negative counts, denominators of 0 or less, inputs of different lengths. Everything
here except :func:`mean_interval` works row by row, so a missing value gives a missing result
on its row, an all-missing input gives all-missing results and an empty input an empty result.

References
----------
.. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
   JASA 22:209-212. doi:10.1080/01621459.1927.10502953
.. [2] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, vol. II. IARC.
   (Byar's approximation to the exact Poisson interval.)
.. [3] Office for Health Improvement and Disparities. Technical guide: confidence intervals.
   PHEindicatormethods 2.1.0, ``R/utils.R``.
.. [4] Student (1908). The probable error of a mean. Biometrika 6:1-25.
   doi:10.1093/biomet/6.1.1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

from lhs_reports.stats._common import (
    align,
    as_numeric,
    check_confidence,
    check_multiplier,
    require,
    require_values,
    z_for,
)

__all__ = [
    "byar_interval",
    "crude_rate",
    "exact_poisson_interval",
    "mean_interval",
    "proportion",
    "wilson_interval",
]


def wilson_interval(successes: Any, trials: Any, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a proportion, without continuity correction.

    Parameters
    ----------
    successes
        Numerator(s) x, 0 <= x <= n. Non-integer values are allowed (as in PHE's tests).
    trials
        Denominator(s) n > 0.
    confidence
        Two-sided level in [0.9, 1).

    Returns
    -------
    tuple
        ``(lower, upper)`` on the proportion scale (0-1). NaN inputs give NaN.

    Notes
    -----
    lower, upper = (2x + z² ∓ z√(z² + 4x(1 − x/n))) / (2(n + z²)), z = Φ⁻¹(1 − α/2).
    Not clipped, as in PHEindicatormethods: ``wilson_interval(n, n)`` may return an upper
    limit of 1.0000000000000002. Validated against the PHEindicatormethods 2.1.0 test workbook
    ``testdata_Byars_Wilson.xlsx`` to 1e-9.

    Examples
    --------
    >>> lower, upper = wilson_interval(65, 100)
    >>> round(lower, 6), round(upper, 6)
    (0.552544, 0.736358)
    """
    x, n = align((successes, "successes"), (trials, "trials"))
    require(x, x.values >= 0, "successes", "must not be negative", "counts are 0 or more")
    require(n, n.values > 0, "trials", "must be greater than 0", "remove rows with no trials")
    require(
        x,
        np.isnan(n.values) | (x.values <= n.values),
        "successes",
        "must not exceed trials",
        "check the numerator and denominator columns are not swapped",
    )
    z = z_for(confidence)
    xv, nv = x.values, n.values
    with np.errstate(invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * xv * (1 - xv / nv))
    lower = (2 * xv + z**2 - root) / (2 * (nv + z**2))
    upper = (2 * xv + z**2 + root) / (2 * (nv + z**2))
    return x.wrap(lower, "lower_ci"), x.wrap(upper, "upper_ci")


def exact_poisson_interval(count: Any, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Exact (chi-squared) interval for a Poisson count, on the count scale.

    Parameters
    ----------
    count
        Observed count(s), >= 0.
    confidence
        Two-sided level in [0.9, 1).

    Returns
    -------
    tuple
        ``(lower, upper)`` counts. A count of 0 gives lower 0 (R's ``qchisq(q, 0)``), not the
        NaN scipy returns.

    Notes
    -----
    lower = χ²_{α/2}(2O)/2, upper = χ²_{1−α/2}(2O + 2)/2 (Garwood 1936,
    doi:10.1093/biomet/28.3-4.437). Validated against the PHEindicatormethods rate workbook.

    Examples
    --------
    >>> lower, upper = exact_poisson_interval(0)
    >>> lower, round(upper, 9)
    (0.0, 3.688879454)
    """
    o = as_numeric(count, "count")
    require(o, o.values >= 0, "count", "must not be negative", "counts are 0 or more")
    level = check_confidence(confidence)
    ov = o.values
    with np.errstate(invalid="ignore"):
        lower = np.where(ov == 0, 0.0, _sps.chi2.ppf((1 - level) / 2, 2 * ov) / 2)
        upper = _sps.chi2.ppf(level + (1 - level) / 2, 2 * ov + 2) / 2
    lower = np.where(np.isnan(ov), np.nan, lower)
    return o.wrap(lower, "lower_ci"), o.wrap(upper, "upper_ci")


def byar_interval(count: Any, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Byar's approximation to the exact Poisson interval, in PHE's form, on the count scale.

    Parameters
    ----------
    count
        Observed count(s), >= 0. Intended for counts of 10 or more (PHE uses the exact
        interval below 10).
    confidence
        Two-sided level in [0.9, 1).

    Returns
    -------
    tuple
        ``(lower, upper)`` counts. A negative lower limit (tiny counts at high confidence) is
        NaN, as in PHEindicatormethods.

    Notes
    -----
    lower = O(1 − 1/(9O) − z/(3√O))³, upper = (O+1)(1 − 1/(9(O+1)) + z/(3√(O+1)))³.
    This is *not* epitools' ``pois.byar``, which uses O + 0.5 in both limits. Validated
    against PHEindicatormethods 2.1.0 ``testdata_Byars_Wilson.xlsx`` to 1e-9.

    Examples
    --------
    >>> lower, upper = byar_interval(65)
    >>> round(lower, 6), round(upper, 6)
    (50.163188, 82.849139)
    """
    o = as_numeric(count, "count")
    require(o, o.values >= 0, "count", "must not be negative", "counts are 0 or more")
    z = z_for(confidence)
    ov = o.values
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = ov * (1 - 1 / (9 * ov) - z / (3 * np.sqrt(ov))) ** 3
        upper = (ov + 1) * (1 - 1 / (9 * (ov + 1)) + z / (3 * np.sqrt(ov + 1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return o.wrap(lower, "lower_ci"), o.wrap(upper, "upper_ci")


def crude_rate(count: Any, population: Any, *, confidence: float = 0.95,
               multiplier: float = 100_000) -> Any:
    """Crude rate per ``multiplier`` with PHE's confidence interval: exact below 10 events,
    Byar from 10.

    Returns a DataFrame with ``value``, ``lower_ci``, ``upper_ci``, ``confidence``, ``method``.

    Examples
    --------
    >>> row = crude_rate(20, 100, multiplier=100).iloc[0]
    >>> float(row["value"]), row["method"]
    (20.0, 'Byar')
    """
    o, n = align((count, "count"), (population, "population"))
    require(o, o.values >= 0, "count", "must not be negative", "counts are 0 or more")
    require(n, n.values > 0, "population", "must be greater than 0",
            "remove rows with no population")
    exact_lo, exact_hi = exact_poisson_interval(o.values, confidence=confidence)
    byar_lo, byar_hi = byar_interval(o.values, confidence=confidence)
    small = o.values < 10
    lower = np.where(small, exact_lo, byar_lo) / n.values * multiplier
    upper = np.where(small, exact_hi, byar_hi) / n.values * multiplier
    missing = np.array(None, dtype=object)
    method = np.where(np.isnan(o.values), missing, np.where(small, "Exact", "Byar"))
    frame = pd.DataFrame(
        {"value": o.values / n.values * multiplier, "lower_ci": lower, "upper_ci": upper,
         "confidence": check_confidence(confidence), "method": method},
        index=o.index,
    )
    return frame


def proportion(successes: Any, trials: Any, *, confidence: float = 0.95,
               multiplier: float = 1) -> pd.DataFrame:
    """Proportion (or percentage) with PHE's Wilson score confidence interval.

    Parameters
    ----------
    successes
        Numerator(s) x, 0 <= x <= n: a scalar, array-like or Series. Non-integer values are
        allowed (as in PHE's tests). NaN gives a NaN row.
    trials
        Denominator(s) n > 0, same length as ``successes`` (a scalar broadcasts).
    confidence
        Two-sided level in [0.9, 1).
    multiplier
        Scale of the output: 1 for a proportion, 100 for a percentage.

    Returns
    -------
    pandas.DataFrame
        One row per input (a Series' index is kept; a scalar gives one row) with ``value``,
        ``lower_ci``, ``upper_ci``, ``confidence``, ``method`` (``"Wilson"``) and ``statistic``
        (``"percentage"`` when ``multiplier`` is 100, else ``"proportion of <multiplier>"``).
        A NaN numerator or denominator gives NaN value and limits (method still set, as PHE).

    Raises
    ------
    DataError
        Negative numerators, denominators <= 0, numerators above their denominators, inputs of
        different lengths, a bad confidence level or a multiplier <= 0.

    Notes
    -----
    value = x/n × multiplier; the limits are the Wilson score interval without continuity
    correction, :func:`wilson_interval`, times the multiplier. Not clipped to [0, 1], as in
    PHEindicatormethods ``phe_proportion``. Validated against the PHEindicatormethods 2.1.0
    workbook ``testdata_Proportion.xlsx`` to 1e-9.

    References
    ----------
    Wilson EB (1927), doi:10.1080/01621459.1927.10502953; OHID PHEindicatormethods 2.1.0,
    ``R/Proportions.R``.

    Examples
    --------
    >>> proportion(20, 100, multiplier=100).round(4)
       value  lower_ci  upper_ci  confidence method   statistic
    0   20.0   13.3367   28.8829        0.95 Wilson  percentage
    """
    scale = check_multiplier(multiplier)
    x, n = align((successes, "successes"), (trials, "trials"))
    # The original inputs, so that errors name the caller's row labels.
    lower, upper = wilson_interval(successes, trials, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x.values / n.values * scale
    statistic = "percentage" if scale == 100 else f"proportion of {scale:g}"
    return pd.DataFrame(
        {"value": value, "lower_ci": np.asarray(lower, float).reshape(-1) * scale,
         "upper_ci": np.asarray(upper, float).reshape(-1) * scale,
         "confidence": check_confidence(confidence), "method": "Wilson", "statistic": statistic},
        index=x.index,
    )


def mean_interval(values: Any, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean with a Student's t confidence interval, as PHE's ``phe_mean``.

    Parameters
    ----------
    values
        The observations: array-like or Series. NaN values are dropped.
    confidence
        Two-sided level in [0.9, 1).

    Returns
    -------
    pandas.DataFrame
        One row with ``value`` (the mean), ``lower_ci``, ``upper_ci``, ``confidence``,
        ``method`` (``"Student's t"``), ``sd`` (the sample standard deviation) and ``count``
        (the number of non-missing values).

    Raises
    ------
    DataError
        Fewer than two non-missing values (an empty or all-missing input), infinite or
        non-numeric values (naming the row), or a bad confidence level.

    Notes
    -----
    mean ± t_{1−α/2, k−1} × s/√k, with s the sample standard deviation (divisor k − 1). Values
    that are all equal give sd 0 and an interval of zero width at the mean. Assumes
    independent observations from a roughly normal distribution (or enough of them for the
    central limit theorem). Validated against PHEindicatormethods 2.1.0 ``testdata_Mean.xlsx``
    to 1e-9.

    References
    ----------
    Student (1908), doi:10.1093/biomet/6.1.1; OHID PHEindicatormethods 2.1.0, ``R/Means.R``.

    Examples
    --------
    >>> mean_interval([2.0, 4.0, 6.0, float("nan")]).round(4)
       value  lower_ci  upper_ci  confidence       method   sd  count
    0    4.0   -0.9683    8.9683        0.95  Student's t  2.0      3
    """
    level = check_confidence(confidence)
    v = as_numeric(values, "values")
    count = require_values(v, "values", at_least=2,
                           hint="a confidence interval for a mean needs two or more observations")
    kept = v.values[~np.isnan(v.values)]
    mean = float(np.mean(kept))
    sd = float(np.std(kept, ddof=1))
    half = float(_sps.t.ppf(level + (1 - level) / 2, count - 1)) * sd / np.sqrt(count)
    return pd.DataFrame(
        {"value": [mean], "lower_ci": [mean - half], "upper_ci": [mean + half],
         "confidence": [level], "method": ["Student's t"], "sd": [sd], "count": [count]},
    )
