"""Content hashes of files, remembered by (path, size, modification time).

Used where data are read (to record what a report read) and where a build plans (to see whether
it changed since); a file is hashed once per process however many reports read it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


class FileHashes:
    """SHA-256 of a file's content, memoised by ``(path, size, mtime)``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_text("x\\n1\\n")
    >>> FileHashes()(path)[:12]
    'daff832f8020'
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._seen:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._seen[key] = digest.hexdigest()
        return self._seen[key]


#: The process's shared memo.
file_hash = FileHashes()
