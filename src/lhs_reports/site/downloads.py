"""Publishing the data downloads: each report's CSVs beside its page, and the headline results.

A report notebook shows each CSV link with a placeholder address and carries the CSV in the
same output (:mod:`lhs_reports.downloads`). :func:`take_downloads` turns those outputs into
files at ``<family>/<param_id>/<file>.csv`` and points each link at its file, relative to the
page; both renderers read notebooks through it, and the site model lists the files, so the
build's page check proves every file is there and the audit reads every one.

:func:`headline_results_csv` is every report's headline results (:func:`lhs_reports.results.
record`) in one CSV, counts through disclosure control.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from lhs_reports.audit.tables import column_kind
from lhs_reports.downloads import DOWNLOAD_MIME, PLACEHOLDER, csv_text, size_text
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.notebook import publishable

__all__ = ["HEADLINE_CSV", "HEADLINE_COLUMNS", "headline_link_markdown", "headline_results",
           "headline_results_csv", "take_downloads"]

#: The headline results of the whole build, relative to the site.
HEADLINE_CSV = "downloads/headline-results.csv"
#: Its columns: a record that is a count has its value under ``count`` (disclosure-controlled),
#: any other number under ``statistic``, words and flags under ``text``.
HEADLINE_COLUMNS = ("organisation_code", "organisation_name", "family", "report", "measure",
                    "label", "count", "statistic", "text", "unit", "page")


def take_downloads(notebook: Mapping[str, Any], page_name: str) -> dict[str, bytes]:
    """The CSV downloads of a notebook page, ``{path in the site: content}``; edits
    ``notebook`` in place so each link points at its file and no payload stays in it.

    ``notebook`` is an ``nbformat`` node or the plain JSON of one. ``page_name`` is the page's
    path without suffix (``crisis_flow/SYN01``): its files go in
    the folder of that name, linked as ``SYN01/<file>`` from the page. Two downloads proposing
    one name are told apart in page order (``-2``, ``-3``), so names are the same every build.
    """
    folder = page_name.rsplit("/", 1)[-1]
    files: dict[str, bytes] = {}
    taken: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            payload = data.get(DOWNLOAD_MIME)
            if not isinstance(payload, dict):
                continue
            del data[DOWNLOAD_MIME]
            proposed = str(payload.get("file", "data.csv"))
            name = _unique(proposed, taken)
            taken.add(name)
            files[f"{page_name}/{name}"] = str(payload.get("csv", "")).encode("utf-8")
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else str(html)
            data["text/html"] = html.replace(f'href="{PLACEHOLDER}{proposed}"',
                                             f'href="{folder}/{name}"')
    return files


def _unique(name: str, taken: set[str]) -> str:
    stem = name.removesuffix(".csv")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.csv"
    return candidate


def _is_number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _counted_measures(records: pd.DataFrame) -> set[str]:
    """Measures whose values are counts: every value a whole number, and the measure's name
    and unit read as a count as the site audit reads a column header."""
    counted = set()
    for measure, group in records.groupby("measure", sort=False):
        values = group["value"].tolist()
        numeric = [v for v in values if _is_number(v)]
        if not numeric or len(numeric) != len([v for v in values if v is not None]):
            continue
        unit = next((u for u in group["unit"] if u), "")
        words = f"{measure} {unit}".strip()
        if column_kind(words) == "count" and all(float(v).is_integer() for v in numeric):
            counted.add(str(measure))
    return counted


def headline_results(jobs: Sequence[Job], results: Sequence[JobResult]) -> pd.DataFrame:
    """One row per report and headline record, as published: columns
    :data:`HEADLINE_COLUMNS`, counts through :func:`lhs_reports.notebook.publishable`."""
    by_key = {r.key: r for r in results}
    rows = []
    for job in jobs:
        result = by_key.get(job.key)
        if result is None or not result.ok:
            continue
        for item in result.records:
            rows.append({
                "organisation_code": str(job.parameters.get("trust_code") or job.param_id),
                "organisation_name": job.title,
                "family": job.family.id,
                "report": job.family.title,
                "measure": str(item.get("name", "")),
                "label": str(item.get("label") or ""),
                "value": item.get("value"),
                "unit": str(item.get("unit") or ""),
                "page": f"{job.key}.html",
            })
    records = pd.DataFrame(rows, columns=["organisation_code", "organisation_name", "family",
                                          "report", "measure", "label", "value", "unit",
                                          "page"])
    counted = _counted_measures(records)
    is_count = records["measure"].isin(counted)
    numeric = records["value"].map(_is_number).astype(bool)
    records["count"] = pd.array([int(v) if c else None for v, c
                                 in zip(records["value"], is_count, strict=True)], dtype="Int64")
    records["statistic"] = [float(v) if n and not c else None for v, n, c
                            in zip(records["value"], numeric, is_count, strict=True)]
    records["text"] = ["" if v is None or n else str(v) for v, n
                       in zip(records["value"], numeric, strict=True)]
    table = records[list(HEADLINE_COLUMNS)]
    return publishable(table, count_columns=["count"])


def headline_results_csv(jobs: Sequence[Job], results: Sequence[JobResult]) -> bytes:
    """:func:`headline_results` as the CSV published at :data:`HEADLINE_CSV`.

    Its header names the columns without units: each row's unit is in ``unit``.
    """
    return csv_text(headline_results(jobs, results)).encode("utf-8")


def headline_link_markdown(content: bytes, *, root: str = "") -> str:
    """The Markdown link to the headline CSV, from a page ``root`` below the site's root.

    Examples
    --------
    >>> headline_link_markdown(b"x" * 3000)
    '[Download the headline results of every report (CSV, 3 KB)](downloads/headline-results.csv)'
    """
    return (f"[Download the headline results of every report (CSV, {size_text(len(content))})]"
            f"({root}{HEADLINE_CSV})")


def about_downloads_markdown(content: bytes) -> str:
    """The section of the About the data page on the downloads (from the site's root).

    Examples
    --------
    >>> print(about_downloads_markdown(b"x").splitlines()[0])
    ## Downloading the data
    """
    return (
        "## Downloading the data\n\n"
        "Every table and chart in the reports offers the data behind it as a CSV file, "
        "directly under it (\"Download the data\"). "
        f"{headline_link_markdown(content)}: one row per report and headline result, with the "
        "organisation, the report, the measure, its value and unit, and the report's page.\n\n"
        "How the files are written:\n\n"
        "- **One header row, units in the names.** A column with a unit says it in brackets "
        "after its name, for example `Rate (per 100,000 residents)` or "
        "`Crisis contacts (count)`; a column whose name already states its unit (`Agree (%)`) "
        "is left as it is. The headline results give each row's unit in the `unit` column.\n"
        "- **The same disclosure control as the page.** Counts pass through the same rule as "
        "the tables on the page: a suppressed count is written `*`, and the others are rounded "
        "as shown on the page. In the headline results, counts are in the `count` column, "
        "other numbers (rates, ratios, percentages) in `statistic`, and words in `text`.\n"
        "- **Numbers as numbers.** No thousands separators; decimals in full; a missing value "
        "is an empty cell. Making Data Count icons are written as their words.\n"
        "- UTF-8 text, comma-separated; a cell holding a comma or a quotation mark is quoted.\n"
    )
