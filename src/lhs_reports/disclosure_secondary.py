"""Secondary suppression: a suppressed count may not be given back by a published total.

When a table publishes a total (a "Total" row, or a total column) and exactly one other cell of
that column (or row) is suppressed, subtracting the other cells from the total would give the
suppressed count back. The method used here, the common one in official statistics (for
example ONS and PHS small-number guidance): in every line (column against a total row, row
against a total column) that has exactly one suppressed cell, also suppress the smallest other
non-zero count of that line; repeat until no line has a lone suppressed cell, since a cell
suppressed for one line can leave another line with a lone one. Zeros are never used as the
second cell (a published zero tells nothing about the suppressed cell) and totals are never
suppressed.

NHS Digital's HES rule rounds every published count to 5 instead of suppressing a second cell,
which already blurs a subtraction by up to 2 per cell; with a total beside the table, this
module removes the remaining risk. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = ["secondary_suppression"]


def _lines(shape: tuple[int, int], total_row: int | None, total_column: int | None
           ) -> list[list[tuple[int, int]]]:
    rows, columns = shape
    lines: list[list[tuple[int, int]]] = []
    if total_row is not None:
        lines += [[(i, j) for i in range(rows) if i != total_row] for j in range(columns)
                  if j != total_column]
    if total_column is not None:
        lines += [[(i, j) for j in range(columns) if j != total_column] for i in range(rows)
                  if i != total_row]
    return lines


def secondary_suppression(counts: pd.DataFrame, suppressed: pd.DataFrame, *,
                          total_row: Hashable | None = None,
                          total_column: Hashable | None = None) -> pd.DataFrame:
    """The cells to suppress so that no suppressed count can be given back by a total.

    Parameters
    ----------
    counts
        The raw counts (rows x count columns); not modified.
    suppressed
        Same shape: True where primary suppression hid the cell.
    total_row, total_column
        The index label of a row, or the name of a column, that publishes totals.

    Returns
    -------
    pandas.DataFrame
        ``suppressed`` with the secondary cells added (same index and columns).

    Examples
    --------
    >>> counts = pd.DataFrame({"falls": [3, 40, 12, 55]}, index=["A", "B", "C", "Total"])
    >>> hidden = pd.DataFrame({"falls": [True, False, False, False]}, index=counts.index)
    >>> secondary_suppression(counts, hidden, total_row="Total")["falls"].tolist()
    [True, False, True, False]
    """
    values = counts.to_numpy(dtype=float)
    mask = suppressed.to_numpy(dtype=bool).copy()
    row = None if total_row is None else counts.index.get_loc(total_row)
    column = None if total_column is None else counts.columns.get_loc(total_column)
    lines = _lines(values.shape, row, column)  # type: ignore[arg-type]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if mask[cell]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if not mask[cell]
                          and np.isfinite(values[cell]) and values[cell] > 0]
            if not candidates:
                continue
            smallest = min(candidates, key=lambda cell: (values[cell], cell))
            mask[smallest] = True
            changed = True
    return pd.DataFrame(mask, index=suppressed.index, columns=suppressed.columns)


def total_row_label(labels: Sequence[object]) -> object | None:
    """The label of a row that publishes totals ("Total", "All", "England"), if any.

    Examples
    --------
    >>> total_row_label(["Oak", "Ash", "Total"]), total_row_label(["Oak"])
    ('Total', None)
    """
    for label in labels:
        if str(label).strip().lower() in {"total", "totals", "all", "all wards", "overall",
                                          "england", "all organisations", "all trusts"}:
            return label
    return None
