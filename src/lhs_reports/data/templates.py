"""Data templates: one CSV per table, its header and two example rows, from the data dictionary.

The same files are published on the site (``about-data/templates/<table>.csv``, linked from
About the data) and written by ``lhs-reports data-template DIR``. Their example rows are the
dictionary's column ``examples``: they pass the table's schema (a folder of the templates is a
valid, if tiny, data folder) and the site audit (no count of 1 to 7, no identifier), since a
template is a published file like any other.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from lhs_reports.data.dictionary import TABLES, Table
from lhs_reports.errors import DataError

#: Where the site publishes the templates, relative to its root.
SITE_FOLDER = "about-data/templates"


def template_rows(table: Table) -> list[list[str]]:
    """The template of ``table`` as rows of text: the header, then the two example rows.

    Examples
    --------
    >>> for row in template_rows(TABLES["trusts"]):
    ...     print(",".join(row))
    trust_code,trust_name,region,synthetic
    EXAMPLE1,Example Mental Health NHS Trust,North East and Yorkshire,0
    EXAMPLE2,Another Example NHS Trust,London,0
    """
    missing = [c.name for c in table.columns if c.examples is None]
    if missing:  # a column added to the dictionary without its examples
        raise ValueError(f"table {table.name!r}: no example values for {', '.join(missing)}")
    examples = [c.examples for c in table.columns if c.examples is not None]
    return [table.column_names,
            *([str(values[row]) for values in examples] for row in range(2))]


def template_csv(name: str) -> str:
    """The CSV text of table ``name``'s template (``\\n`` line endings, UTF-8 safe).

    Examples
    --------
    >>> print(template_csv("lhs_survey"))
    trust_code,respondent_id,role,priority_area,score
    EXAMPLE1,R0001,Clinician,clear_narrative,4
    EXAMPLE2,R0002,Patient partner,digital_maturity,2
    <BLANKLINE>
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(template_rows(TABLES[name]))
    return buffer.getvalue()


def template_files() -> dict[str, str]:
    """Every table's template: file name (``<table>.csv``) -> CSV text, in dictionary order."""
    return {f"{name}.csv": template_csv(name) for name in TABLES}


def write_templates(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write every table's template into ``folder`` (created if needed); the files written.

    Existing files are never overwritten unless ``force``: a data folder's real tables have
    the same names as the templates.

    Raises
    ------
    DataError
        When a template's file already exists and ``force`` is false (nothing is written).

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_templates(folder)][:2]
    ['trusts.csv', 'activity_monthly.csv']
    >>> write_templates(folder)
    Traceback (most recent call last):
    ...
    lhs_reports.errors.DataError: 6 template files already exist in ...
    """
    folder = Path(folder)
    files = template_files()
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise DataError(
            f"{len(existing)} template file{'s' if len(existing) != 1 else ''} already "
            f"exist{'s' if len(existing) == 1 else ''} in {folder}: {', '.join(existing)}",
            path=folder / existing[0],
            hint="choose an empty folder, or pass --force to overwrite them (a data folder's "
            "own tables have the same names)")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        written.append(_write_atomic(folder / name, text))
    return written


def _write_atomic(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path
