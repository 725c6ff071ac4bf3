"""The package's user-facing errors.

Every error a *user* can cause (a bad parameter file, a bad data file, a failed build or audit)
is an :class:`LhsReportsError`. Each carries where the problem is (``path``, ``field``, ``row``)
and a ``hint`` saying how to fix it; the CLI prints ``str(error)`` without a traceback and exits
with status 2. Errors pickle, so they cross process pools and Dask workers intact.

This module is a leaf: every layer of the package, ``stats`` included, may import it.
"""

from __future__ import annotations

from os import PathLike
from typing import Any


class LhsReportsError(Exception):
    """Base class for problems the user can fix.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    path
        The file concerned, if any.
    field
        The parameter key or data column concerned, if any.
    row
        The (1-based, as a user would count) row or the index label concerned, if any.
    hint
        How to fix it.

    Examples
    --------
    >>> err = DataError("count is negative", path="data/a.csv", field="count", row=3,
    ...                 hint="counts must be 0 or more")
    >>> print(err)
    count is negative
      file: data/a.csv
      column: count
      row: 3
      fix: counts must be 0 or more
    """

    #: What ``field`` is called in messages ("key" for parameters, "column" for data).
    field_label = "field"

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        field: str | None = None,
        row: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.field = field
        self.row = row
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        lines = [self.message]
        if self.path is not None:
            lines.append(f"  file: {self.path}")
        if self.field is not None:
            lines.append(f"  {self.field_label}: {self.field}")
        if self.row is not None:
            lines.append(f"  row: {self.row}")
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields are lost by the default Exception pickling.
        return (
            _rebuild,
            (type(self), self.message, self.path, self.field, self.row, self.hint),
        )


def _rebuild(
    cls: type[LhsReportsError],
    message: str,
    path: str | None,
    field: str | None,
    row: Any,
    hint: str | None,
) -> LhsReportsError:
    return cls(message, path=path, field=field, row=row, hint=hint)


def shorten(value: object, width: int = 80) -> str:
    """``repr``-like text of ``value`` for a message, cut to ``width`` characters: a message
    quotes what was wrong, never a whole (possibly huge) value.

    Examples
    --------
    >>> shorten("x" * 1000, 20)
    "'xxxxxxxxxxxxxx…' (1000 characters)"
    >>> shorten(3.5)
    '3.5'
    >>> import numpy as np
    >>> shorten(np.int64(45383))
    '45383'
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        # numpy scalars (a cell of a DataFrame) are quoted as the number a file shows
        value = value.item()
    text = repr(value)
    if len(text) <= width:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str | bytes) else ""
    return text[: width - 5] + "…" + text[0] + length


class ParameterError(LhsReportsError):
    """A parameter file or the report catalogue is invalid."""

    field_label = "key"


class DataError(LhsReportsError):
    """Input data (a file, a column, or numbers passed to a statistic) is invalid."""

    field_label = "column"


class BuildError(LhsReportsError):
    """The build could not run or one of its jobs failed."""


class RenderError(LhsReportsError):
    """The site could not be rendered (Quarto or the built-in renderer)."""


class AuditError(LhsReportsError):
    """The rendered site failed the disclosure/identifier audit."""

    field_label = "location"
