"""Reading a month column however a file writes it: the first day of each calendar month.

``YYYY-MM``, ``April 2024``, ``Apr-24``, ``YYYY-MM-DD`` on the first of the month or
``DD/MM/YYYY`` (:data:`MONTH_FORMATS`); an end-of-month date (common in NHS publications) is
read as its month, with a :class:`~lhs_reports.data.rows.DataWarning`; any other day is
refused, and an Excel date serial number is refused naming the date it stands for. Applied by
:func:`~lhs_reports.data.schemas.validate_table` with the other row rules of
:mod:`lhs_reports.data.rows`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd

from lhs_reports.data.dictionary import Table
from lhs_reports.data.rows import DataWarning, file_row
from lhs_reports.errors import DataError, shorten

#: The ways a month may be written in a data file, for people (the About the data page); the
#: parser is :func:`_parse_month` with :func:`normalise_months`. Each pair: how, an example.
MONTH_FORMATS: tuple[tuple[str, str], ...] = (
    ("YYYY-MM (or YYYY/MM)", "2024-04"),
    ("the month's name and year, as NHS England and NHS Digital publish it", "April 2024"),
    ("the month's short name and year, as Excel shows a date formatted mmm-yy (or Apr 2024, "
     "Apr-2024)", "Apr-24"),
    ("the first day of the month, YYYY-MM-DD (a time of midnight may follow)", "2024-04-01"),
    ("the first day of the month, DD/MM/YYYY (day first, the UK order)", "01/04/2024"),
    ("the last day of the month, in either date form: read as its calendar month (with a "
     "notice)", "2024-04-30"),
)

#: The strptime formats :func:`_parse_month` tries, in order (``%b``/``%B`` are English month
#: names, matched in any case). A two-digit year follows a hyphen only (Excel's ``Apr-24``):
#: ``Feb 24`` may be a day without its year, so it is refused.
_MONTH_PARSE_FORMATS: tuple[str, ...] = (
    "%Y-%m", "%Y/%m", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M", "%B %Y", "%B-%Y", "%B-%y", "%b %Y", "%b-%Y", "%b-%y",
)

#: Excel's date serial numbers for 1 January 1980 and 1 January 2100 (day 1 is 1900-01-01).
_EXCEL_SERIALS = (29221, 73051)

def _parse_month(value: object) -> pd.Timestamp | None:
    if isinstance(value, pd.Timestamp | dt.date):
        return pd.Timestamp(value)
    text = str(value).strip()
    for fmt in _MONTH_PARSE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _excel_serial(value: object) -> pd.Timestamp | None:
    """The date an Excel serial number (a date cell saved as a number) stands for, if it is one.

    Examples
    --------
    >>> _excel_serial(45383)
    Timestamp('2024-04-01 00:00:00')
    >>> _excel_serial("2024") is None
    True
    """
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not (number.is_integer() and _EXCEL_SERIALS[0] <= number < _EXCEL_SERIALS[1]):
        return None
    return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(number))


def _unreadable_month_hint(value: object) -> str:
    serial = _excel_serial(value)
    if serial is not None:
        return (f"this looks like an Excel date serial number ({str(value).strip()} is "
                f"{serial.date()}): format the column as a date (or as text YYYY-MM) in Excel "
                "and save the CSV again")
    return "write months in one of the ways the About the data page lists: " + ", ".join(
        example for _, example in MONTH_FORMATS[:-1])


def normalise_months(frame: pd.DataFrame, table: Table, path: str | Path | None
                     ) -> pd.DataFrame:
    """The month column as the first day of each month (a new frame; the input is unchanged)."""
    column = table.month_column
    if column is None or column not in frame.columns:
        return frame
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.Series(pd.DatetimeIndex(raw), index=frame.index)
    else:
        parsed = raw.map(_parse_month)
    unreadable = parsed.isna().to_numpy()
    if unreadable.any():
        position = int(unreadable.argmax())
        raise DataError(
            f"column '{column}' of table '{table.name}' is not a month "
            f"(value: {shorten(raw.iloc[position], 40)})", path=path, field=column,
            row=file_row(frame, position), hint=_unreadable_month_hint(raw.iloc[position]))
    stamps = pd.DatetimeIndex(parsed)
    if stamps.tz is not None:  # a warehouse's timestamp with a zone: its wall-clock month
        stamps = stamps.tz_localize(None)
    month_end = stamps.is_month_end & (stamps.day != 1)
    other = (stamps.day != 1) & ~month_end
    if other.any():
        position = int(other.argmax())
        raise DataError(
            f"column '{column}' of table '{table.name}' holds a date in the middle of a month "
            f"({stamps[position].date()})", path=path, field=column, row=file_row(frame, position),
            hint=_mid_month_hint(raw.iloc[position]))
    if month_end.any():
        warnings.warn(
            f"{Path(str(path)).name if path else table.name}: column '{column}' gives "
            f"end-of-month dates ({stamps[month_end][0].date()}, ...); each is read as its "
            "calendar month", DataWarning, stacklevel=2)
    months = stamps.to_period("M").to_timestamp()
    adjusted = frame.copy()
    adjusted[column] = months.to_numpy()
    return adjusted


def _mid_month_hint(value: object) -> str:
    hint = "one row per calendar month: give the month (YYYY-MM) or its first day"
    if "/" not in str(value):
        return hint
    return (f"{hint}. Dates with slashes are read day first (DD/MM/YYYY, the UK order); a "
            "file in US order (MM/DD/YYYY) reads 04/01/2024 as 4 January: save it with UK "
            "dates or as YYYY-MM")
