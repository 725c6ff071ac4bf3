"""PHE/Fingertips funnel limits: where the 95% and 99.8% limits lie at a given denominator.

The primitives behind :func:`lhs_reports.stats.funnel.proportion_funnel`, ``ratio_funnel`` and
``rate_funnel`` (PHEindicatormethods 2.1.0 ``R/Funnels.R`` and ``R/utils.R``), re-exported by
:mod:`lhs_reports.stats.funnel`: :func:`funnel_limits` (limits at given denominators) and
:func:`funnel_grid` (PHE's 100-row axis table for drawing). Deviations from PHE are listed in
:mod:`lhs_reports.stats.funnel`.

References
----------
.. [1] Public Health England. Technical guide: funnel plots (Fingertips technical guidance);
   PHEindicatormethods 2.1.0, ``R/Funnels.R`` (``sigma_adjustment``, ``calculate_funnel_limits``)
   and ``R/utils.R`` (``poisson_funnel``).
.. [2] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
   24:1185-1202. doi:10.1002/sim.1970
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special as _special

from lhs_reports.errors import DataError
from lhs_reports.stats._common import as_numeric, check_multiplier, require, z_for
from lhs_reports.stats._funnel_common import check_levels, level_label

__all__ = ["Statistic", "funnel_grid", "funnel_limits"]

Statistic = Literal["proportion", "ratio", "rate"]
_STATISTICS = ("proportion", "ratio", "rate")


def _check_statistic(statistic: str) -> str:
    if statistic not in _STATISTICS:
        raise DataError(f"statistic must be 'proportion', 'ratio' or 'rate', got {statistic!r}",
                        field="statistic", hint="choose one of proportion, ratio, rate")
    return statistic


def proportion_bounds(n: np.ndarray, average: float, level: float) -> tuple[Any, Any]:
    """The proportions whose Wilson interval just reaches ``average`` (PHE's
    ``sigma_adjustment``), unclipped, on the 0-1 scale.

    Inverting the Wilson (score) interval gives the score test's acceptance region, so PHE's
    closed form simplifies to p̄ ∓ z√(p̄(1 − p̄)/n). We use that form: it agrees with PHE's to
    about 1e-12 and keeps full precision near p̄ = 0 or 1, where PHE's loses digits.
    Unclipped because PHE tests significance against the unclipped limits.

    >>> lower, upper = proportion_bounds(np.array([100.0]), 0.5, 0.95)
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4)
    (0.402, 0.598)
    """
    half_width = z_for(level) * np.sqrt(average * (1 - average) / n)
    return average - half_width, average + half_width


def _poisson_bounds(expected: np.ndarray, level: float) -> tuple[Any, Any]:
    """Exact Poisson limits for observed / expected at an expected count (PHE's
    ``poisson_funnel`` made continuous).

    Upper: the count O with P(X >= O | expected) = α/2, i.e. gammainc(O, expected) = α/2.
    Lower: the count O with P(X <= O | expected) = α/2, i.e. gammaincc(O + 1, expected) = α/2,
    or 0 when even O = 0 is not that unlikely. Both divided by ``expected``.
    """
    tail = (1 - level) / 2
    # gdtrib(1, q, x) is the shape a with gammainc(a, x) = q, for any a > 0.
    with np.errstate(invalid="ignore", divide="ignore"):
        upper = _special.gdtrib(1.0, tail, expected) / expected
        lower = np.maximum(_special.gdtrib(1.0, 1 - tail, expected) - 1, 0.0) / expected
    zero = expected == 0
    return np.where(zero, 0.0, lower), np.where(zero, 0.0, upper)


def _unit_limits(denominator: np.ndarray, average: float, statistic: str,
                 level: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits on the unit scale (proportion 0-1, ratio, or rate per 1 person)."""
    if statistic == "proportion":
        lower, upper = proportion_bounds(denominator, average, level)
        return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)
    lower, upper = _poisson_bounds(average * denominator, level)
    return lower * average, upper * average


