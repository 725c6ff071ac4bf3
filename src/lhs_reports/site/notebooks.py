"""Preparing executed notebooks for publication (both renderers)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from lhs_reports.site.downloads import take_downloads

#: Cells with this tag are not published.
REMOVE_TAG = "remove-cell"


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
        if REMOVE_TAG in cell.get("metadata", {}).get("tags", []):
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
    as :func:`publishable_notebook` links them (cells removed there publish none).

    Read as plain JSON: the site model lists every page's files on every build, and JSON is
    read about ten times faster than ``nbformat`` reads and validates a notebook.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"] = [cell for cell in notebook.get("cells", [])
                         if REMOVE_TAG not in cell.get("metadata", {}).get("tags", [])]
    return take_downloads(notebook, page_name)
