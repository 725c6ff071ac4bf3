"""A simple monthly trend line (SPC charts are in :mod:`lhs_reports.plots.spc`)."""

from __future__ import annotations

import pandas as pd
from plotnine import aes, geom_line, geom_point, ggplot, labs

from lhs_reports.plots.theme import NHS_BLUE, month_axis, theme_nhs, value_axis


def _runs(dates: pd.Series) -> pd.Series:
    """Consecutive months share a run number; a missing month (a gap) starts a new run."""
    if not pd.api.types.is_datetime64_any_dtype(dates):
        return pd.Series(0, index=dates.index)
    months = dates.dt.year * 12 + dates.dt.month
    return (months.diff() != 1).cumsum()


def _gaps(dates: pd.Series) -> list[str]:
    """The months missing between the first and last of ``dates`` (monthly data)."""
    if len(dates) < 2 or not pd.api.types.is_datetime64_any_dtype(dates):
        return []
    every = pd.date_range(dates.min(), dates.max(), freq="MS")
    return [f"{month:%B %Y}" for month in every.difference(pd.DatetimeIndex(dates))]


def trend_chart(frame: pd.DataFrame, value: str, *, date: str = "month",
                title: str | None = None, y_label: str | None = None) -> ggplot:
    """Line chart of ``value`` over ``date``; the line breaks at a missing month (a gap is
    drawn as a gap, never joined across)."""
    ordered = frame.sort_values(date)
    ordered = ordered.assign(_run=_runs(ordered[date]).to_numpy())
    chart = ggplot(ordered, aes(date, value))
    chart += [
        geom_line(aes(group="_run"), color=NHS_BLUE, size=0.8),
        geom_point(color=NHS_BLUE, size=1.5),
        month_axis(),
        value_axis(),
        labs(x="", y=y_label or value.replace("_", " ").capitalize(), title=title),
        theme_nhs(),
    ]
    return chart


def trend_alt_text(frame: pd.DataFrame, value: str, *, date: str = "month",
                   measure: str | None = None) -> str:
    """One sentence describing the trend from the same numbers.

    Examples
    --------
    >>> frame = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=3, freq="MS"),
    ...                       "n": [10, 30, 20]})
    >>> print(trend_alt_text(frame, "n", measure="contacts"))
    Line chart of monthly contacts, January 2024 to March 2024: from 10 to 20,
    lowest 10 (January 2024), highest 30 (February 2024).
    >>> print(trend_alt_text(frame.drop(index=1), "n", measure="contacts"))
    Line chart of monthly contacts, January 2024 to March 2024 (no data for February 2024):
    from 10 to 20, lowest 10 (January 2024), highest 20 (March 2024).
    """
    measure = measure or value.replace("_", " ")
    ordered = frame.sort_values(date)
    first, last = ordered.iloc[0], ordered.iloc[-1]
    low, high = ordered.loc[ordered[value].idxmin()], ordered.loc[ordered[value].idxmax()]

    def month(row: pd.Series) -> str:
        return f"{row[date]:%B %Y}"

    gaps = _gaps(ordered[date])
    missing = f" (no data for {', '.join(gaps[:3])}{' ...' if len(gaps) > 3 else ''})" \
        if gaps else ""
    return (
        f"Line chart of monthly {measure}, {month(first)} to {month(last)}{missing}: "
        f"from {first[value]:,.0f} to {last[value]:,.0f}, lowest {low[value]:,.0f} "
        f"({month(low)}), highest {high[value]:,.0f} ({month(high)})."
    )
