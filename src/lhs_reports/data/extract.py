"""A database source's local extract: its tables as per-organisation Parquet files.

``lhs-reports check``, ``plan`` and ``build`` refresh the extract first
(:func:`refresh_extract`); then every reader of the data (the data check, skipping families
whose tables are absent, periods, the SYNTHETIC label, the notebooks) works on a folder, as for
a trust's own files. Each table (or the query the catalogue gives for it) runs in the database
and is streamed in chunks, so memory holds one chunk and the query's result, never the source
table: a query aggregating contacts by trust and month sends back a few hundred rows.

Which files change. The rows are put in a fixed form (the dictionary's columns in its order,
codes in upper case, rows sorted by the table's key) and split by organisation
(``activity_monthly/RX4.parquet``; reference tables such as ``trusts``, and tables not owned
by an organisation such as ``case_study_series``, stay one file). A checksum of each file's rows
(the *query-level checksum*, kept in the manifest, :mod:`lhs_reports.data.extract_manifest`)
decides whether the file is written: a file is rewritten only when its rows changed, and
removed when its organisation is no longer returned.

Why no "query" kind of read (:mod:`lhs_reports.data.reads`). A report records the extract's
files it read with their content hashes, exactly as for a folder, and the extract rewrites only
the files whose rows changed: so when one trust's rows change in the database, only that trust's
files change, and the next plan re-runs exactly its reports and the pages across trusts. A
query-level read would have to run a report's queries again at every plan, and a report reads
only its own organisation's rows of each table, which a per-organisation file already is.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lhs_reports.data.database import (
    Source,
    connect,
    database_url,
    existing_tables,
    has_table,
    masked,
    read_chunks,
)
from lhs_reports.data.dictionary import TABLES, Table
from lhs_reports.data.extract_manifest import read_manifest, write_manifest
from lhs_reports.data.io import write_table_atomic
from lhs_reports.data.source import CATALOGUE_FILE
from lhs_reports.errors import DataError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: refreshes are not serialised there
    fcntl = None  # type: ignore[assignment]

#: Organisation codes that can name a file.
_FILE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


@dataclass(frozen=True)
class ExtractSummary:
    """What one refresh did, file by file (paths relative to the extract folder)."""

    source: str
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def line(self) -> str:
        """One line for the command's output."""
        return (f"data: {len(self.written)} extract files written, {len(self.unchanged)} "
                f"unchanged, {len(self.removed)} removed, from {self.source}")


def per_organisation(table: Table) -> bool:
    """Whether the extract splits ``table`` into one file per organisation: tables owned by an
    organisation code with many rows each (not the one-row-per-trust ``trusts``).

    Examples
    --------
    >>> [name for name, table in TABLES.items() if per_organisation(table)]
    ['activity_monthly', 'population', 'activity_by_group', 'lhs_survey']
    """
    return table.owner is not None and table.owner.code and len(table.key) > 1


