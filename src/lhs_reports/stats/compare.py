"""Comparing a value with a benchmark the way Fingertips compares an area with England.

References
----------
.. [1] Office for Health Improvement and Disparities. Public Health Profiles (Fingertips):
   technical guidance, "Comparing to a benchmark" — an area is significantly higher or lower
   than the benchmark when the benchmark value lies outside the area's confidence interval.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from lhs_reports.stats._common import align, require

__all__ = ["BenchmarkComparison", "benchmark_comparison"]

BenchmarkComparison = Literal["higher", "lower", "similar", "not compared"]


def benchmark_comparison(lower_ci: Any, upper_ci: Any, benchmark: Any) -> Any:
    """Whether each value is significantly higher or lower than a benchmark, by its interval.

    Parameters
    ----------
    lower_ci, upper_ci
        The value's confidence limits (scalars, array-likes or Series; a Series keeps its index).
    benchmark
        The comparator's value (e.g. England, all trusts), one or one per row.

    Returns
    -------
    str, ndarray or Series
        ``"higher"`` when the benchmark is below the lower limit, ``"lower"`` when above the upper
        limit, ``"similar"`` otherwise, and ``"not compared"`` when any of the three is missing.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value in any argument, a lower limit above
        its upper limit (naming the row), or inputs of different lengths. Empty inputs give an
        empty result.

    Notes
    -----
    Equality counts as "similar" (the benchmark inside the closed interval), as in Fingertips.
    The comparison says whether the data are compatible with no difference at the interval's
    level; it is not a ranking.

    Examples
    --------
    >>> benchmark_comparison(110.0, 130.0, 100.0)
    'higher'
    >>> benchmark_comparison([90.0, 80.0, float("nan")], [105.0, 95.0, 1.0], 100.0).tolist()
    ['similar', 'lower', 'not compared']
    """
    lower, upper, bench = align((lower_ci, "lower_ci"), (upper_ci, "upper_ci"),
                                (benchmark, "benchmark"))
    lo, hi, b = lower.values, upper.values, bench.values
    require(lower, np.isnan(hi) | (lo <= hi), "lower_ci", "must not exceed upper_ci",
            "check the lower and upper confidence-limit columns are not swapped")
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(b)
    with np.errstate(invalid="ignore"):
        result = np.select([missing, lo > b, hi < b], ["not compared", "higher", "lower"],
                           default="similar").astype(object)
    if lower.scalar:
        return str(result[0])
    if lower.index is not None:
        return pd.Series(result, index=lower.index, name="comparison")
    return result
