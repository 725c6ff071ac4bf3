"""SPC (XmR) charts in Making Data Count colours, and alt text from the same numbers."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    geom_line,
    geom_point,
    geom_segment,
    geom_text,
    geom_vline,
    ggplot,
    guide_legend,
    guides,
    labs,
    scale_color_manual,
    scale_fill_manual,
    scale_linetype_manual,
    theme,
)

from lhs_reports.plots.theme import (
    MDC_COLOURS,
    MDC_LIMIT_COLOUR,
    MDC_TARGET_COLOUR,
    NHS_DARK_GREY,
    month_axis,
    theme_nhs,
    value_axis,
)
from lhs_reports.stats.bounds import UNBOUNDED, clip_to_range
from lhs_reports.stats.spc import xmr_icons

POINT_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: neutral (high)",
    "special_cause_neutral_low": "Special cause: neutral (low)",
}
RULE_TEXT = {
    "outside_limits": "a point outside the process limits",
    "trend": "a run of consecutive increases or decreases",
    "two_in_three": "two of three points close to a process limit",
    "shift": "a run of points on one side of the mean",
}
ICON_TEXT = {
    "common_cause": "common cause variation only",
    "improvement_high": "special cause improvement (higher)",
    "improvement_low": "special cause improvement (lower)",
    "concern_high": "special cause concern (higher)",
    "concern_low": "special cause concern (lower)",
    "neutral_high": "special cause variation (higher)",
    "neutral_low": "special cause variation (lower)",
    "consistent_pass": "the target will consistently be met",
    "consistent_fail": "the target will consistently be missed",
    "inconsistent": "the target may or may not be met (it lies within the process limits)",
}
#: The lines' legend: name -> (colour, line type).
LINE_STYLES = {
    "Mean": (MDC_LIMIT_COLOUR, "solid"),
    "Process limits": (MDC_LIMIT_COLOUR, "dashed"),
    "Target": (MDC_TARGET_COLOUR, "dotted"),
}
REBASE_COLOUR = NHS_DARK_GREY


def _bounds(result: pd.DataFrame, possible_range: tuple[float, float] | None
            ) -> tuple[float, float]:
    """The measure's possible range: as given, else what the report stored on the result
    (``attrs["possible_range"]``), else no bounds."""
    found = possible_range if possible_range is not None else result.attrs.get("possible_range")
    return UNBOUNDED if found is None else (float(found[0]), float(found[1]))


def rebase_starts(result: pd.DataFrame) -> list[Any]:
    """The index labels where the limits were recalculated (the first point of every limits
    group after the first): the change month a report rebased at.

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> months = pd.date_range("2023-01-01", periods=24, freq="MS")
    >>> rebase_starts(xmr(pd.Series(range(24), index=months, dtype=float),
    ...                   rebase_at=[12]))
    [Timestamp('2024-01-01 00:00:00')]
    """
    starts = result["group"].ne(result["group"].shift()).to_numpy(copy=True)
    starts[0] = False
    return list(result.index[starts])


def _plot_frame(result: pd.DataFrame) -> pd.DataFrame:
    frame = result.reset_index()
    frame = frame.rename(columns={frame.columns[0]: "x"})
    frame["point_label"] = frame["point_type"].map(POINT_LABELS)
    return frame


def _limit_segments(frame: pd.DataFrame, bounds: tuple[float, float]) -> pd.DataFrame:
    """Mean and limits per group, the limits drawn no further than the possible range."""
    rows = []
    for _, part in frame.groupby("group", sort=True):
        for column in ("mean", "lpl", "upl"):
            shown, clipped = clip_to_range(float(part[column].iloc[0]), bounds)
            rows.append({"x": part["x"].iloc[0], "xend": part["x"].iloc[-1], "y": shown,
                         "line": "Mean" if column == "mean" else "Process limits",
                         "limit": column, "clipped": clipped})
    return pd.DataFrame(rows)


def _rebase_layers(frame: pd.DataFrame, starts: list[Any], low: float, top: float
                   ) -> list[Any]:
    """A dashed vertical line at each change month, labelled where the limits restart."""
    if not starts:
        return []
    first, last = frame["x"].iloc[0], frame["x"].iloc[-1]
    # Above everything drawn, so the label never sits on a point or a limit.
    labels = pd.DataFrame({"x": starts, "y": top + 0.12 * ((top - low) or 1.0),
                           "label": [f"Limits recalculated: {_when(s)}" for s in starts]})
    # Text runs right from a line in the left part of the chart, left from one near the end.
    late = [(s - first) > 0.55 * (last - first) for s in starts]
    labels["text"] = [f"{label}  " if right else f"  {label}"
                      for label, right in zip(labels["label"], late, strict=True)]
    layers: list[Any] = [geom_vline(xintercept=starts, color=REBASE_COLOUR, linetype="dashed",
                                    size=0.6)]
    for right in (False, True):
        part = labels[[r == right for r in late]]
        if not part.empty:
            layers.append(geom_text(aes("x", "y", label="text"), data=part, inherit_aes=False,
                                    ha="right" if right else "left", va="top", size=8,
                                    color=REBASE_COLOUR))
    return layers


def clipped_note(result: pd.DataFrame, *, possible_range: tuple[float, float] | None = None,
                 unit: str = "") -> str:
    """Which process limits lie outside the measure's possible range and are shown at its
    bound, for the chart's caption ("" when none do).

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> print(clipped_note(xmr([0, 9, 0, 9, 1, 0, 8, 0, 9, 0, 1, 9]), possible_range=(0, 1e9),
    ...                    unit="bed days"))
    The lower process limit is below 0 bed days, the lowest possible value: it is shown at 0.
    """
    bounds = _bounds(result, possible_range)
    parts = []
    for column, word, bound, relation, extreme in (("lpl", "lower", bounds[0], "below", "lowest"),
                                                   ("upl", "upper", bounds[1], "above",
                                                    "highest")):
        if any(clip_to_range(float(v), bounds)[1] for v in result[column].dropna().unique()):
            parts.append(f"The {word} process limit is {relation} {_fmt(bound, unit, 0)}, the "
                         f"{extreme} possible value: it is shown at {_fmt(bound, '', 0)}.")
    return " ".join(parts)


def _limit_text(value: float, bounds: tuple[float, float], unit: str) -> str:
    """A process limit as the alt text gives it: clipped limits say so."""
    shown, clipped = clip_to_range(value, bounds)
    if not clipped:
        return _fmt(value, unit)
    bound = "zero" if shown == 0 else _fmt(shown, unit, 0)
    side = "lower limit below" if value < shown else "upper limit above"
    at = _fmt(shown, "%" if unit == "%" else "", 0)
    return f"{_fmt(shown, unit, 0)} ({side} {bound}, shown at {at})"


def spc_chart(result: pd.DataFrame, *, title: str | None = None,
              y_label: str | None = None,
              possible_range: tuple[float, float] | None = None) -> ggplot:
    """An XmR chart: values in grey, points coloured by point type, mean and process limits per
    limits group (solid/dashed), the target (red, dotted) when there is one, and a dashed
    vertical line labelled "Limits recalculated: <month>" where the limits restart.

    Parameters
    ----------
    result
        From :func:`~lhs_reports.stats.spc.xmr`.
    title, y_label
        Chart title and y-axis title.
    possible_range
        The lowest and highest value the measure can take
        (:func:`~lhs_reports.stats.bounds.possible_range`); a limit beyond it is drawn at the
        bound and the chart's caption says so. Default: ``result.attrs["possible_range"]``
        where the report stored it, else no bounds.

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> chart = spc_chart(xmr([0, 9, 0, 9, 1, 0, 8, 0, 9, 0, 1, 9]), possible_range=(0, 100))
    >>> float(chart.layers[1].geom.data["y"].min())
    0.0
    """
    bounds = _bounds(result, possible_range)
    frame = _plot_frame(result)
    segments = _limit_segments(frame, bounds)
    target = result.attrs.get("target")
    if target is not None and np.isfinite(target):
        segments = pd.concat([segments, pd.DataFrame({
            "x": [frame["x"].iloc[0]], "xend": [frame["x"].iloc[-1]], "y": [float(target)],
            "line": ["Target"], "limit": ["target"], "clipped": [False]})], ignore_index=True)
    lines = [name for name in LINE_STYLES if name in set(segments["line"])]
    # A month without a value (declared missing, or no denominator) breaks the line there.
    frame["run"] = frame["value"].isna().cumsum()
    frame = frame.loc[frame["value"].notna()]
    top = float(np.nanmax([frame["value"].max(), segments["y"].max()]))
    low = float(np.nanmin([frame["value"].min(), segments["y"].min()]))
    note = textwrap.fill(clipped_note(result, possible_range=bounds), 90)
    # Built with one `+=`: each `+` deep-copies the whole plot, ~10% of drawing an SPC chart.
    chart = ggplot(frame, aes("x", "value"))
    chart += [
        geom_line(aes(group="run"), color=MDC_COLOURS["common_cause"], size=0.6),
        geom_segment(aes(x="x", xend="xend", y="y", yend="y", color="line", linetype="line"),
                     data=segments, size=0.6),
        # Filled circles, so point types have the fill legend and the lines the colour one.
        geom_point(aes(fill="point_label"), shape="o", color="white", stroke=0.4, size=2.6),
        scale_fill_manual(values={POINT_LABELS[k]: v for k, v in MDC_COLOURS.items()},
                          drop=True),
        scale_color_manual(values={k: LINE_STYLES[k][0] for k in lines}, breaks=lines),
        scale_linetype_manual(values={k: LINE_STYLES[k][1] for k in lines}, breaks=lines),
        guides(fill=guide_legend(order=1, ncol=2), color=guide_legend(order=2),
               linetype=guide_legend(order=2)),
        value_axis(),
        labs(x="", y=y_label or "Value", title=title, fill="", color="", linetype="",
             caption=note or None),
        theme_nhs(),
        theme(legend_box="vertical", legend_key_width=22),
        *_rebase_layers(frame, rebase_starts(result), low, top),
    ]
    if isinstance(result.index, pd.DatetimeIndex):
        chart += month_axis()
    return chart


def _fmt(value: float, unit: str, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    return f"{text}%" if unit == "%" else (f"{text} {unit}" if unit else text)


def _when(label: object) -> str:
    return f"{label:%B %Y}" if isinstance(label, pd.Timestamp) else str(label)


def spc_alt_text(result: pd.DataFrame, *, measure: str = "the measure", unit: str = "",
                 possible_range: tuple[float, float] | None = None) -> str:
    """Sentences describing an XmR chart from the same numbers: span, where the limits were
    recalculated (the change month), mean and limits of the latest group (a limit beyond the
    measure's possible range given as shown, "0 (lower limit below zero, shown at 0)"), what
    the last point shows, and the assurance against any target.

    ``possible_range`` as for :func:`spc_chart`.

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> print(spc_alt_text(xmr([5, 6] * 6 + [9] * 7, improvement="increase"), measure="visits"))
    SPC chart of visits, 19 points from 0 to 18. Latest limits (from 0): mean 6.8,
    process limits 5.1 to 8.5. The last point shows special cause improvement (higher):
    a point outside the process limits.
    >>> print(spc_alt_text(xmr([0, 9, 0, 9, 1, 0, 8, 0, 9, 0, 1, 9]), measure="beds",
    ...                    unit="days", possible_range=(0, float("inf"))))
    SPC chart of beds, 12 points from 0 to 11. Latest limits (from 0): mean 3.8 days, process
    limits 0 days (lower limit below zero, shown at 0) to 22.9 days. The last point shows
    common cause variation only.
    """
    bounds = _bounds(result, possible_range)
    last = result.iloc[-1]
    group = result[result["group"] == last["group"]]
    icons = xmr_icons(result)
    # A month without a value (declared missing, no denominator) is a gap, not a point.
    gaps = [_when(label) for label in result.index[result["value"].isna()]]
    missing = (f"; no value for {', '.join(gaps[:3])}{' ...' if len(gaps) > 3 else ''}"
               if gaps else "")
    starts = rebase_starts(result)
    rebased = ""
    if starts:
        months = " and ".join(_when(s) for s in starts)
        rebased = (f" The process limits were recalculated from {months}, the month of the "
                   f"change (dashed vertical line), so later points are judged against the "
                   f"process since the change.")
    text = (
        f"SPC chart of {measure}, {len(result) - len(gaps)} points from "
        f"{_when(result.index[0])} to {_when(result.index[-1])}{missing}.{rebased} "
        f"Latest limits (from {_when(group.index[0])}): "
        f"mean {_fmt(last['mean'], unit)}, process limits "
        f"{_limit_text(float(last['lpl']), bounds, unit)} to "
        f"{_limit_text(float(last['upl']), bounds, unit)}. The last point shows "
        f"{ICON_TEXT[icons['variation']]}"
    )
    cause = str(last["special_cause"])
    rule = next((RULE_TEXT[r] for r in RULE_TEXT if cause.startswith(r)), None)
    text += f": {rule}." if rule else "."
    if icons["assurance"] is not None:
        text += (f" Against the target of {_fmt(float(result.attrs['target']), unit)}, "
                 f"{ICON_TEXT[icons['assurance']]}.")
    return text


def values_chart(values: pd.Series, *, title: str | None = None,
                 y_label: str | None = None, note: str = "") -> ggplot:
    """The values alone (line and points), for a series too short for process limits: no
    mean, no limits, no special-cause colours, and ``note`` under the chart saying why."""
    frame = pd.DataFrame({"x": values.index, "value": values.to_numpy()})
    frame["run"] = frame["value"].isna().cumsum()
    frame = frame.loc[frame["value"].notna()]
    chart = ggplot(frame, aes("x", "value"))
    chart += [
        geom_line(aes(group="run"), color=MDC_COLOURS["common_cause"], size=0.6),
        geom_point(color=MDC_COLOURS["common_cause"], size=2.2),
        value_axis(),
        labs(x="", y=y_label or "Value", title=title, caption=note or None),
        theme_nhs(),
    ]
    if isinstance(values.index, pd.DatetimeIndex):
        chart += month_axis()
    return chart


def values_alt_text(values: pd.Series, *, measure: str = "the measure", unit: str = "",
                    note: str = "") -> str:
    """Sentences describing :func:`values_chart` from the same numbers.

    Examples
    --------
    >>> series = pd.Series([4.0, 5.5, None, 6.0],
    ...                    index=pd.date_range("2024-01-01", periods=4, freq="MS"))
    >>> print(values_alt_text(series, measure="visits", note="Too few points."))
    Chart of visits, 3 values from January 2024 to April 2024, from 4.0 to 6.0; no value for 1
    month. The latest is 6.0. Too few points.
    """
    shown = values.dropna()
    if shown.empty:
        return f"Chart of {measure}: no values to show. {note}".strip()
    text = (f"Chart of {measure}, {len(shown)} values from {_when(shown.index[0])} to "
            f"{_when(shown.index[-1])}, from {_fmt(float(shown.min()), unit)} to "
            f"{_fmt(float(shown.max()), unit)}")
    gaps = len(values) - len(shown)
    if gaps:
        text += f"; no value for {gaps} month{'s' if gaps > 1 else ''}"
    text += f". The latest is {_fmt(float(shown.iloc[-1]), unit)}."
    return f"{text} {note}".strip()
