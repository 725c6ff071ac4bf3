"""Auditing the rendered site: nothing identifiable or disclosive is published.

The audit reads the whole site folder as a reader could: every page (its text, tables,
reader-facing attributes, inline SVG and SVG images embedded in it: :mod:`.pages`) and every
downloadable file (CSV, JSON, feeds, text, search indexes: :mod:`.files`,
:mod:`.search_index`). Its rules:

1. **NHS-number-like identifiers**: ten digits, plain or grouped 3-3-4 with spaces or dashes,
   that pass the NHS number modulus-11 check (:mod:`.rules`).
2. **Dates of birth**: a date (``01/02/1980``, ``1-2-1980``, ``1 February 1980``,
   ``1980-02-01``) next to "DOB", "date of birth" or "born", or in a column so headed.
3. **Full UK postcodes** ("LS1 4AP"; a district such as "LS1" alone is fine).
4. **Unsuppressed small counts** in tables: a count the disclosure rule suppresses (1-7 under
   :data:`~lhs_reports.disclosure.NHS_DIGITAL_SDC`) shown as ``3``, ``3.0`` or ``3 (1.8 %)``,
   or recoverable as a percentage of a published denominator (:mod:`.tables`).

PDFs (the board packs) are read too: their text for rules 1-3, and the HTML they were made
from, attached to them, for every rule (:mod:`.pdf`).

Findings name the file (relative to the site), the place in it and the rule; identifiers are
masked, so the build log never repeats one. A failed audit fails the build
(:class:`~lhs_reports.errors.AuditError`) and the last good site stays published.
``lhs-reports audit`` runs it alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lhs_reports.audit.files import audit_file, file_kind
from lhs_reports.audit.memo import AuditMemo
from lhs_reports.audit.pages import audit_page
from lhs_reports.audit.pdf import audit_pdf
from lhs_reports.audit.rules import Finding, identifier_hits, is_nhs_number
from lhs_reports.audit.search_index import FRAGMENT_SUFFIX, fragment_findings
from lhs_reports.audit.tables import LABEL_COLUMNS
from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule
from lhs_reports.errors import AuditError

__all__ = ["LABEL_COLUMNS", "AuditMemo", "Finding", "SiteAudit", "audit_file", "audit_page",
           "audit_pdf", "audit_site", "check_site", "is_nhs_number", "scan_site"]

#: How many findings an error message lists.
SHOWN_IN_ERRORS = 5


@dataclass(frozen=True)
class SiteAudit:
    """What :func:`scan_site` read and found.

    ``files`` counts the downloads read (data files and PDFs); ``unread`` lists files the
    audit cannot read as text (images), relative to the site. ``search`` counts the files of
    a search index (read through its fragments). ``reused`` counts the files of those that
    were not read again because an :class:`AuditMemo` held a clean verdict for their exact
    bytes.
    """

    site: Path
    findings: tuple[Finding, ...]
    pages: int
    files: int
    unread: tuple[str, ...] = ()
    search: int = 0
    reused: int = 0
    #: Pages, downloads and search fragments read by this audit (not reused from a memo).
    read: int = 0

    def error(self, *, hint: str, shown: int = SHOWN_IN_ERRORS) -> AuditError:
        """An :class:`AuditError` saying how many findings there are, listing the first
        ``shown``, and locating the first one (its file relative to the site: the site audited
        during a build is a staging folder, gone by the time anyone reads the message)."""
        n = len(self.findings)
        files = len({f.page for f in self.findings})
        listed = "".join(f"\n  {f}" for f in self.findings[:shown])
        more = f"\n  ... and {n - shown} more" if 0 < shown < n else ""
        first = self.findings[0]
        return AuditError(
            f"the site failed its disclosure audit: {n} finding{'s' if n != 1 else ''} in "
            f"{files} file{'s' if files != 1 else ''}{listed}{more}",
            path=first.page, field=first.location, hint=hint)


def scan_site(site_dir: str | Path, *, rule: DisclosureRule = NHS_DIGITAL_SDC,
              memo: AuditMemo | None = None) -> SiteAudit:
    """Read every page and file under ``site_dir``; never raises on findings.

    With a ``memo``, a file whose exact bytes (at the same path) passed this audit before is
    not read again, and each file read without a finding is remembered in it.

    Parameters
    ----------
    site_dir
        The rendered site folder.
    rule
        The disclosure rule whose suppressed counts must not appear (1-7 by default).
    memo
        Clean verdicts of earlier audits; its salt must name the audit code and the rule.

    Raises
    ------
    AuditError
        When the folder holds no page at all (a renderer that wrote nothing).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as site:
    ...     _ = (Path(site) / "index.html").write_text("<p>Patient 943 476 5919</p>")
    ...     _ = (Path(site) / "data.csv").write_text("Ward,Patients\\nOak,3\\n")
    ...     audit = scan_site(site)
    >>> audit.pages, audit.files, [str(f) for f in audit.findings]
    (1, 1, ["index.html: text: NHS-number-like identifier ('943 xxx xxxx')", \
"data.csv: data.csv line 2, column 'Patients': unsuppressed small count ('3')"])
    """
    site = Path(site_dir)
    if not site.is_dir():
        raise AuditError("there is no site folder to audit", path=site,
                         hint="build the site first (`lhs-reports build`) or name a folder")
    paths = sorted(p for p in site.rglob("*") if p.is_file())
    kinds = {p: file_kind(p.relative_to(site).as_posix()) for p in paths}
    pages = [p for p in paths if kinds[p] == "page"]
    if not pages:
        raise AuditError("the site has no pages to audit", path=site,
                         hint="the renderer produced nothing (or this is not a site folder); "
                         "nothing was published")
    # A file's name is part of its address, which readers see.
    names = [p.relative_to(site).as_posix() for p in paths]
    findings = [Finding(name, "file name", hit.rule, hit.text)
                for name in names for hit in identifier_hits(name)]
    data = [p for p in paths if kinds[p] == "data"]
    pdfs = [p for p in paths if kinds[p] == "pdf"]
    # A search index is the pages' text again: its fragments must be copies of these pages.
    page_names = {p.relative_to(site).as_posix() for p in pages}
    search = [p for p in paths if kinds[p] == "search"]
    # A fragment's verdict depends on which pages exist as well as on its bytes.
    page_set = hashlib.sha256("\0".join(sorted(page_names)).encode()).hexdigest()
    reused = read = 0
    for path in pages + data + pdfs + search:
        relative = path.relative_to(site).as_posix()
        kind = kinds[path]
        if kind == "search" and path.suffix != FRAGMENT_SUFFIX:
            continue
        content = path.read_bytes()
        known_as = f"{page_set}:{relative}" if kind == "search" else relative
        if memo is not None and memo.is_clean(known_as, content):
            reused += 1
            continue
        read += 1
        if kind == "pdf":
            found = audit_pdf(content, relative, rule=rule)
        elif kind == "search":
            found = fragment_findings(content, relative, page_names)
        else:
            text = _as_text(content)
            found = (audit_page(text, relative, rule=rule) if kind == "page"
                     else audit_file(text, relative, rule=rule))
        findings += found
        if memo is not None and not found:
            memo.remember(known_as, content)
    unread = tuple(p.relative_to(site).as_posix() for p in paths if kinds[p] == "unreadable")
    return SiteAudit(site, tuple(findings), len(pages), len(data) + len(pdfs), unread,
                     len(search), reused, read)


def _as_text(content: bytes) -> str:
    """``content`` as :meth:`Path.read_text` gives it (UTF-8, bad bytes replaced, universal
    newlines)."""
    return (content.decode("utf-8", errors="replace").replace("\r\n", "\n")
            .replace("\r", "\n"))


def audit_site(site_dir: str | Path, *,
               rule: DisclosureRule = NHS_DIGITAL_SDC) -> list[Finding]:
    """Audit the rendered site; raises :class:`AuditError` on any finding.

    Returns the findings otherwise, that is an empty list (see :func:`scan_site` to read them
    without raising).
    """
    return list(check_site(site_dir, rule=rule).findings)


def check_site(site_dir: str | Path, *, rule: DisclosureRule = NHS_DIGITAL_SDC,
               memo: AuditMemo | None = None) -> SiteAudit:
    """:func:`audit_site` with a ``memo`` (see :func:`scan_site`), returning what was read
    and how much of it the memo let through unread; raises :class:`AuditError` on any
    finding."""
    audit = scan_site(site_dir, rule=rule, memo=memo)
    if audit.findings:
        raise audit.error(
            hint="pass tables through lhs_reports.notebook.show_table (disclosure control), "
            "compute percentages from the rounded counts (disclosure.safe_percentage), and never "
            "print identifiers; `lhs-reports audit` lists every finding. The site was not "
            "published: the previous one stays")
    return audit
