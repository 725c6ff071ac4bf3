"""Preparing executed notebooks for publication (both renderers)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from lhs_reports.site.downloads import take_downloads


def publishable_notebook(path: Path, page_name: str | None = None) -> nbformat.NotebookNode:
    """A copy of an executed notebook with what readers should not see removed.

    Removed: the code of every cell (renderers also hide inputs), stderr streams (warnings and
    logs can quote data), and cells tagged ``remove-cell``. With ``page_name`` (the page's
    path without suffix), the links to its CSV downloads point at their files
    (:func:`lhs_reports.site.downloads.take_downloads`) and the CSV payloads are left out.
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
    if page_name is not None:
        take_downloads(notebook, page_name)
    return notebook


def page_downloads(path: Path, page_name: str) -> dict[str, bytes]:
    """The CSV downloads of the notebook page ``page_name``: ``{path in the site: content}``,
    as :func:`publishable_notebook` links them (cells removed there publish none)."""
    return take_downloads(publishable_notebook(path), page_name)
