"""XmR charts with the NHS England "Making Data Count" rules, reproducing NHSRplotthedots 0.2.2.

Compute here, draw in :mod:`lhs_reports.plots.spc`. :func:`xmr` returns one row per point with
the limits of its group and the rule that fired; :func:`xmr_icons` gives the variation and
assurance icons.

Where we follow the anchor and where we deviate (also on the site's SPC methods page):

- Limits are mean +/- 2.66 x mean moving range (not 3/1.128 = 2.6596); near ("2 sigma") limits
  use 2/3 of that. Moving ranges at or above 3.267 x the mean moving range are screened out
  once before the limits are computed (``screen_outliers=True``), as NHSRplotthedots does; the
  NHS England MDC Excel tools do not screen: ``screen_outliers=False`` restores them.
- Two-in-three counts only points strictly between the near and process limits, as
  NHSRplotthedots 0.2.2; ``two_in_three_beyond_limits=True`` counts points beyond the process
  limits too, as the MDC tools have since November 2023. :data:`MDC_EXCEL` sets both.
- Runs and trends of 7 by default; 6 may be chosen (``run_length``, ``trend_length``), as the
  MDC Excel tool allows. A point on the mean breaks a run; a tie breaks a trend.
- Deviation: a group whose values are all equal has a mean moving range of 0; NHSRplotthedots
  then screens every moving range out and returns NaN limits. We skip screening in that case,
  so the limits equal the mean (what ``screen_outliers=False`` gives in the anchor).
- Short groups: a :class:`ShortBaselineWarning` when a limits group has fewer than 12 points
  (the anchor's documentation says 12; its code default flags fewer than 13).
- Deviation: a limits group without a moving range (fewer than two consecutive values, e.g. an
  all-missing series or a rebase leaving one point) is a :class:`DataError`; NHSRplotthedots
  returns NaN limits and labels the points ``common_cause``.

References
----------
.. [1] NHS England (2019). Making Data Count: getting started. Strategic guidance.
.. [2] NHS-R Community (2024). NHSRplotthedots 0.2.2 (commit 050b07d7).
.. [3] Wheeler DJ (1995). Advanced Topics in Statistical Process Control. SPC Press.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import as_series, optional_number, row_label, shown
from lhs_reports.stats.spc_icons import (
    Improvement,
    assurance_icon,
    check_improvement,
    variation_icon,
    xmr_icons,
)
from lhs_reports.stats.spc_rules import (
    outside_limits_rule,
    relative_to_mean,
    shift_rule,
    trend_rule,
    two_in_three_rule,
)

__all__ = [
    "MDC_EXCEL",
    "Improvement",
    "ShortBaselineWarning",
    "assurance_icon",
    "variation_icon",
    "xmr",
    "xmr_icons",
]

#: Process limits: mean +/- 2.66 x mean moving range (= 3 / d2 with d2 = 1.128, rounded as in
#: Making Data Count and NHSRplotthedots).
LIMIT_CONSTANT: Final = 2.66
#: Near ("2 sigma") limits: two thirds of the process-limit distance.
NEAR_LIMIT_CONSTANT: Final = 2 * LIMIT_CONSTANT / 3
#: Moving ranges at or above D4 x mean moving range are screened out (D4 for n = 2).
SCREENING_CONSTANT: Final = 3.267
#: Fewer points than this in a limits group gives a warning (trial limits).
SHORT_BASELINE: Final = 12
#: The smallest baseline ``fix_after_n_points`` accepts.
MIN_FIXED_BASELINE: Final = 12

#: Options reproducing the NHS England Making Data Count Excel tools (Nov 2023 onwards).
MDC_EXCEL: Final = {"screen_outliers": False, "two_in_three_beyond_limits": True}

_RULES: Final = (  # priority order: outside limits > trend > two in three > shift
    ("outside_limits", "high", "low"),
    ("trend", "increasing", "decreasing"),
    ("two_in_three", "high", "low"),
    ("shift", "high", "low"),
)


class ShortBaselineWarning(UserWarning):
    """A limits group has too few points for reliable limits (treat them as trial limits)."""


def _as_series(values: Any) -> pd.Series:
    series = as_series(values, "values")
    if series.index.has_duplicates:
        duplicated = series.index[series.index.duplicated()][0]
        raise DataError(f"duplicate index label {duplicated!r} (e.g. two rows for one month)",
                        field="values", row=duplicated,
                        hint="keep one value per date; aggregate duplicates first")
    return series


def _whole(value: Any, name: str, low: int, high: int | None, hint: str) -> int:
    """An option that must be a whole number in [low, high]."""
    ok = (isinstance(value, (int, float, np.integer, np.floating))
          and not isinstance(value, bool) and float(value).is_integer() and low <= value)
    if not ok or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise DataError(f"{name} must be a whole number {bounds}, got {shown(value)}",
                        field=name, hint=hint)
    return int(value)


def _group_starts(index: pd.Index, rebase_at: Any) -> np.ndarray:
    starts = np.zeros(len(index), dtype=int)
    if rebase_at is None:
        return starts
    points = [rebase_at] if np.ndim(rebase_at) == 0 else list(rebase_at)
    for point in points:
        if point in index:  # labels first: a year index's 2020 is a label, not a position
            position = int(index.get_loc(point))
        elif isinstance(point, (int, np.integer)):
            position = int(point)
        else:
            raise DataError(f"rebase point {point!r} is not in the series", field="rebase_at",
                            hint="give index labels (e.g. dates) or positions of the series")
        if not 0 <= position < len(index):
            raise DataError(f"rebase position {position} is outside the series",
                            field="rebase_at", hint=f"use 0 to {len(index) - 1}")
        if position > 0:
            starts[position] = 1
    return starts


def _limits(y: np.ndarray, fix_after: int | None, screen: bool, *, group: int,
            first_row: Any) -> dict[str, float]:
    fixed = y[:fix_after] if fix_after else y
    moving = np.abs(np.diff(fixed))
    if not np.isfinite(moving).any():
        where = f" in its first {fix_after} points" if fix_after else ""
        count = int(np.isfinite(fixed).sum())
        has = (f"{count} value{'s' * (count != 1)}" if count < 2
               else f"{count} values but no two in a row")
        raise DataError(
            f"limits group {group} (from row {first_row}) has {has}{where}: XmR limits need "
            "at least one moving range", field="values", row=first_row,
            hint="chart at least 2 consecutive values per limits group (12 or more for "
                 "reliable limits), or move the rebase point")
    mean = float(np.nanmean(fixed))
    mr_bar = float(np.nanmean(moving))
    if screen and np.isfinite(mr_bar) and mr_bar > 0:
        kept = moving[moving < SCREENING_CONSTANT * mr_bar]
        mr_bar = float(np.nanmean(kept)) if np.isfinite(kept).any() else np.nan
    return {
        "mean": mean, "mr_bar": mr_bar,
        "lpl": mean - LIMIT_CONSTANT * mr_bar, "upl": mean + LIMIT_CONSTANT * mr_bar,
        "nlpl": mean - NEAR_LIMIT_CONSTANT * mr_bar, "nupl": mean + NEAR_LIMIT_CONSTANT * mr_bar,
    }


def _special_cause(y: np.ndarray, lim: dict[str, float], *, run_length: int, trend_length: int,
                   beyond: bool) -> tuple[np.ndarray, np.ndarray]:
    outside = outside_limits_rule(y, lim["lpl"], lim["upl"])
    rtm = relative_to_mean(y, lim["mean"])
    with np.errstate(invalid="ignore"):
        near = np.where(y > lim["nupl"], 1, np.where(y < lim["nlpl"], -1, 0))
    close = near if beyond else np.where(outside != 0, 0, near)
    flags = {
        "outside_limits": outside,
        "trend": trend_rule(y, trend_length),
        "two_in_three": two_in_three_rule(close, rtm),
        "shift": shift_rule(rtm, run_length),
    }
    labels = np.full(len(y), "none", dtype=object)
    direction = np.zeros(len(y), dtype=int)
    for rule, up, down in reversed(_RULES):  # later assignments (higher priority) win
        fired = flags[rule]
        labels = np.where(fired > 0, f"{rule}_{up}", np.where(fired < 0, f"{rule}_{down}", labels))
        direction = np.where(fired != 0, fired, direction)
    return labels, direction


def _point_type(direction: np.ndarray, improvement: Improvement) -> np.ndarray:
    if improvement == "neutral":
        return np.where(direction > 0, "special_cause_neutral_high",
                        np.where(direction < 0, "special_cause_neutral_low", "common_cause"))
    sign = 1 if improvement == "increase" else -1
    return np.where(direction * sign > 0, "special_cause_improvement",
                    np.where(direction * sign < 0, "special_cause_concern", "common_cause"))


def xmr(
    values: Any,
    *,
    improvement: Improvement = "increase",
    target: float | None = None,
    rebase_at: Any = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    run_length: int = 7,
    trend_length: int = 7,
    two_in_three_beyond_limits: bool = False,
) -> pd.DataFrame:
    """An XmR (individuals) chart with Making Data Count special-cause rules.

    Parameters
    ----------
    values
        The measure in time order: a Series (its index, e.g. months, is kept) or array-like.
        NaN is a gap: it is not judged and does not join runs.
    improvement
        Which direction is better: ``"increase"``, ``"decrease"`` or ``"neutral"``.
    target
        Optional target, carried into the result for the assurance icon and the chart.
        ``None`` or NaN: no target.
    rebase_at
        Index labels or positions where a new limits group starts (e.g. a service change).
        Limits are recomputed and runs never cross a rebase.
    fix_after_n_points
        Compute each group's limits from its first n points only (n >= 12); later points are
        judged against them.
    screen_outliers
        Screen moving ranges >= 3.267 x their mean before computing limits (NHSRplotthedots);
        ``False`` matches the MDC Excel tools.
    run_length, trend_length
        Points needed for a shift (same side of the mean) and a trend (6 or 7 usually).
    two_in_three_beyond_limits
        Count points beyond the process limits in the two-in-three rule (MDC since Nov 2023).

    Returns
    -------
    pandas.DataFrame
        One row per point: ``value``, ``group``, ``mean``, ``lpl``, ``upl``, ``nlpl``,
        ``nupl``, ``moving_range``, ``mr_bar``, ``special_cause``, ``point_type``, ``target``.
        ``attrs`` holds ``kind="xmr"``, ``improvement``, ``target`` and the options.

    Raises
    ------
    DataError
        ``values`` empty, all missing, or with text that is not a number or an infinite value
        (naming the row); a limits group without a moving range (fewer than two consecutive
        values, in its first ``fix_after_n_points`` when fixed), naming the group's first row;
        a duplicate index label; an infinite or non-numeric ``target``; a bad option.

    Warns
    -----
    ShortBaselineWarning
        A limits group has fewer than 12 points.

    Notes
    -----
    Limits per group: mean +/- 2.66 MR-bar, near limits +/- (2/3)(2.66) MR-bar. Rules, highest
    priority first: a point outside the process limits; a trend of ``trend_length`` points; 2
    of 3 points beyond a near limit with all 3 on that side of the mean; a shift of
    ``run_length`` points on one side of the mean. Validated against NHSRplotthedots 0.2.2's
    snapshots and unit tests, and its deviations vignette.

    A constant group (every value equal) has MR-bar 0 and zero-width limits at its mean, with
    no warning: no point is on either side of the mean or beyond a limit, so every point is
    ``common_cause``; a later point that differs (after ``fix_after_n_points``) is outside the
    limits. Zero-width limits are what the XmR formulas give for a process without variation.

    Examples
    --------
    >>> result = xmr([1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1])
    >>> round(float(result["upl"].iloc[0]), 6), result["special_cause"].iloc[4]
    (4.604444, 'outside_limits_high')
    """
    check_improvement(improvement)
    run_length = _whole(run_length, "run_length", 5, 9, "Making Data Count uses 7 (or 6)")
    trend_length = _whole(trend_length, "trend_length", 5, 9, "Making Data Count uses 7 (or 6)")
    if fix_after_n_points is not None:
        fix_after_n_points = _whole(fix_after_n_points, "fix_after_n_points",
                                    MIN_FIXED_BASELINE, None,
                                    "limits from fewer points are unreliable")
    target = optional_number(target, "target")
    series = _as_series(values)
    if series.empty:
        raise DataError("no values to chart", field="values", hint="pass at least 2 values")
    if series.isna().all():
        raise DataError(f"values is all missing ({len(series)} rows)", field="values",
                        hint="pass at least 2 consecutive values")
    group = np.cumsum(_group_starts(series.index, rebase_at))
    row_labels = series.index if isinstance(values, pd.Series) else None  # else 1-based
    y_all = series.to_numpy()
    columns: dict[str, list[Any]] = {k: [] for k in ("mean", "lpl", "upl", "nlpl", "nupl",
                                                     "mr_bar", "moving_range", "special_cause",
                                                     "direction")}
    limits = {  # every group's limits first, so that a refused group raises before a warning
        g: _limits(y_all[group == g], fix_after_n_points, screen_outliers, group=int(g) + 1,
                   first_row=row_label(row_labels, int(np.flatnonzero(group == g)[0])))
        for g in np.unique(group)
    }
    for g, lim in limits.items():
        y = y_all[group == g]
        if len(y) < SHORT_BASELINE:
            warnings.warn(f"limits group {g + 1} has {len(y)} points (fewer than "
                          f"{SHORT_BASELINE}): treat its limits as trial limits",
                          ShortBaselineWarning, stacklevel=2)
        labels, direction = _special_cause(y, lim, run_length=run_length,
                                           trend_length=trend_length,
                                           beyond=two_in_three_beyond_limits)
        for key in ("mean", "lpl", "upl", "nlpl", "nupl", "mr_bar"):
            columns[key].extend([lim[key]] * len(y))
        columns["moving_range"].extend(np.concatenate([[np.nan], np.abs(np.diff(y))]))
        columns["special_cause"].extend(labels)
        columns["direction"].extend(direction)
    result = pd.DataFrame({"value": y_all, "group": group + 1}, index=series.index)
    for key in ("mean", "lpl", "upl", "nlpl", "nupl", "mr_bar", "moving_range"):
        result[key] = np.asarray(columns[key], dtype=float)
    result["special_cause"] = columns["special_cause"]
    result["point_type"] = _point_type(np.asarray(columns["direction"]), improvement)
    result["target"] = np.nan if target is None else target
    result.attrs.update({
        "kind": "xmr", "improvement": improvement, "target": target,
        "options": {"screen_outliers": screen_outliers, "run_length": run_length,
                    "trend_length": trend_length, "fix_after_n_points": fix_after_n_points,
                    "two_in_three_beyond_limits": two_in_three_beyond_limits},
    })
    return result


def rebase_positions(index: pd.Index, dates: Sequence[Any]) -> list[int]:
    """Positions in a date index of the first point on or after each date (for ``rebase_at``)."""
    positions = []
    for date in dates:
        after = np.flatnonzero(index >= pd.Timestamp(date))
        if len(after) and after[0] > 0:
            positions.append(int(after[0]))
    return positions
