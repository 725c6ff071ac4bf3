"""The cache manifest: each job's last outcome, kept in SQLite and written off the workers' path.

``outputs/.cache/manifest.sqlite`` (the standard library's :mod:`sqlite3`, write-ahead log)
holds

- ``jobs``: one row per job (its entry as JSON, and the digests of the reads it recorded), so a
  job's result costs one row written whether the build has ten jobs or ten thousand;
- ``reads``: each recorded read once per distinct content, by digest: six thousand jobs that
  each read the same six thousand population files store that read once, not six thousand
  times;
- ``fingerprints``: the content hash of every data file planning looked at, by its stamp (path,
  size, modification and change times, inode), so a rebuild with nothing changed hashes no file.

Results are queued by the executor's thread and written by a background thread in batches, one
transaction each: a result is never waited for, and what was committed survives the process
being killed (a job whose row was not committed yet simply runs again). The older
``manifest.json`` beside it is imported once, so an existing project keeps its cache.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "manifest.sqlite"
>>> with Manifest(path) as manifest:
...     manifest.update("trust/RX4", {"status": "ok", "duration": 2.5, "reads": []})
>>> Manifest(path).durations()
{'trust/RX4': 2.5}
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from lhs_reports.data import reads as data_reads
from lhs_reports.data.fingerprint import Stamp, file_hash
from lhs_reports.data.scan import Scan, scanning

__all__ = ["LEGACY_MANIFEST", "MANIFEST", "Manifest", "ReadsTable", "planning", "read_digest"]

#: Where the manifest is, under the project's outputs.
MANIFEST = Path(".cache") / "manifest.sqlite"
#: The manifest of lhs-reports before 0.x: imported once when found beside it.
LEGACY_MANIFEST = "manifest.json"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (job TEXT PRIMARY KEY, entry TEXT NOT NULL, reads TEXT);
CREATE TABLE IF NOT EXISTS reads (digest TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fingerprints (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, digest TEXT NOT NULL);
"""

#: Results written per transaction at most (a batch is whatever queued meanwhile).
_BATCH = 500

_PART_NAMES = {"notebook": "notebook changed", "parameters": "parameters changed",
               "inputs": "declared inputs changed", "code": "lhs-reports code changed"}


