"""Reading a PDF (a board pack) as its reader does, for the audit's rules.

A PDF is read twice:

- its **text**, page by page and line by line (pypdf's extraction, which also returns the text
  of charts drawn as SVG), for the identifier rules: NHS-number-like identifiers, postcodes,
  dates of birth;
- its **attached files**, each read as the site's file of that kind would be
  (:func:`~lhs_reports.audit.files.file_kind`): an attached HTML page with every rule, its
  tables' small counts included. The site's board packs carry the HTML they were made from
  (:data:`lhs_reports.site.pdf.SOURCE_NAME`), so the tables a reader sees in the pack are
  checked cell by cell, which extracted text (rows run together, headers lost) cannot be.

A PDF that cannot be read (damaged, encrypted) is itself a finding: what cannot be read cannot
be published.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from lhs_reports.audit.files import audit_file, file_kind
from lhs_reports.audit.pages import audit_page
from lhs_reports.audit.rules import Finding, identifier_hits
from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule

__all__ = ["UNREADABLE", "audit_pdf", "pdf_text"]

#: The rule a PDF that cannot be read breaks.
UNREADABLE = "PDF that cannot be read"


def pdf_text(data: bytes) -> list[str]:
    """The text of each page of a PDF.

    Examples
    --------
    >>> from lhs_reports.site.pdf import html_to_pdf
    >>> pdf_text(html_to_pdf("<p>Hello</p>"))
    ['Hello']
    """
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def audit_pdf(data: bytes, relative: str, *,
              rule: DisclosureRule = NHS_DIGITAL_SDC) -> list[Finding]:
    """Findings for one PDF's bytes; ``relative`` is its path in the site.

    Examples
    --------
    >>> from lhs_reports.site.pdf import html_to_pdf
    >>> pack = html_to_pdf("<p>Patient 943 476 5919</p><table><tr><th>Ward</th>"
    ...                    "<th>Patients</th></tr><tr><td>Oak</td><td>3</td></tr></table>")
    >>> for finding in audit_pdf(pack, "trusts/A.pdf"):
    ...     print(finding)
    trusts/A.pdf: page 1 line 1: NHS-number-like identifier ('943 xxx xxxx')
    trusts/A.pdf: attached source.html: text: NHS-number-like identifier ('943 xxx xxxx')
    trusts/A.pdf: attached source.html: table 1, row 1, column 'Patients': unsuppressed small \
count ('3')
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        attachments = {name: contents for name, versions in reader.attachments.items()
                       for contents in versions}
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        return [Finding(relative, "whole file", UNREADABLE, type(exc).__name__)]
    findings = [Finding(relative, f"page {number} line {line_number}", hit.rule, hit.text)
                for number, text in enumerate(pages, start=1)
                for line_number, line in enumerate(text.splitlines(), start=1)
                for hit in identifier_hits(line)]
    for name, contents in attachments.items():
        findings += _attachment(name, contents, relative, rule)
    return findings


def _attachment(name: str, contents: bytes, relative: str,
                rule: DisclosureRule) -> list[Finding]:
    """An attached file, read as the site's file of that kind (a PDF in a PDF too)."""
    where = f"attached {name}"
    found = [Finding(relative, f"{where} (its name)", hit.rule, hit.text)
             for hit in identifier_hits(name)]
    kind = file_kind(PurePosixPath(name).name)
    if PurePosixPath(name).suffix.lower() == ".pdf":
        inner = audit_pdf(contents, name, rule=rule)
    elif kind in ("page", "data"):
        text = contents.decode("utf-8", errors="replace")
        inner = (audit_page(text, name, rule=rule) if kind == "page"
                 else audit_file(text, name, rule=rule))
    else:  # an image or another binary file: nothing in it can be checked
        return [*found, Finding(relative, where, UNREADABLE, "an attachment that is not text")]
    return found + [Finding(relative, f"{where}: {f.location}", f.rule, f.text) for f in inner]
