"""Replacing the published site in one step, so a reader never finds it missing or half-made.

On Linux the new site and the old one are swapped with a single ``renameat2(RENAME_EXCHANGE)``
call: at every instant ``outputs/_site`` is either the complete old site or the complete new
one. Elsewhere (or on a file system without the call) the old site is renamed aside and the new
one renamed into place: two renames, a gap of microseconds, never a partial site.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (the caller falls back)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE)
    return done == 0


def publish(rendered: Path, target: Path) -> Path:
    """Move ``rendered`` to ``target``, replacing what was there only once it is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(f".{target.name}.incoming")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (incoming, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.move(str(rendered), incoming)
    if target.exists() and _exchange(incoming, target):
        shutil.rmtree(incoming)  # the old site, swapped out
        return target
    if target.exists():
        target.rename(retired)
    incoming.rename(target)
    if retired.exists():
        shutil.rmtree(retired)
    return target


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
