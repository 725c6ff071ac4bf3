"""The PDF board pack per organisation: made from the site's model, with page numbers, the
publication date, provenance last and SYNTHETIC on every page of a synthetic site; audited like
every page; cached between builds; switched off by the catalogue."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from weasyprint import HTML

import lhs_reports.site.board_pack as board_pack
import lhs_reports.site.pdf as pdf_module
from lhs_reports.audit import audit_pdf, scan_site
from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.site.board_pack import board_packs, pack_path, write_board_packs
from lhs_reports.site.builtin import render_builtin
from lhs_reports.site.pages import NavItem, Page, SiteModel

from .handmade import build_site, make_handmade_project
from .helpers import put_fake_quarto_first

CODES = ["RX4", "RTQ"]
PAGE_NUMBER = re.compile(r"Page (\d+) of (\d+)")
PROVENANCE = {"lhs-reports version": "0.1.0", "site built": "2026-03-05 14:02 UTC"}


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _job(family: str, code: str, name: str) -> SimpleNamespace:
    return SimpleNamespace(key=f"{family}/{code}",
                           parameters={"trust_code": code, "trust_name": name})


def _site(*pages: Page, synthetic: bool = False) -> SiteModel:
    return SiteModel("Probe site", "", synthetic, pages, (), PROVENANCE)


def _report(name: str, markdown: str, **extra: object) -> Page:
    return Page(name, "Trust A", "markdown", markdown, provenance={**PROVENANCE, **extra},
                document_title=f"Flow: Trust A ({name})")


# -- a build on hand-made data -----------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = make_handmade_project(tmp_path_factory.mktemp("packs") / "p", CODES, layout="csv")
    status, printed = build_site(root)
    assert status == 0, printed
    return root


def _site_packs(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((root / "outputs" / "_site" / "trusts").glob("*.pdf"))}


def _rebuild(root: Path) -> tuple[int, str]:
    """Build again, rendering the site even though nothing a reader sees changed."""
    (root / "outputs" / ".cache" / "site-key").unlink(missing_ok=True)
    return build_site(root)


@pytest.mark.slow
@pytest.mark.notebook
def test_each_trust_has_a_pack_with_its_name_first_page_numbers_and_provenance_last(project):
    packs = _site_packs(project)
    assert sorted(packs) == sorted(CODES)
    for code, path in packs.items():
        pages = _pages(path)
        assert f"Trust {code}" in pages[0]
        assert "Published" in pages[0]
        numbers = [PAGE_NUMBER.search(text) for text in pages]
        assert all(numbers), code
        assert [(int(m[1]), int(m[2])) for m in numbers if m] == [
            (n, len(pages)) for n in range(1, len(pages) + 1)]
        assert "Provenance" in pages[-1] and "lhs-reports version" in pages[-1]
        assert f"trust_code={code}" in pages[-1]
        # The site is of real data: no page of the pack says otherwise.
        assert not any("SYNTHETIC" in text for text in pages)
        assert not any("Provenance" in text for text in pages[:-1])


@pytest.mark.slow
@pytest.mark.notebook
def test_the_report_in_a_pack_is_the_one_on_the_site(project):
    pages = _pages(_site_packs(project)["RX4"])
    assert any("Per trust: Trust RX4" in text and "Trust RX4 60" in text for text in pages[1:])


@pytest.mark.slow
@pytest.mark.notebook
def test_a_rebuild_with_nothing_changed_copies_every_pack_from_the_cache(project):
    cache = project / "outputs" / ".cache" / "board-packs"
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.glob("*.pdf")}
    published = {code: path.read_bytes() for code, path in _site_packs(project).items()}
    assert len(before) == len(CODES)
    status, printed = _rebuild(project)
    assert status == 0, printed
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.glob("*.pdf")}
    assert after == before
    assert {code: path.read_bytes() for code, path in _site_packs(project).items()} == published


@pytest.mark.slow
@pytest.mark.notebook
def test_a_pack_with_a_small_count_fails_the_build_and_the_previous_site_stays(project,
                                                                              monkeypatch,
                                                                              capsys):
    published = _site_packs(project)["RX4"].read_bytes()
    made = board_pack.pack_html

    def planted(pack, *args, **kwargs):
        html = made(pack, *args, **kwargs)
        # In the pack only: the site's own pages stay clean, so only the PDF can be caught.
        return html.replace("</main>", "<table><tr><th>Ward</th><th>Patients detained</th>"
                            "</tr><tr><td>Oak</td><td>3</td></tr></table></main>")

    monkeypatch.setattr(board_pack, "pack_html", planted)
    capsys.readouterr()
    status, _ = _rebuild(project)
    printed = capsys.readouterr().err
    assert status == 2
    assert "trusts/RX4.pdf" in printed or "trusts/RTQ.pdf" in printed
    assert "unsuppressed small count" in printed
    assert _site_packs(project)["RX4"].read_bytes() == published


@pytest.mark.slow
@pytest.mark.notebook
def test_a_pack_that_cannot_be_made_names_its_organisation_and_keeps_the_site(project,
                                                                             monkeypatch,
                                                                             capsys):
    published = _site_packs(project)["RTQ"].read_bytes()

    def broken(html: str) -> bytes:
        raise ValueError("no fonts")

    monkeypatch.setattr(pdf_module, "html_to_pdf", broken)
    shutil.rmtree(project / "outputs" / ".cache" / "board-packs")
    capsys.readouterr()
    status, _ = _rebuild(project)
    printed = capsys.readouterr().err
    assert status == 2
    assert "board pack of Trust RTQ (RTQ) could not be made: ValueError: no fonts" in printed
    assert "board_packs: false" in printed
    assert _site_packs(project)["RTQ"].read_bytes() == published


@pytest.mark.slow
@pytest.mark.notebook
def test_a_catalogue_without_board_packs_publishes_none(project):
    catalogue = project / "params" / "reports.yaml"
    text = catalogue.read_text()
    catalogue.write_text(text.replace("synthetic: false}", "synthetic: false, "
                                      "board_packs: false}"))
    try:
        status, printed = build_site(project)  # the setting alone makes the site change
        assert status == 0, printed
        assert _site_packs(project) == {}
        assert (project / "outputs" / "_site" / "index.html").is_file()
    finally:
        catalogue.write_text(text)


@pytest.mark.slow
@pytest.mark.notebook
def test_the_quarto_site_carries_the_same_packs_as_the_built_in_one(project, tmp_path,
                                                                   monkeypatch):
    status, printed = _rebuild(project)
    assert status == 0, printed
    cache = project / "outputs" / ".cache" / "board-packs"
    builtin = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pdf")}
    put_fake_quarto_first(monkeypatch, tmp_path)
    monkeypatch.setenv(PROJECT_ENV, str(project))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["--project", str(project), "build", "--renderer", "quarto"])
    assert status == 0, out.getvalue()
    assert sorted(_site_packs(project)) == sorted(CODES)
    # The same documents: every pack was taken from the built-in build's cache.
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pdf")} == builtin


# -- packs made from a model written here ------------------------------------------------------

def test_a_synthetic_site_says_synthetic_on_every_page_of_every_pack(tmp_path):
    long_report = "\n\n".join(f"Paragraph {n} of a long report." for n in range(120))
    site = _site(_report("flow/A1", long_report), synthetic=True)
    run = write_board_packs(site, [_job("flow", "A1", "Trust A")], tmp_path / "site",
                            cache_dir=tmp_path / "cache")
    pages = _pages(tmp_path / "site" / pack_path("A1"))
    assert list(run.made) == ["trusts/A1.pdf"] and len(pages) >= 4
    assert all("SYNTHETIC" in text for text in pages)
    assert "5 March 2026" in pages[0]
    reader = PdfReader(tmp_path / "site" / pack_path("A1"))
    root = reader.trailer["/Root"]
    # Tagged for screen readers, and named and in English for them.
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Trust A: board pack | Probe site"


def test_the_organisations_page_at_a_glance_comes_first_when_the_site_has_one(tmp_path):
    glance = Page("trusts/A1", "Trust A at a glance", "markdown",
                  "Headline: [the flow report](../flow/A1.html).", provenance=PROVENANCE)
    failed = Page("flow/A1", "Trust A (failed)", "markdown", "This report could not be built.",
                  provenance=PROVENANCE, document_title="Flow: Trust A (failed)")
    site = _site(failed, glance)
    [pack] = board_packs(site, [_job("flow", "A1", "Trust A")])
    assert pack.glance == glance and pack.reports == (failed,)
    write_board_packs(site, [_job("flow", "A1", "Trust A")], tmp_path / "site",
                      cache_dir=tmp_path / "cache")
    pages = _pages(tmp_path / "site" / "trusts" / "A1.pdf")
    assert "Trust A at a glance" in pages[0] and "Reports in this pack" not in pages[0]
    assert "could not be built" in pages[1]


def test_without_a_page_at_a_glance_the_cover_lists_the_reports(tmp_path):
    site = _site(_report("flow/A1", "Flow."), _report("needs/A1", "Needs."),
                 Page("flow/B2", "Trust B", "markdown", "Other trust.", provenance=PROVENANCE))
    jobs = [_job("flow", "A1", "Trust A"), _job("needs", "A1", "Trust A"),
            _job("flow", "B2", "Trust B")]
    write_board_packs(site, jobs, tmp_path / "site", cache_dir=tmp_path / "cache")
    pages = _pages(tmp_path / "site" / "trusts" / "A1.pdf")
    assert "Reports in this pack" in pages[0]
    assert pages[0].index("Flow: Trust A (flow/A1)") < pages[0].index("Flow: Trust A (needs/A1)")
    assert "Other trust" not in "".join(pages)
    assert (tmp_path / "site" / "trusts" / "B2.pdf").is_file()


def test_only_the_pack_whose_content_changed_is_made_again(tmp_path):
    jobs = [_job("flow", "A1", "Trust A"), _job("flow", "B2", "Trust B")]

    def build(a_fingerprint: str) -> pdf_module.PackRun:
        site = _site(_report("flow/A1", "A.", **{"data fingerprint": a_fingerprint}),
                     _report("flow/B2", "B."))
        shutil.rmtree(tmp_path / "site", ignore_errors=True)
        return write_board_packs(site, jobs, tmp_path / "site", cache_dir=tmp_path / "cache")

    assert sorted(build("one").made) == ["trusts/A1.pdf", "trusts/B2.pdf"]
    again = build("one")
    assert (again.made, sorted(again.reused)) == ({}, ["trusts/A1.pdf", "trusts/B2.pdf"])
    changed = build("two")
    assert (list(changed.made), changed.reused) == (["trusts/A1.pdf"], ("trusts/B2.pdf",))
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 2  # the old A1 is gone


@pytest.mark.slow
def test_packs_made_by_worker_processes_are_the_packs_made_here(tmp_path):
    codes = [f"T{n}" for n in range(pdf_module.PARALLEL_FROM)]
    site = _site(*(Page(f"flow/{c}", c, "markdown", f"Report of {c}.", provenance=PROVENANCE)
                   for c in codes))
    jobs = [_job("flow", c, f"Trust {c}") for c in codes]
    run = write_board_packs(site, jobs, tmp_path / "site", cache_dir=tmp_path / "cache",
                            workers=2)
    assert sorted(run.made) == sorted(pack_path(c) for c in codes)
    for code in codes:
        text = "".join(_pages(tmp_path / "site" / pack_path(code)))
        assert f"Trust {code}" in text and f"Report of {code}." in text


def test_a_planted_small_count_in_a_pack_is_found_by_the_site_audit(tmp_path):
    table = "| Ward | Patients detained |\n|---|---|\n| Oak | 3 |\n"
    write_board_packs(_site(_report("flow/A1", table)), [_job("flow", "A1", "Trust A")],
                      tmp_path / "site", cache_dir=tmp_path / "cache")
    (tmp_path / "site" / "index.html").write_text("<p>A clean page</p>")
    audit = scan_site(tmp_path / "site")
    assert audit.files == 1 and audit.unread == ()
    assert [(f.page, f.rule, f.text) for f in audit.findings] == [
        ("trusts/A1.pdf", "unsuppressed small count", "3")]


def test_the_text_of_a_pdf_is_audited_even_without_its_source():
    bare = HTML(string="<h1>Pack</h1><p>Patient 943 476 5919 of LS1 4AP</p>").write_pdf()
    assert [(f.location, f.rule) for f in audit_pdf(bare, "x.pdf")] == [
        ("page 1 line 2", "NHS-number-like identifier"), ("page 1 line 2", "full UK postcode")]


def test_a_pdf_that_cannot_be_read_is_a_finding():
    assert [f.rule for f in audit_pdf(b"%PDF-1.7 not really", "x.pdf")] == [
        "PDF that cannot be read"]


def test_nothing_outside_the_page_is_fetched_into_a_pack(tmp_path):
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text y="10">Secret 943 476 5919'
                      "</text></svg>")
    data = pdf_module.html_to_pdf(f'<p>Before</p><img alt="x" src="{secret.as_uri()}">')
    assert "Secret" not in "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text())


# -- the print stylesheet of every page --------------------------------------------------------

def test_a_page_printed_is_a_clean_paper(tmp_path):
    """The built-in site's page as a print engine lays it out (WeasyPrint reads ``@media
    print`` as a browser's print preview does): no navigation or skip link, the SYNTHETIC
    banner kept, the address of an external link written out, not of an internal one."""
    page = Page("methods", "Methods", "markdown",
                "See [the guidance](https://www.england.nhs.uk/mdc) and [the data](about.html).",
                provenance=PROVENANCE)
    site = SiteModel("Probe site", "", True, (page,),
                     (NavItem("Home", "index.html"), NavItem("Navigation item", "x.html")),
                     PROVENANCE)
    out = render_builtin(site, tmp_path / "site")
    printed = "".join(PdfReader(io.BytesIO(HTML(out / "methods.html").write_pdf())).pages[0]
                      .extract_text().split())
    assert "Methods" in printed and "SYNTHETIC" in printed
    assert "(https://www.england.nhs.uk/mdc)" in printed
    assert "about.html" not in printed
    assert "Navigationitem" not in printed and "Skiptocontent" not in printed
    # On screen the same page has them all.
    on_screen = (out / "methods.html").read_text()
    assert "Navigation item" in on_screen and "Skip to content" in on_screen
