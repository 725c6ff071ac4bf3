"""Rates with confidence intervals by population segment (dot-and-whisker), and their alt text.
"""

from __future__ import annotations

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    facet_wrap,
    geom_errorbar,
    geom_hline,
    geom_point,
    geom_text,
    ggplot,
    labs,
    scale_y_continuous,
    theme,
    theme_void,
)

from lhs_reports.plots.theme import NHS_BLUE, NHS_DARK_GREY, number_labels, theme_nhs


def segment_rate_chart(rates: pd.DataFrame, *, labels: dict[str, str], title: str | None = None,
                       x_label: str = "", y_label: str = "Age-standardised rate per 100,000",
                       overall: dict[str, float] | None = None) -> ggplot:
    """Dot-and-whisker chart of ``rates`` (``segment_label``, ``measure``, ``value``,
    ``lower_ci``, ``upper_ci``), one panel per measure with free scales; a dashed line at each
    measure's ``overall`` rate when given. Segments without a rate are left out (the table
    beside the chart says why)."""
    frame = rates.dropna(subset=["value"]).copy()
    if frame.empty:
        return _nothing_to_show("No segment has a rate: too few events or residents.")
    order = list(dict.fromkeys(rates["segment_label"]))[::-1]
    frame["segment_label"] = pd.Categorical(frame["segment_label"], categories=order)
    frame["panel"] = pd.Categorical(frame["measure"].map(labels),
                                    categories=[labels[m] for m in dict.fromkeys(rates["measure"])
                                                if m in labels])
    chart = ggplot(frame, aes("segment_label", "value"))
    if overall:
        lines = pd.DataFrame({"panel": [labels[m] for m in overall],
                              "overall": list(overall.values())})
        lines["panel"] = pd.Categorical(lines["panel"], categories=frame["panel"].cat.categories)
        chart += geom_hline(aes(yintercept="overall"), data=lines, linetype="dashed",
                            color=NHS_DARK_GREY, size=0.5)
    chart += [
        # One group per panel: plotnine draws error bars group by group, and a discrete axis
        # would otherwise make every segment its own group (five times the drawing calls for
        # the same picture; ~0.07 s of a 0.3 s chart).
        geom_errorbar(aes(ymin="lower_ci", ymax="upper_ci", group="panel"), width=0.3,
                      color=NHS_BLUE),
        geom_point(color=NHS_BLUE, size=2.5),
        scale_y_continuous(labels=number_labels, minor_breaks=[]),
        coord_flip(),
        facet_wrap("panel", scales="free_x", ncol=2),
        labs(x=x_label, y=y_label, title=title),
        theme_nhs(),
        # Taller than the house default: two rows of panels need room for their strip titles.
        theme(figure_size=(6.4, 6.4), panel_spacing_y=0.08),
    ]
    return chart


def _nothing_to_show(message: str) -> ggplot:
    """A small chart saying there is nothing to plot (so a report still renders)."""
    return (ggplot(pd.DataFrame({"x": [0.0], "y": [0.0], "label": [message]}),
                   aes("x", "y", label="label"))
            + geom_text(color=NHS_DARK_GREY, size=11)
            + theme_void() + theme(figure_size=(6.4, 1.2)))


def segment_rate_alt_text(rates: pd.DataFrame, *, labels: dict[str, str], segment_name: str
                          ) -> str:
    """Sentences from the same numbers: for each measure, the highest and lowest segment.

    Examples
    --------
    >>> rates = pd.DataFrame({"measure": ["admissions"] * 3, "segment_label": ["A", "B", "C"],
    ...                       "value": [120.0, 80.0, float("nan")]})
    >>> print(segment_rate_alt_text(rates, labels={"admissions": "Admissions"},
    ...                             segment_name="ethnic group"))
    Dot chart of age-standardised rates per 100,000 by ethnic group, with 95% confidence
    intervals. Admissions: highest A (120.0), lowest B (80.0); not calculated for C (too few
    events or residents).
    """
    parts = [f"Dot chart of age-standardised rates per 100,000 by {segment_name}, with 95% "
             "confidence intervals."]
    for measure, part in rates.groupby("measure", sort=False):
        shown = part.dropna(subset=["value"])
        text = f"{labels[str(measure)]}: "
        if shown.empty:
            text += "no segment has a rate (too few events or residents)."
        elif len(shown) == 1:
            only = shown.iloc[0]
            text += f"only {only['segment_label']} has a rate ({only['value']:,.1f})"
        else:
            high = shown.loc[shown["value"].idxmax()]
            low = shown.loc[shown["value"].idxmin()]
            text += (f"highest {high['segment_label']} ({high['value']:,.1f}), lowest "
                     f"{low['segment_label']} ({low['value']:,.1f})")
            missing = part.loc[part["value"].isna(), "segment_label"].tolist()
            text += (f"; not calculated for {', '.join(map(str, missing))} (too few events "
                     "or residents)." if missing else ".")
        parts.append(text)
    return " ".join(parts)
