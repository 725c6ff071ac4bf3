"""Assigning areas to quantiles (e.g. deprivation deciles) by their values, the OHID way.

References
----------
.. [1] Office for Health Improvement and Disparities. Technical guide: assigning deprivation
   categories (Fingertips supporting information, "PH methods").
.. [2] PHEindicatormethods 2.1.0, ``R/Quantiles.R`` (``phe_quantile``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import as_numeric

__all__ = ["TooFewAreasWarning", "assign_quantiles"]


class TooFewAreasWarning(UserWarning):
    """Fewer areas with a value than quantiles requested: no quantiles were assigned."""


def assign_quantiles(values: Any, *, n_quantiles: int = 10, invert: bool = True) -> Any:
    """Quantile (1 to ``n_quantiles``) of each area by its value, as ``phe_quantile`` assigns.

    Parameters
    ----------
    values
        One value per area (array-like or Series; a Series keeps its index). Missing values get
        no quantile.
    n_quantiles
        How many quantiles (10 for deciles, 5 for quintiles).
    invert
        True (PHE's default): the highest values go to quantile 1 (e.g. the most deprived
        areas by IMD score are decile 1). False: the lowest values go to quantile 1.

    Returns
    -------
    ndarray or Series
        Quantiles as floats, NaN where there is no value, or for every area when fewer areas have
        a value than ``n_quantiles`` (with a :class:`TooFewAreasWarning`; all-missing values
        included). An empty input gives an empty result, without a warning.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value (naming the row), a bad
        ``n_quantiles`` or ``invert``.

    Notes
    -----
    With m areas holding a value and r the rank of an area (ties take the lowest rank; when
    ``invert`` the values are first subtracted from their maximum), the quantile is
    ``floor((q + 1) - ceiling(((m + 1) - r) / (m / q)))``, and 0 becomes 1. Tied areas share a
    quantile (values that are all equal are all in quantile 1); OHID advises a manual look
    where ties straddle a boundary. Apply it per group
    (``frame.groupby(region)[value].transform(assign_quantiles)``) for quantiles within groups.
    Validated against every grouped case of the PHEindicatormethods quantiles workbook.

    Examples
    --------
    >>> assign_quantiles([5.0, 1.0, 4.0, 2.0, 3.0], n_quantiles=5).tolist()
    [1.0, 5.0, 2.0, 4.0, 3.0]
    >>> assign_quantiles([5.0, 1.0, 4.0, 2.0, 3.0], n_quantiles=5, invert=False).tolist()
    [5.0, 1.0, 4.0, 2.0, 3.0]
    """
    if isinstance(n_quantiles, bool) or not isinstance(n_quantiles, (int, np.integer)) \
            or n_quantiles < 2:
        raise DataError(f"n_quantiles must be a whole number of at least 2, got {n_quantiles!r}",
                        field="n_quantiles", hint="use 10 for deciles, 5 for quintiles")
    if not isinstance(invert, (bool, np.bool_)):
        raise DataError(f"invert must be True or False, got {invert!r}", field="invert",
                        hint="True puts the highest values in quantile 1")
    numeric = as_numeric(values, "values")
    series = pd.Series(numeric.values)
    adjusted = series.max() - series if invert else series
    rank = adjusted.rank(method="min", na_option="keep").to_numpy()
    m = int(series.notna().sum())
    if m < n_quantiles:
        if len(series):
            warnings.warn(f"{m} areas have a value, fewer than the {n_quantiles} quantiles "
                          "requested: no quantiles assigned", TooFewAreasWarning, stacklevel=2)
        quantile = np.full(len(series), np.nan)
    else:
        quantile = np.floor((n_quantiles + 1) - np.ceil(((m + 1) - rank) / (m / n_quantiles)))
        quantile = np.where(quantile == 0, 1.0, quantile)
    return numeric.wrap(quantile, "quantile")
