"""Funnel plots: PHE/Fingertips exact limits, and Spiegelhalter overdispersed limits.

Compute here, draw in :mod:`lhs_reports.plots.funnel`. Two flavours share one result object,
:class:`FunnelResult`:

- **PHE / Fingertips** (this module; PHEindicatormethods 2.1.0 ``R/Funnels.R``):
  :func:`proportion_funnel`, :func:`ratio_funnel` and :func:`rate_funnel`, built on
  :func:`funnel_limits` (limits at given denominators) and :func:`funnel_grid` (PHE's
  100-row axis table), both from :mod:`lhs_reports.stats.funnel_phe` and re-exported here.
  No overdispersion adjustment.
- **Spiegelhalter (2005) with overdispersion** (:mod:`lhs_reports.stats.funnel_od`, re-exported
  here): :func:`overdispersed_funnel`, following FunnelPlotR 0.6.0.

Where we follow PHE and where we deviate (also on the site's funnel methods page):

- Proportions: the limit at sample size n is the proportion whose Wilson score interval just
  reaches the pooled proportion. PHE's closed form ``sigma_adjustment`` simplifies to
  p̄ ∓ z√(p̄(1 − p̄)/n); we compute that form, which agrees to ~1e-12 and stays precise near
  0 and 1. PHE clips limits to [0, 100] whatever the multiplier; we clip to
  [0, multiplier] (the same at 100).
- Ratios and rates: the limits are the exact Poisson limits PHE's ``poisson_funnel`` finds by
  bisection (tolerance 1e-7), solved here exactly with the inverse regularised gamma
  function, so they can be evaluated at any expected count or population rather than only at
  PHE's grid of whole observed counts. Identical at PHE's grid points, to the bisection's
  tolerance.
- Significance uses PHE's rules exactly: proportions against the limits; ratios and rates by
  whether the target lies outside the organisation's exact (fewer than 10 events) or Byar
  interval. With 10 or more events Byar's approximation can, very rarely, disagree with the
  exact limits at the boundary; ``significance`` and ``outlier`` follow PHE.
- The ratio funnel is centred on 1 (times the multiplier, e.g. 100 for an ISR), as PHE's ratio
  funnel and significance test are: the expected counts already carry the benchmark.
- Rates: PHE draws rate funnels on a grid of whole event counts per year of data; we draw on a
  grid of populations built the same way and evaluate the exact limits there. The curves are
  the same; only the points at which they are sampled differ.

References
----------
.. [1] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
   24:1185-1202. doi:10.1002/sim.1970
.. [2] Public Health England. Technical guide: funnel plots (Fingertips technical guidance);
   PHEindicatormethods 2.1.0, ``R/Funnels.R`` and ``R/utils.R``.
.. [3] Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
   JASA 22:209-212. doi:10.1080/01621459.1927.10502953
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import check_multiplier
from lhs_reports.stats._funnel_common import (
    FunnelResult,
    FunnelWarning,
    UnadjustedLimitsWarning,
    check_levels,
    funnel_outliers,
    organisations,
    outlier_from_significance,
    pooled,
    significance_labels,
)
from lhs_reports.stats.funnel_od import overdispersed_funnel
from lhs_reports.stats.funnel_phe import (
    Statistic,
    funnel_grid,
    funnel_limits,
    proportion_bounds,
)
from lhs_reports.stats.rates import crude_rate

__all__ = [
    "FunnelResult",
    "FunnelWarning",
    "UnadjustedLimitsWarning",
    "funnel_grid",
    "funnel_limits",
    "funnel_outliers",
    "overdispersed_funnel",
    "proportion_funnel",
    "rate_funnel",
    "ratio_funnel",
]

_METHODS = {
    "proportion": "PHE funnel: Wilson score limits around the pooled proportion",
    "ratio": "PHE funnel: exact Poisson limits around a ratio of 1 (as expected)",
    "rate": "PHE funnel: exact Poisson limits around the pooled rate",
}


_FLAT = {
    "proportion": "the pooled proportion is {:g} (no organisation differs from any other): the "
                  "limits have zero width and every organisation is 'Not significant'",
    "rate": "no organisation has any events, so the pooled rate is {:g}: the limits have zero "
            "width and every organisation is 'Not significant'",
}


def _phe_funnel(frame: pd.DataFrame, *, statistic: Statistic, average: float,
                levels: tuple[float, ...], scale: float, names: tuple[str, str]) -> FunnelResult:
    """Points, significance and drawing limits for a PHE funnel around ``average``."""
    missing = frame[["numerator", "denominator"]].isna().any(axis=1).to_numpy()
    if missing.all():
        detail = "no rows" if frame.empty else f"all {len(frame)} rows have a missing value"
        raise DataError(f"no organisation has both {names[0]} and {names[1]} ({detail})",
                        field=names[0],
                        hint="pass at least one complete row")
    if average == 0 or (statistic == "proportion" and average == 1):
        warnings.warn(_FLAT[statistic].format(average * scale), FunnelWarning, stacklevel=3)
    num = frame["numerator"].to_numpy(float)
    den = frame["denominator"].to_numpy(float)
    points = frame.copy()
    points["value"] = num / den * scale
    limits = funnel_limits(frame["denominator"], target=average * scale, statistic=statistic,
                           confidence=levels, multiplier=scale)
    for column in limits.columns.drop("denominator"):
        points[column] = limits[column].to_numpy()
    high: dict[float, np.ndarray] = {}
    low: dict[float, np.ndarray] = {}
    for level in levels:
        if statistic == "proportion":
            lower, upper = proportion_bounds(den, average, level)
            low[level], high[level] = num / den < lower, num / den > upper
        else:  # PHE: is the target outside the organisation's exact/Byar interval?
            interval = crude_rate(num, den, confidence=level, multiplier=1)
            high[level] = average < interval["lower_ci"].to_numpy()
            low[level] = average > interval["upper_ci"].to_numpy()
    labels = significance_labels(high, low, missing)
    top = max(levels)
    points["significance"] = pd.Series(labels, index=points.index, dtype=object)
    points["outlier"] = pd.Series(outlier_from_significance(labels, top), index=points.index,
                                  dtype=object)
    grid = funnel_grid(den[~missing], statistic=statistic)
    drawing = funnel_limits(grid, target=average * scale, statistic=statistic,
                            confidence=levels, multiplier=scale)
    return FunnelResult(points=points, limits=drawing, target=average * scale,
                        statistic=statistic, method=_METHODS[statistic], confidence=levels,
                        multiplier=scale, phi=None, tau2=None, adjusted=False,
                        outlier_confidence=top)


def proportion_funnel(successes: Any, trials: Any, *,
                      confidence: float | Sequence[float] = (0.95, 0.998),
                      multiplier: float = 100) -> FunnelResult:
    """PHE/Fingertips funnel for proportions: Wilson score limits around the pooled proportion.

    Parameters
    ----------
    successes
        Numerators x per organisation, 0 <= x <= n. A Series' index (e.g. trust codes) becomes
        the index of ``points``; rows sharing a label are summed.
    trials
        Denominators n > 0.
    confidence
        Limit levels (default 95% and 99.8%).
    multiplier
        100 for percentages.

    Returns
    -------
    FunnelResult
        Target p̄ = Σx / Σn (times the multiplier); ``significance`` with PHE's labels
        ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant");
        ``outlier`` from the highest level.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value (naming the argument and row),
        negative successes, trials of 0 or less, successes above trials, no complete row.

    Warns
    -----
    FunnelWarning
        When the pooled proportion is 0 or 1 (no successes anywhere, or nothing but): the
        limits then have zero width and every organisation is "Not significant".

    Notes
    -----
    An organisation is "High (0.001)" when x/n is above the 99.8% limit at its n, and so on,
    as PHEindicatormethods ``assign_funnel_significance`` (strict comparisons). See
    :func:`funnel_limits` for the limits.

    Examples
    --------
    >>> trusts = pd.Index(["RAA", "RBB", "RCC"])
    >>> result = proportion_funnel(pd.Series([45, 300, 900], trusts),
    ...                            pd.Series([100, 500, 1000], trusts))
    >>> round(result.target, 2)
    77.81
    >>> result.points["significance"].tolist()
    ['Low (0.001)', 'Low (0.001)', 'High (0.001)']
    """
    levels = check_levels(confidence)
    scale = check_multiplier(multiplier)
    frame = organisations(successes, trials, names=("successes", "trials"), proportion=True)
    complete = frame.dropna()
    average = pooled(complete["numerator"]) / pooled(complete["denominator"]) if len(
        complete) else math.nan
    return _phe_funnel(frame, statistic="proportion", average=average, levels=levels,
                       scale=scale, names=("successes", "trials"))


def ratio_funnel(observed: Any, expected: Any, *,
                 confidence: float | Sequence[float] = (0.95, 0.998),
                 multiplier: float = 1) -> FunnelResult:
    """PHE/Fingertips funnel for indirectly standardised ratios (observed / expected).

    Parameters
    ----------
    observed
        Observed counts O >= 0 per organisation (a Series' index labels the points).
    expected
        Expected counts E > 0.
    confidence
        Limit levels (default 95% and 99.8%).
    multiplier
        1 for a ratio, 100 for an ISR / SMR written as 100.

    Returns
    -------
    FunnelResult
        Target 1 × multiplier; exact Poisson limits at each E; PHE's significance labels.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value (naming the argument and row),
        negative observed counts, expected counts of 0 or less, no complete row. Observed
        counts that are all 0 are not an error: each is judged against its expected count.

    Notes
    -----
    Significance as PHE ``funnel_ratio_significance``: "High (0.001)" when the 99.8% interval
    of O/E lies wholly above 1, using the exact (chi-squared) interval below 10 events and
    Byar's approximation from 10.

    Examples
    --------
    >>> result = ratio_funnel([30, 12, 40], [20.0, 15.0, 41.5])
    >>> result.target, result.points["significance"].tolist()
    (1.0, ['High (0.025)', 'Not significant', 'Not significant'])
    """
    levels = check_levels(confidence)
    scale = check_multiplier(multiplier)
    frame = organisations(observed, expected, names=("observed", "expected"), proportion=False)
    return _phe_funnel(frame, statistic="ratio", average=1.0, levels=levels, scale=scale,
                       names=("observed", "expected"))


def rate_funnel(count: Any, population: Any, *,
                confidence: float | Sequence[float] = (0.95, 0.998),
                multiplier: float = 100_000) -> FunnelResult:
    """PHE/Fingertips funnel for crude rates: exact Poisson limits around the pooled rate.

    Parameters
    ----------
    count
        Event counts >= 0 per organisation (a Series' index labels the points).
    population
        Populations > 0 (person-years when several years are pooled).
    confidence
        Limit levels (default 95% and 99.8%).
    multiplier
        Rates per ``multiplier`` people (default 100,000).

    Returns
    -------
    FunnelResult
        Target = Σcount / Σpopulation × multiplier; the limits at each population are the
        ratio funnel at the expected count population × average rate, times the average rate.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value (naming the argument and row),
        negative counts, populations of 0 or less, no complete row.

    Warns
    -----
    FunnelWarning
        When no organisation has any events: the pooled rate is 0, the limits have zero width
        and every organisation is "Not significant".

    Notes
    -----
    Significance as PHE for crude rates: the average rate against the organisation's exact
    (fewer than 10 events) or Byar interval. PHE's directly standardised rate funnels (where
    fewer than 10 events is "not applicable") are not implemented.

    Examples
    --------
    >>> result = rate_funnel([50, 210, 95], [100_000, 150_000, 80_000])
    >>> round(result.target, 1)
    107.6
    >>> result.outliers.to_dict()
    {0: 'low', 1: 'high'}
    """
    levels = check_levels(confidence)
    scale = check_multiplier(multiplier)
    frame = organisations(count, population, names=("count", "population"), proportion=False)
    complete = frame.dropna()
    average = pooled(complete["numerator"]) / pooled(complete["denominator"]) if len(
        complete) else math.nan
    return _phe_funnel(frame, statistic="rate", average=average, levels=levels, scale=scale,
                       names=("count", "population"))
