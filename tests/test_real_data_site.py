"""A site built from a trust's own (hand-written, real) data: nothing says synthetic, and the
data contract is published with templates that download, validate and pass the audit, whichever
renderer built it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lhs_reports.audit import scan_site
from lhs_reports.data.dictionary import TABLES
from lhs_reports.data.loaders import load_table
from lhs_reports.data.templates import template_csv
from lhs_reports.engine.build import run_build
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project

from .handmade import make_handmade_project, trusts_table, write
from .helpers import put_fake_quarto_first

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

CODES = ["RX4", "RW5"]
#: The one mention allowed: the data dictionary's column named ``synthetic`` (inline code in
#: the built-in renderer's HTML, Markdown backticks in the stand-in Quarto's), which is the
#: name of a column a user may leave out, not a claim about the data.
COLUMN_NAME = re.compile(r"<code>synthetic</code>|`synthetic`")


def _build(root: Path, renderer: str) -> Path:
    settings = ExecutionSettings(cell_timeout=300, notebook_timeout=600)
    report = run_build(load_project(root), jobs=2, settings=settings, renderer=renderer,
                       progress_plain=True)
    assert not report.failed, [r.error for r in report.failed]
    return root / "outputs" / "_site"


def _real_project(root: Path) -> Path:
    make_handmade_project(root, CODES, layout="csv", handwritten=True)
    # A trust's own data need not say they are real: the column is left out.
    write(trusts_table(CODES).drop(columns="synthetic"), root / "data" / "trusts.csv")
    return root


@pytest.fixture(scope="module")
def builtin_site(tmp_path_factory) -> Path:
    return _build(_real_project(tmp_path_factory.mktemp("real-builtin")), "builtin")


@pytest.fixture(scope="module")
def quarto_site(tmp_path_factory) -> Path:
    """The same project rendered by the stand-in Quarto (tests/fake_quarto)."""
    with pytest.MonkeyPatch.context() as patch:
        put_fake_quarto_first(patch, tmp_path_factory.mktemp("python-shim"))
        return _build(_real_project(tmp_path_factory.mktemp("real-quarto")), "quarto")


def _pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(site.rglob("*.html"))}


@pytest.mark.parametrize("renderer", ["builtin", "quarto"])
def test_no_page_of_a_site_on_real_data_says_synthetic_or_fictitious(renderer, request):
    site = request.getfixturevalue(f"{renderer}_site")
    pages = _pages(site)
    assert {"index.html", "methods.html", "about-data.html"} <= set(pages)
    for name, text in pages.items():
        claims = COLUMN_NAME.sub("", text).lower()
        assert "synthetic" not in claims, (renderer, name)
        assert "fictitious" not in claims, (renderer, name)


@pytest.mark.parametrize("renderer", ["builtin", "quarto"])
def test_hand_written_pages_keep_the_text_for_real_data(renderer, request):
    pages = _pages(request.getfixturevalue(f"{renderer}_site"))
    assert "About the data" in pages["methods.html"]
    assert "lists every table the reports read" in pages["methods.html"]
    assert ":::" not in pages["index.html"] + pages["methods.html"]


def test_every_template_the_page_links_to_downloads_from_the_built_site(builtin_site):
    about = (builtin_site / "about-data.html").read_text()
    links = set(re.findall(r'href="([^"]+\.csv)"', about))
    links.discard("downloads/headline-results.csv")  # the build's results (test_downloads)
    assert links == {f"about-data/templates/{name}.csv" for name in TABLES}
    for link in links:
        name = Path(link).stem
        assert (builtin_site / link).read_text() == template_csv(name), link


@pytest.mark.parametrize("renderer", ["builtin", "quarto"])
def test_the_published_templates_validate_and_pass_the_audit(renderer, request):
    site = request.getfixturevalue(f"{renderer}_site")
    folder = site / "about-data" / "templates"
    for name in TABLES:
        assert len(load_table(folder, name)) == 2, name
    audit = scan_site(site)
    assert audit.findings == ()
    assert {f"about-data/templates/{name}.csv" for name in TABLES} <= {
        p.relative_to(site).as_posix() for p in site.rglob("*.csv")}


def test_both_renderers_publish_the_same_templates(builtin_site, quarto_site):
    def files(site: Path) -> dict[str, bytes]:
        folder = site / "about-data" / "templates"
        return {p.name: p.read_bytes() for p in folder.iterdir()}

    assert files(builtin_site) == files(quarto_site)
    assert len(files(builtin_site)) == len(TABLES)


def test_about_the_data_shows_the_families_that_need_each_table(builtin_site):
    about = (builtin_site / "about-data.html").read_text()
    # The probe families declare no tables: the per-trust one gets the trust default, the
    # cross-trust one its own.
    assert "<strong>Needed by:</strong> Per trust, Across." in about
    assert "<strong>Needed by:</strong> no report family of this site." in about
