"""Provenance shown on every page: code version, data fingerprint, parameters, build time."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping
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


#: The provenance item that changes with every build (the publication's date and time).
BUILD_TIME = "site built"

#: What the pages that show no data (home, listings, methods) say in place of a fingerprint.
NO_DATA = "not applicable: this page shows no data"


def build_provenance(root: Path) -> dict[str, str]:
    """Provenance shared by every page of one build (each report page adds the fingerprint of
    the data its notebook read, so a data change alters only the pages that show those data)."""
    return {
        "lhs-reports version": lhs_reports.__version__,
        "code version (git)": git_version(root),
        "data fingerprint": NO_DATA,
        BUILD_TIME: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def publication_date(provenance: Mapping[str, str]) -> str:
    """The day the site was built, as a reader writes it ("7 December 2026").

    Examples
    --------
    >>> publication_date({"site built": "2026-03-05 14:02 UTC"})
    '5 March 2026'
    """
    built = provenance.get(BUILD_TIME, "")
    try:
        day = dt.datetime.strptime(built[:10], "%Y-%m-%d").date()
    except ValueError:
        day = dt.datetime.now(dt.UTC).date()
    return f"{day.day} {day:%B %Y}"


#: How a page's footer names an item. A page whose inputs did not change is copied from the
#: render cache (or left alone by Quarto) rather than rendered again, so the time it shows is
#: when that page was rendered, which can be before this publication.
_LABELS = {BUILD_TIME: "page rendered"}


def provenance_html(provenance: dict[str, Any]) -> str:
    """A collapsed ``<details>`` block listing provenance (escaped).

    Examples
    --------
    >>> provenance_html({"parameters": "trust_code=<x>"})
    '<details class="lhs-provenance">...<dt>parameters</dt><dd>trust_code=&lt;x&gt;</dd>...'
    >>> provenance_html({BUILD_TIME: "2026-12-07 09:30 UTC"})
    '...<dt>page rendered</dt><dd>2026-12-07 09:30 UTC</dd>...'
    """
    items = "".join(f"<dt>{escape(_LABELS.get(str(k), str(k)))}</dt><dd>{escape(str(v))}</dd>"
                    for k, v in provenance.items())
    return (f'<details class="lhs-provenance"><summary>Provenance</summary><dl>{items}</dl>'
            "</details>")
