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


def as_numeric(x: Any, name: str) -> Numeric:
    """Coerce a scalar, array-like or Series to float, keeping a Series' index.

    Raises :class:`DataError` if the values are not numeric.
    """
    scalar = np.ndim(x) == 0 and not isinstance(x, pd.Series)
    index = x.index if isinstance(x, pd.Series) else None
    try:
        values = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(x)), errors="raise"), float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name} must be numeric ({exc})",
            field=name,
            hint=f"convert {name} to numbers; use NaN for missing values",
        ) from None
    if values.ndim != 1:
        raise DataError(f"{name} must be one-dimensional", field=name)
    return Numeric(values, index, scalar)


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
    position = int(np.flatnonzero(mask)[0])
    if numeric.index is not None:
        return numeric.index[position]
    return position + 1


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
