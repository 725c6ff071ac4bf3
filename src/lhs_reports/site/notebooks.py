"""Preparing executed notebooks for publication (both renderers)."""

from __future__ import annotations

from pathlib import Path

import nbformat


def publishable_notebook(path: Path) -> nbformat.NotebookNode:
    """A copy of an executed notebook with what readers should not see removed.

    Removed: the code of every cell (renderers also hide inputs), stderr streams (warnings and
    logs can quote data), and cells tagged ``remove-cell``.
    """
    notebook = nbformat.read(path, as_version=4)  # a fresh object: edited in place
    cells = []
    for cell in notebook.cells:
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    notebook.cells = cells
    return notebook
