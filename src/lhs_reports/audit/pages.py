"""Reading an HTML page as a reader (or a screen reader) does, for :mod:`.rules` and
:mod:`.tables`.

What is read:

- every text node outside ``<script>`` and ``<style>``, joined across inline elements
  (``Patient <b>943 476 5919</b>`` is one piece of text), and HTML comments;
- every table, whatever its markup (pandas' ``dataframe`` class, no class, Quarto's), with its
  header rows, ``colspan`` and ``rowspan``;
- the attributes a reader or screen reader is given: ``alt``, ``title``, ``aria-label``,
  ``aria-description``, ``placeholder``, ``label``, the ``value`` of inputs, and the ``content``
  of description, title and keyword ``<meta>`` tags;
- the ``<text>``, ``<title>`` and ``<desc>`` of inline ``<svg>`` charts, and of SVG images
  embedded as ``data:image/svg+xml`` URIs (base64 or percent-encoded) in ``src``, ``href`` or
  ``data``; their comments too, where matplotlib writes the text of glyphs drawn as paths;
- ``<script>`` blocks of JSON data (``application/json``, ``application/ld+json``).

Not read: JavaScript code (inline or not: minified libraries are full of 10-digit constants),
CSS, and raster images (PNG, JPEG), whose alt text is all that can be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from lhs_reports.audit.embedded import data_uri, svg_data_uri, svg_texts
from lhs_reports.audit.rules import Finding, identifier_hits
from lhs_reports.audit.tables import table_hits
from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule

__all__ = ["audit_page"]

#: Elements inside which text runs on (anything else ends a piece of text).
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn",
                     "em", "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span",
                     "strong", "sub", "sup", "time", "tspan", "u", "var", "wbr"})
#: Attributes read aloud or shown to a reader.
_READABLE = frozenset({"alt", "title", "aria-label", "aria-description", "placeholder",
                       "label"})
_META = frozenset({"description", "keywords", "author", "og:title", "og:description",
                   "twitter:title", "twitter:description", "dc.description"})
_URI_ATTRIBUTES = frozenset({"src", "href", "xlink:href", "data"})
#: Downloads embedded in links as ``data:`` URIs, read as the file they stand for.
_DOWNLOAD_TYPES = {"text/csv": ".csv", "text/tab-separated-values": ".tsv",
                   "application/json": ".json", "text/plain": ".txt", "text/markdown": ".md",
                   "application/xml": ".xml", "text/xml": ".xml"}
_DIGIT = re.compile(r"\d")


#: One position of a table row: its text and whether it is a header cell (None: a hole).
_Slot = tuple[str, bool] | None


@dataclass
class _Table:
    """The table being read, as a grid: header rows, body rows and their row labels."""

    number: int
    header_rows: list[list[str]] = field(default_factory=list)
    body: list[list[str | None]] = field(default_factory=list)
    row_labels: list[str] = field(default_factory=list)
    row: list[_Slot] = field(default_factory=list)
    #: column -> (rows still covered, what covers them), from a rowspan above
    spans: dict[int, tuple[int, _Slot]] = field(default_factory=dict)
    column: int = 0
    cell: list[str] | None = None
    cell_is_th: bool = False
    cell_span: tuple[int, int] = (1, 1)
    section: str = ""
    caption: bool = False
    _headers: list[str] | None = None

    def headers(self) -> list[str]:
        if self._headers is None:
            width = max((len(r) for r in self.header_rows), default=0)
            self._headers = [" ".join(t for r in self.header_rows if j < len(r) and (t := r[j]))
                             for j in range(width)]
        return self._headers

    def header_of(self, column: int) -> str:
        headers = self.headers()
        return headers[column] if column < len(headers) else ""

    def _is_header_row(self) -> bool:
        cells = [slot for slot in self.row if slot is not None]
        return self.section == "thead" or (
            not self.body and bool(cells) and all(is_th for _, is_th in cells))

    def where(self) -> str:
        if self.caption:
            return f"table {self.number} caption"
        if self.section == "thead" or (self.cell_is_th and not self.body and all(
                slot is None or slot[1] for slot in self.row)):
            return f"table {self.number}, header"
        name = self.header_of(self.column)
        column = f"column {name!r}" if name else f"column {self.column + 1}"
        return f"table {self.number}, row {len(self.body) + 1}, {column}"

    def _put(self, slot: _Slot) -> None:
        self.row.extend([None] * (self.column - len(self.row)))
        self.row.append(slot)
        self.column += 1

    def _fill_spans(self) -> None:
        while self.column in self.spans:
            left, slot = self.spans.pop(self.column)
            if left > 1:
                self.spans[self.column] = (left - 1, slot)
            self._put(slot)

    def start_cell(self, is_th: bool, colspan: int, rowspan: int) -> None:
        self.end_cell()
        self._fill_spans()
        self.cell, self.cell_is_th, self.cell_span = [], is_th, (colspan, rowspan)

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = " ".join("".join(self.cell).split())
        colspan, rowspan = self.cell_span
        for offset in range(colspan):
            # A header's text covers every column it spans; a value counts once.
            slot = (text, self.cell_is_th) if offset == 0 or self.cell_is_th else None
            if rowspan > 1:
                self.spans[self.column] = (rowspan - 1, slot if self.cell_is_th else None)
            self._put(slot)
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row:
            self._fill_spans()
            if self._is_header_row():
                self.header_rows.append([slot[0] if slot else "" for slot in self.row])
                self._headers = None
            else:
                self.body.append([None if slot is None or slot[1] else slot[0]
                                  for slot in self.row])
                self.row_labels.append(" ".join(s[0] for s in self.row if s and s[1] and s[0]))
        self.row, self.column = [], 0


class _PageScanner(HTMLParser):
    def __init__(self, page: str, rule: DisclosureRule) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.rule = page, rule
        self.findings: list[Finding] = []
        self.text: list[str] = []
        self.heading: list[str] | None = None
        self.last_heading = ""
        self.in_title = False
        self.skip = 0
        self.script: list[str] | None = None
        self.tables: list[_Table] = []
        self.n_tables = self.n_images = self.n_svgs = self.n_downloads = 0
        self.svg_depth = 0

    # -- reporting -------------------------------------------------------------------------
    def check(self, text: str, location: str, context: str = "") -> None:
        for hit in identifier_hits(text, context=context):
            self.findings.append(Finding(self.page, location, hit.rule, hit.text))

    def where(self) -> str:
        if self.in_title:
            return "page title"
        if self.tables and (self.tables[-1].cell is not None or self.tables[-1].caption):
            return self.tables[-1].where()
        if self.svg_depth:
            return f"svg text in inline chart {self.n_svgs}"
        return f"text under heading {self.last_heading!r}" if self.last_heading else "text"

    def flush(self) -> None:
        if self.text:
            text = "".join(self.text)
            self.text = []
            if not _DIGIT.search(text):  # every identifier rule needs a digit
                return
            table = self.tables[-1] if self.tables else None
            context = (table.header_of(table.column)
                       if table and table.cell is not None and not table.cell_is_th else "")
            self.check(text, self.where(), context)

    # -- parsing ---------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self.flush()
        values = {name: value or "" for name, value in attrs}
        self._attributes(tag, values)
        if tag in ("script", "style"):
            kind = values.get("type", "").lower()
            if tag == "script" and kind.endswith("json"):
                self.script = []
            else:
                self.skip += 1
        elif tag == "svg":
            self.svg_depth += 1
            self.n_svgs += self.svg_depth == 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = []
        elif tag == "title" and not self.svg_depth:
            self.in_title = True
        elif tag == "table":
            self.n_tables += 1
            self.tables.append(_Table(self.n_tables))
        elif self.tables:
            self._table_start(tag, values)

    def _table_start(self, tag: str, values: dict[str, str]) -> None:
        table = self.tables[-1]
        if tag in ("thead", "tbody", "tfoot"):
            table.section = tag
        elif tag == "caption":
            table.caption = True
        elif tag == "tr":
            table.end_row()
        elif tag in ("td", "th"):
            table.end_cell()
            table.start_cell(tag == "th", _span(values.get("colspan")),
                             _span(values.get("rowspan")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self.flush()
        self._attributes(tag, {name: value or "" for name, value in attrs})

    def _attributes(self, tag: str, values: dict[str, str]) -> None:
        image = tag in ("img", "image", "object", "embed")
        if image:
            self.n_images += 1
        where = f"{tag} {{}}" + (f" (image {self.n_images})" if image else "")
        for name, value in values.items():
            if name in _READABLE or (name == "value" and tag == "input"):
                self.check(value, where.format(name))
            elif name in _URI_ATTRIBUTES and value[:5].lower() == "data:":
                self._embedded(tag, name, value)
        if tag == "meta" and (values.get("name") or values.get("property", "")).lower() in _META:
            self.check(values.get("content", ""),
                       f"meta {values.get('name') or values.get('property')}")

    def _embedded(self, tag: str, name: str, uri: str) -> None:
        """An image or a download carried in the page as a ``data:`` URI."""
        if uri[:30].lower().startswith("data:image/svg+xml"):
            for text in svg_texts(svg_data_uri(uri) or ""):
                self.check(text, f"svg text in image {self.n_images}")
            return
        mime = uri[5:40].split(";", 1)[0].split(",", 1)[0].strip().lower()
        if mime in _DOWNLOAD_TYPES:
            from lhs_reports.audit.files import audit_file  # files reads feeds with this module

            self.n_downloads += 1
            decoded = data_uri(uri)
            name_in_page = f"download {self.n_downloads}{_DOWNLOAD_TYPES[mime]}"
            for finding in audit_file(decoded[1] if decoded else "", name_in_page,
                                      rule=self.rule):
                self.findings.append(Finding(self.page, f"{tag} {name} {finding.location}",
                                             finding.rule, finding.text))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.flush()
        if tag in ("script", "style"):
            if self.script is not None and tag == "script":
                self.check("".join(self.script), "script data")
                self.script = None
            elif self.skip:
                self.skip -= 1
        elif tag == "svg" and self.svg_depth:
            self.svg_depth -= 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None:
            self.last_heading = " ".join("".join(self.heading).replace("¶", "").split())[:60]
            self.heading = None
        elif tag == "title":
            self.in_title = False
        elif self.tables:
            self._table_end(tag)

    def _table_end(self, tag: str) -> None:
        table = self.tables[-1]
        if tag in ("td", "th"):
            table.end_cell()
        elif tag == "tr":
            table.end_row()
        elif tag == "caption":
            table.caption = False
        elif tag in ("thead", "tbody", "tfoot"):
            table.end_row()
            table.section = ""
        elif tag == "table":
            table.end_row()
            self.tables.pop()
            self._table_findings(table)

    def _table_findings(self, table: _Table) -> None:
        headers = table.headers()
        for hit in table_hits(headers, table.body, rule=self.rule, row_labels=table.row_labels):
            name = headers[hit.column] if hit.column < len(headers) else ""
            column = f"column {name!r}" if name else f"column {hit.column + 1}"
            self.findings.append(Finding(
                self.page, f"table {table.number}, row {hit.row + 1}, {column}", hit.rule,
                hit.text))

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)
            return
        if self.skip:
            return
        self.text.append(data)
        if self.heading is not None:
            self.heading.append(data)
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(data)

    def handle_comment(self, data: str) -> None:
        self.check(data, "HTML comment")

    def close(self) -> None:
        super().close()
        self.flush()
        while self.tables:
            self._table_end("table")


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def audit_page(page_html: str, page: str, *,
               rule: DisclosureRule = NHS_DIGITAL_SDC) -> list[Finding]:
    """Findings for one page's HTML; ``page`` is its path relative to the site.

    Examples
    --------
    >>> html_text = ('<p>Seen: <b>943 476 5919</b></p><table><tr><th>Ward</th>'
    ...              '<th>Patients detained</th></tr><tr><td>Oak</td><td>3</td></tr></table>')
    >>> for finding in audit_page(html_text, "p.html"):
    ...     print(finding)
    p.html: text: NHS-number-like identifier ('943 xxx xxxx')
    p.html: table 1, row 1, column 'Patients detained': unsuppressed small count ('3')
    """
    scanner = _PageScanner(page, rule)
    scanner.feed(page_html)
    scanner.close()
    return scanner.findings
