"""Provenance shown on every page: code version, data fingerprint, parameters, build time."""

from __future__ import annotations

import datetime as dt
import subprocess
from html import escape
from pathlib import Path
from typing import Any

import lhs_reports


def git_version(root: Path) -> str:
    """``<short commit>`` (``-dirty`` if uncommitted changes), or ``unknown`` outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True, check=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 (first 12 hex digits) over the names and contents of every data file, or a
    phrase saying there are none (never the hash of nothing)."""
    from lhs_reports.data.reads import fingerprint, glob_files, glob_read

    folder = Path(data_dir)
    digest = fingerprint([glob_read(folder, "**/*", glob_files(folder, "**/*"), root=folder)])
    return digest[:12] if digest else "no data files"


def build_provenance(root: Path, data_dir: Path) -> dict[str, str]:
    """Provenance shared by every page of one build."""
    return {
        "lhs-reports version": lhs_reports.__version__,
        "code version (git)": git_version(root),
        "data fingerprint": data_fingerprint(data_dir) if Path(data_dir).is_dir() else "none",
        "site built": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def provenance_html(provenance: dict[str, Any]) -> str:
    """A collapsed ``<details>`` block listing provenance (escaped).

    Examples
    --------
    >>> provenance_html({"parameters": "trust_code=<x>"})
    '<details class="lhs-provenance">...<dt>parameters</dt><dd>trust_code=&lt;x&gt;</dd>...'
    """
    items = "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>"
                    for k, v in provenance.items())
    return (f'<details class="lhs-provenance"><summary>Provenance</summary><dl>{items}</dl>'
            "</details>")
