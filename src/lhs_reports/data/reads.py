"""What a report read: every lookup its notebook made, and the content of each file found.

:func:`~lhs_reports.data.loaders.load_table` records each table lookup (which table, in which
folder, for which organisation) with the files that answered it and their content hashes;
:func:`~lhs_reports.params.organisation_settings` records the parameter files it read the same
way. The build stores the log in the executed notebook's metadata and its cache manifest. At the
next plan each lookup is asked again (:func:`changes`): a report re-runs when any answer changed
— a file edited, added or removed, or another file now answering (``name.parquet`` appearing
beside the ``name.csv`` that was read) — whatever the format or layout of the data.

Paths are stored relative to the project (``$LHS_REPORTS_PROJECT``) when they are inside it, so a
project moved or cloned elsewhere is not rebuilt for that alone.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "trusts.csv").write_text("trust_code\\nA1\\n")
>>> clear()
>>> record_table(folder, "trusts", None, [folder / "trusts.csv"])
>>> log = take()
>>> [(r["kind"], r["table"], list(r["files"])) for r in log]
[('table', 'trusts', ['trusts.csv'])]
>>> changes(log)
[]
>>> _ = (folder / "trusts.csv").write_text("trust_code\\nA1\\nB2\\n")
>>> changes(log)
['.../trusts.csv changed']
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lhs_reports.data.fingerprint import file_hash
from lhs_reports.data.layout import table_files
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.data.scan import active

#: Where a notebook's reads travel in its executed notebook: ``metadata[READS_METADATA]``.
READS_METADATA = "lhs_reports"

_log: dict[tuple[str, ...], dict[str, Any]] = {}
#: Lists collecting the lookups recorded inside :func:`recording` blocks (innermost last).
_collectors: list[list[dict[str, Any]]] = []


def _stored(folder: Path, root: Path | None) -> str:
    """``folder`` as stored: relative to the project root when inside it."""
    folder = folder.resolve()
    if root is not None:
        try:
            return folder.relative_to(root.resolve()).as_posix() or "."
        except ValueError:
            pass
    return str(folder)


def _project_root() -> Path | None:
    env = os.environ.get(PROJECT_ENV)
    return Path(env) if env else None


def _hashes(folder: Path, files: Iterable[Path]) -> dict[str, str]:
    """Content hash by name relative to ``folder`` (symbolic links are not resolved: a file is
    known by the name it was read under). In a build's scan each file is stat-ed and hashed
    once however many reads name it."""
    scan = active()
    digest = scan.hash if scan is not None else file_hash
    return {_name(Path(f), folder): digest(Path(f)) for f in files}


def _name(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def table_read(folder: Path, table: str, organisation: str | None, files: Sequence[Path], *,
               root: Path | None = None) -> dict[str, Any]:
    """A lookup of table ``table`` in ``folder`` that ``files`` answered, as stored."""
    where = _stored(Path(folder), root if root is not None else _project_root())
    return {"kind": "table", "folder": where, "table": table, "organisation": organisation,
            "files": _hashes(Path(folder), files)}


def glob_read(folder: Path, pattern: str, files: Sequence[Path], *,
              root: Path | None = None) -> dict[str, Any]:
    """A glob of ``pattern`` in ``folder`` that found ``files``, as stored."""
    where = _stored(Path(folder), root if root is not None else _project_root())
    return {"kind": "glob", "folder": where, "pattern": pattern,
            "files": _hashes(Path(folder), files)}


def record_table(folder: Path, table: str, organisation: str | None,
                 files: Sequence[Path]) -> None:
    """Record that table ``table`` was looked up in ``folder`` and ``files`` answered."""
    _keep(table_read(folder, table, organisation, files))


def record_glob(folder: Path, pattern: str, files: Sequence[Path]) -> None:
    """Record that ``pattern`` was globbed in ``folder`` and ``files`` were read."""
    _keep(glob_read(folder, pattern, files))


def _log_key(read: dict[str, Any]) -> tuple[str, ...]:
    if read["kind"] == "table":
        return ("table", read["folder"], read["table"], read.get("organisation") or "")
    return ("glob", read["folder"], read["pattern"])


def _keep(read: dict[str, Any]) -> None:
    _log[_log_key(read)] = read
    for collected in _collectors:
        collected.append(read)


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """Collect the lookups recorded inside the block (they stay in the log as well), e.g. to
    remember what a computation memoised for a kernel read, and :func:`replay` it later.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with recording() as inside:
    ...     record_glob(folder, "*.csv", [])
    >>> [read["pattern"] for read in inside]
    ['*.csv']
    """
    collected: list[dict[str, Any]] = []
    _collectors.append(collected)
    try:
        yield collected
    finally:
        _collectors.remove(collected)


def replay(recorded: Iterable[dict[str, Any]]) -> None:
    """Record ``recorded`` lookups again, as they were (a result computed once per kernel
    from files that have not changed since is reported as read by every notebook using it)."""
    for read in recorded:
        _keep(read)


def current_files(read: dict[str, Any], *, root: Path | None = None) -> list[Path]:
    """The files a recorded lookup would find now (``root``: the project its relative folder
    belongs to, default ``$LHS_REPORTS_PROJECT``)."""
    folder = Path(read["folder"])
    if not folder.is_absolute():
        folder = (root if root is not None else _project_root() or Path.cwd()) / folder
    return _answer(read, folder)


def take() -> list[dict[str, Any]]:
    """The lookups recorded since the last :func:`take` or :func:`clear`, and forget them."""
    taken = list(_log.values())
    _log.clear()
    return taken


def clear() -> None:
    """Forget every recorded lookup (a warm kernel does this between notebooks)."""
    _log.clear()


def glob_files(folder: Path, pattern: str) -> list[Path]:
    """The visible files matching ``pattern`` in ``folder``, sorted (how globs are re-asked)."""
    scan = active()
    if scan is not None:
        return scan.glob(Path(folder), pattern)
    return sorted(p for p in Path(folder).glob(pattern)
                  if p.is_file() and not p.name.startswith("."))


def _answer(read: dict[str, Any], folder: Path) -> list[Path]:
    if read["kind"] == "table":
        return table_files(folder, read["table"], read.get("organisation"))
    return glob_files(folder, read["pattern"])


def changes(reads: Sequence[dict[str, Any]], *, root: Path | None = None) -> list[str]:
    """What changed since ``reads`` were recorded, one phrase each (empty: nothing changed).

    ``root`` is the project the relative folders belong to (default ``$LHS_REPORTS_PROJECT``).
    In a build's scan (:mod:`lhs_reports.data.scan`) each read object is checked once, however
    many jobs share it (the cache manifest gives every job that recorded the same read the same
    object).
    """
    root = root if root is not None else _project_root()
    scan = active()
    found: list[str] = []
    for read in reads:
        if scan is None:
            found += _read_changes(read, root)
            continue
        # Keyed by the object, which the memo keeps alive, so its id is not reused.
        kept, phrases = scan.memo(("changes", id(read), str(root)),
                                  lambda read=read: (read, _read_changes(read, root)))
        found += phrases if kept is read else _read_changes(read, root)
    # The same file can answer several lookups: say each change once.
    return list(dict.fromkeys(found))


def _read_changes(read: dict[str, Any], root: Path | None) -> list[str]:
    folder = Path(read["folder"])
    if not folder.is_absolute():
        folder = (root or Path.cwd()) / folder
    before: dict[str, str] = read["files"]
    try:
        now = _hashes(folder, _answer(read, folder))
    except OSError as exc:
        return [f"{read['folder']} cannot be read ({exc.strerror})"]
    prefix = "" if read["folder"] == "." else f"{read['folder']}/"
    return ([f"{prefix}{name} removed" for name in sorted(set(before) - set(now))]
            + [f"{prefix}{name} added" for name in sorted(set(now) - set(before))]
            + [f"{prefix}{name} changed" for name in sorted(set(now) & set(before))
               if now[name] != before[name]])


def fingerprint(reads: Sequence[dict[str, Any]] | None) -> str | None:
    """One SHA-256 over every file ``reads`` found (name and content); None when none was read.

    Examples
    --------
    >>> fingerprint([]) is None
    True
    >>> len(fingerprint([{"folder": "data", "files": {"a.csv": "0" * 64}}]))
    64
    """
    entries = sorted({f"{read['folder']}/{name}:{digest}"
                      for read in reads or [] for name, digest in read["files"].items()})
    if not entries:
        return None
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()
