"""A PDF board pack per organisation: its page at a glance, then each of its reports.

The pack is made from the site's model (:class:`~lhs_reports.site.pages.SiteModel`), not from
a renderer's HTML, so it is the same whichever renderer built the site: the page bodies come
from the built-in renderer's machinery (:func:`~lhs_reports.site.builtin.page_bodies`), laid
out with the site's stylesheet and its print rules plus the pack's own (``board-pack.css``:
page numbers, the publication date and, on a synthetic site, SYNTHETIC in the margins of every
page), and turned into PDF by WeasyPrint (:mod:`lhs_reports.site.pdf`).

An organisation is a trust code that per-trust report jobs have (the ``trust_code``
parameter). Its pack holds, in this order:

1. its page at a glance, ``trusts/<code>``, when the site has one; else a cover page with its
   name, the publication date and the list of its reports;
2. each of its report pages in the catalogue's family order, a failed report's page as the
   site shows it;
3. the provenance of the pack and of each report, on the last page.

The pack is published as ``trusts/<code>.pdf`` and read by the site's audit like every other
file (:mod:`lhs_reports.audit.pdf`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import lhs_reports
from lhs_reports.engine.plan import Job
from lhs_reports.site.builtin import page_bodies, template_environment
from lhs_reports.site.page_cache import PageCache
from lhs_reports.site.pages import Page, SiteModel
from lhs_reports.site.pdf import PackFailure, PackRun, render_pdfs
from lhs_reports.site.provenance import BUILD_TIME, NO_DATA, publication_date

__all__ = ["BoardPack", "board_packs", "pack_html", "pack_path",
           "write_board_packs"]

#: Where an organisation's page at a glance and its pack live in the site.
FOLDER = "trusts"


def pack_path(code: str) -> str:
    """The pack's path in the site, for the organisation's page to link to.

    Examples
    --------
    >>> pack_path("SYN01")
    'trusts/SYN01.pdf'
    """
    return f"{FOLDER}/{code}.pdf"


@dataclass(frozen=True)
class BoardPack:
    """One organisation's pack: its code, its name, its page at a glance (or None) and its
    report pages in the site's order."""

    code: str
    name: str
    glance: Page | None
    reports: tuple[Page, ...] = field(default=())

    @property
    def path(self) -> str:
        return pack_path(self.code)


def board_packs(site: SiteModel, jobs: Sequence[Job]) -> list[BoardPack]:
    """A pack for each organisation with per-trust report pages on ``site``, by code.

    A job whose page is not on the site (its family switched off or skipped) adds nothing; an
    organisation none of whose reports is on the site has no pack.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> site = SiteModel("S", "", False, (Page("flow/a", "Trust A", "markdown"),), (), {})
    >>> job = SimpleNamespace(key="flow/a", parameters={"trust_code": "A1", "trust_name": "A"})
    >>> [(p.code, p.name, [r.name for r in p.reports]) for p in board_packs(site, [job])]
    [('A1', 'A', ['flow/a'])]
    """
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for job in jobs:
        code = job.parameters.get("trust_code")
        if code:
            codes[job.key] = str(code)
            names.setdefault(str(code), str(job.parameters.get("trust_name") or code))
    by_name = {page.name: page for page in site.pages}
    packs = []
    for code in sorted(names):
        reports = tuple(page for page in site.pages if codes.get(page.name) == code)
        if reports:
            packs.append(BoardPack(code, names[code], by_name.get(f"{FOLDER}/{code}"), reports))
    return packs


@dataclass(frozen=True)
class _Section:
    """A page of the site as the pack shows it."""

    anchor: str
    heading: str
    title: str
    markdown: bool
    body: str
    provenance: dict[str, str]


def _anchor(name: str) -> str:
    return "pack-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


