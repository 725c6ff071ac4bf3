"""SPC (XmR) charts in Making Data Count colours, and alt text from the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    geom_line,
    geom_point,
    geom_segment,
    ggplot,
    labs,
    scale_color_manual,
    scale_x_datetime,
    scale_y_continuous,
)

from lhs_reports.plots.theme import MDC_COLOURS, MDC_LIMIT_COLOUR, MDC_TARGET_COLOUR, theme_nhs
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


def _plot_frame(result: pd.DataFrame) -> pd.DataFrame:
    frame = result.reset_index()
    frame = frame.rename(columns={frame.columns[0]: "x"})
    frame["point_label"] = frame["point_type"].map(POINT_LABELS)
    return frame


def _limit_segments(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, part in frame.groupby("group", sort=True):
        for column in ("mean", "lpl", "upl"):
            rows.append({"x": part["x"].iloc[0], "xend": part["x"].iloc[-1],
                         "y": part[column].iloc[0], "line": column})
    return pd.DataFrame(rows)


def spc_chart(result: pd.DataFrame, *, title: str | None = None,
              y_label: str | None = None) -> ggplot:
    """An XmR chart: values in grey, points coloured by point type, mean and process limits per
    limits group (solid/dashed), and the target (red) when there is one."""
    frame = _plot_frame(result)
    segments = _limit_segments(frame)
    # A month without a value (declared missing, or no denominator) breaks the line there.
    frame["run"] = frame["value"].isna().cumsum()
    frame = frame.loc[frame["value"].notna()]
    # Built with one `+=`: each `+` deep-copies the whole plot, ~10% of drawing an SPC chart.
    chart = ggplot(frame, aes("x", "value"))
    chart += [
        geom_line(aes(group="run"), color=MDC_COLOURS["common_cause"], size=0.6),
        geom_segment(aes(x="x", xend="xend", y="y", yend="y"),
                     data=segments[segments["line"] == "mean"], color=MDC_LIMIT_COLOUR, size=0.6),
        geom_segment(aes(x="x", xend="xend", y="y", yend="y"),
                     data=segments[segments["line"] != "mean"], color=MDC_LIMIT_COLOUR,
                     linetype="dashed", size=0.5),
        geom_point(aes(color="point_label"), size=2.2),
        scale_color_manual(values={POINT_LABELS[k]: v for k, v in MDC_COLOURS.items()},
                           drop=True),
        scale_y_continuous(minor_breaks=[]),
        labs(x="", y=y_label or "Value", title=title, color=""),
        theme_nhs(),
    ]
    if isinstance(result.index, pd.DatetimeIndex):
        chart += scale_x_datetime(date_labels="%b %Y", minor_breaks=[])
    target = result.attrs.get("target")
    if target is not None and np.isfinite(target):
        target_line = pd.DataFrame({"x": [frame["x"].iloc[0]], "xend": [frame["x"].iloc[-1]],
                                    "y": [float(target)]})
        chart += geom_segment(aes(x="x", xend="xend", y="y", yend="y"), data=target_line,
                              color=MDC_TARGET_COLOUR, linetype="dotted", size=0.7)
    return chart


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.1f}"
    return f"{text}%" if unit == "%" else (f"{text} {unit}" if unit else text)


def _when(label: object) -> str:
    return f"{label:%B %Y}" if isinstance(label, pd.Timestamp) else str(label)


def spc_alt_text(result: pd.DataFrame, *, measure: str = "the measure", unit: str = "") -> str:
    """Sentences describing an XmR chart from the same numbers: span, mean and limits of the
    latest group, what the last point shows, and the assurance against any target.

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> print(spc_alt_text(xmr([5, 6] * 6 + [9] * 7, improvement="increase"), measure="visits"))
    SPC chart of visits, 19 points from 0 to 18. Latest limits (from 0): mean 6.8,
    process limits 5.1 to 8.5. The last point shows special cause improvement (higher):
    a point outside the process limits.
    """
    last = result.iloc[-1]
    group = result[result["group"] == last["group"]]
    icons = xmr_icons(result)
    # A month without a value (declared missing, no denominator) is a gap, not a point.
    gaps = [_when(label) for label in result.index[result["value"].isna()]]
    missing = (f"; no value for {', '.join(gaps[:3])}{' ...' if len(gaps) > 3 else ''}"
               if gaps else "")
    text = (
        f"SPC chart of {measure}, {len(result) - len(gaps)} points from "
        f"{_when(result.index[0])} to {_when(result.index[-1])}{missing}. "
        f"Latest limits (from {_when(group.index[0])}): "
        f"mean {_fmt(last['mean'], unit)}, process limits "
        f"{_fmt(last['lpl'], unit)} to {_fmt(last['upl'], unit)}. The last point shows "
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
        scale_y_continuous(minor_breaks=[]),
        labs(x="", y=y_label or "Value", title=title, caption=note or None),
        theme_nhs(),
    ]
    if isinstance(values.index, pd.DatetimeIndex):
        chart += scale_x_datetime(date_labels="%b %Y", minor_breaks=[])
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
