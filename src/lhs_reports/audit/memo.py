"""Remembering which files passed the audit, so a rebuild reads only files with new bytes.

An entry says "this file, at this path in the site, with exactly these bytes, had no finding
under this audit code and this disclosure rule". It is looked up by a digest of all four, so
a verdict is reused only for byte-identical content under the same audit: any change to a
file, to the audit's code (the caller's ``salt`` carries the package's code digest) or to the
rule reads the file again. Only clean verdicts are kept: a file with findings fails the build
and is read again next time.

Entries are empty files named by their digest, written atomically; a missing or unreadable
folder only means the files are read again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["AuditMemo"]


class AuditMemo:
    """Clean audit verdicts kept in ``folder``, valid under ``salt`` (the audit's identity);
    with ``reuse`` false none is used, but each clean file is still recorded.

    Examples
    --------
    >>> import tempfile
    >>> memo = AuditMemo(Path(tempfile.mkdtemp()), salt="audit v1, rule 1-7")
    >>> memo.is_clean("index.html", b"<p>hello</p>")
    False
    >>> memo.remember("index.html", b"<p>hello</p>")
    >>> memo.is_clean("index.html", b"<p>hello</p>"), memo.is_clean("index.html", b"<p>x</p>")
    (True, False)
    >>> AuditMemo(memo.folder, salt="audit v2").is_clean("index.html", b"<p>hello</p>")
    False
    """

    def __init__(self, folder: Path, *, salt: str, reuse: bool = True) -> None:
        self.folder = folder
        self.salt = salt
        #: False reads every file again (and refreshes the verdicts).
        self.reuse = reuse
        #: Entries looked up or written by this build (the others are pruned after it).
        self.used: set[str] = set()

    def _entry(self, relative: str, data: bytes) -> str:
        content = hashlib.sha256(data).hexdigest()
        return hashlib.sha256(f"{self.salt}\0{relative}\0{content}".encode()).hexdigest()

    def is_clean(self, relative: str, data: bytes) -> bool:
        """Whether ``data`` at ``relative`` passed this audit before."""
        entry = self._entry(relative, data)
        if self.reuse and (self.folder / entry).is_file():
            self.used.add(entry)
            return True
        return False

    def remember(self, relative: str, data: bytes) -> None:
        """Record that ``data`` at ``relative`` had no finding (best effort: a folder that
        cannot be written only costs a re-read next time)."""
        entry = self._entry(relative, data)
        self.used.add(entry)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            os.close(fd)
            os.replace(tmp, self.folder / entry)
        except OSError:
            return

    def prune(self) -> None:
        """Remove the entries this build did not use (files no longer on the site)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)
