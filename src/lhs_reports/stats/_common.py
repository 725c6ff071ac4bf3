"""Shared input handling for the statistics modules: confidence levels, array coercion, checks.

Private: the public API is in the family modules. Every statistic accepts scalars, array-likes
and pandas Series; a Series keeps its index in the output. Bad numbers raise
:class:`lhs_reports.errors.DataError` naming the argument and the first offending row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

from lhs_reports.errors import DataError

ArrayLike = float | int | Sequence[float] | np.ndarray | pd.Series


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float after checking it is a level in [0.9, 1).

    >>> check_confidence(0.95)
    0.95
    """
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise DataError(
            f"confidence must be a number, got {confidence!r}",
            field="confidence",
            hint="give the level as a fraction, e.g. 0.95 or 0.998",
        ) from None
    if not 0.9 <= level < 1:
        raise DataError(
            f"confidence must be in [0.9, 1), got {confidence!r}",
            field="confidence",
            hint="give the level as a fraction, e.g. 0.95 or 0.998 (not 95)",
        )
    return level


def z_for(confidence: float) -> float:
    """Two-sided standard-normal quantile for a confidence level.

    >>> round(z_for(0.95), 12)
    1.959963984541
    """
    level = check_confidence(confidence)
    return float(_sps.norm.ppf(level + (1 - level) / 2))


def confidence_label(confidence: float) -> str:
    """Human label for a confidence level: ``'95%'``, ``'99.8%'``.

    >>> confidence_label(0.998)
    '99.8%'
    """
    return f"{check_confidence(confidence) * 100:.10g}%"


@dataclass(frozen=True)
class Numeric:
    """Values coerced to a float array, remembering how to give results back."""

    values: np.ndarray
    index: pd.Index | None
    scalar: bool

    def wrap(self, result: np.ndarray, name: str | None = None) -> Any:
        """Give ``result`` back in the caller's shape: float, ndarray or Series."""
        if self.scalar:
            return float(result.reshape(-1)[0])
        if self.index is not None:
            return pd.Series(result, index=self.index, name=name)
        return result


#: Offending values are cut to this many characters in error messages.
SHOWN_CHARS = 40


def shown(value: Any) -> str:
    """``repr(value)`` cut to :data:`SHOWN_CHARS` characters, for an error message.

    >>> shown("n/a"), shown("x" * 60)[-3:]
    ("'n/a'", 'xx…')
    """
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def row_label(index: pd.Index | None, position: int) -> Any:
    """What a user calls a row: its index label for a Series, else its 1-based position."""
    return index[position] if index is not None else position + 1


def _where(index: pd.Index | None, position: int, scalar: bool) -> tuple[str, Any]:
    if scalar:
        return "", None
    label = row_label(index, position)
    return f" at row {label}", label


def _as_column(x: Any, name: str) -> pd.Series:
    """A scalar or array-like as a one-dimensional Series (text kept as it was given)."""
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim > 1:
        raise DataError(f"{name} must be a number or a one-dimensional list of numbers",
                        field=name, hint=f"pass one value per row for {name}, e.g. one column")
    if array.dtype.kind in "USO":  # keep the caller's objects so messages show what was given
        array = np.empty(array.size, dtype=object)
        array[:] = [x] if np.ndim(x) == 0 else list(x)
    return pd.Series(array.reshape(-1))


def _floats(column: pd.Series, name: str, index: pd.Index | None, scalar: bool) -> np.ndarray:
    """The column as floats (missing as NaN), refusing dates and text that is not a number."""
    dtype = column.dtype
    if dtype.kind in "mMc":
        kind = "complex numbers" if dtype.kind == "c" else "dates or durations"
        raise DataError(f"{name} must be real numbers, got {kind} ({dtype})", field=name,
                        hint=f"pass the numbers to analyse as {name}")
    if pd.api.types.is_numeric_dtype(dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    objects = column.astype(object)
    numbers = pd.to_numeric(objects, errors="coerce")
    refused = numbers.isna().to_numpy() & objects.notna().to_numpy()
    if refused.any():
        position = int(np.flatnonzero(refused)[0])
        where, label = _where(index, position, scalar)
        raise DataError(
            f"{name} is not a number{where} (got {shown(objects.iloc[position])})",
            field=name, row=label,
            hint=f"convert {name} to numbers; leave a missing value empty or NaN, not text",
        )
    try:
        return numbers.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric", field=name,
                        hint=f"convert {name} to numbers") from None


