"""Content hashes of files, remembered by the file's stat identity.

Used where data are read (to record what a report read) and where a build plans (to see whether
it changed since); a file is hashed once per process however many reports read it. A build also
keeps the hashes between runs (:meth:`FileHashes.remember` and :meth:`FileHashes.take_new`,
persisted in the cache manifest), so a rebuild with nothing changed stats every file and hashes
none.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path

#: A file's identity as the hash memo knows it: path, size, modification and change times (ns)
#: and inode. The change time cannot be set by a program (``touch -d``, ``cp -p`` and
#: ``rsync -t`` set the modification time only), so an edit that keeps the size and restores
#: the modification time is still seen.
Stamp = tuple[str, int, int, int, int]

#: A hash is not kept between builds while its file's modification time is this recent: a
#: write in the same clock tick as the hash, with the same size, would otherwise go unseen
#: (git's "racily clean" files).
RACY_NS = 2_000_000_000


def stamp(path: Path) -> Stamp:
    """``path``'s identity: ``(path, size, mtime_ns, ctime_ns, inode)`` from one ``stat``."""
    found = os.stat(path)
    return (str(path), found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


class FileHashes:
    """SHA-256 of a file's content, memoised by its :data:`Stamp`.

    ``hashed`` counts the files whose content was actually read and hashed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_text("x\\n1\\n")
    >>> hashes = FileHashes()
    >>> hashes(path)[:12], hashes(path)[:12], hashes.hashed
    ('daff832f8020', 'daff832f8020', 1)
    """

    def __init__(self) -> None:
        self._seen: dict[Stamp, str] = {}
        self._new: dict[Stamp, str] = {}
        self.hashed = 0

    def __call__(self, path: Path) -> str:
        key = stamp(path)
        found = self._seen.get(key)
        if found is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            found = self._seen[key] = self._new[key] = digest.hexdigest()
            self.hashed += 1
        return found

    def remember(self, known: Iterable[tuple[Stamp, str]]) -> None:
        """Take ``(stamp, digest)`` pairs kept from an earlier run as known."""
        self._seen.update(known)

    def take_new(self) -> list[tuple[Stamp, str]]:
        """The ``(stamp, digest)`` pairs hashed since the last call that are safe to keep for
        later runs (not modified within :data:`RACY_NS` of now), and forget them as new."""
        now = time.time_ns()
        kept = [(key, digest) for key, digest in self._new.items() if now - key[2] > RACY_NS]
        self._new.clear()
        return kept


#: The process's shared memo.
file_hash = FileHashes()
