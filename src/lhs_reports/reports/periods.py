"""Reporting periods shared by the report families: where a period ends, the window it covers,
and whether an organisation's months cover it.

Where a period ends when no ``period_end`` is given: a report on one organisation, at the latest
month of its data; a page across organisations, at the latest month that at least half of them
(rounded up) reach (:func:`period_end_across`), so one trust that stopped reporting, or reports
late, cannot hold every trust's page back. The organisations whose data do not cover the period
are left out of the comparisons with a note saying who and why (:func:`coverage_gap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lhs_reports.errors import DataError


def period_end_across(latest: Mapping[str, str]) -> str:
    """The month a page across organisations ends when no ``period_end`` is given: the latest
    month that at least half of the organisations (rounded up) reach, from each one's latest
    month (``YYYY-MM``) in ``latest``.

    Never later than the latest month of half of them, never earlier than the latest month
    every one has; for one organisation, its latest month. The others (data that end earlier,
    a trust that stopped reporting) are left out of the page's comparisons, with a note.

    Raises
    ------
    ValueError
        When ``latest`` is empty (no organisation has monthly data).

    Examples
    --------
    >>> period_end_across({"RX4": "2025-03", "TAH": "2025-03", "RXT": "2025-02",
    ...                    "RW5": "2024-06"})
    '2025-03'
    >>> period_end_across({"RX4": "2025-03", "TAH": "2025-02", "RW5": "2024-06"})
    '2025-02'
    >>> period_end_across({"RW5": "2024-06"})
    '2024-06'
    """
    if not latest:
        raise ValueError("no organisation has a latest month")
    ordered = sorted(latest.values(), reverse=True)
    return ordered[-(-len(ordered) // 2) - 1]  # the ceil(n / 2)-th latest


def reporting_period_end(monthly: pd.DataFrame, period_end: str | None) -> str:
    """The month a report ends (``YYYY-MM``): ``period_end`` when given, else, for one
    organisation, its latest month, and for several the latest month at least half of them
    reach (:func:`period_end_across`).

    The build fills ``period_end`` in the same way before a notebook runs, so a page and its
    cache key name the month; a notebook run by hand with ``period_end = None`` gets the same
    answer here.

    Raises
    ------
    DataError
        When ``monthly`` has no months, or ``period_end`` is later than every month in it.

    Examples
    --------
    >>> monthly = pd.DataFrame({"trust_code": ["RX4", "RX4", "TAH", "TAH", "RW5"],
    ...                         "month": pd.to_datetime(["2025-02-01", "2025-03-01",
    ...                                                  "2025-02-01", "2025-03-01",
    ...                                                  "2024-06-01"])})
    >>> reporting_period_end(monthly, None), reporting_period_end(monthly, "2024-12")
    ('2025-03', '2024-12')
    >>> reporting_period_end(monthly.iloc[4:], None)
    '2024-06'
    """
    if monthly.empty:
        raise DataError("there are no months in the data to report", field="period_end",
                        hint="check the monthly activity table has rows for this organisation")
    latest = monthly.groupby("trust_code", observed=True)["month"].max()
    last = pd.Timestamp(latest.max()).strftime("%Y-%m")
    if period_end:
        if period_end > last:
            raise DataError(f"period_end {period_end} is later than the data (the latest month "
                            f"is {last})", field="period_end",
                            hint=f"set period_end: {last}, or leave it out to report to the "
                            "latest month in the data")
        return period_end
    return period_end_across({str(code): pd.Timestamp(month).strftime("%Y-%m")
                              for code, month in latest.items()})


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


#: Months a comparison across trusts needs: a year, so seasons and case mix balance out.
COMPARISON_MONTHS = 12


def _month_name(month: pd.Timestamp | pd.Period) -> str:
    return f"{month:%B %Y}"


def coverage_gap(months: Iterable[Any], period_end: str, *,
                 needed: int = COMPARISON_MONTHS) -> str | None:
    """Why an organisation's ``months`` do not cover the ``needed`` months to ``period_end``,
    in words for a page; None when they do.

    Examples
    --------
    >>> months = pd.date_range("2024-08-01", "2025-03-01", freq="MS")
    >>> coverage_gap(months, "2025-03")
    '8 months of data; the comparison needs 12'
    >>> coverage_gap(pd.date_range("2023-01-01", "2024-06-01", freq="MS"), "2025-03")
    'its data end in June 2024; the period shown runs to March 2025'
    >>> coverage_gap(pd.date_range("2024-01-01", "2025-03-01", freq="MS").delete(10), "2025-03")
    'no data for November 2024; the comparison needs all 12 months to March 2025'
    >>> coverage_gap(pd.date_range("2024-04-01", "2025-03-01", freq="MS"), "2025-03") is None
    True
    """
    end = pd.Period(period_end, freq="M")
    window = pd.period_range(end - (needed - 1), end, freq="M")
    have = {pd.Period(pd.Timestamp(m), freq="M") for m in months}
    inside = sorted(have & set(window))
    missing = [month for month in window if month not in have]
    if not missing:
        return None
    if have and max(have) < end:  # stopped reporting, or reports late
        return (f"its data end in {_month_name(max(have))}; the period shown runs to "
                f"{_month_name(end)}")
    if not inside:
        return f"no data in the {needed} months to {_month_name(end)}"
    if inside[0] > window[0]:  # the data start inside the window (a new organisation)
        return f"{len(inside)} months of data; the comparison needs {needed}"
    shown = ", ".join(_month_name(m) for m in missing[:3]) + (" ..." if len(missing) > 3 else "")
    return f"no data for {shown}; the comparison needs all {needed} months to {_month_name(end)}"


def left_out_by_coverage(monthly: pd.DataFrame, period_end: str, *,
                         needed: int = COMPARISON_MONTHS) -> dict[str, str]:
    """Organisations in ``monthly`` whose months do not cover the ``needed`` months to
    ``period_end``, with why (:func:`coverage_gap`), by code."""
    found = {}
    for code, rows in monthly.groupby("trust_code", sort=True, observed=True):
        gap = coverage_gap(rows["month"], period_end, needed=needed)
        if gap is not None:
            found[str(code)] = gap
    return found


def trust_names(trusts: pd.DataFrame, settings: Mapping[str, Any] | None = None
                ) -> dict[str, str]:
    """Each trust's name by code, for the left-out note: its parameter file's ``trust_name``
    where ``settings`` (:func:`lhs_reports.params.organisation_settings`) has one, else the
    trusts table's (as the icon matrix names them).

    Examples
    --------
    >>> trusts = pd.DataFrame({"trust_code": ["RW5", "RX4"], "trust_name": ["Trust W", "R"]})
    >>> class Own:
    ...     trust_name = "Southmoor"
    >>> trust_names(trusts, {"RW5": Own()})
    {'RW5': 'Southmoor', 'RX4': 'R'}
    """
    settings = settings or {}
    return {str(code): str(getattr(settings.get(code), "trust_name", None) or name)
            for code, name in zip(trusts["trust_code"], trusts["trust_name"], strict=True)}


def left_out_text(left_out: Mapping[str, str], *,
                  names: Mapping[str, str] | None = None) -> str:
    """The sentence a page shows under comparisons some organisations were left out of ("" when
    none was), naming each by code, and by name too where ``names`` (code to name) has it.

    Examples
    --------
    >>> left_out_text({"RW5": "8 months of data; the comparison needs 12"})
    'Left out of these comparisons: RW5 (8 months of data; the comparison needs 12).'
    >>> print(left_out_text({"RW5": "its data end in June 2024; the period shown runs to "
    ...                              "March 2025"}, names={"RW5": "Southmoor"}))
    Left out of these comparisons: RW5 Southmoor (its data end in June 2024; the period shown
    runs to March 2025).
    >>> left_out_text({})
    ''
    """
    if not left_out:
        return ""
    names = names or {}
    return ("Left out of these comparisons: "
            + "; ".join(" ".join(filter(None, (code, names.get(code)))) + f" ({why})"
                        for code, why in sorted(left_out.items())) + ".")
