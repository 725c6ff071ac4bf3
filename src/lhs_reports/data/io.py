"""Reading and writing tables: Parquet or CSV, written atomically."""

from __future__ import annotations

import io
import os
import re
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from lhs_reports.data.rows import DataWarning
from lhs_reports.errors import DataError


def read_table_file(path: Path) -> pd.DataFrame:
    """One file of a table, as it is (Parquet or CSV by suffix; not validated).

    A CSV is read as a spreadsheet saves it: UTF-8 with or without a byte-order mark, or
    Windows-1252 (Excel's plain "CSV" on an English Windows) with a notice; rows left wholly
    empty and unnamed empty columns (cells Excel once formatted) are dropped, keeping every
    other row's number.
    """
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return _without_empty_cells(pd.read_csv(io.StringIO(_decoded(path))))
    except DataError:
        raise
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found is None:
            raise DataError(f"could not read {path.name}: {exc}", path=path,
                            hint="check the file is valid CSV") from None
        expected, line, saw = map(int, found.groups())
        raise DataError(
            f"could not read {path.name}: line {line} has {saw} cells, the header {expected}",
            path=path, row=line - 1,
            hint="a comma inside a value splits it: put the value in double quotes (\"1,234\", "
            "\"North, West\"), or save the file from Excel, which quotes them") from None
    except Exception as exc:
        raise DataError(f"could not read {path.name}: {exc}", path=path,
                        hint="check the file is valid Parquet/CSV") from None


def _decoded(path: Path) -> str:
    """The text of a CSV: UTF-8 (a BOM dropped), else Windows-1252, with a notice."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(f"could not read {path.name}: it is neither UTF-8 nor Windows-1252 "
                        f"text (byte {exc.start})", path=path,
                        hint="save it again as 'CSV UTF-8 (Comma delimited)'") from None
    warnings.warn(f"{path.name} is not UTF-8: read as Windows-1252 (Excel's 'CSV' format); "
                  "save it as 'CSV UTF-8' to be sure accented names read right",
                  DataWarning, stacklevel=3)
    return text


def _without_empty_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop wholly empty rows, and unnamed columns with nothing in them.

    Examples
    --------
    >>> frame = pd.read_csv(io.StringIO("a,b,\\n1,2,\\n,,\\n3,4,\\n"))
    >>> kept = _without_empty_cells(frame)
    >>> list(kept.columns), kept.index.tolist()
    (['a', 'b'], [0, 2])
    """
    unnamed = [c for c in frame.columns
               if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)
    return frame.dropna(how="all")


def write_table_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` (Parquet or CSV by suffix) via a temp file and a rename.

    A crash part-way leaves the previous file intact, never a half-written one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if path.suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
