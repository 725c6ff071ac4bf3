"""Which of a chart's data a reader downloads with it, and in which units.

A plotnine chart holds a frame (``.data``) with the columns it draws and others it only used
on the way (a phase number, a flag). Its download is:

- the columns it draws (mapped to an aesthetic, or faceted by), but not those that only
  group lines;
- the frame's first column when it names the rows (an organisation, which a chart often
  labels from a frame of its own);
- the package's own statistics on the scale of its y axis (an XmR chart's mean and process
  limits, a funnel's limits, an interval's bounds), which charts often draw from a frame of
  their own.

A y axis titled with a unit (``%``, ``per 100,000``, ``days``) gives that unit to the columns
on its scale.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["SAME_SCALE", "axis_units", "charted_columns", "mapped_columns"]

#: Aesthetics on a chart's y axis: their columns are in the y axis's unit.
Y_AESTHETICS = frozenset({"y", "ymin", "ymax", "yend", "yintercept", "lower", "upper",
                          "middle"})
#: Columns of the package's statistics on the scale of the value they describe
#: (:mod:`lhs_reports.stats`: XmR limits, funnel limits, intervals, fitted series).
SAME_SCALE = ("mean", "lpl", "upl", "nlpl", "nupl", "mr_bar", "moving_range", "target",
              "lower", "upper", "lower_ci", "upper_ci", "lower_95", "upper_95", "lower_998",
              "upper_998", "od_lower_95", "od_upper_95", "od_lower_998", "od_upper_998",
              "fitted", "counterfactual", "all")
#: An axis title that is a unit rather than the name of a variable.
_UNIT_TITLE = re.compile(r"%|\bper\b|\bcent\b|\b(?:days?|hours?|weeks?|years?)$",
                         re.IGNORECASE)


def mapped_columns(chart: object, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """``(aesthetic, column)`` for every aesthetic a plotnine chart maps to a column of its
    data ``frame``: the chart's mapping, and each layer's that draws the chart's data.

    Examples
    --------
    >>> import plotnine as p9
    >>> frame = pd.DataFrame({"month": [1, 2], "value": [1.5, 2.0]})
    >>> mapped_columns(p9.ggplot(frame, p9.aes("month", "value")) + p9.geom_line(), frame)
    [('x', 'month'), ('y', 'value')]
    """
    mappings = [getattr(chart, "mapping", None)]
    for layer in getattr(chart, "layers", []):
        if getattr(layer, "_data", None) is None:  # the layer draws the chart's own data
            mappings.append(getattr(layer, "mapping", None))
    found = []
    for mapping in mappings:
        for aesthetic, column in (dict(mapping) if mapping is not None else {}).items():
            if isinstance(column, str) and column in frame.columns:
                found.append((str(aesthetic), column))
    return found


def _on_y_scale(chart: object, frame: pd.DataFrame) -> list[str]:
    mapped = mapped_columns(chart, frame)
    on_y = [column for aesthetic, column in mapped if aesthetic in Y_AESTHETICS]
    if on_y:
        on_y += [column for column in SAME_SCALE if column in frame.columns]
    return on_y


def charted_columns(chart: object, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` (a chart's data) a reader downloads with the chart, in the
    frame's order; every column when none is found by name.

    Examples
    --------
    >>> import plotnine as p9
    >>> frame = pd.DataFrame({"trust": ["A", "B"], "month": [1, 2], "value": [1.5, 2.0],
    ...                       "run": [0, 0], "upl": [3.0, 3.0], "working": [0, 1]})
    >>> chart = (p9.ggplot(frame, p9.aes("month", "value"))
    ...          + p9.geom_line(p9.aes(group="run")))
    >>> charted_columns(chart, frame)
    ['trust', 'month', 'value', 'upl']
    """
    mapped = mapped_columns(chart, frame)
    drawn = {column for aesthetic, column in mapped if aesthetic != "group"}
    if len(frame.columns) and not pd.api.types.is_numeric_dtype(frame[frame.columns[0]]):
        drawn.add(frame.columns[0])  # the rows' key (an organisation), often drawn as labels
    drawn.update(_on_y_scale(chart, frame))
    facet = getattr(chart, "facet", None)
    drawn.update(str(v) for v in getattr(facet, "vars", ()) if v in frame.columns)
    return [c for c in frame.columns if c in drawn] or list(frame.columns)


def axis_units(chart: object, frame: pd.DataFrame) -> dict[str, str]:
    """``{column: y axis title}`` for the columns of ``frame`` on a plotnine chart's y scale,
    when the title reads as a unit; ``{}`` otherwise.

    Examples
    --------
    >>> import plotnine as p9
    >>> frame = pd.DataFrame({"month": [1, 2], "value": [1.5, 2.0], "upl": [3.0, 3.0]})
    >>> chart = p9.ggplot(frame, p9.aes("month", "value")) + p9.geom_line()
    >>> axis_units(chart + p9.labs(y="per 1,000"), frame)
    {'value': 'per 1,000', 'upl': 'per 1,000'}
    >>> axis_units(chart + p9.labs(y="Deprivation quintile"), frame)
    {}
    """
    labels: Any = getattr(chart, "labels", None)
    title = labels.get("y", None) if hasattr(labels, "get") else None
    if not isinstance(title, str) or not _UNIT_TITLE.search(title):
        return {}
    return dict.fromkeys(_on_y_scale(chart, frame), title)
