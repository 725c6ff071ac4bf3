"""Funnel plots in NHS colours, and alt text from the same numbers.

Draws a :class:`lhs_reports.stats.funnel.FunnelResult` (PHE or overdispersed): organisations
as points coloured and shaped by where they sit against the limits
(:mod:`lhs_reports.plots.funnel_status`), labelled with their names
(:mod:`lhs_reports.plots.funnel_labels`), the limits in force as lines (the highest level
solid, the others dashed), the target as a horizontal line, and optionally one organisation
ringed. :mod:`lhs_reports.plots.funnel_panels` draws several funnels as small multiples;
:mod:`lhs_reports.plots.funnel_text` writes the alt text (re-exported here).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    coord_cartesian,
    geom_hline,
    geom_label,
    geom_line,
    geom_point,
    geom_segment,
    ggplot,
    guide_legend,
    guides,
    labs,
    scale_color_manual,
    scale_fill_manual,
    scale_linetype_manual,
    scale_shape_manual,
    scale_x_continuous,
    theme,
)

from lhs_reports.plots.funnel_labels import (
    LABEL_ALL_UP_TO,
    chart_name,
    organisation_name,
    place_labels,
    to_label,
)
from lhs_reports.plots.funnel_status import (
    WITHIN,
    level_suffix,
    percent,
    status_label,
    status_styles,
)
from lhs_reports.plots.funnel_text import check_highlight, funnel_alt_text
from lhs_reports.plots.theme import NHS_BLACK, NHS_BLUE, NHS_DARK_GREY, theme_nhs, value_axis
from lhs_reports.stats.funnel import FunnelResult

__all__ = ["WITHIN", "funnel_alt_text", "funnel_chart", "status_label"]

LIMIT_COLOUR = NHS_DARK_GREY
TARGET_COLOUR = NHS_BLUE
LABEL_SIZE = 7.5


def point_frame(result: FunnelResult, names: Mapping[str, str] | None = None
                ) -> pd.DataFrame:
    """One row per organisation with a value: ``organisation`` (code), ``name``,
    ``denominator``, ``value``, ``outlier`` and ``status`` (ordered as the legend)."""
    frame = result.points.copy()
    frame.index = frame.index.map(str)
    frame = frame.rename_axis("organisation").reset_index()
    frame = frame[frame["value"].notna()]
    styles = status_styles(result.confidence)
    status = pd.Categorical(frame["significance"].map(status_label), categories=list(styles))
    frame["status"] = status.remove_unused_categories()
    frame["name"] = [organisation_name(code, names) for code in frame["organisation"]]
    return frame


def label_frame(points: pd.DataFrame, *, highlight: Any, x_range: tuple[float, float],
                y_range: tuple[float, float], panel_points: tuple[float, float],
                label_all_up_to: int = LABEL_ALL_UP_TO) -> pd.DataFrame:
    """The labelled points with where their labels go (:func:`place_labels`), the highlighted
    organisation's in bold."""
    chosen = points[to_label(points, highlight=highlight, label_all_up_to=label_all_up_to)]
    # First choice of place: the highlighted organisation, then those outside the limits.
    rank = np.where(chosen["organisation"] == str(highlight), 0,
                    np.where(chosen["outlier"].notna(), 1, 2))
    chosen = chosen.assign(_rank=rank).sort_values(["_rank", "value"]).drop(columns="_rank")
    text = [chart_name(name) for name in chosen["name"]]
    placed = place_labels(chosen["denominator"].to_numpy(float),
                          chosen["value"].to_numpy(float), text, x_range=x_range,
                          y_range=y_range, panel_points=panel_points, size=LABEL_SIZE,
                          obstacles=points[["denominator", "value"]].to_numpy(float))
    placed.index = chosen.index
    labelled = chosen.assign(text=text, **{c: placed[c] for c in placed.columns},
                             weight=np.where(chosen["organisation"] == str(highlight), "bold",
                                             "normal"))
    # As booleans: an empty column of objects would select columns, not rows.
    return labelled[labelled["placed"].astype(bool)]


def point_layers(points: pd.DataFrame, labels: pd.DataFrame, highlight: Any,
                 styles: dict[str, tuple[str, str]]) -> list[Any]:
    """Points (colour and shape by status), their labels with leader lines where a label had
    to move, and the ring round the highlighted organisation."""
    shown = [k for k in styles if k in set(points["status"].cat.categories)]
    layers: list[Any] = [
        geom_point(aes(color="status", fill="status", shape="status"), data=points, size=2.8,
                   stroke=0.5),
        scale_color_manual(values={k: styles[k][0] for k in shown}, breaks=shown),
        scale_fill_manual(values={k: styles[k][0] for k in shown}, breaks=shown),
        scale_shape_manual(values={k: styles[k][1] for k in shown}, breaks=shown),
    ]
    moved = labels[labels["moved"]]
    if not moved.empty:
        layers.append(geom_segment(aes(x="denominator", y="value", xend="label_x",
                                       yend="label_y"), data=moved, color=NHS_DARK_GREY,
                                   size=0.3))
    if not labels.empty:
        # On a translucent white box, so a label stays legible where it crosses a limit line.
        layers.append(geom_label(aes(x="label_x", y="label_y", label="text", ha="ha",
                                     fontweight="weight"), data=labels, color=NHS_BLACK,
                                 fill="#FFFFFFCC", label_size=0, label_padding=0.1,
                                 size=LABEL_SIZE, lineheight=1.0))
    if highlight is not None:
        chosen = points[points["organisation"] == str(highlight)]
        layers.append(geom_point(aes("denominator", "value"), data=chosen, shape="o",
                                 fill="none", color=NHS_BLACK, size=5.5, stroke=0.9))
    return layers


