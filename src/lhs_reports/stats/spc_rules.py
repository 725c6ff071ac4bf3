"""The NHS "Making Data Count" special-cause rules, one small pure function each.

Each rule takes one limits group's values (numpy arrays; NaN allowed) and returns, per point, the
direction it flags: +1 (above the mean / increasing), -1 (below / decreasing) or 0 (not flagged).
The tests reproduce NHSRplotthedots 0.2.2's own helper-function vectors
(``tests/testthat/test-ptd_calculate_point_type.R``).
"""

from __future__ import annotations

import numpy as np


def part_of_window(ends: np.ndarray, length: int) -> np.ndarray:
    """1 for every point inside a qualifying window, given the windows' end-markers.

    Examples
    --------
    >>> part_of_window(np.array([0, 0, 0, 0, 0, 0, 0, -1, 0]), 7).tolist()
    [0, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    member = np.zeros(len(ends), dtype=int)
    for end in np.flatnonzero(ends):
        member[max(0, end - length + 1): end + 1] = 1
    return member


def shift_window_ends(rtm: np.ndarray, run_length: int = 7) -> np.ndarray:
    """+1/-1 at the last point of every run of ``run_length`` points on one side of the mean.

    Examples
    --------
    >>> shift_window_ends(np.array([1] * 8 + [-1]), 7).tolist()
    [0, 0, 0, 0, 0, 0, 1, 1, 0]
    """
    ends = np.zeros(len(rtm), dtype=int)
    for i in range(run_length - 1, len(rtm)):
        window = rtm[i - run_length + 1: i + 1]
        if not np.isnan(window).any() and window[0] != 0 and (window == window[0]).all():
            ends[i] = int(window[0])
    return ends


def relative_to_mean(values: np.ndarray, mean: float) -> np.ndarray:
    """sign(value - mean): +1, 0 (on the mean) or -1; NaN for a missing value."""
    return np.sign(values - mean)


def shift_rule(rtm: np.ndarray, run_length: int = 7) -> np.ndarray:
    """``run_length`` consecutive points on the same side of the mean (a point on the mean, or a
    missing one, breaks the run). All points of every qualifying run are flagged.

    Examples
    --------
    >>> shift_rule(np.array([1] * 8 + [-1]), 7).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    ends = shift_window_ends(rtm, run_length)
    member = part_of_window(ends, run_length)
    side = np.nan_to_num(rtm).astype(int)
    return member * side


def trend_rule(values: np.ndarray, trend_length: int = 7) -> np.ndarray:
    """``trend_length`` consecutive points all increasing or all decreasing (a tie breaks it).

    A flagged point's direction is that of its neighbouring difference: the right-hand one when
    the next point is also in the trend (NHSRplotthedots #167/#171), so a trend's colour follows
    its direction.

    Examples
    --------
    >>> trend_rule(np.array([2, 1, 2, 3, 4, 5, 6, 7, 3.0]), 7).tolist()
    [0, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    steps = np.sign(np.diff(values))
    in_trend = part_of_window(trend_window_ends(values, trend_length), trend_length) == 1
    flags = np.zeros(len(values), dtype=int)
    for i in np.flatnonzero(in_trend):
        if i + 1 < len(values) and in_trend[i + 1]:
            flags[i] = int(steps[i])
        else:
            flags[i] = int(steps[i - 1])
    return flags


def trend_window_ends(values: np.ndarray, trend_length: int = 7) -> np.ndarray:
    """End-markers of qualifying trend windows (+1/-1 at a window's last point), as the anchor's
    ``ptd_seven_point_trend`` returns them."""
    steps = np.sign(np.diff(values))
    ends = np.zeros(len(values), dtype=int)
    for i in range(trend_length - 1, len(values)):
        window = steps[i - trend_length + 1: i]
        if not np.isnan(window).any() and window[0] != 0 and (window == window[0]).all():
            ends[i] = int(window[0])
    return ends


def two_in_three_windows(close: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    """1 for every point of a qualifying 3-point window: at least 2 of the 3 beyond a near
    limit on one side, and all 3 on that side of the mean (a point on the mean fails it).

    Examples
    --------
    >>> two_in_three_windows(np.array([0, 0, 1, 1, 0, 0, 0]), np.ones(7)).tolist()
    [0, 1, 1, 1, 1, 0, 0]
    """
    member = np.zeros(len(close), dtype=int)
    for i in range(2, len(close)):
        window_rtm = rtm[i - 2: i + 1]
        if np.isnan(window_rtm).any() or abs(window_rtm.sum()) != 3:
            continue
        if (close[i - 2: i + 1] == window_rtm[0]).sum() >= 2:
            member[i - 2: i + 1] = 1
    return member


def two_in_three_rule(close: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    """At least 2 of 3 consecutive points beyond the 2-sigma (near) limits on the same side, with
    all 3 points on that side of the mean. Only the points beyond 2 sigma are flagged.

    ``close`` is +1/-1 for a point beyond the upper/lower near limit (0 otherwise); whether a
    point beyond the process limit counts is decided by the caller (MDC Excel since Nov 2023:
    yes; NHSRplotthedots 0.2.2: no).

    Examples
    --------
    >>> two_in_three_rule(np.array([0, 0, 1, 0, 1, 0, 0]), np.ones(7)).tolist()
    [0, 0, 1, 0, 1, 0, 0]
    """
    return two_in_three_windows(close, rtm) * close.astype(int)


def outside_limits_rule(values: np.ndarray, lpl: float, upl: float) -> np.ndarray:
    """A point strictly above the upper or below the lower process limit (astronomical point).

    Examples
    --------
    >>> outside_limits_rule(np.array([1.0, 5.0, -5.0, np.nan]), -3.0, 3.0).tolist()
    [0, 1, -1, 0]
    """
    with np.errstate(invalid="ignore"):
        return np.where(values > upl, 1, np.where(values < lpl, -1, 0))
