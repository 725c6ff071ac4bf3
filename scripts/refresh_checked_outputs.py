"""Re-execute notebooks with their default parameters and keep outputs only on nbval-checked
cells (``# NBVAL_CHECK_OUTPUT``, marked ``keep_output`` in their metadata for nbstripout);
every other output is stripped.

Run after changing a notebook or the statistics behind a checked cell, then review the diff:

    .venv/bin/python scripts/refresh_checked_outputs.py src/lhs_reports/notebooks/*.ipynb
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

MARKER = "NBVAL_CHECK_OUTPUT"
ROOT = Path(__file__).resolve().parents[1]


def refresh(path: Path) -> int:
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        # This Python's own kernel, as the build uses: the notebook's metadata names the
        # 'lhs-reports' kernel for JupyterLab, which need not be installed here.
        executed = papermill.execute_notebook(str(path), str(Path(tmp) / path.name),
                                              kernel_name="python3", progress_bar=False,
                                              cwd=str(path.parent))
    by_id = {cell.get("id"): cell for cell in executed.cells}
    kept = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if MARKER in cell.source:
            cell.outputs = by_id[cell.id].outputs
            # nbstripout (pre-commit) keeps the outputs of cells marked keep_output; nbval
            # needs their execution count too (it runs with --keep-count).
            cell.metadata["keep_output"] = True
            cell.execution_count = by_id[cell.id].execution_count
            kept += 1
        else:
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, path)
    return kept


if __name__ == "__main__":
    os.environ.setdefault("LHS_REPORTS_PROJECT", str(ROOT))
    for name in sys.argv[1:]:
        print(f"{name}: {refresh(Path(name))} checked cell(s) refreshed")
