"""Proportions, rates and means with confidence intervals (OHID/PHE indicator methods).

Interval primitives are named ``<method>_interval`` and return ``(lower, upper)`` in the
caller's shape (float, ndarray, or Series with the input's index). Frame-level functions are
named after the statistic and return ``value``, ``lower_ci``, ``upper_ci``, ``confidence`` and
``method`` columns so a page can say how every number was made.

References
----------
.. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
   JASA 22:209-212. doi:10.1080/01621459.1927.10502953
.. [2] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, vol. II. IARC.
   (Byar's approximation to the exact Poisson interval.)
.. [3] Office for Health Improvement and Disparities. Technical guide: confidence intervals.
   PHEindicatormethods 2.1.0, ``R/utils.R``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as _sps

from lhs_reports.stats._common import align, as_numeric, check_confidence, require, z_for

__all__ = ["byar_interval", "exact_poisson_interval", "wilson_interval"]


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
    import pandas as pd

    o, n = align((count, "count"), (population, "population"))
    require(o, o.values >= 0, "count", "must not be negative", "counts are 0 or more")
    require(n, n.values > 0, "population", "must be greater than 0",
            "remove rows with no population")
    exact_lo, exact_hi = exact_poisson_interval(o.values, confidence=confidence)
    byar_lo, byar_hi = byar_interval(o.values, confidence=confidence)
    small = o.values < 10
    lower = np.where(small, exact_lo, byar_lo) / n.values * multiplier
    upper = np.where(small, exact_hi, byar_hi) / n.values * multiplier
    method = np.where(np.isnan(o.values), None, np.where(small, "Exact", "Byar"))
    frame = pd.DataFrame(
        {"value": o.values / n.values * multiplier, "lower_ci": lower, "upper_ci": upper,
         "confidence": check_confidence(confidence), "method": method},
        index=o.index,
    )
    return frame
