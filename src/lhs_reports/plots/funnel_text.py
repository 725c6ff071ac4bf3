"""Alt text for funnel plots, from the same numbers the chart draws.

Each organisation outside the limits is named once, by name and code where the name is known,
with its value; the highlighted organisation is marked where it is already named, and only
otherwise given its own clause (never "SYN03 (77.0) below; SYN03 (77.0) is below ...").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.plots.funnel_labels import organisation_name
from lhs_reports.plots.funnel_status import percent, status_label
from lhs_reports.stats.funnel import FunnelResult

#: The most organisations named on each side before "and n more".
NAMED_PER_SIDE = 5


def check_highlight(result: FunnelResult, highlight: Any) -> None:
    """Refuse a highlight that is not one of the funnel's organisations."""
    if highlight is not None and highlight not in result.points.index:
        examples = ", ".join(map(str, list(result.points.index[:3])))
        raise DataError(f"highlight {highlight!r} is not one of the organisations",
                        field="highlight", hint=f"use an index label such as {examples}")


def value_text(result: FunnelResult, value: float) -> str:
    """A funnel value as the alt text gives it: "90.0%", "12.5 per 100,000", "133".

    >>> from types import SimpleNamespace
    >>> value_text(SimpleNamespace(statistic="ratio", multiplier=100), 132.6)
    '133'
    """
    if result.statistic == "proportion" and result.multiplier == 100:
        return f"{value:.1f}%"
    if result.statistic == "rate":
        return f"{value:,.1f} per {result.multiplier:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _centre(result: FunnelResult) -> str:
    target = value_text(result, result.target)
    if result.statistic == "proportion":
        noun = "percentage" if result.multiplier == 100 else "proportion"
        return f"the overall {noun} of {target}"
    if result.statistic == "ratio":
        return f"the expected ratio of {target}"
    return f"the overall {result.statistic} of {target}"


def _entry(result: FunnelResult, code: Any, names: Mapping[str, str] | None,
           highlight: Any) -> str:
    """One organisation, once: "Name (CODE, value)", or "CODE (value)" without a name."""
    value = value_text(result, result.points.loc[code, "value"])
    name = organisation_name(code, names)
    marked = "; highlighted" if highlight is not None and code == highlight else ""
    return (f"{name} ({code}, {value}{marked})" if name != str(code)
            else f"{code} ({value}{marked})")


def _listed(entries: list[str], limit: int = NAMED_PER_SIDE) -> str:
    shown = entries[:limit] + ([f"{len(entries) - limit} more"] if len(entries) > limit else [])
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def outside_sentence(result: FunnelResult, *, highlight: Any = None,
                     names: Mapping[str, str] | None = None) -> str:
    """Who is outside the outermost limits, each once, and where the highlighted organisation
    sits when it is not one of them (no full stop)."""
    outer = percent(result.outlier_confidence or max(result.confidence))
    flags = result.outliers
    if flags.empty:
        text = f"No organisation is outside the {outer} limits"
    else:
        verb = "is" if len(flags) == 1 else "are"
        sides = [_listed([_entry(result, code, names, highlight)
                          for code in flags.index[flags == side]]) + f" {word}"
                 for side, word in (("high", "above"), ("low", "below")) if (flags == side).any()]
        text = (f"{len(flags)} organisation{'s' if len(flags) != 1 else ''} {verb} outside "
                f"the {outer} limits: " + "; ".join(sides))
    named = [code for side in ("high", "low")
             for code in flags.index[flags == side][:NAMED_PER_SIDE]]
    if highlight is not None and highlight not in named:
        row = result.points.loc[highlight]
        where = (status_label(row["significance"]) or "not plotted").lower()
        name = organisation_name(highlight, names)
        value = value_text(result, row["value"]) if pd.notna(row["value"]) else "no value"
        who = f"{name} ({highlight}, {value})" if name != str(highlight) else \
            f"{highlight} ({value})"
        text += f"; {who}, highlighted, is {where}"
    return text


def funnel_alt_text(result: FunnelResult, *, label: str = "the indicator",
                    highlight: Any = None, measure: str | None = None,
                    names: Mapping[str, str] | None = None) -> str:
    """One or two sentences describing a funnel plot, from the same numbers.

    Parameters
    ----------
    result
        A funnel result.
    label
        What is plotted, e.g. "emergency readmissions".
    highlight
        An index label to describe as well (as in :func:`~lhs_reports.plots.funnel.funnel_chart`).
    measure
        The same as ``label`` (the name :func:`~lhs_reports.plots.spc.spc_alt_text` uses);
        takes precedence when given.
    names
        Organisation names by code; organisations are named by code where it has none.

    Examples
    --------
    >>> from lhs_reports.stats.funnel import proportion_funnel
    >>> result = proportion_funnel(pd.Series([45, 300, 900], ["A", "B", "C"]),
    ...                            pd.Series([100, 500, 1000], ["A", "B", "C"]))
    >>> print(funnel_alt_text(result, label="patients seen on time", highlight="B",
    ...                       names={"B": "Southmoor NHS Trust"}))
    Funnel plot of patients seen on time for 3 organisations against the overall percentage
    of 77.8%, with 95% and 99.8% control limits. 3 organisations are outside the 99.8% limits:
    C (90.0%) above; A (45.0%) and Southmoor NHS Trust (B, 60.0%; highlighted) below.
    """
    check_highlight(result, highlight)
    label = measure if measure is not None else label
    shown = result.points[result.points["value"].notna()]
    levels = " and ".join(percent(lv) for lv in sorted(result.confidence))
    widened = (f", widened for overdispersion (phi = {result.phi:.2f})"
               if result.adjusted and result.phi is not None else "")
    plural = "s" if len(shown) != 1 else ""
    text = (f"Funnel plot of {label} for {len(shown)} organisation{plural} against "
            f"{_centre(result)}, with {levels} control limits{widened}.")
    return f"{text} {outside_sentence(result, highlight=highlight, names=names)}."
