"""Reporting periods shared by the report families."""

from __future__ import annotations

import pandas as pd

from lhs_reports.errors import DataError


def reporting_window(monthly: pd.DataFrame, period_end: str, months: int = 12) -> pd.DataFrame:
    """The ``months`` rows of ``monthly`` ending at ``period_end`` (YYYY-MM).

    Raises :class:`DataError` if the data do not cover the window.
    """
    end = pd.Timestamp(f"{period_end}-01")
    start = end - pd.DateOffset(months=months - 1)
    window = monthly.loc[(monthly["month"] >= start) & (monthly["month"] <= end)]
    if window["month"].nunique() < months:
        have = f"{monthly['month'].min():%Y-%m} to {monthly['month'].max():%Y-%m}"
        raise DataError(
            f"the data do not cover the {months} months to {period_end} (they cover {have})",
            field="period_end",
            hint="set period_end in the parameter file to a month the data cover",
        )
    return window
