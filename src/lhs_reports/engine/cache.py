"""Incremental builds: a cache key per job and a crash-safe manifest of the last good runs.

A job re-runs when anything that can change its output changed since its last successful run:

- its *key*: the notebook's source and which copy it is (the project's own or the packaged
  one), its parameters (``data_dir`` included, as a place relative to the project), the
  catalogue's declared ``inputs`` patterns and the lhs-reports code (version and a digest of
  the package source, so an edit to a statistic re-runs the reports using it);
- what it *read*: every data lookup its notebook made, recorded by the data layer as it ran
  (:mod:`lhs_reports.data.reads`), plus the files its declared ``inputs`` match. Each lookup is
  asked again at plan time, so a file edited, added or removed re-runs exactly the jobs that
  read (or would now read) it, whatever the format or layout of the data.

A job whose reads were never recorded (never built, or a notebook that could not report them)
runs. The manifest of last runs is :mod:`lhs_reports.engine.manifest` (re-exported here).
"""

from __future__ import annotations

import hashlib
import json
import string
from functools import cache
from pathlib import Path
from typing import Any

import lhs_reports
from lhs_reports.data import reads as data_reads
from lhs_reports.data.fingerprint import file_hash
from lhs_reports.data.scan import active
from lhs_reports.engine.manifest import MANIFEST, Manifest
from lhs_reports.packaged import is_packaged

__all__ = ["MANIFEST", "Manifest", "cache_key", "code_digest", "declared_reads", "file_hash",
           "placeholders"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def code_digest() -> str:
    """Version plus a digest of the installed package's Python source."""
    root = Path(lhs_reports.__file__).parent
    digest = hashlib.sha256(lhs_reports.__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def placeholders(pattern: str) -> list[str]:
    """The ``{name}`` placeholders in an ``inputs`` pattern.

    Examples
    --------
    >>> placeholders("activity_monthly/{trust_code}.csv")
    ['trust_code']
    """
    return [name for _, name, _, _ in string.Formatter().parse(pattern) if name]


def declared_reads(data_dir: Path, patterns: list[str], parameters: dict[str, Any], *,
                   root: Path) -> list[dict[str, Any]]:
    """The catalogue's declared ``inputs`` of one job, as reads (one glob each).

    In a build's scan a pattern's read is made once and shared by every job declaring it (a
    pattern without placeholders names the same files for all of them).
    """
    scan = active()
    reads = []
    for pattern in patterns:
        filled = pattern.format(**parameters)

        def read(filled: str = filled) -> dict[str, Any]:
            return data_reads.glob_read(data_dir, filled, data_reads.glob_files(data_dir, filled),
                                        root=root)

        reads.append(read() if scan is None
                     else scan.memo(("declared", str(data_dir), filled, str(root)), read))
    return reads


def _place(value: Any, root: Path) -> str:
    """A data folder as a place in the project (relative when inside it)."""
    if not value:
        return ""
    path = Path(str(value))
    path = path if path.is_absolute() else root / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def notebook_origin(notebook: Path, root: Path) -> str:
    """``packaged:NAME`` for a notebook shipped with lhs-reports, else ``project:PATH`` (relative
    to the project): independent of where the package or the project is installed."""
    scan = active()
    if scan is not None:  # once per notebook in a plan, not once per job
        return scan.memo(("origin", str(notebook), str(root)),
                         lambda: _notebook_origin(notebook, root))
    return _notebook_origin(notebook, root)


def _notebook_origin(notebook: Path, root: Path) -> str:
    if is_packaged(notebook):
        return f"packaged:{notebook.name}"
    return f"project:{_place(notebook, root)}"


def cache_key(notebook: Path, parameters: dict[str, Any], patterns: list[str], root: Path
              ) -> tuple[str, dict[str, str]]:
    """``(job key, the key's parts)`` for one job: everything but the data it reads."""
    scan = active()  # in a plan: the notebook is stat-ed once, not once per job
    notebook_hash = (scan.hash if scan is not None else file_hash)(notebook)
    values = dict(sorted(parameters.items()))
    values["data_dir"] = _place(values.get("data_dir"), root)
    parts = {
        # Which copy as well as its content: the project's own notebook and the packaged one
        # are different notebooks even when a copy has not been edited yet.
        "notebook": _sha(f"{notebook_origin(notebook, root)}:{notebook_hash}".encode()),
        "parameters": _sha(json.dumps(values, sort_keys=True, default=str).encode()),
        "inputs": _sha(json.dumps(patterns).encode()),
        "code": code_digest(),
    }
    return _sha(json.dumps(parts, sort_keys=True).encode()), parts
