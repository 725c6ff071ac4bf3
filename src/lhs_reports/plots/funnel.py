"""Funnel plots in NHS colours, and alt text from the same numbers.

Draws a :class:`lhs_reports.stats.funnel.FunnelResult` (PHE or overdispersed): organisations
as points coloured by where they sit against the limits, the limits in force as lines (the
highest level solid, the others dashed), the target as a horizontal line, and optionally one
organisation ringed and labelled. Colours avoid red and green: a funnel says where an
organisation differs from the rest, not whether that is good.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    coord_cartesian,
    geom_hline,
    geom_line,
    geom_point,
    geom_text,
    ggplot,
    labs,
    scale_color_manual,
    scale_linetype_manual,
    scale_x_continuous,
    scale_y_continuous,
    theme,
)

from lhs_reports.errors import DataError
from lhs_reports.plots.theme import (
    NHS_AQUA_BLUE,
    NHS_BLACK,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    NHS_PINK,
    NHS_PURPLE,
    NHS_WARM_YELLOW,
    theme_nhs,
)
from lhs_reports.stats.funnel import FunnelResult

#: Point colours from the most extreme "above" to the most extreme "below".
HIGH_COLOURS = (NHS_DARK_BLUE, NHS_LIGHT_BLUE, NHS_AQUA_BLUE)
LOW_COLOURS = (NHS_PINK, NHS_WARM_YELLOW, NHS_PURPLE)
WITHIN_COLOUR = NHS_MID_GREY
LIMIT_COLOUR = NHS_DARK_GREY
TARGET_COLOUR = NHS_BLUE
WITHIN = "Within the limits"

_LABEL = re.compile(r"^(High|Low) \((?P<tail>[0-9.eE-]+)\)$")


def _percent(level: float) -> str:
    return f"{level * 100:.10g}%"


def _level_suffix(level: float) -> str:
    return f"{level * 100:.10g}".replace(".", "")


def status_label(significance: Any) -> str | None:
    """Reader-facing text for a significance label: ``"Above the 99.8% limit"``.

    >>> status_label("High (0.001)"), status_label("Not significant")
    ('Above the 99.8% limit', 'Within the limits')
    """
    if significance is None or (isinstance(significance, float) and np.isnan(significance)):
        return None
    match = _LABEL.match(str(significance))
    if match is None:
        return WITHIN
    level = round(1 - 2 * float(match["tail"]), 10)
    side = "Above" if match[1] == "High" else "Below"
    return f"{side} the {_percent(level)} limit"


def _status_colours(levels: tuple[float, ...]) -> dict[str, str]:
    """Status text -> colour, in legend order (above, within, below)."""
    ordered = sorted(levels, reverse=True)
    colours = {f"Above the {_percent(lv)} limit": HIGH_COLOURS[min(i, 2)]
               for i, lv in enumerate(ordered)}
    colours[WITHIN] = WITHIN_COLOUR
    for i, lv in reversed(list(enumerate(ordered))):
        colours[f"Below the {_percent(lv)} limit"] = LOW_COLOURS[min(i, 2)]
    return colours


def _point_frame(result: FunnelResult) -> pd.DataFrame:
    frame = result.points.copy()
    frame.index = frame.index.map(str)
    frame = frame.rename_axis("organisation").reset_index()
    frame = frame[frame["value"].notna()]
    colours = _status_colours(result.confidence)
    status = pd.Categorical(frame["significance"].map(status_label), categories=list(colours))
    frame["status"] = status.remove_unused_categories()
    return frame


def _limit_lines(result: FunnelResult) -> pd.DataFrame:
    """Long table of the limits in force: denominator, value, line (e.g. upper_95), level."""
    parts = []
    for level in result.confidence:
        for side in ("lower", "upper"):
            column = f"{result.limit_prefix}{side}_{_level_suffix(level)}"
            parts.append(pd.DataFrame({
                "denominator": result.limits["denominator"].to_numpy(float),
                "value": result.limits[column].to_numpy(float),
                "line": f"{side}_{_level_suffix(level)}",
                "level": f"{_percent(level)} limits",
            }))
    lines = pd.concat(parts, ignore_index=True)
    return lines[np.isfinite(lines["value"])]


def _axis_labels(result: FunnelResult) -> tuple[str, str]:
    scale = result.multiplier
    if result.statistic == "proportion":
        return "Denominator (number in the group)", ("Percentage" if scale == 100 else
                                                     f"Proportion (x {scale:g})")
    if result.statistic == "rate":
        return "Population", f"Rate per {scale:,.0f}"
    if result.statistic == "ratio":
        return "Expected", "Ratio (observed / expected)" + ("" if scale == 1 else
                                                            f" x {scale:g}")
    return "Denominator", "Ratio" + ("" if scale == 1 else f" x {scale:g}")


def _y_range(result: FunnelResult, values: pd.Series) -> tuple[float, float]:
    """As FunnelPlotR: from min(0.7 x target, 0.9 x lowest) to max(1.3 x target, 1.1 x
    highest), kept within [0, multiplier] for proportions."""
    top = max(1.3 * result.target, 1.1 * float(values.max()))
    bottom = max(0.0, min(0.7 * result.target, 0.9 * float(values.min())))
    if result.statistic == "proportion":
        top = min(top, result.multiplier)
    if top <= bottom:
        top = bottom + (abs(bottom) or 1.0)
    return bottom, top


def _check_highlight(result: FunnelResult, highlight: Any) -> None:
    if highlight is not None and highlight not in result.points.index:
        examples = ", ".join(map(str, list(result.points.index[:3])))
        raise DataError(f"highlight {highlight!r} is not one of the organisations",
                        field="highlight", hint=f"use an index label such as {examples}")


def funnel_chart(result: FunnelResult, *, title: str | None = None, highlight: Any = None,
                 x_label: str | None = None, y_label: str | None = None) -> ggplot:
    """A funnel plot: organisations coloured by position, limits, target, optional highlight.

    Parameters
    ----------
    result
        From :func:`~lhs_reports.stats.funnel.proportion_funnel`, ``ratio_funnel``,
        ``rate_funnel`` or ``overdispersed_funnel``. The limits in force are drawn: the
        overdispersion-adjusted ones when ``result.adjusted``, else the unadjusted ones.
    title
        Chart title.
    highlight
        An index label of ``result.points`` to ring and label.
    x_label, y_label
        Axis titles (defaults from the statistic).

    Returns
    -------
    plotnine.ggplot
        The method is given as the caption.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import proportion_funnel
    >>> result = proportion_funnel(pd.Series([45, 300, 900], ["A", "B", "C"]),
    ...                            pd.Series([100, 500, 1000], ["A", "B", "C"]))
    >>> chart = funnel_chart(result, title="Share seen on time", highlight="B")
    >>> len(chart.layers)
    5
    """
    _check_highlight(result, highlight)
    points = _point_frame(result)
    lines = _limit_lines(result)
    colours = _status_colours(result.confidence)
    top_level = f"{_percent(max(result.confidence))} limits"
    linetypes = {f"{_percent(lv)} limits": ("solid" if f"{_percent(lv)} limits" == top_level
                                            else "dashed") for lv in result.confidence}
    default_x, default_y = _axis_labels(result)
    bottom, top = _y_range(result, points["value"])
    right = 1.05 * float(points["denominator"].max())
    chart = ggplot(points, aes("denominator", "value"))
    chart += [
        geom_line(aes(group="line", linetype="level"), data=lines, color=LIMIT_COLOUR,
                  size=0.5),
        geom_hline(yintercept=result.target, color=TARGET_COLOUR, size=0.7),
        geom_point(aes(color="status"), size=2.4),
        scale_color_manual(values={k: v for k, v in colours.items()
                                   if k in set(points["status"].cat.categories)}),
        scale_linetype_manual(values=linetypes),
        scale_x_continuous(labels=lambda breaks: [f"{b:,.0f}" for b in breaks],
                           minor_breaks=[]),
        scale_y_continuous(minor_breaks=[]),
        coord_cartesian(xlim=(0, right), ylim=(bottom, top)),
        labs(x=x_label or default_x, y=y_label or default_y, title=title,
             caption=textwrap.fill(result.method, 110), color="", linetype=""),
        theme_nhs(),
        theme(legend_box="vertical"),
    ]
    if highlight is not None:
        chosen = points[points["organisation"] == str(highlight)]
        chart += [
            geom_point(data=chosen, shape="o", fill="none", color=NHS_BLACK, size=5, stroke=1),
            geom_text(aes(label="organisation"), data=chosen, color=NHS_BLACK, ha="left",
                      va="bottom", nudge_x=0.015 * right, nudge_y=0.02 * (top - bottom),
                      size=9),
        ]
    return chart


def _fmt(result: FunnelResult, value: float) -> str:
    if result.statistic == "proportion" and result.multiplier == 100:
        return f"{value:.1f}%"
    if result.statistic == "rate":
        return f"{value:,.1f} per {result.multiplier:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _centre(result: FunnelResult) -> str:
    target = _fmt(result, result.target)
    if result.statistic == "proportion":
        noun = "percentage" if result.multiplier == 100 else "proportion"
        return f"the overall {noun} of {target}"
    if result.statistic == "ratio":
        return f"the expected ratio of {target}"
    return f"the overall {result.statistic} of {target}"


def _names(result: FunnelResult, labels: pd.Index, limit: int = 5) -> str:
    shown = [f"{label} ({_fmt(result, result.points.loc[label, 'value'])})"
             for label in labels[:limit]]
    if len(labels) > limit:
        shown.append(f"{len(labels) - limit} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def funnel_alt_text(result: FunnelResult, *, label: str = "the indicator",
                    highlight: Any = None, measure: str | None = None) -> str:
    """One or two sentences describing a funnel plot, from the same numbers.

    Parameters
    ----------
    result
        A funnel result.
    label
        What is plotted, e.g. "emergency readmissions".
    highlight
        An index label to describe as well (as in :func:`funnel_chart`).
    measure
        The same as ``label`` (the name :func:`~lhs_reports.plots.spc.spc_alt_text` uses);
        takes precedence when given.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import proportion_funnel
    >>> result = proportion_funnel(pd.Series([45, 300, 900], ["A", "B", "C"]),
    ...                            pd.Series([100, 500, 1000], ["A", "B", "C"]))
    >>> print(funnel_alt_text(result, label="patients seen on time"))
    Funnel plot of patients seen on time for 3 organisations against the overall percentage
    of 77.8%, with 95% and 99.8% control limits. 3 organisations are outside the 99.8% limits:
    C (90.0%) above; A (45.0%) and B (60.0%) below.
    """
    _check_highlight(result, highlight)
    label = measure if measure is not None else label
    shown = result.points[result.points["value"].notna()]
    levels = " and ".join(_percent(lv) for lv in sorted(result.confidence))
    widened = (f", widened for overdispersion (phi = {result.phi:.2f})"
               if result.adjusted and result.phi is not None else "")
    plural = "s" if len(shown) != 1 else ""
    text = (f"Funnel plot of {label} for {len(shown)} organisation{plural} against "
            f"{_centre(result)}, with {levels} control limits{widened}.")
    outer = _percent(result.outlier_confidence or max(result.confidence))
    flags = result.outliers
    if flags.empty:
        second = f"No organisation is outside the {outer} limits"
    else:
        verb = "is" if len(flags) == 1 else "are"
        sides = [f"{_names(result, flags.index[flags == side])} {word}"
                 for side, word in (("high", "above"), ("low", "below")) if (flags == side).any()]
        second = (f"{len(flags)} organisation{'s' if len(flags) != 1 else ''} {verb} outside "
                  f"the {outer} limits: " + "; ".join(sides))
    if highlight is not None:
        row = result.points.loc[highlight]
        where = (status_label(row["significance"]) or "not plotted").lower()
        second += f"; {highlight} ({_fmt(result, row['value'])}) is {where}"
    return f"{text} {second}."
