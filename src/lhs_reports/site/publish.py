"""Replacing the published site in one step, so a failed render loses nothing."""

from __future__ import annotations

import shutil
from pathlib import Path


def publish(rendered: Path, target: Path) -> Path:
    """Move ``rendered`` to ``target``, replacing what was there only once it is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(f".{target.name}.incoming")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (incoming, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.move(str(rendered), incoming)
    if target.exists():
        target.rename(retired)
    incoming.rename(target)
    if retired.exists():
        shutil.rmtree(retired)
    return target
