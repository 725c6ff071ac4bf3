"""One look at the file system per build: folder listings, globs, hashes and answers, shared.

Planning asks, for every job, which files answer each of its data lookups and whether their
content changed. Thousands of jobs ask about the same files (every trust's report reads every
trust's population for comparison), so while a :func:`scanning` block is active each folder is
listed once, each glob expanded once, each file stat-ed and fingerprinted once, and each
distinct question (:meth:`Scan.memo`) answered once: planning grows with the number of jobs
plus the number of files, not their product. The project's files do not change during a plan
(a build holds the project lock); outside a scan nothing is remembered, as a warm kernel running
notebooks one after another needs.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.csv").write_text("x\\n")
>>> with scanning() as scan:
...     first = scan.glob(folder, "*.csv")
...     _ = (folder / "b.csv").write_text("x\\n")  # unseen until the next scan
...     [p.name for p in scan.glob(folder, "*.csv")] == [p.name for p in first]
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from lhs_reports.data.fingerprint import file_hash

__all__ = ["Scan", "active", "scanning"]

T = TypeVar("T")

_ACTIVE: ContextVar[Scan | None] = ContextVar("lhs_reports_scan", default=None)


class Scan:
    """What one build has seen of the file system (see the module's description)."""

    def __init__(self) -> None:
        self._listings: dict[str, dict[str, bool] | None] = {}
        self._by_stem: dict[str, dict[str, list[str]]] = {}
        self._globs: dict[tuple[str, str], list[Path]] = {}
        self._hashes: dict[str, str] = {}
        self._memo: dict[Any, Any] = {}

    def listing(self, folder: Path) -> dict[str, bool] | None:
        """``{name: is a file}`` for everything in ``folder``; None when it is not a folder."""
        key = str(folder)
        if key not in self._listings:
            try:
                with os.scandir(folder) as entries:
                    self._listings[key] = {entry.name: entry.is_file() for entry in entries}
            except (FileNotFoundError, NotADirectoryError):
                self._listings[key] = None
        return self._listings[key]

    def is_file(self, path: Path) -> bool:
        """Whether ``path`` is a file (from its folder's listing)."""
        names = self.listing(path.parent)
        return bool(names and names.get(path.name, False))

    def is_dir(self, path: Path) -> bool:
        """Whether ``path`` is a folder (from its own listing)."""
        return self.listing(path) is not None

    def names_by_stem(self, folder: Path, suffixes: tuple[str, ...]) -> dict[str, list[str]]:
        """The visible files of ``folder`` with one of ``suffixes``, by upper-case stem,
        sorted: an organisation's file is found without looking through its peers'."""
        key = f"{folder}\0{'|'.join(suffixes)}"
        if key not in self._by_stem:
            index: dict[str, list[str]] = {}
            for name, is_file in sorted((self.listing(folder) or {}).items()):
                path = Path(name)
                if is_file and path.suffix in suffixes and not name.startswith("."):
                    index.setdefault(path.stem.upper(), []).append(name)
            self._by_stem[key] = index
        return self._by_stem[key]

    def glob(self, folder: Path, pattern: str) -> list[Path]:
        """The visible files matching ``pattern`` in ``folder``, sorted, expanded once."""
        key = (str(folder), pattern)
        if key not in self._globs:
            self._globs[key] = sorted(p for p in Path(folder).glob(pattern)
                                      if p.is_file() and not p.name.startswith("."))
        return self._globs[key]

    def hash(self, path: Path) -> str:
        """The content hash of ``path``: stat-ed once per scan, hashed only when its stamp is
        not known (:class:`~lhs_reports.data.fingerprint.FileHashes`)."""
        key = str(path)
        found = self._hashes.get(key)
        if found is None:
            found = self._hashes[key] = file_hash(path)
        return found

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, once per scan for each ``key`` (a hashable question)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]


def active() -> Scan | None:
    """The scan in progress, if any."""
    return _ACTIVE.get()


@contextmanager
def scanning() -> Iterator[Scan]:
    """A :class:`Scan` for the block (the one already in progress, when nested)."""
    current = _ACTIVE.get()
    if current is not None:
        yield current
        return
    scan = Scan()
    token = _ACTIVE.set(scan)
    try:
        yield scan
    finally:
        _ACTIVE.reset(token)
