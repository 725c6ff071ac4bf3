"""Several funnel plots side by side (small multiples), one panel per measure, and their alt
text.

Each panel is drawn as :func:`~lhs_reports.plots.funnel.funnel_chart` draws one funnel (the
same colours, shapes, limits and target), on its own scales: measures differ in how many events
are expected, and a shared y axis would flatten the funnels of the larger ones. Panels are
small, so by default only the organisations outside the outermost limits and the highlighted
one are labelled (``label_all_up_to`` says otherwise); the alt text names them too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import pandas as pd
from plotnine import (
    aes,
    facet_wrap,
    geom_blank,
    geom_hline,
    geom_line,
    ggplot,
    guide_legend,
    guides,
    labs,
    scale_linetype_manual,
    scale_x_continuous,
    theme,
)

from lhs_reports.errors import DataError
from lhs_reports.plots.funnel import (
    LIMIT_COLOUR,
    TARGET_COLOUR,
    _axis_labels,
    _limit_lines,
    _y_range,
    label_frame,
    point_frame,
    point_layers,
)
from lhs_reports.plots.funnel_status import percent, status_styles
from lhs_reports.plots.funnel_text import _centre, check_highlight, outside_sentence
from lhs_reports.plots.theme import number_labels, round_ticks, theme_nhs, value_axis
from lhs_reports.stats.funnel import FunnelResult

#: Organisations labelled in every panel when there are at most this many (else the outliers
#: and the highlighted one): none by default, as a panel is a quarter of a chart.
PANEL_LABEL_ALL_UP_TO = 0

_COUNTS = {1: "one panel", 2: "two panels", 3: "three panels", 4: "four panels",
           5: "five panels", 6: "six panels", 7: "seven panels", 8: "eight panels",
           9: "nine panels"}


def _check(results: Mapping[str, FunnelResult], titles: Mapping[str, str]) -> None:
    if not results:
        raise DataError("no funnels to draw", field="results",
                        hint="pass at least one funnel result, by measure")
    missing = [key for key in results if key not in titles]
    if missing:
        raise DataError(f"no panel title for {', '.join(map(str, missing))}", field="titles",
                        hint="give every measure a title, e.g. MEASURE_LABELS")


def _panel_frames(results: Mapping[str, FunnelResult], titles: Mapping[str, str],
                  highlight: Any, names: Mapping[str, str] | None, label_all_up_to: int
                  ) -> dict[str, pd.DataFrame]:
    """Points, limit lines, labels, targets and each panel's extent, stacked by panel."""
    order = [titles[key] for key in results]
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in ("points", "lines", "labels",
                                                            "targets", "extent")}
    for key, result in results.items():
        panel = titles[key]
        points = point_frame(result, names)
        if points.empty:
            continue
        bottom, top = _y_range(result, points["value"])
        right = 1.05 * float(points["denominator"].max())
        lines = _limit_lines(result)
        # A panel has its own scales, so limits that shoot off at small denominators are cut
        # at the panel's edge rather than stretching it.
        lines = lines[(lines["value"] >= bottom) & (lines["value"] <= top)
                      & (lines["denominator"] <= right)]
        labels = label_frame(points, highlight=highlight, x_range=(0, right),
                             y_range=(bottom, top), panel_points=(175.0, 105.0),
                             label_all_up_to=label_all_up_to)
        extent = pd.DataFrame({"denominator": [0.0, right], "value": [bottom, top]})
        target = pd.DataFrame({"target": [result.target]})
        for name, frame in (("points", points), ("lines", lines), ("labels", labels),
                            ("targets", target), ("extent", extent)):
            parts[name].append(frame.assign(panel=panel))
    stacked = {}
    for name, frames in parts.items():
        frame = pd.concat(frames, ignore_index=True)
        frame["panel"] = pd.Categorical(frame["panel"], categories=order)
        stacked[name] = frame
    return stacked


