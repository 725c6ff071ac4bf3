"""The manifest of a database extract: where each table's rows came from, and a checksum of the
rows in each file (no pandas: read wherever an error about extracted data is explained).

``source.json`` in the extract folder holds the source URL (password masked), and per table
the catalogue key it came from (``data.tables.activity_monthly``, or the database table of the
same name), the table or query, and ``{file: checksum of its rows}``. The extract compares the
checksums to decide which files to rewrite; an error found in an extracted file is given a fix
naming the database table or query, not only the local file (:func:`with_origin`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from lhs_reports.data.source import CATALOGUE_FILE
from lhs_reports.errors import DataError

MANIFEST_NAME = "source.json"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The extract manifest in ``folder``; empty when there is none (not an extract).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> read_manifest(pathlib.Path(tempfile.mkdtemp()))
    {}
    """
    try:
        found = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> bool:
    """Write the manifest atomically when it differs from the one there; True if written."""
    if read_manifest(folder) == manifest:
        return False
    path = Path(folder) / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)
    return True


def origin(folder: Path, table: str) -> str | None:
    """Where the extract's ``table`` came from, in words; None when ``folder`` is no extract.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_manifest(folder, {"source": "duckdb:///w.duckdb", "tables": {
    ...     "trusts": {"key": "data.tables.trusts", "from": "table orgs", "files": {}}}})
    >>> origin(folder, "trusts")
    'data.tables.trusts in params/reports.yaml (table orgs in duckdb:///w.duckdb)'
    >>> origin(folder, "population") is None
    True
    """
    manifest = read_manifest(folder)
    entry = (manifest.get("tables") or {}).get(table)
    if not isinstance(entry, dict):
        return None
    return (f"{entry.get('key')} in {CATALOGUE_FILE} ({entry.get('from')} in "
            f"{manifest.get('source')})")


def _table_of(folder: Path, path: str | None) -> str | None:
    """The table a file of the extract holds (``activity_monthly/RX4.parquet`` holds
    ``activity_monthly``)."""
    if path is None:
        return None
    try:
        relative = Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return None
    return Path(relative.parts[0]).stem if relative.parts else None


def with_origin(error: DataError, folder: Path, table: str | None = None) -> DataError:
    """``error`` about a file of the extract in ``folder``, with a fix naming the database
    table or query its rows came from (``error`` itself when ``folder`` is no extract).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_manifest(folder, {"source": "sqlite:///x.db", "tables": {"trusts": {
    ...     "key": "data.tables.trusts", "from": "table orgs", "files": {}}}})
    >>> error = DataError("column 'region' is blank", path=folder / "trusts.parquet",
    ...                   field="region", hint="fill it in")
    >>> print(with_origin(error, folder).hint)
    fill it in; the rows come from the database: data.tables.trusts in params/reports.yaml
    (table orgs in sqlite:///x.db), so correct them there (the file is the local extract,
    rows sorted by the table's key)
    """
    where = origin(folder, table or _table_of(folder, error.path) or "")
    if where is None or (error.hint and where in error.hint):
        return error
    fix = (f"the rows come from the database: {where}, so correct them there (the file is the "
           "local extract, rows sorted by the table's key)")
    return type(error)(error.message, path=error.path, field=error.field, row=error.row,
                       hint=f"{error.hint}; {fix}" if error.hint else fix)
