"""Pieces shared by the two funnel-plot flavours: the result object, input handling, the labels.

Private: the public API is :mod:`lhs_reports.stats.funnel`, which re-exports what users need
(:class:`FunnelResult`, the warnings and :func:`funnel_outliers`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import align, check_confidence, require


class FunnelWarning(UserWarning):
    """A statistical caution about a funnel plot (the numbers are still returned)."""


class UnadjustedLimitsWarning(FunnelWarning):
    """Overdispersion-adjusted limits were asked for, but unadjusted limits are used instead.

    Raised when the dispersion ratio φ is at most 1 (no overdispersion, as FunnelPlotR 0.6.0
    falls back) or when fewer than two organisations are left to estimate it.
    """


@dataclass(frozen=True)
class FunnelResult:
    """A funnel plot, computed: one row per organisation and a table of limits for drawing.

    Attributes
    ----------
    points
        One row per organisation, indexed as the caller's data: ``numerator``,
        ``denominator``, ``value`` (on the multiplier scale), the limits at that denominator
        (``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``; overdispersed funnels add
        ``od_lower_95`` ... ``od_upper_998``), ``significance`` (PHE's labels, e.g.
        ``"High (0.001)"``) and ``outlier`` (``"high"``, ``"low"`` or None).
    limits
        The same limit columns over a grid of ``denominator`` values, for drawing.
    target
        The centre line, on the multiplier scale.
    statistic
        ``"proportion"``, ``"ratio"``, ``"rate"`` or ``"ratio of counts"``.
    method
        How the limits were made, in words a page can quote.
    confidence
        The limit levels, e.g. ``(0.95, 0.998)``.
    multiplier
        The scale of ``value``, the limits and ``target`` (100 for percentages).
    phi, tau2
        Dispersion ratio and between-organisation variance (overdispersed funnels; None for
        PHE funnels).
    adjusted
        True when the overdispersion-adjusted (``od_``) limits are in force.
    outlier_confidence
        The level whose limits decide ``outlier`` (the highest level unless stated).

    Examples
    --------
    >>> from lhs_reports.stats.funnel import rate_funnel
    >>> result = rate_funnel(pd.Series([50, 210, 95], ["A", "B", "C"]),
    ...                      pd.Series([100_000, 150_000, 80_000], ["A", "B", "C"]))
    >>> result.outliers.to_dict(), result.limit_prefix
    ({'A': 'low', 'B': 'high'}, '')
    """

    points: pd.DataFrame
    limits: pd.DataFrame
    target: float
    statistic: str
    method: str
    confidence: tuple[float, ...]
    multiplier: float
    phi: float | None = None
    tau2: float | None = None
    adjusted: bool = False
    outlier_confidence: float | None = None

    @property
    def outliers(self) -> pd.Series:
        """The organisations outside the highest limit: ``"high"`` or ``"low"``, by label."""
        flags = self.points["outlier"]
        return flags[flags.notna()].astype(object)

    @property
    def limit_prefix(self) -> str:
        """``"od_"`` when the overdispersion-adjusted limits are in force, else ``""``."""
        return "od_" if self.adjusted else ""


def level_label(confidence: float) -> str:
    """Column suffix for a level: ``'95'``, ``'998'`` (the percentage without its point).

    >>> level_label(0.998)
    '998'
    """
    return f"{check_confidence(confidence) * 100:.10g}".replace(".", "")


def tail_label(confidence: float) -> str:
    """One-sided tail probability as PHE writes it: ``'0.025'`` for 95%, ``'0.001'`` for 99.8%.

    >>> tail_label(0.95), tail_label(0.998)
    ('0.025', '0.001')
    """
    return f"{(1 - check_confidence(confidence)) / 2:.10g}"


def check_levels(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """Confidence levels as a tuple of distinct checked floats (a single level is allowed)."""
    levels = tuple(np.atleast_1d(np.asarray(confidence, dtype=object)).tolist())
    checked = tuple(check_confidence(level) for level in levels)
    if not checked or len(set(checked)) != len(checked):
        raise DataError(f"confidence must be one or more distinct levels, got {confidence!r}",
                        field="confidence", hint="e.g. confidence=(0.95, 0.998)")
    return checked


def organisations(numerator: Any, denominator: Any, *, names: tuple[str, str],
                  proportion: bool) -> pd.DataFrame:
    """Check and line up numerators and denominators, one row per organisation.

    Negative numerators, denominators of 0 or less and (for proportions) numerators above
    their denominator raise :class:`DataError` naming the argument and row. Rows sharing an
    index label are summed (as FunnelPlotR aggregates by group and PHE summarises groups).
    Rows with a missing value are kept, and left out of every pooled calculation.
    """
    num_name, den_name = names
    num, den = align((numerator, num_name), (denominator, den_name))
    require(num, num.values >= 0, num_name, "must not be negative", "counts are 0 or more")
    require(den, den.values > 0, den_name, "must be greater than 0",
            f"remove organisations with no {den_name}")
    if proportion:
        require(num, np.isnan(den.values) | (num.values <= den.values), num_name,
                f"must not exceed {den_name}",
                "check the numerator and denominator columns are not swapped")
    index = num.index if num.index is not None else pd.RangeIndex(len(num.values))
    frame = pd.DataFrame({"numerator": num.values, "denominator": den.values}, index=index)
    if frame.index.has_duplicates:
        frame = frame.groupby(level=0, sort=False).sum(min_count=1)
    return frame


def pooled(values: pd.Series) -> float:
    """Exactly rounded sum (:func:`math.fsum`), so results do not depend on the row order."""
    return math.fsum(values.to_numpy(float))


def funnel_outliers(values: Any, lower: Any, upper: Any) -> pd.Series:
    """Flag values outside their limits: ``"high"`` above ``upper``, ``"low"`` below ``lower``.

    Parameters
    ----------
    values
        Values (e.g. ratios) per organisation.
    lower, upper
        The limits at each organisation's denominator.

    Returns
    -------
    pandas.Series
        ``"high"``, ``"low"`` or None (object dtype), with the index of ``values`` if it is a
        Series. A value on a limit is within it, as in FunnelPlotR's ``outliers_func``
        (``rr <= UCL & rr >= LCL`` is "not an outlier"); missing values give None.

    Examples
    --------
    >>> funnel_outliers([1.0, 1.2, 0.8, 1.1], 0.9, 1.1).tolist()
    [None, 'high', 'low', None]
    """
    v, lo, hi = align((values, "values"), (lower, "lower"), (upper, "upper"))
    flags = np.full(len(v.values), None, dtype=object)
    flags[v.values > hi.values] = "high"
    flags[v.values < lo.values] = "low"
    index = v.index if v.index is not None else pd.RangeIndex(len(flags))
    return pd.Series(flags, index=index, name="outlier", dtype=object)


def significance_labels(high: dict[float, np.ndarray], low: dict[float, np.ndarray],
                        missing: np.ndarray) -> np.ndarray:
    """PHE's significance labels from per-level masks, the highest level first.

    ``high[level]`` marks organisations significantly above the target at ``level``,
    ``low[level]`` those below. The first level (from the highest) at which an organisation is
    beyond decides its label, e.g. ``"High (0.001)"`` at 99.8%; otherwise "Not significant".
    Missing rows give None.
    """
    labels = np.full(len(missing), "Not significant", dtype=object)
    labels[missing] = None
    decided = missing.copy()
    for level in sorted(high, reverse=True):
        tail = tail_label(level)
        for mask, side in ((low[level], "Low"), (high[level], "High")):
            hit = mask & ~decided
            labels[hit] = f"{side} ({tail})"
            decided = decided | hit
    return labels


def outlier_from_significance(labels: np.ndarray, level: float) -> np.ndarray:
    """``"high"``/``"low"`` where the label is beyond the given level, else None."""
    tail = tail_label(level)
    flags = np.full(len(labels), None, dtype=object)
    flags[labels == f"High ({tail})"] = "high"
    flags[labels == f"Low ({tail})"] = "low"
    return flags
