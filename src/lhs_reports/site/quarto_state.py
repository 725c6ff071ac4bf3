"""What the last published Quarto render was made from, and what this build must render.

The state is a file in the kept Quarto project (``outputs/quarto/_lhs-state.json``; Quarto
ignores names starting with ``_``): a digest of the project-wide files and the Quarto version,
and one digest per page source. Comparing them with this build's staged files gives a
:class:`RenderPlan`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lhs_reports.site.quarto_stage import StagedFile

STATE_FILE = "_lhs-state.json"
#: Above this share of pages changed, one full render is quicker: ``quarto render FILE ...``
#: renders each named file as a project render of its own (measured with Quarto 1.10 and 44
#: pages: ~1.5 s a named page against ~1.1 s a page plus ~6 s for a full render).
FULL_FROM_SHARE = 0.6
#: Bumped when the layout of the kept project changes: an older state is not used.
STATE_VERSION = 1


@dataclass(frozen=True)
class RenderPlan:
    """Which page sources to render, and which to delete from the kept project.

    ``full`` means render the whole project from scratch (``render`` then lists every page).
    """

    full: bool
    render: tuple[str, ...]
    removed: tuple[str, ...]
    reason: str


def config_digest(config: Sequence[StagedFile], quarto_version: str) -> str:
    """One digest for everything that can change every page."""
    payload = {"version": STATE_VERSION, "quarto": quarto_version,
               "files": {f.path: f.digest for f in config}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load_state(state_dir: Path) -> dict[str, Any] | None:
    """The kept render's state, or None when there is none usable (then render everything)."""
    path = state_dir / STATE_FILE
    if not path.is_file() or not (state_dir / "_site").is_dir():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        return None
    return state


def save_state(project_dir: Path, config: str, pages: Sequence[StagedFile]) -> None:
    """Record what ``project_dir``'s ``_site`` was rendered from."""
    state = {"version": STATE_VERSION, "config": config,
             "pages": {p.path: p.digest for p in pages}}
    (project_dir / STATE_FILE).write_text(json.dumps(state, indent=1, sort_keys=True))


def plan_render(previous: dict[str, Any] | None, config: str,
                pages: Sequence[StagedFile]) -> RenderPlan:
    """Render everything, or only the pages whose digest is new or different.

    Examples
    --------
    >>> pages = [StagedFile(f"crisis_flow/SYN0{n}.ipynb", b"", "d1") for n in (1, 2, 3)]
    >>> old = {"config": "c", "pages": {"crisis_flow/SYN01.ipynb": "d0", "gone.qmd": "d2",
    ...                                 "crisis_flow/SYN02.ipynb": "d1",
    ...                                 "crisis_flow/SYN03.ipynb": "d1"}}
    >>> plan_render(old, "c", pages)
    RenderPlan(full=False, render=('crisis_flow/SYN01.ipynb',), removed=('gone.qmd',), reason='1 page changed, 1 removed')
    >>> plan_render(old, "c2", pages).reason
    'the site configuration, theme or Quarto version changed'
    >>> plan_render(old, "c", pages + [StagedFile(f"{n}.qmd", b"", "") for n in "abc"]).full
    True
    """  # noqa: E501
    every = tuple(p.path for p in pages)
    if previous is None:
        return RenderPlan(True, every, (), "no earlier render to start from")
    if previous.get("config") != config:
        return RenderPlan(True, every, (), "the site configuration, theme or Quarto version "
                          "changed")
    before: dict[str, str] = dict(previous.get("pages") or {})
    changed = tuple(p.path for p in pages if before.get(p.path) != p.digest)
    removed = tuple(sorted(set(before) - set(every)))
    if len(changed) > FULL_FROM_SHARE * len(every):
        return RenderPlan(True, every, (), f"{len(changed)} of {len(every)} pages changed")
    reason = f"{len(changed)} page{'s' if len(changed) != 1 else ''} changed"
    if removed:
        reason += f", {len(removed)} removed"
    return RenderPlan(False, changed, removed, reason)


def remove_outputs(project_dir: Path, sources: Sequence[str]) -> set[str]:
    """Delete the rendered HTML (and supporting files) of ``sources``; their HTML paths.

    Done before re-rendering a page too: if Quarto then silently skips it, the page is
    missing, not stale, and the check after rendering catches it.
    """
    site = project_dir / "_site"
    html = set()
    for source in sources:
        stem = source.rsplit(".", 1)[0]
        html.add(f"{stem}.html")
        (site / f"{stem}.html").unlink(missing_ok=True)
        shutil.rmtree(site / f"{stem}_files", ignore_errors=True)
    return html


def remove_pages(project_dir: Path, sources: Sequence[str]) -> None:
    """Delete pages that are no longer in the site: source, HTML, supporting files, search."""
    for source in sources:
        (project_dir / source).unlink(missing_ok=True)
    _drop_from_search(project_dir / "_site" / "search.json", remove_outputs(project_dir, sources))


def _drop_from_search(search: Path, gone_html: set[str]) -> None:
    """Remove deleted pages from Quarto's search index (an incremental render keeps them)."""
    if not gone_html or not search.is_file():
        return
    try:
        entries = json.loads(search.read_text(encoding="utf-8"))
    except ValueError:
        return
    kept = [e for e in entries
            if str(e.get("href", "")).split("#", 1)[0].lstrip("/") not in gone_html]
    search.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
