"""Search on the built-in site (Pagefind) and how the audit reads its index, on hand-made data.

The browser tests (tests/test_browser.py) type a trust's name into the search box; these check
what is built and audited, without a browser.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from lhs_reports.audit import scan_site
from lhs_reports.audit.search_index import (
    FOREIGN_FRAGMENT,
    SEARCH_INDEX_SUFFIXES,
    UNREADABLE_FRAGMENT,
    fragment_page,
)
from lhs_reports.errors import RenderError
from lhs_reports.site import search
from lhs_reports.site.search import NOT_INDEXED, SEARCH_BUNDLE, SEARCH_PAGE, index_site

from .handmade import build_site, make_handmade_project

SIGNATURE = b"pagefind_dcd"


def fragments(site: Path) -> dict[str, dict]:
    """Every fragment of the site's index, decompressed, by the page it was made from."""
    found = {}
    for path in (site / SEARCH_BUNDLE / "fragment").iterdir():
        record = json.loads(gzip.decompress(path.read_bytes()).removeprefix(SIGNATURE))
        found[fragment_page(record["url"])] = record
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = make_handmade_project(tmp_path_factory.mktemp("search"), ["RX4", "RW5"],
                                 layout="csv")
    status, printed = build_site(root)
    assert status == 0, printed
    return root / "outputs" / "_site"


@pytest.fixture()
def site_copy(site, tmp_path) -> Path:
    return Path(shutil.copytree(site, tmp_path / "site"))


def test_every_page_but_the_search_page_is_indexed_under_its_document_title(site):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    # The API reference is left out on purpose (site.search.NOT_INDEXED).
    left_out = {page for page in pages if page.split("/")[0] in NOT_INDEXED}
    indexed = fragments(site)
    assert left_out and set(indexed) == pages - {SEARCH_PAGE} - left_out
    assert indexed["trust/RX4.html"]["meta"]["title"] == "Per trust: Trust RX4"
    assert "Trust RX4" in indexed["trust/RX4.html"]["content"]
    # No chart is copied into the index as its "image" (a data URI of every first chart).
    assert all(not record["meta"].get("image") for record in indexed.values())


def test_only_report_content_is_indexed_not_navigation_or_footer(site):
    indexed = fragments(site)
    for page, record in indexed.items():
        assert "Built with lhs-reports" not in record["content"], page
    # The navigation names every section; a report's own text does not.
    assert "About the data" not in indexed["trust/RX4.html"]["content"]


def test_every_page_links_the_search_page_whose_scripts_come_from_the_site(site):
    for page in ("index.html", "trust/RW5.html", "methods.html"):
        assert 'href="' in (text := (site / page).read_text())
        assert f'{"../" * page.count("/")}{SEARCH_PAGE}">Search</a>' in text
    search_page = (site / SEARCH_PAGE).read_text()
    assert f'src="{SEARCH_BUNDLE}/pagefind-ui.js"' in search_page
    assert f'href="{SEARCH_BUNDLE}/pagefind-ui.css"' in search_page
    assert "data-pagefind-body" not in search_page
    for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-entry.json"):
        assert (site / SEARCH_BUNDLE / name).is_file()


def test_the_audit_reads_the_index_fragments_and_accounts_for_every_index_file(site):
    audit = scan_site(site)
    assert audit.findings == () and audit.unread == ()
    index_files = [p for p in (site / SEARCH_BUNDLE).rglob("*")
                   if p.is_file() and p.suffix in SEARCH_INDEX_SUFFIXES]
    assert audit.search == len(index_files) > len(fragments(site))


def _fragment(record: dict) -> bytes:
    return gzip.compress(SIGNATURE + json.dumps(record).encode())


def test_an_identifier_in_the_search_index_fails_the_audit_masked(site_copy):
    folder = site_copy / SEARCH_BUNDLE / "fragment"
    (folder / "en_extra.pf_fragment").write_bytes(_fragment(
        {"url": "/trust/RX4.html", "content": "Seen 943 476 5919 at LS1 4AP.",
         "meta": {"title": "Per trust"}}))
    findings = scan_site(site_copy).findings
    assert [f.rule for f in findings] == ["NHS-number-like identifier", "full UK postcode"]
    assert all("5919" not in str(f) for f in findings)
    assert findings[0].page.endswith("en_extra.pf_fragment")


def test_a_fragment_of_no_page_on_the_site_or_not_a_fragment_fails_the_audit(site_copy):
    folder = site_copy / SEARCH_BUNDLE / "fragment"
    (folder / "en_stray.pf_fragment").write_bytes(_fragment(
        {"url": "/trust/RZZ.html", "content": "Old text", "meta": {}}))
    (folder / "en_broken.pf_fragment").write_bytes(b"not gzip at all")
    rules = sorted(f.rule for f in scan_site(site_copy).findings)
    assert rules == sorted([FOREIGN_FRAGMENT, UNREADABLE_FRAGMENT])


def test_without_the_pagefind_binary_indexing_is_a_render_error_saying_what_to_install(
        tmp_path, monkeypatch):
    (tmp_path / "a.html").write_text("<main data-pagefind-body><h1>A</h1></main>")
    monkeypatch.setattr(search, "get_executable", lambda: None)
    with pytest.raises(RenderError, match="Pagefind") as raised:
        index_site(tmp_path)
    assert "pagefind[extended]" in str(raised.value.hint)


def test_a_failing_indexer_is_a_render_error(tmp_path, monkeypatch):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: the disk is full' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "get_executable", lambda: fake)
    with pytest.raises(RenderError, match=r"failed \(exit 3\): Error: the disk is full"):
        index_site(tmp_path)
