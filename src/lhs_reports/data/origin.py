"""Whether a data folder holds generated (synthetic) data: a fact about the data, read from them.

The SYNTHETIC label on the site, on every report and in hand-written pages follows this one
answer, never a fixed text. The rule:

- a folder whose manifest (``manifest.json``, written by the demo generator) says
  ``"synthetic": true`` holds synthetic data;
- so does a folder whose ``trusts`` table has a ``synthetic`` value of 1 in *any* row: a site
  mixing generated and real organisations shows generated figures, so it is labelled;
- anything else is real, the default: a trust's own data need no manifest and may leave the
  ``synthetic`` column out.

A manifest saying ``false`` does not overrule the trusts table: nothing can hide the label from
data that say they are synthetic. The catalogue's ``site.synthetic`` can only add it.
"""

from __future__ import annotations

import json
from pathlib import Path

from lhs_reports.data import reads
from lhs_reports.data.demo_manifest import MANIFEST_NAME
from lhs_reports.data.layout import table_files


def manifest_says_synthetic(data_dir: str | Path) -> bool:
    """True when the folder's manifest says its data are synthetic (no pandas needed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> manifest_says_synthetic(folder)
    False
    >>> _ = (folder / "manifest.json").write_text('{"synthetic": true}')
    >>> manifest_says_synthetic(folder)
    True
    """
    try:
        manifest = json.loads((Path(data_dir) / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("synthetic") is True


def data_are_synthetic(data_dir: str | Path) -> bool:
    """True when the data in ``data_dir`` are synthetic, in whole or in part (module rule).

    The trusts table's files are read as they are, without the schema's checks (the loaders
    apply those wherever a report shows the table; the site asks this on every build, so it
    stays light), and recorded as read: a report that calls this is rebuilt when they change.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "trusts.csv").write_text(
    ...     "trust_code,trust_name,region\\nRX4,Trust A,North\\nRW5,Trust B,North\\n")
    >>> data_are_synthetic(folder)
    False
    >>> _ = (folder / "trusts.csv").write_text(
    ...     "trust_code,trust_name,region,synthetic\\nRX4,Trust A,North,0\\nRW5,Trust B,North,1\\n")
    >>> data_are_synthetic(folder)
    True
    """
    if manifest_says_synthetic(data_dir):
        return True
    folder = Path(data_dir)
    files = table_files(folder, "trusts")
    reads.record_table(folder, "trusts", None, files)
    if not files:
        return False
    import pandas as pd  # only when there is a table to read

    from lhs_reports.data.io import read_table_file

    for path in files:
        frame = read_table_file(path)
        if "synthetic" in frame.columns and \
                bool((pd.to_numeric(frame["synthetic"], errors="coerce") == 1).any()):
            return True
    return False