def funnel_panels_chart(results: Mapping[str, FunnelResult], *, titles: Mapping[str, str],
                        highlight: Any = None, names: Mapping[str, str] | None = None,
                        title: str | None = None, x_label: str | None = None,
                        y_label: str | None = None,
                        label_all_up_to: int = PANEL_LABEL_ALL_UP_TO) -> Any:
    """Funnel plots of several measures as small multiples, two panels to a row.

    Parameters
    ----------
    results
        Funnel results by measure (e.g. the needs assessment's peer funnels), drawn in order.
    titles
        Each measure's panel title.
    highlight
        An organisation (index label) to ring in every panel, labelled in bold.
    names
        Organisation names by code; labels fall back to the code.
    title, x_label, y_label
        Chart and axis titles (axis defaults from the first result's statistic).
    label_all_up_to
        Label every organisation in a panel when there are at most this many; otherwise the
        ones outside the outermost limits and the highlighted one.

    Returns
    -------
    plotnine.ggplot

    Raises
    ------
    DataError
        No results, a measure without a title, or a ``highlight`` not in every funnel.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import ratio_funnel
    >>> idx = ["A", "B", "C"]
    >>> observed, expected = pd.Series([40.0, 90, 30], idx), pd.Series([50.0, 70, 30], idx)
    >>> results = {m: ratio_funnel(observed * k, expected * k) for m, k in (("x", 1), ("y", 2))}
    >>> chart = funnel_panels_chart(results, titles={"x": "X", "y": "Y"})
    >>> list(chart.data["panel"].cat.categories)
    ['X', 'Y']
    """
    _check(results, titles)
    for result in results.values():
        check_highlight(result, highlight)
    frames = _panel_frames(results, titles, highlight, names, label_all_up_to)
    first = next(iter(results.values()))
    levels = tuple(sorted({lv for r in results.values() for lv in r.confidence}))
    styles = status_styles(levels)
    top_level = f"{percent(max(levels))} limits"
    linetypes = {f"{percent(lv)} limits": "solid" if f"{percent(lv)} limits" == top_level
                 else "dashed" for lv in levels}
    points = frames["points"]
    points["status"] = pd.Categorical(points["status"].astype(str),
                                      categories=[k for k in styles
                                                  if k in set(points["status"].astype(str))])
    default_x, default_y = _axis_labels(first)
    methods = {r.method for r in results.values()}
    chart = ggplot(points, aes("denominator", "value"))
    chart += [
        geom_blank(data=frames["extent"]),
        geom_line(aes(group="line", linetype="level"), data=frames["lines"],
                  color=LIMIT_COLOUR, size=0.5),
        geom_hline(aes(yintercept="target"), data=frames["targets"], color=TARGET_COLOUR,
                   size=0.7),
        *point_layers(points, frames["labels"], highlight, styles),
        scale_linetype_manual(values=linetypes),
        guides(color=guide_legend(order=1, ncol=2), fill=guide_legend(order=1, ncol=2),
               shape=guide_legend(order=1, ncol=2), linetype=guide_legend(order=2)),
        # Few x ticks: a panel is half the width, and "12,500" beside "10,000" collide.
        scale_x_continuous(breaks=lambda limits: round_ticks(limits, 3), labels=number_labels,
                           minor_breaks=[]),
        value_axis(),
        facet_wrap("panel", ncol=2, scales="free"),
        labs(x=x_label or default_x, y=textwrap.fill(y_label or default_y, 40), title=title,
             caption=textwrap.fill(methods.pop(), 100) if len(methods) == 1 else None,
             color="", fill="", shape="", linetype=""),
        theme_nhs(),
        # Taller than the house chart: two rows of panels with their strip titles.
        theme(figure_size=(6.4, 6.2), legend_box="vertical", legend_key_width=22,
              panel_spacing_x=0.04, panel_spacing_y=0.06),
    ]
    return chart


def funnel_panels_alt_text(results: Mapping[str, FunnelResult], *, titles: Mapping[str, str],
                           what: str = "funnel plots", highlight: Any = None,
                           names: Mapping[str, str] | None = None) -> str:
    """Sentences describing :func:`funnel_panels_chart`: what the panels show, then for each
    measure who is outside the outermost limits (each organisation once) and where the
    highlighted one sits.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import ratio_funnel
    >>> idx = ["A", "B", "C"]
    >>> observed, expected = pd.Series([40.0, 90, 30], idx), pd.Series([50.0, 70, 30], idx)
    >>> results = {m: ratio_funnel(observed * k, expected * k, multiplier=100)
    ...            for m, k in (("x", 1), ("y", 2))}
    >>> print(funnel_panels_alt_text(results, titles={"x": "Referrals", "y": "Admissions"},
    ...                              names={"B": "Eastvale NHS Trust"}))
    Funnel plots in two panels, one per measure (Referrals and Admissions), each of 3
    organisations against the expected ratio of 100, with 95% and 99.8% control limits.
    Referrals: no organisation is outside the 99.8% limits. Admissions: 1 organisation is
    outside the 99.8% limits: Eastvale NHS Trust (B, 129) above.
    """
    _check(results, titles)
    for result in results.values():
        check_highlight(result, highlight)
    counts = {int(r.points["value"].notna().sum()) for r in results.values()}
    centres = {_centre(r) for r in results.values()}
    levels = {" and ".join(percent(lv) for lv in sorted(r.confidence))
              for r in results.values()}
    listed = [titles[key] for key in results]
    panels = ", ".join(listed[:-1]) + (" and " if len(listed) > 1 else "") + listed[-1]
    count = _COUNTS.get(len(results), f"{len(results)} panels")
    text = f"{what[0].upper()}{what[1:]} in {count}, one per measure ({panels}), each of "
    text += (f"{counts.pop()} organisations" if len(counts) == 1 else "the organisations")
    text += f" against {centres.pop() if len(centres) == 1 else 'the overall value'}"
    text += f", with {levels.pop()} control limits." if len(levels) == 1 else "."
    if any(r.adjusted for r in results.values()):
        text += " Limits widened for overdispersion where the data show it."
    for key, result in results.items():
        sentence = outside_sentence(result, highlight=highlight, names=names)
        text += f" {titles[key]}: {sentence[0].lower()}{sentence[1:]}."
    return text
