"""Incremental builds: a cache key per job and a crash-safe manifest of the last good runs.

A job's key hashes everything that can change its output: the notebook's source, its
parameters, the content of the data files it declares (see ``inputs`` in the catalogue) and the
lhs-reports code (version and a digest of the package source, so an edit to a statistic re-runs
the reports that use it). A job whose key matches the last successful run is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import lhs_reports

MANIFEST = Path(".cache") / "manifest.json"


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


class _FileHashes:
    """Content hashes, memoised by (path, size, mtime) within one build."""

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


file_hash = _FileHashes()


def input_files(data_dir: Path, patterns: list[str], parameters: dict[str, Any]) -> list[Path]:
    """The data files a job reads: each pattern (relative to ``data_dir``, with ``{param}``
    placeholders filled from the job's parameters) globbed; no patterns means every file."""
    if not patterns:
        patterns = ["**/*"]
    files: set[Path] = set()
    for pattern in patterns:
        filled = pattern.format(**parameters)
        files.update(p for p in data_dir.glob(filled) if p.is_file())
    return sorted(f for f in files if not f.name.startswith("."))


def data_fingerprint(data_dir: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(file_hash(path).encode())
    return digest.hexdigest()


def cache_key(notebook: Path, parameters: dict[str, Any], data_dir: Path,
              patterns: list[str]) -> tuple[str, str]:
    """``(job key, data fingerprint)`` for one job."""
    data = data_fingerprint(data_dir, input_files(data_dir, patterns, parameters))
    payload = {
        "notebook": file_hash(notebook),
        # The data folder's location is not content: the fingerprint covers what is in it.
        "parameters": {k: v for k, v in sorted(parameters.items()) if k != "data_dir"},
        "data": data,
        "code": code_digest(),
    }
    return _sha(json.dumps(payload, sort_keys=True, default=str).encode()), data


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

    def fresh(self, job_key: str, key: str, output: Path) -> bool:
        """True when the last run of ``job_key`` succeeded with this key and its output exists."""
        entry = self.entries.get(job_key)
        return bool(entry and entry.get("key") == key and entry.get("status") == "ok"
                    and output.is_file())

    def why_stale(self, job_key: str, key: str, output: Path) -> str:
        entry = self.entries.get(job_key)
        if entry is None:
            return "never built"
        if entry.get("status") != "ok":
            return "failed last time"
        if not output.is_file():
            return "output missing"
        if entry.get("key") != key:
            return "inputs changed"
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
