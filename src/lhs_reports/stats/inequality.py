"""Slope and relative index of inequality (SII, RII), as OHID/PHE's ``phe_sii``.

:func:`slope_index_of_inequality` takes one area's quantiles (deprivation deciles or quintiles)
and returns one row; :func:`inequality_by_group` does the same for every group of a long frame.
The point estimates are deterministic and match PHEindicatormethods to machine precision; the
confidence interval comes from a seeded simulation, so it agrees with PHE's only to Monte Carlo
error (about 1% at the default 100,000 repetitions).

Where we follow the anchor and where we deviate (also on the site's inequality methods page):

- Quantiles are given **in order from most to least deprived** (quantile 1 = most deprived);
  5 to 100 of them, with a :class:`ManyQuantilesWarning` above 10, as PHE.
- The CI simulation draws from :func:`numpy.random.default_rng` with a fixed ``seed`` (default
  0), so a report gives the same interval on every run; PHE draws from R's global ``rnorm``.
- ``confidence`` is a fraction (0.95), as everywhere in :mod:`lhs_reports.stats`; PHE also
  accepts 95. One level per call (PHE accepts two); call twice for 95% and 99.8%.
- Supplied confidence limits are always read as **95%** limits, as PHE does, whatever
  ``confidence`` asks of the SII.
- A standard error may be given with ``transform=True`` (PHE refuses the combination); for rates
  and proportions it is always on the log or logit scale.

References
----------
.. [1] Low A, Low A (2004). Measuring the gap: quantifying and comparing local health
   inequalities. J Public Health 26:388-395. doi:10.1093/pubmed/fdh175
.. [2] Office for Health Improvement and Disparities. PHEindicatormethods 2.1.0, ``phe_sii``
   (``R/SII_function.R``, ``R/utils.R``; ukhsa-collaboration/PHEindicatormethods@093fd288).
.. [3] Public Health England (2018). Slope index of inequality (SII) tool and technical guide.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import as_numeric, row_label
from lhs_reports.stats._sii import (
    COLUMNS,
    IncompleteQuantilesWarning,
    ManyQuantilesWarning,
    slope_index_of_inequality,
)

__all__ = [
    "IncompleteQuantilesWarning",
    "ManyQuantilesWarning",
    "inequality_by_group",
    "slope_index_of_inequality",
]

_COLUMN_OPTIONS: Final = ("se", "lower_ci", "upper_ci")


def inequality_by_group(frame: pd.DataFrame, *, value: str, population: str,
                        by: str | Sequence[str], quantile: str, **kwargs: Any) -> pd.DataFrame:
    """The SII and RII for every group of a long frame (one row per group and quantile).

    Parameters
    ----------
    frame
        Long data: one row per group and quantile.
    value, population, quantile
        Column names. Quantiles are sorted ascending within each group: 1 = most deprived.
    by
        Grouping column name(s), e.g. ``"area"`` or ``["area", "sex"]``.
    **kwargs
        Passed to :func:`slope_index_of_inequality`; ``se``, ``lower_ci`` and ``upper_ci``
        are column names here.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then the columns of
        :func:`slope_index_of_inequality`. Each group is simulated with the same ``seed``, so
        its row equals a call on that group alone.

    Notes
    -----
    As PHE: the expected quantiles are every label seen in ``frame``; a group lacking one (or
    with a missing value, standard error or confidence limit in one) is dropped with an
    :class:`IncompleteQuantilesWarning`. A population <= 0 or missing anywhere is an error, as
    is text that is not a number or an infinite value in a value, population, ``se`` or limit
    column (naming the column and the row label). An empty frame gives an empty result.

    Examples
    --------
    >>> frame = pd.DataFrame({"area": ["A"] * 5 + ["B"] * 5, "quintile": [1, 2, 3, 4, 5] * 2,
    ...                       "value": [70, 72, 75, 77, 80, 80, 79, 80, 81, 80],
    ...                       "population": [100] * 10})
    >>> result = inequality_by_group(frame, value="value", population="population",
    ...                              by="area", quantile="quintile")
    >>> result[["area", "sii"]]
      area   sii
    0    A  12.5
    1    B   1.0
    """
    by_columns = [by] if isinstance(by, str) else list(by)
    columns = {name: kwargs.pop(name) for name in _COLUMN_OPTIONS if kwargs.get(name) is not None}
    needed = [value, population, quantile, *by_columns, *columns.values()]
    for column in needed:
        if column not in frame.columns:
            raise DataError(f"column {column!r} is not in the frame", field=str(column),
                            hint=f"columns are: {', '.join(map(str, frame.columns))}")
    # Text and infinite values are refused here, naming the column and the frame's row label.
    numbers = {column: as_numeric(frame[column], column)
               for column in dict.fromkeys([value, population, *columns.values()])}
    pops = numbers[population].values
    bad = np.isnan(pops) | ~(pops > 0)
    if bad.any():
        raise DataError("populations must be greater than 0 (and not missing)",
                        field=population, row=row_label(frame.index, int(np.flatnonzero(bad)[0])),
                        hint="every quantile needs a population greater than 0")
    expected = set(frame[quantile].dropna().unique())
    complete_columns = [value, quantile, *columns.values()]
    rows, dropped = [], []
    for key, group in frame.groupby(by_columns, sort=True, dropna=False):
        labels = group[quantile].dropna()
        if labels.duplicated().any():
            raise DataError(f"group {key!r} has quantile {labels[labels.duplicated()].iloc[0]!r} "
                            "twice", field=quantile, row=labels.index[labels.duplicated()][0],
                            hint="give one row per group and quantile; aggregate duplicates")
        usable = group.dropna(subset=complete_columns)
        if set(usable[quantile]) != expected:
            dropped.append(key)
            continue
        usable = usable.sort_values(quantile, kind="stable")
        picked = {name: usable[column] for name, column in columns.items()}
        result = slope_index_of_inequality(usable[value], usable[population], **picked, **kwargs)
        for name, label in reversed(list(zip(by_columns, _as_tuple(key), strict=True))):
            result.insert(0, name, [label])
        rows.append(result)
    if dropped:
        warnings.warn(f"{len(dropped)} group(s) dropped for lacking a complete set of "
                      f"{len(expected)} quantiles (first: {dropped[0]!r})",
                      IncompleteQuantilesWarning, stacklevel=2)
    if not rows:
        return pd.DataFrame(columns=[*by_columns, *COLUMNS])
    return pd.concat(rows, ignore_index=True)


def _as_tuple(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)

