"""The data behind a table or chart, as a CSV download offered directly under it.

A notebook cannot know its page's address, so :func:`download_bundle` makes one display output
that carries both a link with a placeholder address (``lhs-download:<file>``) and, in its own
MIME type :data:`DOWNLOAD_MIME`, the CSV text and its file name. At publication
(:mod:`lhs_reports.site.downloads`) each CSV becomes a file beside its page and the link's
address is rewritten to it; the payload itself never reaches a page.

Every CSV has one header row whose names carry their units: ``Rate (per 100,000
residents)``, ``Crisis contacts (count)``. A single header row keeps the file readable by any
tool as it is (a second row of units would turn every numeric column into text in pandas,
R and Excel), and the site's audit judges each column by its header as it judges the table on
the page. Counts are written without thousands separators; a suppressed count is ``*``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

from lhs_reports.audit.tables import recoverable_count_hits
from lhs_reports.errors import DataError
from lhs_reports.plots.mdc_icons import Icon, IconCell

__all__ = ["DOWNLOAD_MIME", "PLACEHOLDER", "csv_text", "download_bundle", "download_file_name",
           "download_link_html", "size_text", "suppress_recoverable", "with_units"]

DOWNLOAD_MIME = "application/vnd.lhs-reports.download+json"
#: The address a link carries until publication rewrites it to the file beside the page.
PLACEHOLDER = "lhs-download:"
#: The longest file name made from a caption, before ``.csv``.
NAME_LENGTH = 60

_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PERCENT_NAME = re.compile(r"%|\bper ?cent(?:age)?\b", re.IGNORECASE)
_PER_NAME = re.compile(r"\bper\s+[\d,]+(?:\s+\w+)?", re.IGNORECASE)


def inferred_unit(column: str, values: pd.Series, *, counts: bool) -> str:
    """The unit of a column when none was given: ``count`` for a column of counts, else ""
    (a unit written in the name, such as ``Rate per 100,000`` or ``Agree (%)``, stays there).

    Examples
    --------
    >>> inferred_unit("Crisis contacts", pd.Series([3, 12]), counts=True)
    'count'
    >>> inferred_unit("Agree (%)", pd.Series([3.5]), counts=False)
    ''
    """
    if _PERCENT_NAME.search(column) or _PER_NAME.search(column):
        return ""
    return "count" if counts else ""


def with_units(frame: pd.DataFrame, units: Mapping[str, str] | None = None, *,
               count_columns: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with each column's unit in its name, ``Name (unit)``, where it has one.

    ``units`` maps column names to units; a column it leaves out gets :func:`inferred_unit`.
    A unit already in the name is not repeated.

    Examples
    --------
    >>> frame = pd.DataFrame({"Measure": ["A"], "Events": [12], "Rate": [4.5]})
    >>> list(with_units(frame, {"Rate": "per 100,000 residents"}, count_columns=["Events"]))
    ['Measure', 'Events (count)', 'Rate (per 100,000 residents)']
    """
    units = dict(units or {})
    unknown = sorted(str(c) for c in units if c not in frame.columns)
    if unknown:
        raise DataError(f"units name a column the table does not have: {unknown[0]!r}",
                        field=unknown[0],
                        hint=f"columns are: {', '.join(map(str, frame.columns))}")
    names = []
    for column in frame.columns:
        name = str(column)
        unit = units.get(column)
        if unit is None:
            unit = inferred_unit(name, frame[column], counts=column in count_columns)
        unit = str(unit).strip()
        names.append(f"{name} ({unit})" if unit and unit.lower() not in name.lower() else name)
    renamed = frame.copy()
    renamed.columns = names
    return renamed


