"""pandera schemas built from the data dictionary, and errors translated for users.

Validation failures become :class:`~lhs_reports.errors.DataError` naming the file, the column,
the first bad row (counted as a person reading the file would: 1 = first data row) and a fix.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from lhs_reports.data.dictionary import TABLES, Column, Table
from lhs_reports.data.headers import normalise_headers
from lhs_reports.data.months import normalise_months
from lhs_reports.data.rows import (
    check_subsets,
    normalise_codes,
    normalise_counts,
    normalise_labels,
    order_categories,
    refuse_future_months,
    refuse_placeholders,
    require_rows,
)
from lhs_reports.errors import DataError, shorten

_DTYPES = {"str": str, "int": "int64", "float": float, "date": "datetime64[ns]", "category": str}


def _column_schema(column: Column) -> pa.Column:
    checks = []
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    if column.allowed is not None:
        checks.append(pa.Check.isin(list(column.allowed)))
    return pa.Column(_DTYPES[column.type], checks=checks, nullable=column.nullable, coerce=True)


@cache
def table_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema for one dictionary table (cached).

    Examples
    --------
    >>> schema = table_schema("trusts")
    >>> sorted(schema.columns)
    ['region', 'synthetic', 'trust_code', 'trust_name']
    """
    table: Table = TABLES[name]
    return pa.DataFrameSchema(
        {c.name: _column_schema(c) for c in table.columns},
        unique=list(table.key) or None,
        strict=False,
        name=name,
    )


def validate_table(frame: pd.DataFrame, name: str, *, path: str | Path | None = None
                   ) -> pd.DataFrame:
    """Validate (and coerce) ``frame`` as dictionary table ``name``.

    Raises
    ------
    DataError
        At the first problem, with file, column, row and a fix.
    """
    table = TABLES[name]
    require_rows(frame, table, path)
    frame = normalise_headers(frame, table)
    missing = [c for c in table.required_columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"table '{name}' is missing column(s): {', '.join(missing)}",
            path=path,
            field=missing[0],
            hint=f"the {table.title.lower()} table needs columns "
            f"{', '.join(table.required_columns)} (see the data dictionary on the site's "
            "'About the data' page, or `lhs-reports data-template` for a template); this "
            f"file's columns are {shorten(', '.join(map(str, frame.columns)), 200)}",
        )
    frame = with_defaults(frame, table)
    refuse_placeholders(frame, table, path)
    frame = normalise_counts(frame, table, path)
    frame = normalise_codes(frame, table)
    frame = normalise_labels(frame, table)
    frame = normalise_months(frame, table, path)
    try:
        validated = table_schema(name).validate(frame, lazy=True)
    except SchemaErrors as exc:
        raise _as_data_error(exc, table, path) from None
    check_subsets(validated, table, path)
    refuse_future_months(validated, table, path)
    return order_categories(validated, table)


def with_defaults(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``frame`` with every optional column it leaves out, at its default (a new frame).

    Examples
    --------
    >>> trusts = pd.DataFrame({"trust_code": ["RX4"], "trust_name": ["A"], "region": ["B"]})
    >>> with_defaults(trusts, TABLES["trusts"])["synthetic"].tolist()
    [0]
    """
    absent: dict[str, Any] = {c.name: c.default for c in table.columns
                              if c.optional and c.name not in frame.columns}
    return frame.assign(**absent) if absent else frame


def _as_data_error(exc: SchemaErrors, table: Table, path: str | Path | None) -> DataError:
    cases = exc.failure_cases
    first = cases.iloc[0]
    column = first.get("column")
    check = str(first.get("check"))
    value = first.get("failure_case")
    value = value.item() if hasattr(value, "item") else value
    index = first.get("index")
    row = None if pd.isna(index) else int(index) + 1
    by_name = {c.name: c for c in table.columns}
    if "uniqueness" in check or "duplicates" in check.lower():
        return DataError(
            f"table '{table.name}' has duplicate rows for key ({', '.join(table.key)})",
            path=path, field=", ".join(table.key), row=row,
            hint=f"keep one row per {table.grain.removeprefix('one row per ')}",
        )
    if column not in by_name:
        return DataError(f"table '{table.name}' failed validation: {check} ({value})",
                         path=path, field=str(column), row=row)
    spec = by_name[str(column)]
    if "greater_than_or_equal" in check:
        problem = f"must be {spec.minimum:g} or more"
        hint = f"{spec.meaning} Fix or remove the row."
    elif "isin" in check:
        problem = "is not an allowed value"
        hint = f"use one of: {', '.join(map(str, spec.allowed or ()))}"
    elif "not_nullable" in check:
        problem, hint = "is missing", "fill in the value or remove the row"
    elif "dtype" in check or "coerce" in check:
        problem = f"is not of type {spec.type}"
        hint = f"{spec.name} holds {spec.unit}; check for text or stray characters"
    else:
        problem, hint = f"failed check {check}", spec.meaning
    return DataError(
        f"column '{spec.name}' of table '{table.name}' {problem} (value: {shorten(value, 40)})",
        path=path, field=spec.name, row=row, hint=hint,
    )