def read_digest(read: dict[str, Any]) -> str:
    """The digest a read is stored under: SHA-256 of its canonical JSON.

    Examples
    --------
    >>> read_digest({"a": 1, "b": 2}) == read_digest({"b": 2, "a": 1})
    True
    """
    text = json.dumps(read, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ReadsTable:
    """Distinct reads, each listed once under a short id, for the run manifest.

    Examples
    --------
    >>> table = ReadsTable()
    >>> read = {"kind": "glob", "folder": "data", "pattern": "*.csv", "files": {"a.csv": "0"}}
    >>> table.ids([read]) == table.ids([dict(read)])
    True
    >>> [entry["files"] for entry in table.reads.values()]
    [['data/a.csv']]
    """

    def __init__(self) -> None:
        #: ``{id: the read, its files as project paths}``.
        self.reads: dict[str, dict[str, Any]] = {}
        self._by_object: dict[int, tuple[dict[str, Any], str]] = {}

    def ids(self, reads: list[dict[str, Any]]) -> list[str]:
        """The ids of ``reads`` (added to :attr:`reads` when new)."""
        found = []
        for read in reads:
            known = self._by_object.get(id(read))
            if known is None or known[0] is not read:
                short = read_digest(read)[:16]
                known = self._by_object[id(read)] = (read, short)
                if short not in self.reads:
                    self.reads[short] = {
                        **{k: v for k, v in read.items() if k != "files"},
                        "files": sorted(f"{read['folder']}/{name}" for name in read["files"])}
            found.append(known[1])
        return found


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL loses no committed transaction when the process dies (only, perhaps,
    # the last ones on a power cut); the manifest is a cache, so that is the right trade.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SCHEMA)
    return connection


class Manifest:
    """The last outcome of each job (``entries``, by job key), read at creation.

    Changes (:meth:`update`, :meth:`remove`) apply to ``entries`` at once and reach the file in
    the background; :meth:`flush` waits for them, :meth:`close` (or leaving a ``with`` block)
    also stops the writer. A manifest that cannot be read counts as empty: everything rebuilds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._fresh = False  # the file could not be read: start it again on first write
        try:
            self._load()
        except sqlite3.OperationalError:
            raise  # locked or unwritable: not a reason to throw the cache away
        except sqlite3.DatabaseError:  # not a database (damaged): everything rebuilds
            self.entries, self._fresh = {}, True

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> None:
        legacy = self.path.with_name(LEGACY_MANIFEST)
        if not self.path.is_file() and not legacy.is_file():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self.path)
        try:
            if legacy.is_file():
                _import_legacy(connection, legacy)
            shared: dict[str, dict[str, Any]] = {}
            for digest, body in connection.execute("SELECT digest, body FROM reads"):
                shared[digest] = json.loads(body)
            for job, entry, reads in connection.execute("SELECT job, entry, reads FROM jobs"):
                found = json.loads(entry)
                # The same objects for every job that recorded the same read: planning checks
                # each once (lhs_reports.data.reads.changes).
                found["reads"] = (None if reads is None
                                  else [shared[d] for d in json.loads(reads) if d in shared])
                self.entries[job] = found
        finally:
            connection.close()

    def why_stale(self, job_key: str, key: str, parts: dict[str, str], output: Path, *,
                  root: Path, declared: bool = False) -> str:
        """Why ``job_key`` must run again, or ``"up to date"``."""
        entry = self.entries.get(job_key)
        if entry is None:
            return "never built"
        if entry.get("status") != "ok":
            return "failed last time"
        if not output.is_file():
            return "output missing"
        if entry.get("key") != key:
            before = entry.get("key_parts") or {}
            changed = [text for name, text in _PART_NAMES.items()
                       if before.get(name) != parts.get(name)]
            return "; ".join(changed) or "inputs changed"
        recorded = entry.get("reads")
        if recorded is None or (not entry.get("reads_recorded", False) and not declared):
            return "data read unknown (not recorded by its last run)"
        changed = data_reads.changes(recorded, root=root)
        if changed:
            more = f" (+{len(changed) - 3} more)" if len(changed) > 3 else ""
            return "data changed: " + ", ".join(changed[:3]) + more
        return "up to date"

    def durations(self) -> dict[str, float]:
        """How long each job took when it last ran (seconds), by job key."""
        return {job_key: float(entry["duration"]) for job_key, entry in self.entries.items()
                if isinstance(entry.get("duration"), int | float)}

    def known_fingerprints(self) -> list[tuple[Stamp, str]]:
        """The file hashes kept by earlier builds, as ``(stamp, digest)``."""
        if self._fresh or not self.path.is_file():
            return []
        try:
            connection = _connect(self.path)
        except sqlite3.DatabaseError:
            return []
        try:
            return [((path, size, mtime, ctime, inode), digest)
                    for path, size, mtime, ctime, inode, digest in connection.execute(
                        "SELECT path, size, mtime_ns, ctime_ns, inode, digest "
                        "FROM fingerprints")]
        finally:
            connection.close()

    # -- writing -----------------------------------------------------------------------------

    def update(self, job_key: str, entry: dict[str, Any]) -> None:
        """Record ``entry`` as ``job_key``'s last outcome (written in the background).

        Its ``data_fingerprint`` is computed from its ``reads`` by the writer when absent.
        """
        self.entries[job_key] = entry
        self._put("job", (job_key, entry))

    def remove(self, job_key: str) -> None:
        """Forget ``job_key`` (it is built again next time)."""
        self.entries.pop(job_key, None)
        self._put("remove", job_key)

    def keep_fingerprints(self, pairs: list[tuple[Stamp, str]]) -> None:
        """Keep file hashes (``(stamp, digest)``) for later builds."""
        if pairs:
            self._put("fingerprints", pairs)

    def save(self) -> None:
        """Write every entry as ``entries`` holds it now (after changing ``entries`` directly),
        and wait until it is written."""
        self._put("all", dict(self.entries))
        self.flush()

    def flush(self) -> None:
        """Wait until every change so far is written; raise what stopped the writer."""
        if self._writer is not None:
            self._queue.join()
        if self._failure is not None:
            raise RuntimeError(f"the cache manifest {self.path} could not be written: "
                               f"{self._failure}") from self._failure

    def close(self) -> None:
        """Write what is queued, then stop the writer (the manifest stays readable)."""
        if self._writer is None:
            return
        self._queue.put(("stop", None))
        self._writer.join()
        self._writer = None
        if self._failure is not None:
            raise RuntimeError(f"the cache manifest {self.path} could not be written: "
                               f"{self._failure}") from self._failure

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _put(self, kind: str, item: Any) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="lhs-manifest-writer",
                                            daemon=True)
            self._writer.start()
        self._queue.put((kind, item))

    def _write(self) -> None:
        try:
            connection = self._open_for_writing()
        except BaseException as error:  # reported by flush/close
            self._failure = error
            connection = None
        writer = _Writer(connection) if connection is not None else None
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                if writer is not None and self._failure is None:
                    writer.write(batch)
            except BaseException as error:  # reported by flush/close
                self._failure = error
            finally:
                stop = any(kind == "stop" for kind, _ in batch)
                for _ in batch:
                    self._queue.task_done()
        if writer is not None:
            with suppress(sqlite3.Error):
                if self._failure is None:
                    writer.collect_garbage()
            writer.connection.close()

    def _open_for_writing(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._fresh = False
        return _connect(self.path)


class _Writer:
    """The background writer's side: batches of changes, one transaction each."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.wrote_reads = False
        #: Reads recently digested, by object: a declared read shared by many jobs, once.
        #: (Results from kernels are each their own objects, digested each: their own work.)
        self._digests: dict[int, tuple[dict[str, Any], str]] = {}
        #: Each read's files as ``folder/name:digest`` entries, by the read's digest.
        self._entries: dict[str, frozenset[str]] = {}
        #: Data fingerprints by the files they cover: the jobs of a family that each read
        #: their own file and every organisation's share one, computed once.
        self._fingerprints: dict[frozenset[str], str | None] = {}

    def write(self, batch: list[tuple[str, Any]]) -> None:
        connection = self.connection
        connection.execute("BEGIN")
        try:
            for kind, item in batch:
                if kind == "job":
                    self._job(*item)
                elif kind == "remove":
                    connection.execute("DELETE FROM jobs WHERE job = ?", (item,))
                elif kind == "all":
                    connection.execute("DELETE FROM jobs")
                    for job_key, entry in item.items():
                        self._job(job_key, entry)
                elif kind == "fingerprints":
                    connection.executemany(
                        "INSERT OR REPLACE INTO fingerprints VALUES (?, ?, ?, ?, ?, ?)",
                        [(*stamp, digest) for stamp, digest in item])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _digest(self, read: dict[str, Any]) -> tuple[str, str | None]:
        """``(digest, body to store or None when stored already this session)``."""
        known = self._digests.get(id(read))
        if known is not None and known[0] is read:
            return known[1], None
        body = json.dumps(read, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(body.encode()).hexdigest()
        if len(self._digests) > 256:  # it keeps the reads alive: only recent ones
            self._digests.clear()
        self._digests[id(read)] = (read, digest)
        return digest, body

    def _files(self, read: dict[str, Any], digest: str) -> frozenset[str]:
        found = self._entries.get(digest)
        if found is None:
            if len(self._entries) > 100_000:
                self._entries.clear()
            found = self._entries[digest] = frozenset(
                f"{read['folder']}/{name}:{content}" for name, content in read["files"].items())
        return found

    def _job(self, job_key: str, entry: dict[str, Any]) -> None:
        reads = entry.get("reads")
        digests = None
        if reads is not None:
            digests = []
            for read in reads:
                digest, body = self._digest(read)
                digests.append(digest)
                if body is not None:
                    self.connection.execute("INSERT OR IGNORE INTO reads VALUES (?, ?)",
                                            (digest, body))
                    self.wrote_reads = True
            if "data_fingerprint" not in entry:
                covered = frozenset().union(*(self._files(read, digest)
                                              for read, digest in zip(reads, digests,
                                                                      strict=True)))
                if covered not in self._fingerprints:
                    if len(self._fingerprints) > 16:  # each key holds every file's entry
                        self._fingerprints.clear()
                    self._fingerprints[covered] = data_reads.fingerprint(reads)
                entry["data_fingerprint"] = self._fingerprints[covered]
        stored = {name: value for name, value in entry.items() if name != "reads"}
        self.connection.execute(
            "INSERT OR REPLACE INTO jobs VALUES (?, ?, ?)",
            (job_key, json.dumps(stored, sort_keys=True, default=str),
             None if digests is None else json.dumps(digests)))

    def collect_garbage(self) -> None:
        """Drop reads no job refers to any more (after a session that stored reads)."""
        if not self.wrote_reads:
            return
        used: set[str] = set()
        for (reads,) in self.connection.execute("SELECT reads FROM jobs WHERE reads IS NOT NULL"):
            used.update(json.loads(reads))
        stored = [d for (d,) in self.connection.execute("SELECT digest FROM reads")]
        unused = [(d,) for d in stored if d not in used]
        if unused:
            self.connection.execute("BEGIN")
            self.connection.executemany("DELETE FROM reads WHERE digest = ?", unused)
            self.connection.execute("COMMIT")


def _import_legacy(connection: sqlite3.Connection, legacy: Path) -> None:
    """Bring the entries of an older ``manifest.json`` in (once: it is removed afterwards)."""
    try:
        jobs = dict(json.loads(legacy.read_text()).get("jobs", {}))
    except (OSError, ValueError, AttributeError, TypeError):
        jobs = {}
    writer = _Writer(connection)
    writer.write([("job", (job_key, entry)) for job_key, entry in jobs.items()
                  if isinstance(entry, dict)])
    legacy.unlink(missing_ok=True)


@contextmanager
def planning(outputs: Path) -> Iterator[tuple[Manifest, Scan]]:
    """The project's manifest and a file-system scan for one plan (or check).

    File hashes kept by earlier builds are known during the block; those computed in it are
    kept for later builds when it ends, and the manifest is closed.
    """
    with Manifest(outputs / MANIFEST) as manifest, scanning() as scan:
        file_hash.remember(manifest.known_fingerprints())
        try:
            yield manifest, scan
        finally:
            manifest.keep_fingerprints(file_hash.take_new())