def as_numeric(x: Any, name: str) -> Numeric:
    """Coerce a scalar, array-like or Series to float, keeping a Series' index.

    The one place where the statistics read numbers. Missing values (``None``, ``NaN``,
    ``pd.NA``) become NaN and numbers written as text (``"12"``) are read as numbers. Anything
    else raises :class:`DataError` naming ``name``, the row (a Series' index label, else the
    1-based position) and the offending value: text that is not a number (cut to 40
    characters), ``inf`` or ``-inf``, dates, complex numbers, tables and nested lists.

    Examples
    --------
    >>> as_numeric(pd.Series([1, None], index=["a", "b"]), "count").values.tolist()
    [1.0, nan]
    >>> as_numeric(["3", "n/a"], "count")
    Traceback (most recent call last):
    ...
    lhs_reports.errors.DataError: count is not a number at row 2 (got 'n/a')
    ...
    """
    if isinstance(x, pd.DataFrame):
        raise DataError(f"{name} must be one column of numbers, got a table of "
                        f"{x.shape[1]} columns", field=name,
                        hint=f"pass one column of the table as {name}")
    if isinstance(x, pd.Series):
        scalar, index, column = False, x.index, x.reset_index(drop=True)
    else:
        column = _as_column(x, name)
        scalar, index = np.ndim(x) == 0, None
    values = _floats(column, name, index, scalar)
    infinite = np.isinf(values)
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        where, label = _where(index, position, scalar)
        raise DataError(
            f"{name} is infinite{where} (got {values[position]:g})", field=name, row=label,
            hint="use NaN for a missing value; an infinite value usually comes from a "
                 "division by zero upstream",
        )
    return Numeric(values, index, scalar)


def as_series(values: Any, name: str) -> pd.Series:
    """:func:`as_numeric` as a float Series: the caller's index, or 0, 1, 2, ... for arrays."""
    numeric = as_numeric(values, name)
    index = numeric.index if numeric.index is not None else pd.RangeIndex(len(numeric.values))
    return pd.Series(numeric.values, index=index,
                     name=values.name if isinstance(values, pd.Series) else None)


def optional_number(value: Any, name: str) -> float | None:
    """A single finite number, or None for ``None``/NaN (no value); else :class:`DataError`.

    >>> optional_number(2, "target"), optional_number(float("nan"), "target")
    (2.0, None)
    """
    if value is None:
        return None
    numeric = as_numeric(value, name)
    if not numeric.scalar:
        raise DataError(f"{name} must be a single number, got {shown(value)}", field=name)
    number = float(numeric.values[0])
    return None if np.isnan(number) else number


def require_values(numeric: Numeric, name: str, *, at_least: int = 1, hint: str) -> int:
    """Raise :class:`DataError` unless ``numeric`` has ``at_least`` non-missing values.

    Returns the number of non-missing values.
    """
    count = int((~np.isnan(numeric.values)).sum())
    if count < at_least:
        total = len(numeric.values)
        state = ("is missing" if numeric.scalar else "is empty" if total == 0 else
                 f"is all missing ({total} rows)" if count == 0 else
                 f"has only {count} non-missing value{'s' * (count != 1)}")
        needed = f": at least {at_least} are needed" if at_least > 1 else ""
        raise DataError(f"{name} {state}{needed}", field=name, hint=hint)
    return count


def align(*items: tuple[Any, str]) -> list[Numeric]:
    """Coerce several inputs and check they have the same length (scalars broadcast)."""
    coerced = [as_numeric(x, name) for x, name in items]
    lengths = {len(c.values) for c in coerced if not c.scalar}
    if len(lengths) > 1:
        names = ", ".join(f"{name} ({len(c.values)})"
                          for c, (_, name) in zip(coerced, items, strict=True))
        raise DataError(
            f"inputs have different lengths: {names}",
            field=items[0][1],
            hint="pass one value per row for every input",
        )
    n = lengths.pop() if lengths else 1
    shaped = []
    index = next((c.index for c in coerced if c.index is not None), None)
    all_scalar = all(c.scalar for c in coerced)
    for c in coerced:
        values = np.broadcast_to(c.values, (n,)).astype(float) if c.scalar else c.values
        shaped.append(Numeric(values, index, all_scalar))
    return shaped


def _row_label(numeric: Numeric, mask: np.ndarray) -> Any:
    """The row of the first True in ``mask``; None for a scalar (it has no rows)."""
    return None if numeric.scalar else row_label(numeric.index, int(np.flatnonzero(mask)[0]))


def require(numeric: Numeric, ok: np.ndarray, name: str, problem: str, hint: str) -> None:
    """Raise :class:`DataError` at the first row where ``ok`` is False (NaN rows are ignored)."""
    bad = ~ok & ~np.isnan(numeric.values)
    if bad.any():
        value = numeric.values[bad][0]
        raise DataError(
            f"{name} {problem} (got {value:g})",
            field=name,
            row=_row_label(numeric, bad),
            hint=hint,
        )


def check_multiplier(multiplier: float) -> float:
    """Return ``multiplier`` as a float after checking it is a positive number."""
    try:
        value = float(multiplier)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise DataError(
            f"multiplier must be a positive number, got {multiplier!r}",
            field="multiplier",
            hint="use 1 for a proportion, 100 for a percentage, 100000 for a rate per 100,000",
        )
    return value


def multiplier_label(multiplier: float) -> str:
    """``100000`` → ``'100,000'``; other numbers keep their digits (``0.5`` → ``'0.5'``)."""
    return f"{int(multiplier):,}" if float(multiplier).is_integer() else f"{multiplier:g}"
