"""Labels for the organisations in a funnel plot: which, in what words, and where.

Every point is labelled when there are few (:data:`LABEL_ALL_UP_TO`); otherwise the
organisations outside the outermost limits and the one highlighted, so the chart is not a wall
of text. A label is the organisation's name, shortened for the chart (the "NHS Foundation
Trust" every name shares is dropped, the rest wrapped), or its code when the name is unknown.

Labels are placed by a small deterministic rule rather than a repelling layout (no extra
dependency, the same picture every build): beside the point, on the side away from the nearer
edge, and moved up or down, nearest first, until they overlap no label or point already
placed; the highlighted organisation first, then those outside the limits. A label with no
free place is left off (in a crowded small panel), never drawn over another.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Label every organisation when there are at most this many; else only the outliers and the
#: highlighted one.
LABEL_ALL_UP_TO = 20

#: The endings of NHS organisations' names that a chart label can do without.
_SUFFIXES = (" NHS Foundation Trust", " NHS Trust", " Foundation Trust", " Trust")


def chart_name(name: str, *, width: int = 18) -> str:
    """A name short enough to sit beside a point: the shared ending dropped, the rest wrapped.

    Examples
    --------
    >>> chart_name("Westbrook Mental Health NHS Foundation Trust")
    'Westbrook Mental\\nHealth'
    >>> chart_name("SYN04")
    'SYN04'
    """
    short = name.strip()
    for suffix in _SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix):
            short = short[: -len(suffix)]
            break
    return "\n".join(textwrap.wrap(short, width, break_long_words=False)) or name


def organisation_name(code: Any, names: Mapping[str, str] | None) -> str:
    """The organisation's name where ``names`` (code to name) has it, else its code.

    >>> organisation_name("RX4", {"RX4": "Northern"}), organisation_name("RW5", None)
    ('Northern', 'RW5')
    """
    return str((names or {}).get(str(code)) or code)


def to_label(points: pd.DataFrame, *, highlight: Any = None,
             label_all_up_to: int = LABEL_ALL_UP_TO) -> pd.Series:
    """Which points get a label: all of them when there are at most ``label_all_up_to``, else
    the outliers (``outlier`` not null) and the highlighted organisation.

    Examples
    --------
    >>> points = pd.DataFrame({"organisation": ["A", "B", "C"],
    ...                        "outlier": [None, "high", None]})
    >>> to_label(points, label_all_up_to=2, highlight="C").tolist()
    [False, True, True]
    """
    if len(points) <= label_all_up_to:
        return pd.Series(True, index=points.index)
    chosen = points["outlier"].notna()
    if highlight is not None:
        chosen |= points["organisation"] == str(highlight)
    return chosen


def place_labels(x: np.ndarray, y: np.ndarray, text: list[str], *,
                 x_range: tuple[float, float], y_range: tuple[float, float],
                 panel_points: tuple[float, float] = (400.0, 190.0),
                 size: float = 7.5, obstacles: np.ndarray | None = None) -> pd.DataFrame:
    """Where each label goes: ``label_x``, ``label_y``, ``ha`` ("left" or "right"), whether it
    ``moved`` off its point's level and whether it was ``placed`` at all, one row per label in
    the order given (earlier labels have first choice).

    Sizes are estimated from the font ``size`` and the panel's size in points
    (``panel_points``, width and height), so labels are kept apart in data units without
    drawing them first. A label goes beside its point (right of it, or left in the right-hand
    quarter), level with it where that overlaps no label already placed and no point
    (``obstacles``, x and y columns; default the labelled points), else at the nearest free
    place, trying both sides, up and down, inside the panel. A label with no free place is
    left off (``placed`` False) rather than drawn over another: the alt text names everyone.

    Examples
    --------
    >>> placed = place_labels(np.array([10.0, 10.0]), np.array([5.0, 5.0]), ["A", "B"],
    ...                       x_range=(0, 100), y_range=(0, 10))
    >>> placed[["label_x", "ha"]].to_dict("list")  # one each side of the point
    {'label_x': [11.74375, 8.25625], 'ha': ['left', 'right']}
    """
    (x0, x1), (y0, y1) = x_range, y_range
    char_w = (x1 - x0) * 0.62 * size / panel_points[0]
    line_h = (y1 - y0) * 1.3 * size / panel_points[1]
    points = np.column_stack([x, y]) if obstacles is None else np.asarray(obstacles, float)
    # Each point as a small box (a marker's size) that no label may cover.
    boxes = [(px - char_w, px + char_w, py - line_h / 2, py + line_h / 2)
             for px, py in points]
    rows: list[dict[str, Any]] = []
    for px, py, label in zip(x, y, text, strict=True):
        lines = label.split("\n")
        width = max(len(line) for line in lines) * char_w
        height = len(lines) * line_h
        gap = 1.5 * char_w
        preferred = px > x0 + 0.75 * (x1 - x0)  # True: the label goes left of its point
        found = None
        # At most three lines away: further, a label reads as another point's.
        for offset in [0.0] + [sign * k * line_h / 2 for k in range(1, 7) for sign in (1, -1)]:
            ly = py + offset
            if not y0 + height / 2 <= ly <= y1 - height / 2:
                continue
            for left in (preferred, not preferred):
                box = ((px - gap - width, px - gap) if left else (px + gap, px + gap + width))
                if box[0] < x0 or box[1] > x1:
                    continue
                candidate = (box[0], box[1], ly - height / 2, ly + height / 2)
                if not any(candidate[0] < b[1] and b[0] < candidate[1]
                           and candidate[2] < b[3] and b[2] < candidate[3] for b in boxes):
                    found = (candidate, left, ly)
                    break
            if found:
                break
        if found is None:  # nowhere free: left off rather than drawn over another
            rows.append({"label_x": np.nan, "label_y": np.nan, "ha": "left", "moved": False,
                         "placed": False})
            continue
        candidate, left, ly = found
        boxes.append(candidate)
        rows.append({"label_x": px - gap if left else px + gap, "label_y": ly,
                     "ha": "right" if left else "left", "moved": abs(ly - py) > line_h * 0.6,
                     "placed": True})
    return pd.DataFrame(rows, columns=["label_x", "label_y", "ha", "moved", "placed"])