def rows_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names, types and rows: equal for equal rows, whatever file
    they were written to.

    Examples
    --------
    >>> a = pd.DataFrame({"trust_code": ["RX4"], "admissions": [3]})
    >>> rows_checksum(a) == rows_checksum(a.copy())
    True
    >>> rows_checksum(a) == rows_checksum(a.assign(admissions=4))
    False
    """
    digest = hashlib.sha256(json.dumps([[str(c), str(frame[c].dtype)] for c in frame.columns]
                                       ).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def sources(engine: Any, tables: Mapping[str, Any]) -> list[Source]:
    """The database table or query for each dictionary table the source has: the catalogue's
    ``data.tables`` entry, else a table or view of the same name (any case), else none."""
    existing = existing_tables(engine)
    found = []
    for name in TABLES:
        entry = tables.get(name)
        key = f"data.tables.{name}"
        if isinstance(entry, str):
            if not has_table(engine, entry):
                close = difflib.get_close_matches(entry, sorted(existing.values()), n=1)
                raise DataError(f"table {entry!r} of {key} is not in the database",
                                path=CATALOGUE_FILE, field=key,
                                hint=f"name a table or view the database has (schema.name "
                                "for another schema), or give a query: {query: SELECT ...}; "
                                f"tables here: {', '.join(sorted(existing.values())) or 'none'}"
                                + (f" (did you mean {close[0]!r}?)" if close else ""))
            found.append(Source(name, key, name=entry))
        elif entry is not None:
            found.append(Source(name, key, query=str(getattr(entry, "query", entry))))
        elif name in existing:
            found.append(Source(name, "data.source", name=existing[name]))
    return found


def _normalise(frame: pd.DataFrame, table: Table, source: Source) -> pd.DataFrame:
    """The dictionary's columns in its order, codes stripped and upper case, date columns as
    dates, rows sorted by the key: the form whose checksum is compared."""
    by_lower = {str(c).lower(): c for c in frame.columns}
    missing = [c for c in table.required_columns if c not in by_lower]
    if missing:
        raise DataError(
            f"{source.key} ({source.described}) returns no column '{missing[0]}' of table "
            f"'{table.name}'", path=CATALOGUE_FILE, field=source.key,
            hint=f"return the data dictionary's columns ({', '.join(table.required_columns)}), "
            f"naming them with AS where the database's differ (... AS {missing[0]})")
    kept = [c.name for c in table.columns if c.name in by_lower]
    frame = frame[[by_lower[c] for c in kept]].set_axis(kept, axis=1)
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        values = frame[column.name]
        if column.code:
            frame[column.name] = values.astype("string").str.strip().str.upper()
        elif column.type == "date" and values.dtype == object and len(values) and \
                values.dropna().map(lambda v: isinstance(v, dt.date)).all():
            frame[column.name] = pd.to_datetime(values)  # DATE columns come back as objects
    key = [c for c in table.key if c in frame.columns]
    try:
        frame = frame.sort_values(key, kind="mergesort", ignore_index=True)
    except TypeError:  # values of mixed types: any fixed order will do
        order = frame[key].astype("string").sort_values(key, kind="mergesort").index
        frame = frame.loc[order].reset_index(drop=True)
    return frame


def _read(engine: Any, source: Source, url: Any) -> pd.DataFrame:
    chunks = [chunk for chunk in read_chunks(engine, source, url) if len(chunk.columns)]
    non_empty = [chunk for chunk in chunks if not chunk.empty]
    frame = pd.concat(non_empty, ignore_index=True) if non_empty else chunks[0]
    if frame.empty:
        raise DataError(f"{source.key} ({source.described}) returned no rows",
                        path=CATALOGUE_FILE, field=source.key,
                        hint="check the table has rows and the query's conditions; leave the "
                        "table out of the database and data.tables if the reports do not need "
                        "it")
    return frame


def _files(frame: pd.DataFrame, table: Table, source: Source) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each file of the table (relative path) and its rows."""
    if not per_organisation(table):
        yield f"{table.name}.parquet", frame
        return
    owner = table.key[0]
    codes = frame[owner]
    if bool(codes.isna().any()):
        raise DataError(f"{source.key} ({source.described}) returns rows with no {owner}",
                        path=CATALOGUE_FILE, field=source.key,
                        hint=f"every row needs its organisation's {owner}: filter the rows "
                        f"without one out (WHERE {owner} IS NOT NULL) or fill them in")
    for code, rows in frame.groupby(codes, sort=True):
        if not _FILE_CODE.match(str(code)):
            raise DataError(f"{source.key} ({source.described}) returns the {owner} "
                            f"{str(code)!r}, which is not an organisation code",
                            path=CATALOGUE_FILE, field=source.key,
                            hint="codes are letters and digits (ODS codes such as RX4)")
        yield f"{table.name}/{code}.parquet", rows.reset_index(drop=True)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One refresh of an extract at a time (a ``plan`` beside a ``build``, say)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".extract.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _prune(folder: Path, keep: set[str]) -> list[str]:
    """Remove the extract's table files not in ``keep`` (organisations or tables no longer
    returned), and temporaries a killed refresh left."""
    removed = []
    for path in sorted([*folder.glob("*.parquet"), *folder.glob("*/*.parquet"),
                        *folder.glob("*/.*.parquet.*"), *folder.glob(".*.parquet.*")]):
        relative = path.relative_to(folder).as_posix()
        if relative not in keep:
            path.unlink(missing_ok=True)
            if not path.name.startswith("."):
                removed.append(relative)
    for sub in folder.iterdir():
        if sub.is_dir() and not any(sub.iterdir()):
            shutil.rmtree(sub, ignore_errors=True)
    return removed


def refresh_extract(source: str, tables: Mapping[str, Any], folder: Path, *, root: Path
                    ) -> ExtractSummary:
    """Bring the extract in ``folder`` up to date with the database ``source`` (the
    catalogue's ``data.source``; ``tables`` its ``data.tables``), writing only the files whose
    rows changed. ``root`` is the project, against which a relative database file is found.

    tests/test_database_source.py runs it on DuckDB and SQLite files.
    """
    url = database_url(source, root)
    engine = connect(url)
    try:
        with _locked(folder):
            return _refresh(engine, url, tables, folder)
    finally:
        engine.dispose()


def _refresh(engine: Any, url: Any, tables: Mapping[str, Any], folder: Path
             ) -> ExtractSummary:
    before = read_manifest(folder).get("tables") or {}
    manifest: dict[str, Any] = {"source": masked(url), "tables": {}}
    written: list[str] = []
    unchanged: list[str] = []
    for source in sources(engine, tables):
        table = TABLES[source.table]
        frame = _normalise(_read(engine, source, url), table, source)
        old = (before.get(table.name) or {}).get("files") or {}
        checksums = {}
        for relative, rows in _files(frame, table, source):
            checksums[relative] = rows_checksum(rows)
            if old.get(relative) == checksums[relative] and (folder / relative).is_file():
                unchanged.append(relative)
                continue
            write_table_atomic(rows, folder / relative)
            written.append(relative)
        del frame
        manifest["tables"][table.name] = {"key": source.key, "from": source.described,
                                          "files": checksums}
    removed = _prune(folder, {f for entry in manifest["tables"].values() for f in entry["files"]})
    write_manifest(folder, manifest)
    return ExtractSummary(manifest["source"], tuple(written), tuple(unchanged), tuple(removed))
