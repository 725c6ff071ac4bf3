"""Rules on a table's rows beyond each column's type: the data contract a report relies on.

Applied by :func:`~lhs_reports.data.schemas.validate_table` to every table read, so a notebook
and ``lhs-reports check`` refuse the same files with the same message (file, column, row, fix):

- a table has rows;
- organisation codes are matched whatever their case: ``rx4`` is read as ``RX4``; so are
  values from a fixed list (``female`` is read as ``Female``);
- a count left blank or written ``*`` (a suppressed extract) is refused with how to proceed;
- months may be written in the ways :data:`lhs_reports.data.months.MONTH_FORMATS` lists
  (read by :mod:`lhs_reports.data.months`);
- counts written with thousands separators (``"1,234"``) are read as numbers; a fraction is
  refused;
- no month after the current one;
- a count that is part of another (``crisis_contacts_24h`` of ``crisis_contacts``) is at most it;
- a per-organisation file holds only that organisation's rows;
- a column whose values have a reading order (age bands, ethnic groups) is an ordered
  categorical in the data dictionary's order, whatever order the file lists them in.

Gaps in a monthly series need the organisation's parameter file, so they are found by
:func:`month_gaps` and judged by the build's preflight.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from lhs_reports.data.dictionary import Table
from lhs_reports.errors import DataError, shorten


class DataWarning(UserWarning):
    """Data that were read, with an adjustment the analyst should know about."""


#: How an analyst declares a month with no data (see the trust parameter model).
MISSING_MONTHS_HINT = (
    "use the unsuppressed extract; a month with no data at all is removed from the file and "
    "declared in the organisation's parameter file as missing_months: [YYYY-MM]"
)


def file_row(frame: pd.DataFrame, position: int) -> int:
    """The 1-based data row a person reading the file would count."""
    label = frame.index[position]
    # A label, not the position: rows dropped on reading (empty ones) keep the others' numbers.
    numeric = isinstance(label, int | float | np.integer | np.floating)
    return int(label) + 1 if numeric else position + 1


def require_rows(frame: pd.DataFrame, table: Table, path: str | Path | None) -> None:
    if frame.empty:
        raise DataError(f"table '{table.name}' has no rows", path=path,
                        hint=f"a {table.title.lower()} file needs {table.grain}; check the "
                        "export finished, or remove the file if this table is not used")


def refuse_placeholders(frame: pd.DataFrame, table: Table, path: str | Path | None) -> None:
    """Counts left blank or suppressed as ``*`` cannot be analysed: say so and how to fix it."""
    for column in table.columns:
        if column.type != "int" or column.name not in frame.columns or column.nullable:
            continue
        values = frame[column.name]
        text = values.astype("string").str.strip()
        blank = values.isna().to_numpy() | (text == "").fillna(False).to_numpy()
        starred = (text == "*").fillna(False).to_numpy()
        bad = blank | starred
        if bad.any():
            position = int(bad.argmax())
            what = "suppressed ('*')" if starred[position] else "blank"
            raise DataError(
                f"column '{column.name}' of table '{table.name}' is {what}: a count is needed "
                "in every row", path=path, field=column.name, row=file_row(frame, position),
                hint=MISSING_MONTHS_HINT)


#: A count written with thousands separators, as Excel's number format writes it: ``1,234``.
_THOUSANDS = r"^\d{1,3}(,\d{3})+$"


def normalise_counts(frame: pd.DataFrame, table: Table, path: str | Path | None
                     ) -> pd.DataFrame:
    """Counts as whole numbers: ``"1,234"`` read as 1234, ``12.0`` as 12 (a new frame when any
    changes); a fraction or a comma that does not separate thousands is refused.

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame({"population": ["1,234", "56", "1,000,000"]})
    >>> normalise_counts(frame, TABLES["population"], None)["population"].tolist()
    ['1234', '56', '1000000']
    """
    adjusted = frame
    for column in table.columns:
        if column.type != "int" or column.name not in frame.columns:
            continue
        values = frame[column.name]
        if pd.api.types.is_float_dtype(values):
            fraction = (values.notna() & (values % 1 != 0)).to_numpy()
            if fraction.any():
                position = int(fraction.argmax())
                raise DataError(
                    f"column '{column.name}' of table '{table.name}' is not a whole number "
                    f"(value: {values.iloc[position]:g})", path=path, field=column.name,
                    row=file_row(frame, position),
                    hint=f"{column.name} holds {column.unit}, whole numbers: check the column "
                    "is not an average or a rate, and round or re-count in the extract")
            continue
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string").str.strip()
        commas = text.str.contains(",", regex=False).fillna(False)
        if not commas.any():
            continue
        grouped = text.str.fullmatch(_THOUSANDS).fillna(False)
        odd = (commas & ~grouped).to_numpy()
        if odd.any():
            position = int(odd.argmax())
            raise DataError(
                f"column '{column.name}' of table '{table.name}' has a comma that is not a "
                f"thousands separator (value: {shorten(values.iloc[position], 40)})",
                path=path, field=column.name, row=file_row(frame, position),
                hint="write counts as whole numbers (1234 or 1,234); a decimal comma or a list "
                "of numbers in one cell cannot be read as a count")
        if adjusted is frame:
            adjusted = frame.copy()
        cleaned = text.str.replace(",", "", regex=False).astype(object)
        adjusted[column.name] = cleaned.where(commas, values)
    return adjusted


def normalise_codes(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Organisation codes stripped and in upper case (a new frame when any changes).

    Codes are case-insensitive (ODS publishes them in upper case; a spreadsheet or a database
    export may not), so ``rx4`` rows belong to the ``RX4`` parameter file.

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame({"trust_code": ["rx4", " Rw5", "TAH"]})
    >>> normalise_codes(frame, TABLES["trusts"])["trust_code"].tolist()
    ['RX4', 'RW5', 'TAH']
    """
    adjusted = frame
    for column in table.columns:
        if not column.code or column.name not in frame.columns:
            continue
        values = frame[column.name]
        text = values.astype("string").str.strip().str.upper()
        if bool((text.fillna("") == values.astype("string").fillna("")).all()):
            continue
        if adjusted is frame:
            adjusted = frame.copy()
        adjusted[column.name] = text.astype(object).where(values.notna(), values)
    return adjusted