def funnel_limits(denominators: Any, *, target: float, statistic: Statistic,
                  confidence: float | Sequence[float] = (0.95, 0.998),
                  multiplier: float = 1) -> pd.DataFrame:
    """PHE/Fingertips funnel limits at the given denominators.

    Parameters
    ----------
    denominators
        Sample sizes n (proportions), expected counts E (ratios) or populations (rates),
        all > 0. A Series keeps its index.
    target
        The centre line on the multiplier scale: the average proportion (e.g. 80.6 with
        multiplier 100), the ratio's benchmark (1, or 100 for an ISR), or the average rate
        per ``multiplier``.
    statistic
        ``"proportion"``, ``"ratio"`` or ``"rate"``.
    confidence
        One or more levels; the default gives PHE's 95% ("2 sigma", p = 0.025 each side)
        and 99.8% ("3 sigma", p = 0.001) limits.
    multiplier
        Scale of ``target`` and of the limits returned (100 for percentages, 100,000 for
        rates per 100,000).

    Returns
    -------
    pandas.DataFrame
        ``denominator`` and, per level, ``lower_<label>`` and ``upper_<label>`` (``lower_95``,
        ``upper_95``, ``lower_998``, ``upper_998`` by default). One row per denominator: a
        missing denominator gives missing limits, an empty input an empty table.

    Raises
    ------
    DataError
        A denominator that is text, infinite or 0 or less (naming the row); a target that is
        not a finite number in range; a bad statistic, confidence level or multiplier.

    Notes
    -----
    Proportion: the limit at n is the p whose Wilson score interval touches the average p̄,
    which PHE's closed form ``sigma_adjustment`` gives and which simplifies to
    p̄ ∓ z√(p̄(1 − p̄)/n); so ``wilson_interval(lower * n, n)[1] == p̄``. Clipped to
    [0, multiplier].

    Ratio and rate: with μ = E × target (ratio) or population × rate, the upper limit is O/μ
    where P(X ≥ O | μ) = α/2 and the lower where P(X ≤ O | μ) = α/2, O continuous via the
    regularised incomplete gamma function (scipy ``gdtrib``), then times the target. At the
    expected counts PHE's ``poisson_funnel`` finds for whole observed counts these agree with
    it to its bisection tolerance.

    Validated against PHEindicatormethods 2.1.0 funnel test outputs
    (``testdata_funnel_ratio_outputs.csv``, ``testdata_funnel_prop_outputs.csv``).

    Examples
    --------
    >>> limits = funnel_limits([100, 1000], target=50, statistic="proportion", multiplier=100)
    >>> limits.round(2)
       denominator  lower_95  upper_95  lower_998  upper_998
    0        100.0      40.2      59.8      34.55      65.45
    1       1000.0      46.9      53.1      45.11      54.89
    """
    levels = check_levels(confidence)
    scale = check_multiplier(multiplier)
    stat = _check_statistic(statistic)
    d = as_numeric(denominators, "denominators")
    require(d, d.values > 0, "denominators", "must be greater than 0",
            "limits exist only for denominators above 0")
    average = _check_target(target, scale, stat)
    index = d.index if d.index is not None else pd.RangeIndex(len(d.values))
    frame = pd.DataFrame({"denominator": d.values}, index=index)
    for level in levels:
        lower, upper = _unit_limits(d.values, average, stat, level)
        frame[f"lower_{level_label(level)}"] = lower * scale
        frame[f"upper_{level_label(level)}"] = upper * scale
    return frame


def _check_target(target: float, scale: float, statistic: str) -> float:
    """The target on the unit scale, after checking it."""
    try:
        value = float(target)
    except (TypeError, ValueError):
        value = float("nan")
    top = scale if statistic == "proportion" else math.inf
    if not (np.isfinite(value) and 0 <= value <= top):
        bound = f"between 0 and {scale:g}" if statistic == "proportion" else "0 or more"
        raise DataError(f"target must be {bound}, got {target!r}", field="target",
                        hint="give the target on the multiplier scale, e.g. 80.6 for 80.6%")
    return value / scale


def _signif_floor(x: float, fraction: float = 0.95) -> float:
    """PHE's ``signif.floor``: round 0.95·x down to its leading digit(s)."""
    if x == 0:
        return 0.0
    # R's nchar(floor(v)) counts digits; R prints round numbers such as 100000 as "1e+05",
    # but for those the result is the same whichever count is used.
    digits = len(str(math.floor(x * fraction))) - 1
    return math.floor(x * fraction / 10.0**digits) * 10.0**digits


def _signif_ceiling(x: float, fraction: float = 1.05) -> float:
    """PHE's ``signif.ceiling``: round 1.05·x up to its two leading digits."""
    if x == 0:
        return 0.0
    digits = len(str(math.ceil(x * fraction))) - 2
    return math.ceil(x * fraction / 10.0**digits) * 10.0**digits


def funnel_grid(denominators: Any, *, n: int = 100, statistic: Statistic) -> np.ndarray:
    """PHE's axis table: ``n`` geometrically spaced whole denominators for drawing limits.

    Parameters
    ----------
    denominators
        The organisations' denominators (> 0; missing values are ignored).
    n
        Number of rows (PHE uses 100).
    statistic
        ``"proportion"``, ``"ratio"`` or ``"rate"``; ratios use PHE's offset by one.

    Returns
    -------
    numpy.ndarray
        Increasing denominators from max(1, axis minimum) towards the axis maximum.

    Notes
    -----
    As PHEindicatormethods ``calculate_funnel_limits``: the axis maximum is 1.05 × the largest
    denominator rounded up to two significant digits; the axis minimum is 0 when the largest
    denominator is more than twice the smallest, else 0.95 × the smallest rounded down to
    one significant digit. Row j is max(round((max / row_{j−1})^(1/(n+1−o)) · row_{j−1}),
    row_{j−1} + 1), with o = j (proportions, rates) or j − 1 (ratios) and R's round half to
    even. As in PHE, steps are at least 1, so small denominators give a table that runs past
    the largest of them.

    Examples
    --------
    >>> grid = funnel_grid([120, 5000, 20000], statistic="proportion")
    >>> grid[:5].tolist(), float(grid[-1])
    ([1.0, 2.0, 3.0, 4.0, 5.0], 21000.0)
    """
    _check_statistic(statistic)
    if int(n) != n or n < 2:
        raise DataError(f"n must be a whole number of at least 2, got {n!r}", field="n")
    d = as_numeric(denominators, "denominators")
    require(d, d.values > 0, "denominators", "must be greater than 0",
            "limits exist only for denominators above 0")
    values = d.values[~np.isnan(d.values)]
    if values.size == 0:
        raise DataError("no denominators to build the axis from", field="denominators",
                        hint="pass at least one denominator")
    smallest, largest = float(values.min()), float(values.max())
    axis_min = 0.0 if largest > 2 * smallest else _signif_floor(smallest)
    axis_max = _signif_ceiling(largest)
    rows = int(n)
    grid = np.empty(rows)
    grid[0] = max(1.0, axis_min)
    for j in range(2, rows + 1):
        offset = j - 1 if statistic == "ratio" else j
        previous = grid[j - 2]
        step = (axis_max / previous) ** (1 / (rows + 1 - offset)) * previous
        grid[j - 1] = max(float(round(step)), previous + 1)
    return grid
