"""Auditing the rendered site: nothing identifiable is published.

Two checks over every HTML page's *text* (attributes and embedded images are not text):

- **NHS-number-like identifiers**: ten digits (optionally spaced 3-3-4) that pass the NHS
  number modulus-11 check digit.
- **Unsuppressed small counts in published tables**: a cell of an ``lhs-table`` whose whole text
  is an integer from 1 to 7, in a column whose header does not name a label such as a quintile or
  a rank. Tables that went through :mod:`lhs_reports.disclosure` never contain one.

A failed audit fails the build (:class:`~lhs_reports.errors.AuditError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from lhs_reports.errors import AuditError

_NHS_NUMBER = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_SMALL_COUNT = re.compile(r"^[1-7]$")
#: Column headers whose small integers are labels, not counts of people.
LABEL_COLUMNS = re.compile(r"quintile|decile|rank|year|month|band|group|code|level|priority|"
                           r"score|order|number of (trusts|organisations)", re.IGNORECASE)


def is_nhs_number(digits: str) -> bool:
    """True when ten digits pass the NHS number modulus-11 check.

    Examples
    --------
    >>> is_nhs_number("9434765919"), is_nhs_number("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@dataclass(frozen=True)
class Finding:
    page: str
    problem: str
    text: str


class _PageScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.table_depth = 0
        self.in_audited_table = False
        self.headers: list[str] = []
        self.row: list[str] = []
        self.cell: list[str] | None = None
        self.cell_is_header = False
        self.small_cells: list[tuple[str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        if tag == "table":
            self.table_depth += 1
            classes = (dict(attrs).get("class") or "").split()
            if "lhs-table" in classes:
                self.in_audited_table, self.headers = True, []
        elif tag == "tr":
            self.row = []
        elif tag in {"td", "th"}:
            self.cell, self.cell_is_header = [], tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1
        if tag == "table":
            self.table_depth -= 1
            self.in_audited_table = False
        elif tag in {"td", "th"} and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.in_audited_table:
                if self.cell_is_header:
                    self.headers.append(text)
                else:
                    column = len(self.row)
                    header = self.headers[column] if column < len(self.headers) else ""
                    if _SMALL_COUNT.match(text) and not LABEL_COLUMNS.search(header):
                        self.small_cells.append((header, text))
            self.row.append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def audit_page(html: str, page: str) -> list[Finding]:
    """Findings for one page's HTML."""
    scanner = _PageScanner()
    scanner.feed(html)
    text = " ".join(scanner.text)
    findings = [Finding(page, "NHS-number-like identifier", "".join(m.groups()))
                for m in _NHS_NUMBER.finditer(text) if is_nhs_number("".join(m.groups()))]
    findings += [Finding(page, f"unsuppressed small count in column '{header}'", value)
                 for header, value in scanner.small_cells]
    return findings


def audit_site(site_dir: str | Path) -> list[Finding]:
    """Audit every ``.html`` page under ``site_dir``; raises :class:`AuditError` on findings."""
    site_dir = Path(site_dir)
    findings: list[Finding] = []
    pages = sorted(site_dir.rglob("*.html"))
    if not pages:
        raise AuditError("the site has no pages to audit", path=site_dir,
                         hint="the renderer produced nothing; the site was not published")
    for path in pages:
        findings += audit_page(path.read_text(encoding="utf-8", errors="replace"),
                               str(path.relative_to(site_dir)))
    if findings:
        first = findings[0]
        raise AuditError(
            f"the site failed its disclosure audit: {len(findings)} finding(s); first: "
            f"{first.problem} ({first.text!r}) on {first.page}",
            path=site_dir / first.page,
            hint="pass tables through lhs_reports.notebook.show_table (disclosure control) and "
            "never print identifiers; the site was not published",
        )
    return findings
