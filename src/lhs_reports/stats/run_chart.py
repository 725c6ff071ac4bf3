"""Run charts with the Anhøj rules: for short series, before there is enough data for SPC.

A run chart plots the values around their median. Two rules signal non-random variation:

- an **unusually long run**: the longest run of points on one side of the median is longer than
  ``round(log2(n) + 3)``;
- **too few crossings**: the line crosses the median fewer than the 5th percentile of
  Binomial(n - 1, 0.5) times,

where ``n`` counts the useful points (points on the median are neither counted nor break a
run). The two rules together have a false-signal rate of about 5 % for any length.

References
----------
.. [1] Anhøj J, Olesen AV (2014). Run charts revisited: a simulation study of run chart rules for
   detection of non-random variation in health care processes. PLoS One 9(11):e113825.
   doi:10.1371/journal.pone.0113825
.. [2] Anhøj J (2015). Diagnostic value of run chart analysis. PLoS One 10(3):e0121349.
"""

from __future__ import annotations

import warnings
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import stats as _sps

from lhs_reports.stats._common import as_numeric, optional_number, require_values

__all__ = ["TooFewUsefulPointsWarning", "longest_run_limit", "min_crossings", "run_chart"]

#: Fewer useful points (off the median) than this and neither rule can be judged.
MIN_USEFUL: Final = 2


class TooFewUsefulPointsWarning(UserWarning):
    """Fewer than two points lie off the median (e.g. a constant series): no rule can fire."""


def longest_run_limit(n_useful: int) -> int:
    """The longest run allowed by chance: ``round(log2(n) + 3)``.

    Examples
    --------
    >>> [longest_run_limit(n) for n in (10, 20, 30)]
    [6, 7, 8]
    """
    return int(round(np.log2(n_useful) + 3))


def min_crossings(n_useful: int) -> int:
    """The fewest crossings expected by chance: the 5th percentile of Bin(n - 1, 0.5).

    Examples
    --------
    >>> [min_crossings(n) for n in (10, 20, 30)]
    [2, 6, 10]
    """
    return int(_sps.binom.ppf(0.05, n_useful - 1, 0.5))


def run_chart(values: Any, *, median: float | None = None) -> pd.DataFrame:
    """A run chart with the Anhøj rules.

    Parameters
    ----------
    values
        The series in time order (a Series keeps its index). NaN values are ignored.
    median
        Centre line; by default (``None`` or NaN) the median of the values (e.g. pass a
        baseline median).

    Returns
    -------
    pandas.DataFrame
        One row per point: ``value``, ``median``, ``side`` (+1, 0, -1), ``run`` (run number
        among useful points), ``in_long_run``; ``attrs`` holds ``kind="run_chart"``,
        ``longest_run``, ``longest_run_limit``, ``crossings``, ``min_crossings`` and
        ``signal`` (True when either rule fires).

    Raises
    ------
    DataError
        Fewer than 2 non-missing values (an empty or all-missing series), text that is not a
        number or an infinite value (naming the row), an infinite or non-numeric ``median``.

    Warns
    -----
    TooFewUsefulPointsWarning
        Fewer than 2 points off the median, e.g. a constant series: every point has side 0
        and run 0, ``n_useful`` is 0 and ``signal`` is False (there is no variation to judge).

    Examples
    --------
    >>> chart = run_chart([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    >>> chart.attrs["longest_run"], chart.attrs["crossings"], chart.attrs["signal"]
    (6, 1, True)
    """
    numeric = as_numeric(values, "values")
    y = numeric.values
    index = numeric.index if numeric.index is not None else pd.RangeIndex(len(y))
    require_values(numeric, "values", at_least=2,
                   hint="a run chart needs at least 2 values; add more time points")
    finite = np.isfinite(y)
    centre = optional_number(median, "median")
    if centre is None:
        centre = float(np.median(y[finite]))
    side = np.zeros(len(y), dtype=int)
    side[finite] = np.sign(y[finite] - centre).astype(int)
    useful = side != 0
    if useful.sum() < MIN_USEFUL:
        warnings.warn(f"{int(useful.sum())} point(s) off the median {centre:g}: the run chart "
                      "rules cannot signal", TooFewUsefulPointsWarning, stacklevel=2)
    useful_sides = side[useful]
    run_ids = np.concatenate([[1], 1 + np.cumsum(useful_sides[1:] != useful_sides[:-1])]) \
        if len(useful_sides) else np.array([], dtype=int)
    run_lengths = np.bincount(run_ids)[1:] if len(run_ids) else np.array([0])
    n_useful = int(useful.sum())
    limit = longest_run_limit(n_useful) if n_useful else 0
    crossings = int((useful_sides[1:] != useful_sides[:-1]).sum()) if n_useful else 0
    fewest = min_crossings(n_useful) if n_useful > 1 else 0
    run = np.zeros(len(y), dtype=int)
    run[useful] = run_ids
    long_runs = {i + 1 for i, length in enumerate(run_lengths) if length > limit}
    result = pd.DataFrame({"value": y, "median": centre, "side": side, "run": run,
                           "in_long_run": [r in long_runs for r in run]}, index=index)
    longest = int(run_lengths.max()) if n_useful else 0
    result.attrs.update({
        "kind": "run_chart", "n_useful": n_useful, "longest_run": longest,
        "longest_run_limit": limit, "crossings": crossings, "min_crossings": fewest,
        "signal": bool(longest > limit or crossings < fewest),
    })
    return result
