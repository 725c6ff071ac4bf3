"""Which files hold a table: the layouts a data folder may use (no pandas: the planner uses it).

A table is one file (``name.parquet``, else ``name.csv``) or a folder ``name/`` of such files,
for example one per organisation (``activity_monthly/SYN01.csv``). A per-organisation file is
found whatever the case of its name (``activity_monthly/rx4.csv`` is RX4's): codes are
case-insensitive.
"""

from __future__ import annotations

from pathlib import Path

from lhs_reports.data.scan import Scan, active

#: Formats a table file may have, in order of preference.
TABLE_SUFFIXES = (".parquet", ".csv")


def table_files(folder: Path, name: str, organisation: str | None = None) -> list[Path]:
    """The files that hold table ``name`` in ``folder`` (only ``organisation``'s, for a folder
    of per-organisation files); empty when the table is absent.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "population").mkdir()
    >>> for code in ("A1", "B2"):
    ...     _ = (folder / "population" / f"{code}.csv").write_text("x\\n")
    >>> [p.name for p in table_files(folder, "population")]
    ['A1.csv', 'B2.csv']
    >>> [p.name for p in table_files(folder, "population", "B2")], table_files(folder, "trusts")
    (['B2.csv'], [])
    >>> [p.name for p in table_files(folder, "population", "b2")]
    ['B2.csv']
    """
    scan = active()
    if scan is not None:
        # One answer per question per scan, shared by every job asking it (not to be changed).
        return scan.memo(("table_files", str(folder), name, organisation),
                         lambda: _scanned_table_files(scan, folder, name, organisation))
    for suffix in TABLE_SUFFIXES:
        single = folder / f"{name}{suffix}"
        if single.is_file():
            return [single]
    parts = folder / name
    if parts.is_dir():
        wanted = organisation.strip().upper() if organisation else None
        return sorted(p for p in parts.iterdir()
                      if p.suffix in TABLE_SUFFIXES and not p.name.startswith(".")
                      and (wanted is None or p.stem.upper() == wanted) and p.is_file())
    return []


def _scanned_table_files(scan: Scan, folder: Path, name: str, organisation: str | None
                         ) -> list[Path]:
    """:func:`table_files` from the build's scan: each folder listed once, an organisation's
    file found by its code rather than by looking through every organisation's."""
    for suffix in TABLE_SUFFIXES:
        single = folder / f"{name}{suffix}"
        if scan.is_file(single):
            return [single]
    parts = folder / name
    if not scan.is_dir(parts):
        return []
    index = scan.names_by_stem(parts, TABLE_SUFFIXES)
    if organisation:
        return [parts / found for found in index.get(organisation.strip().upper(), [])]
    return sorted(parts / found for names in index.values() for found in names)