_HREF = re.compile(r'href="([^"]*)"')
#: A notebook output that shows nothing (a recorded result, an empty display), as nbconvert
#: writes it. Dozens end a report; in print they can spill onto a page of their own.
_EMPTY_OUTPUT = re.compile(
    r'<div class="output_area">\s*<div class="[^"]*\boutput_subarea\b[^"]*">\s*</div>\s*</div>')


def _relink(body: str, page: Page, in_pack: set[str]) -> str:
    """Links of ``page`` made right for a PDF at ``trusts/<code>.pdf``: to a page in the pack,
    its place in the pack; to another page of the site, a path from the pack's folder (so the
    link works from the published pack); external links and anchors as they are."""

    def fix(match: re.Match[str]) -> str:
        href = match.group(1)
        if not href or href.startswith(("#", "/")) or ":" in href.split("/", 1)[0]:
            return match.group(0)
        target, _, fragment = href.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.name), target))
        if resolved.removesuffix(".html") in in_pack:
            return f'href="#{_anchor(resolved.removesuffix(".html"))}"'
        return f'href="../{resolved}{"#" + fragment if fragment else ""}"'

    return _HREF.sub(fix, body)


def _static(name: str) -> str:
    return resources.files("lhs_reports.site").joinpath("static", name).read_text("utf-8")


def pack_html(pack: BoardPack, site: SiteModel, body_of: Callable[[Page], str], *,
              project_templates: Path | None = None) -> str:
    """The pack as one HTML document, ready for WeasyPrint (styles inline, charts as data
    URIs: nothing to fetch).

    ``body_of`` gives a page's body (:func:`~lhs_reports.site.builtin.page_bodies`). The
    site's build time is left out of the provenance (the publication date stands for it), so
    the document changes only when what it shows changes.
    """
    in_pack = {page.name for page in pack.reports}
    if pack.glance is not None:
        in_pack.add(pack.glance.name)

    def section(page: Page) -> _Section:
        own = {key: value for key, value in page.provenance.items()
               if site.provenance.get(key) != value and key != BUILD_TIME}
        return _Section(_anchor(page.name), page.document_title or page.title, page.title,
                        page.kind == "markdown",
                        _relink(_EMPTY_OUTPUT.sub("", body_of(page)), page, in_pack), own)

    published = publication_date(site.provenance)
    # The pages showing no data say so in place of a fingerprint; each report gives its own.
    provenance = {key: value for key, value in site.provenance.items()
                  if key != BUILD_TIME and value != NO_DATA}
    provenance["published"] = published
    template = template_environment(project_templates).get_template("board_pack.html.j2")
    return template.render(
        pack=pack, site=site, published=published, provenance=provenance,
        glance=None if pack.glance is None else section(pack.glance),
        sections=[section(page) for page in pack.reports],
        site_css=_static("lhs-reports.css"), pack_css=_static("board-pack.css"),
        version=lhs_reports.__version__)


def write_board_packs(site: SiteModel, jobs: Sequence[Job], out_dir: Path, *,
                      cache_dir: Path, workers: int = 1,
                      project_templates: Path | None = None,
                      bodies: PageCache | None = None) -> PackRun:
    """Write every organisation's pack into the rendered site ``out_dir``.

    A pack whose HTML (and the code that makes it) has not changed since a build is copied
    from ``cache_dir`` rather than made again; the others are made by up to ``workers``
    processes. With ``bodies``, a page's body is converted from its notebook only when that
    cache does not hold it. Returns what was made and what was reused.

    Raises
    ------
    RenderError
        Naming the organisation whose pack could not be made.
    """
    packs = board_packs(site, jobs)
    body_of = page_bodies() if bodies is None else bodies.bodies(page_bodies())
    documents = {pack.path: pack_html(pack, site, body_of, project_templates=project_templates)
                 for pack in packs}
    names = {pack.path: f"{pack.name} ({pack.code})" for pack in packs}
    try:
        return render_pdfs(documents, out_dir, cache_dir=cache_dir, workers=workers)
    except PackFailure as failure:
        raise failure.error(names.get(failure.target, failure.target), out_dir) from None