def _limit_lines(result: FunnelResult) -> pd.DataFrame:
    """Long table of the limits in force: denominator, value, line (e.g. upper_95), level."""
    parts = []
    for level in result.confidence:
        for side in ("lower", "upper"):
            column = f"{result.limit_prefix}{side}_{level_suffix(level)}"
            parts.append(pd.DataFrame({
                "denominator": result.limits["denominator"].to_numpy(float),
                "value": result.limits[column].to_numpy(float),
                "line": f"{side}_{level_suffix(level)}",
                "level": f"{percent(level)} limits",
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


def funnel_chart(result: FunnelResult, *, title: str | None = None, highlight: Any = None,
                 x_label: str | None = None, y_label: str | None = None,
                 names: Mapping[str, str] | None = None,
                 label_all_up_to: int = LABEL_ALL_UP_TO) -> ggplot:
    """A funnel plot: organisations coloured and shaped by position and labelled by name,
    limits, target, optional highlight.

    Parameters
    ----------
    result
        From :func:`~lhs_reports.stats.funnel.proportion_funnel`, ``ratio_funnel``,
        ``rate_funnel`` or ``overdispersed_funnel``. The limits in force are drawn: the
        overdispersion-adjusted ones when ``result.adjusted``, else the unadjusted ones.
    title
        Chart title.
    highlight
        An index label of ``result.points`` to ring (and label in bold).
    x_label, y_label
        Axis titles (defaults from the statistic).
    names
        Organisation names by code (e.g. :func:`lhs_reports.reports.periods.trust_names`);
        an organisation without one is labelled by its code.
    label_all_up_to
        Label every organisation when there are at most this many; otherwise only those
        outside the outermost limits and the highlighted one.

    Returns
    -------
    plotnine.ggplot
        The method is given as the caption.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import proportion_funnel
    >>> result = proportion_funnel(pd.Series([45, 300, 900], ["A", "B", "C"]),
    ...                            pd.Series([100, 500, 1000], ["A", "B", "C"]))
    >>> chart = funnel_chart(result, title="Share seen on time", highlight="B",
    ...                      names={"A": "Northern NHS Trust"})
    >>> sorted(chart.layers[-2].geom.data["text"])
    ['B', 'C', 'Northern']
    """
    check_highlight(result, highlight)
    points = point_frame(result, names)
    lines = _limit_lines(result)
    styles = status_styles(result.confidence)
    top_level = f"{percent(max(result.confidence))} limits"
    linetypes = {f"{percent(lv)} limits": ("solid" if f"{percent(lv)} limits" == top_level
                                           else "dashed") for lv in result.confidence}
    default_x, default_y = _axis_labels(result)
    bottom, top = _y_range(result, points["value"])
    right = 1.05 * float(points["denominator"].max())
    labels = label_frame(points, highlight=highlight, x_range=(0, right), y_range=(bottom, top),
                         panel_points=(390.0, 145.0), label_all_up_to=label_all_up_to)
    chart = ggplot(points, aes("denominator", "value"))
    chart += [
        geom_line(aes(group="line", linetype="level"), data=lines, color=LIMIT_COLOUR,
                  size=0.5),
        geom_hline(yintercept=result.target, color=TARGET_COLOUR, size=0.7),
        *point_layers(points, labels, highlight, styles),
        scale_linetype_manual(values=linetypes),
        guides(color=guide_legend(order=1, ncol=2), fill=guide_legend(order=1, ncol=2),
               shape=guide_legend(order=1, ncol=2), linetype=guide_legend(order=2)),
        scale_x_continuous(labels=lambda breaks: [f"{b:,.0f}" for b in breaks],
                           minor_breaks=[]),
        value_axis(),
        coord_cartesian(xlim=(0, right), ylim=(bottom, top)),
        labs(x=x_label or default_x, y=textwrap.fill(y_label or default_y, 26), title=title,
             caption=textwrap.fill(result.method, 100), color="", fill="", shape="",
             linetype=""),
        theme_nhs(),
        theme(legend_box="vertical", legend_key_width=22),
    ]
    return chart