def normalise_labels(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Values of a column with allowed text values in the dictionary's spelling, whatever their
    case and surrounding spaces (``female``, ``WHITE `` read as ``Female``, ``White``); a new
    frame when any changes. Values that match none are left for validation to refuse.

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame({"sex": ["female", "MALE ", "Other"]})
    >>> normalise_labels(frame, TABLES["population"])["sex"].tolist()
    ['Female', 'Male', 'Other']
    """
    adjusted = frame
    for column in table.columns:
        if (column.allowed is None or column.name not in frame.columns
                or not all(isinstance(value, str) for value in column.allowed)):
            continue
        spelling = {str(value).lower(): value for value in column.allowed}
        values = frame[column.name]
        matched = values.astype("string").str.strip().str.lower().map(spelling)
        changed = (matched.notna() & (matched != values.astype("string"))).fillna(False)
        if not changed.any():
            continue
        if adjusted is frame:
            adjusted = frame.copy()
        adjusted[column.name] = matched.astype(object).where(changed, values.astype(object))
    return adjusted


def order_categories(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Columns with a reading order as ordered categoricals in the dictionary's order.

    Sorting, grouping and charts (a population pyramid's age axis) then follow the data
    dictionary, never the order a file happened to list the values in.

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame({"age_band": ["45-49", "5-9", "0-4"]})
    >>> ordered = order_categories(frame, TABLES["population"])
    >>> ordered.sort_values("age_band")["age_band"].tolist()
    ['0-4', '5-9', '45-49']
    """
    columns = {c.name: pd.Categorical(frame[c.name], categories=list(c.allowed), ordered=True)
               for c in table.columns
               if c.ordered and c.allowed is not None and c.name in frame.columns}
    return frame.assign(**columns) if columns else frame


def refuse_future_months(frame: pd.DataFrame, table: Table, path: str | Path | None, *,
                         today: dt.date | None = None) -> None:
    column = table.month_column
    if column is None:
        return
    this_month = pd.Timestamp((today or dt.date.today()).replace(day=1))
    late = (frame[column] > this_month).to_numpy()
    if late.any():
        position = int(late.argmax())
        month = pd.Timestamp(frame[column].iloc[position]).strftime("%Y-%m")
        raise DataError(
            f"column '{column}' of table '{table.name}' has a month in the future ({month})",
            path=path, field=column, row=file_row(frame, position),
            hint="check the date (a mistyped year?) and remove or correct the row")


def check_subsets(frame: pd.DataFrame, table: Table, path: str | Path | None) -> None:
    """A count that is part of another is at most that count, row by row."""
    for column in table.columns:
        if column.subset_of is None:
            continue
        part, whole = frame[column.name], frame[column.subset_of]
        over = (part > whole).to_numpy()
        if over.any():
            position = int(over.argmax())
            raise DataError(
                f"column '{column.name}' of table '{table.name}' is more than "
                f"'{column.subset_of}' ({part.iloc[position]} > {whole.iloc[position]}), but "
                f"counts part of it", path=path, field=column.name,
                row=file_row(frame, position),
                hint=f"{column.meaning} Check the two columns are not swapped or "
                "from different extracts")


def check_organisation_file(frame: pd.DataFrame, table: Table, path: Path) -> None:
    """A file in a per-organisation folder (``activity_monthly/RX4.csv``) holds only RX4."""
    key = table.key[0] if table.key else None
    if key is None or key not in frame.columns:
        return
    own = path.stem
    other = (frame[key].astype(str).str.upper() != own.upper()).to_numpy()
    if other.any():
        position = int(other.argmax())
        raise DataError(
            f"{path.name} is {own}'s file of table '{table.name}' but has rows for "
            f"{shorten(frame[key].iloc[position], 30)}", path=path, field=key,
            row=file_row(frame, position),
            hint=f"move those rows to {table.name}/<code>{path.suffix}, or name the file after "
            "the organisation whose rows it holds")


def month_gaps(frame: pd.DataFrame, table: Table) -> dict[str, list[str]]:
    """Months missing inside each organisation's series, as ``YYYY-MM``, by organisation."""
    column = table.month_column
    if column is None or frame.empty:
        return {}
    gaps: dict[str, list[str]] = {}
    for organisation, rows in frame.groupby(table.key[0], sort=True):
        months = pd.DatetimeIndex(rows[column]).to_period("M")
        expected = pd.period_range(months.min(), months.max(), freq="M")
        missing = sorted(set(expected) - set(months))
        if missing:
            gaps[str(organisation)] = [str(month) for month in missing]
    return gaps


def latest_months(frame: pd.DataFrame, table: Table) -> dict[str, str]:
    """Each organisation's latest month, as ``YYYY-MM``: where a report's period ends when its
    parameter file leaves ``period_end`` out.

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame({"trust_code": ["RX4", "RX4", "RW5"],
    ...                       "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"])})
    >>> latest_months(frame, TABLES["activity_monthly"])
    {'RW5': '2024-01', 'RX4': '2024-02'}
    """
    column = table.month_column
    if column is None or frame.empty:
        return {}
    last = frame.groupby(table.key[0], sort=True, observed=True)[column].max()
    return {str(code): pd.Timestamp(month).strftime("%Y-%m") for code, month in last.items()}