def _cell(value: Any) -> Any:
    """A cell as a CSV writes it: icons as their words, a count's display string as a number."""
    if isinstance(value, (Icon, IconCell)):
        return str(value)
    if isinstance(value, str) and _THOUSANDS.fullmatch(value.strip()):
        return value.strip().replace(",", "")
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` (already publishable, units in its names) as CSV text: no index, ``\\n``
    line ends, every cell as :func:`_cell` writes it, missing values empty.

    Examples
    --------
    >>> print(csv_text(pd.DataFrame({'Name "A", <b>': ["x,y"], "Patients": ["1,240"]})), end="")
    "Name ""A"", <b>",Patients
    "x,y",1240
    """
    cells = frame.copy()
    for column in cells.columns:
        values = cells[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            cells[column] = values.astype(object).map(_cell)
    return cells.to_csv(index=False, lineterminator="\n")


def size_text(size: int) -> str:
    """A file's size for a link, in whole kilobytes rounded up (``2 KB``), at least 1 KB.

    Examples
    --------
    >>> size_text(10), size_text(2048), size_text(2049), size_text(3 * 1024 * 1024)
    ('1 KB', '2 KB', '3 KB', '3.0 MB')
    """
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, math.ceil(size / 1024))} KB"


def download_file_name(label: str, *, kind: str = "table") -> str:
    """A file name from what the download is of: ``table-crisis-contacts-by-month.csv``.

    Only lower-case letters, digits and dashes; cut at a word boundary. Two downloads of one
    page with the same name are told apart at publication.

    Examples
    --------
    >>> download_file_name("Crisis contacts, by month (SYN01)")
    'table-crisis-contacts-by-month-syn01.csv'
    >>> download_file_name("", kind="chart")
    'chart.csv'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    if len(slug) > NAME_LENGTH:
        slug = slug[:NAME_LENGTH].rsplit("-", 1)[0]
    return f"{kind}-{slug}.csv" if slug else f"{kind}.csv"


def download_link_html(href: str, size: int, label: str, *, kind: str = "table") -> str:
    """The link offered under a table or chart: its visible words and size, and an accessible
    name that also says which table or chart (the visible words first, so speech input can
    use them).

    Examples
    --------
    >>> print(download_link_html("t.csv", 900, "Rates & <ratios>"))
    <p class="lhs-download"><a href="t.csv" download aria-label="Download the data (CSV, 1 KB) \
for the table: Rates &amp; &lt;ratios&gt;">Download the data (CSV, 1 KB)</a></p>
    """
    words = f"Download the data (CSV, {size_text(size)})"
    name = f"{words} for the {kind}: {label}" if label else f"{words} for this {kind}"
    return (f'<p class="lhs-download"><a href="{escape(href, quote=True)}" download '
            f'aria-label="{escape(name, quote=True)}">{escape(words)}</a></p>')


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (a chart's alt text can run to several), to name it.

    Examples
    --------
    >>> first_sentence("SPC chart of stays, 48 points. Latest limits: 2.5 to 3.1 days.")
    'SPC chart of stays, 48 points'
    >>> first_sentence("Rates (per 100,000)")
    'Rates (per 100,000)'
    """
    return re.split(r"\.\s", text.strip(), maxsplit=1)[0].rstrip(".")


def download_bundle(frame: pd.DataFrame, label: str, *, kind: str = "table") -> dict[str, Any]:
    """The display output for the CSV of ``frame`` (publishable already, units in its names):
    the link, with a placeholder address, and the payload publication turns into a file.

    Examples
    --------
    >>> bundle = download_bundle(pd.DataFrame({"A": [1]}), "One", kind="chart")
    >>> bundle[DOWNLOAD_MIME]["file"], bundle[DOWNLOAD_MIME]["csv"]
    ('chart-one.csv', 'A\\n1\\n')
    >>> 'href="lhs-download:chart-one.csv"' in bundle["text/html"]
    True
    """
    label = first_sentence(label)
    text = csv_text(frame)
    name = download_file_name(label, kind=kind)
    link = download_link_html(PLACEHOLDER + name, len(text.encode("utf-8")), label, kind=kind)
    return {"text/html": link, DOWNLOAD_MIME: {"file": name, "csv": text, "label": label}}


def suppress_recoverable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (publishable, units in its names) with ``*`` for each exact percentage that
    gives back a suppressed count from a rounded count beside it, as the site audit reads it:
    a chart's data hold exact percentages (a funnel's points) next to counts rounded by
    disclosure control, which a table would show only as computed from the rounded counts.

    Examples
    --------
    >>> frame = pd.DataFrame({"Trust": ["A", "B"], "Patients (count)": ["50", "200"],
    ...                       "Readmitted (%)": [10.0, 12.5]})
    >>> suppress_recoverable(frame)["Readmitted (%)"].tolist()
    ['*', 12.5]
    """
    headers = [str(c) for c in frame.columns]
    rows = [["" if pd.isna(v) else str(_cell(v)) for v in row]
            for row in frame.itertuples(index=False)]
    hits = recoverable_count_hits(headers, rows)
    if not hits:
        return frame
    safe = frame.astype({frame.columns[h.column]: object for h in hits})
    for hit in hits:
        safe.iat[hit.row, hit.column] = "*"
    return safe
