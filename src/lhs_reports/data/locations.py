"""Where a project and its data live (no heavy imports: used on every build's fast path)."""

from __future__ import annotations

import os
from pathlib import Path

from lhs_reports.errors import DataError

#: Environment variable naming the project root (set by the build; optional for analysts).
PROJECT_ENV = "LHS_REPORTS_PROJECT"
PROJECT_MARKER = Path("params") / "reports.yaml"
DEMO_DATA_DIR = Path("data") / "demo"


def find_project_root(start: str | Path | None = None) -> Path:
    """The project root: ``$LHS_REPORTS_PROJECT``, else the nearest folder upwards from
    ``start`` (default: the current directory) holding ``params/reports.yaml``."""
    if env := os.environ.get(PROJECT_ENV):
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    raise DataError(
        f"no lhs-reports project found at or above {here}",
        hint="run from inside a project (a folder with params/reports.yaml) or set "
        f"{PROJECT_ENV}",
    )
