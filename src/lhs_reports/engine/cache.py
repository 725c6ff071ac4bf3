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
runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import string
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import lhs_reports
from lhs_reports.data import reads as data_reads
from lhs_reports.data.fingerprint import file_hash
from lhs_reports.packaged import is_packaged

MANIFEST = Path(".cache") / "manifest.json"

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
    """The catalogue's declared ``inputs`` of one job, as reads (one glob each)."""
    reads = []
    for pattern in patterns:
        filled = pattern.format(**parameters)
        reads.append(data_reads.glob_read(data_dir, filled,
                                          data_reads.glob_files(data_dir, filled), root=root))
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
    if is_packaged(notebook):
        return f"packaged:{notebook.name}"
    return f"project:{_place(notebook, root)}"


def cache_key(notebook: Path, parameters: dict[str, Any], patterns: list[str], root: Path
              ) -> tuple[str, dict[str, str]]:
    """``(job key, the key's parts)`` for one job: everything but the data it reads."""
    values = dict(sorted(parameters.items()))
    values["data_dir"] = _place(values.get("data_dir"), root)
    parts = {
        # Which copy as well as its content: the project's own notebook and the packaged one
        # are different notebooks even when a copy has not been edited yet.
        "notebook": _sha(f"{notebook_origin(notebook, root)}:{file_hash(notebook)}".encode()),
        "parameters": _sha(json.dumps(values, sort_keys=True, default=str).encode()),
        "inputs": _sha(json.dumps(patterns).encode()),
        "code": code_digest(),
    }
    return _sha(json.dumps(parts, sort_keys=True).encode()), parts


_PART_NAMES = {"notebook": "notebook changed", "parameters": "parameters changed",
               "inputs": "declared inputs changed", "code": "lhs-reports code changed"}


class Manifest:
    """The last outcome of each job, persisted atomically after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            loaded = json.loads(path.read_text())
            self.entries = dict(loaded.get("jobs", {}))
        except (OSError, ValueError, AttributeError):
            self.entries = {}

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

    def update(self, job_key: str, entry: dict[str, Any]) -> None:
        self.entries[job_key] = entry
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=self.path.parent)
        # Saved after every job, so compact: an indented dump takes Python's slow encoder path,
        # which at 150 jobs cost seconds of the build process's time.
        text = json.dumps({"jobs": self.entries}, separators=(",", ":"), sort_keys=True,
                          default=str)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, self.path)
