"""Reading the site's other files: downloads, feeds, search indexes, standalone images.

Which files are read (:func:`file_kind`):

- **data**, read wherever they are: ``.csv`` and ``.tsv`` (as tables: every rule, the header
  row naming the columns; in a table of results with ``value`` and ``unit`` columns, such as
  the site's ``results-history.json``, each value is read with its row's unit:
  :func:`unit_groups`), ``.json`` and ``.geojson`` (every value; a list of records is also
  a table), ``.xml``, ``.atom`` and ``.rss`` feeds (as pages, escaped HTML content included),
  ``.txt`` and ``.md`` (line by line; Markdown pipe tables as tables) and ``.svg`` images (their
  text, titles, descriptions and comments). Quarto's ``search.json`` holds the text of every
  page, so it is read like any other download.
- **scripts** (``.js``, ``.mjs``) are read line by line *outside* the renderer's library folder
  ``site_libs/``: a site's own script may carry data (a search index, a chart's values). Inside
  ``site_libs/`` they are Quarto's and Bootstrap's own code, as is all CSS: not read.
- **PDFs** (the board packs): their text page by page and the files attached to them
  (:mod:`lhs_reports.audit.pdf`).
- **search** index files (the built-in site's Pagefind index: ``*.pf_fragment``,
  ``*.pf_index``, ``*.pf_meta``, ``*.pf_filter``, ``*.pagefind``) are compressed binaries:
  the fragments, which hold the pages' text, are decompressed and read; the rest holds only
  the fragments' words or is the search engine (:mod:`.search_index` says why).
- Anything else (PNG or JPEG images, fonts, spreadsheets) cannot be read as text: it is
  listed as *not read* rather than passed silently.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, Literal

from lhs_reports.audit.embedded import svg_texts
from lhs_reports.audit.pages import audit_page
from lhs_reports.audit.rules import Finding, identifier_hits
from lhs_reports.audit.search_index import SEARCH_INDEX_SUFFIXES
from lhs_reports.audit.tables import table_hits
from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule

__all__ = ["LIBRARY_FOLDER", "audit_file", "file_kind", "unit_groups"]

PAGE_SUFFIXES = frozenset({".html", ".htm"})
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".geojson", ".xml", ".atom", ".rss",
                           ".txt", ".md", ".svg"})
SCRIPT_SUFFIXES = frozenset({".js", ".mjs"})
#: Styles and fonts: never data.
STYLE_SUFFIXES = frozenset({".css", ".scss", ".map", ".woff", ".woff2", ".ttf", ".eot", ".otf"})
#: The renderers' folder of third-party libraries (Quarto, Bootstrap, the built-in CSS).
LIBRARY_FOLDER = "site_libs"

FileKind = Literal["page", "data", "pdf", "library", "search", "unreadable"]


def file_kind(relative: str) -> FileKind:
    """How the audit treats a file, from its path relative to the site.

    Examples
    --------
    >>> [file_kind(p) for p in ("a/SYN01.html", "search.json", "site_libs/quarto.js",
    ...                         "site_libs/x.css", "app.js", "figure.png", "trusts/A.pdf",
    ...                         "site_libs/pagefind/fragment/en_1a2b.pf_fragment")]
    ['page', 'data', 'library', 'library', 'data', 'unreadable', 'pdf', 'search']
    """
    path = PurePosixPath(relative)
    suffix = path.suffix.lower()
    if suffix in PAGE_SUFFIXES:
        return "page"
    if suffix == ".pdf":
        return "pdf"
    if suffix in SEARCH_INDEX_SUFFIXES:
        return "search"
    if suffix in DATA_SUFFIXES:
        return "data"
    if suffix in STYLE_SUFFIXES or (suffix in SCRIPT_SUFFIXES and LIBRARY_FOLDER in path.parts):
        return "library"
    return "data" if suffix in SCRIPT_SUFFIXES else "unreadable"


def audit_file(text: str, relative: str, *,
               rule: DisclosureRule = NHS_DIGITAL_SDC) -> list[Finding]:
    """Findings for one data file's text; ``relative`` is its path in the site.

    Examples
    --------
    >>> for finding in audit_file("Ward,Patients\\nOak,3\\nElm,40\\n", "data/wards.csv"):
    ...     print(finding)
    data/wards.csv: wards.csv line 2, column 'Patients': unsuppressed small count ('3')
    """
    path = PurePosixPath(relative)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _delimited(text, relative, path.name, "\t" if suffix == ".tsv" else ",", rule)
    if suffix in (".json", ".geojson"):
        return _json(text, relative, path.name, rule)
    if suffix in (".xml", ".atom", ".rss"):
        return _feed(text, relative, rule)
    if suffix == ".svg":
        return [Finding(relative, f"svg text in {path.name}", hit.rule, hit.text)
                for part in svg_texts(text) for hit in identifier_hits(part)]
    findings = _lines(text, relative, path.name)
    if suffix == ".md":
        findings += _markdown_tables(text, relative, path.name, rule)
    return findings


def _lines(text: str, relative: str, name: str) -> list[Finding]:
    return [Finding(relative, f"{name} line {number}", hit.rule, hit.text)
            for number, line in enumerate(text.splitlines(), start=1)
            for hit in identifier_hits(line)]


def _table(relative: str, headers: list[str], rows: list[list[str | None]],
           where: list[str], rule: DisclosureRule) -> list[Finding]:
    """Findings for a table read from a file; ``where[i]`` locates row ``i``."""
    found = []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            header = headers[j] if j < len(headers) else ""
            for hit in identifier_hits(cell or "", context=header):
                found.append(Finding(relative, f"{where[i]}, column {header!r}", hit.rule,
                                     hit.text))
    for group, indices in unit_groups(headers, rows):
        for cell_hit in table_hits(group, [rows[i] for i in indices], rule=rule):
            header = headers[cell_hit.column] if cell_hit.column < len(headers) else ""
            found.append(Finding(relative, f"{where[indices[cell_hit.row]]}, column {header!r}",
                                 cell_hit.rule, cell_hit.text))
    return found


_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def unit_groups(headers: list[str], rows: list[list[str | None]]
                ) -> list[tuple[list[str], list[int]]]:
    """A tidy table's rows grouped so that a ``value`` column reads with each row's ``unit``.

    In a table of results, one per row, with ``value`` and ``unit`` columns (the headline
    results, the results history), whether a value is a count depends on its row's unit: a
    value ``3`` in ``%`` is a statistic, with no unit it may be a count. Each group is the
    headers (``value`` named with the unit, ``value (%)``) and the indices of its rows, the
    numbers apart from the words (words are never counts; mixed in, they would make the column
    read as prose). A table without both columns is one group.

    Examples
    --------
    >>> rows = [["a", "3", "%"], ["b", "3", ""], ["c", "common_cause", ""]]
    >>> unit_groups(["name", "value", "unit"], rows)
    [(['name', 'value (%)', 'unit'], [0]), (['name', 'value', 'unit'], [1]), \
(['name', 'value', 'unit'], [2])]
    """
    folded = [h.strip().casefold() for h in headers]
    if "value" not in folded or "unit" not in folded:
        return [(list(headers), list(range(len(rows))))]
    value, unit = folded.index("value"), folded.index("unit")
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, row in enumerate(rows):
        cell = (row[value] if value < len(row) else None) or ""
        key = ((row[unit] if unit < len(row) else None) or "", bool(_NUMBER.fullmatch(cell)))
        groups.setdefault(key, []).append(i)
    found = []
    for (name, _), indices in groups.items():
        named = list(headers)
        named[value] = f"{headers[value]} ({name})" if name else headers[value]
        found.append((named, indices))
    return found


def _delimited(text: str, relative: str, name: str, delimiter: str,
               rule: DisclosureRule) -> list[Finding]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        headers = next(reader, None)
        if headers is None:
            return []
        rows: list[list[str | None]] = []
        where: list[str] = []
        for record in reader:
            rows.append(list(record))
            where.append(f"{name} line {reader.line_num}")
    except csv.Error:  # not a well-formed table: still read every line
        return _lines(text, relative, name)
    # The header row is text a reader sees too.
    found = [Finding(relative, f"{name} line 1", hit.rule, hit.text)
             for cell in headers for hit in identifier_hits(cell)]
    return found + _table(relative, headers, rows, where, rule)


def _json(text: str, relative: str, name: str, rule: DisclosureRule) -> list[Finding]:
    try:
        document = json.loads(text)
    except ValueError:
        return _lines(text, relative, name)
    found = []
    for where, value in _leaves(document, ""):
        found += [Finding(relative, f"{name} {where or '(whole file)'}", hit.rule, hit.text)
                  for hit in identifier_hits(value)]
    for where, records in _record_lists(document, ""):
        headers = list(dict.fromkeys(key for record in records for key in record))
        rows: list[list[str | None]] = [
            [_scalar(record.get(key)) for key in headers] for record in records]
        for group, indices in unit_groups(headers, rows):
            found += [Finding(relative, f"{name} {where}[{indices[hit.row]}]."
                              f"{headers[hit.column]}", hit.rule, hit.text)
                      for hit in table_hits(group, [rows[i] for i in indices], rule=rule)]
    return found


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _leaves(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{where} (a key)" if where else "(a key)", str(key)
            yield from _leaves(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{where}[{i}]")
    elif (text := _scalar(value)) is not None:
        yield where, text


def _record_lists(value: Any, where: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every list of objects in a JSON document: a table of records."""
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            yield where, value
        for i, item in enumerate(value):
            yield from _record_lists(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _record_lists(item, f"{where}.{key}" if where else str(key))


_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _feed(text: str, relative: str, rule: DisclosureRule) -> list[Finding]:
    """A feed read as a page, its escaped HTML content (``&lt;table&gt;``) as markup."""
    return audit_page(html.unescape(_CDATA.sub(lambda m: m.group(1), text)), relative,
                      rule=rule)


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _markdown_tables(text: str, relative: str, name: str,
                     rule: DisclosureRule) -> list[Finding]:
    """Small counts in Markdown pipe tables (identifiers were read line by line)."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if _PIPE_ROW.match(lines[i]) and _PIPE_RULE.match(lines[i + 1]):
            headers = _pipe_cells(lines[i])
            rows: list[list[str | None]] = []
            where = []
            j = i + 2
            while j < len(lines) and _PIPE_ROW.match(lines[j]):
                rows.append(list(_pipe_cells(lines[j])))
                where.append(j + 1)
                j += 1
            found += [Finding(relative, f"{name} line {where[hit.row]}, column "
                              f"{headers[hit.column] if hit.column < len(headers) else ''!r}",
                              hit.rule, hit.text)
                      for hit in table_hits(headers, rows, rule=rule)]
            i = j
        else:
            i += 1
    return found


def _pipe_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]
