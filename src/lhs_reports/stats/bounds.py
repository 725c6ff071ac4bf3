"""The range a measure can take, and process limits kept inside it.

An XmR chart's limits are mean ± 2.66 MR-bar whatever the measure, so for a count or a length
of stay near zero the lower limit can fall below zero, and for a percentage near 100 the upper
limit above 100: values the measure can never take. Making Data Count's tools and
NHSRplotthedots (``y_axis`` / limit truncation options) show such a limit at the bound; so do
we, and the chart and its text say the limit was clipped, so nobody reads "−147.8 bed days".
The statistics (the limits used by the special-cause rules) are never changed: clipping is for
showing only, and a point cannot lie beyond a bound it can never cross.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

from lhs_reports.errors import DataError

MeasureKind = Literal["proportion", "rate", "ratio", "count"]

#: No bounds: the range of a measure that can take any value.
UNBOUNDED: tuple[float, float] = (-math.inf, math.inf)


def possible_range(kind: MeasureKind, *, multiplier: float = 1.0) -> tuple[float, float]:
    """The lowest and highest value a measure of ``kind`` can take.

    Parameters
    ----------
    kind
        ``"proportion"`` (a part of a whole, shown per ``multiplier``: 0 to 100 for a
        percentage), or ``"rate"``, ``"ratio"`` or ``"count"`` (never negative, no ceiling:
        counts, lengths of stay, events per population or per bed day).
    multiplier
        The scale a proportion is shown on (100 for a percentage, 1,000 for "per 1,000").
        Only proportions use it.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``high`` is ``math.inf`` when there is no ceiling.

    Raises
    ------
    DataError
        ``kind`` is not one of the four, or ``multiplier`` is not a positive number.

    Examples
    --------
    >>> possible_range("proportion", multiplier=100)
    (0.0, 100.0)
    >>> possible_range("ratio")
    (0.0, inf)
    """
    if kind not in get_args(MeasureKind):
        raise DataError(f"unknown measure kind {kind!r}", field="kind",
                        hint=f"use one of {', '.join(get_args(MeasureKind))}")
    if not (isinstance(multiplier, int | float) and math.isfinite(multiplier)
            and multiplier > 0):
        raise DataError(f"multiplier must be a positive number, not {multiplier!r}",
                        field="multiplier", hint="100 for a percentage, 1 for a proportion")
    if kind == "proportion":
        return 0.0, float(multiplier)
    return 0.0, math.inf


def clip_to_range(value: float, bounds: tuple[float, float]) -> tuple[float, bool]:
    """``value`` kept inside ``bounds``, and whether it had to be moved.

    Examples
    --------
    >>> clip_to_range(-147.8, (0.0, math.inf)), clip_to_range(104.2, (0.0, 100.0))
    ((0.0, True), (100.0, True))
    >>> clip_to_range(12.5, (0.0, 100.0))
    (12.5, False)
    """
    low, high = bounds
    if value < low:
        return low, True
    if value > high:
        return high, True
    return value, False
