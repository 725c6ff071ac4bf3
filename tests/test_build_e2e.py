"""End to end: `lhs-reports build` turns notebooks x parameter files into a website."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.site.quarto import quarto_available

from .helpers import make_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

# A trust whose name tries to inject markup, and one whose code is not in the data (fails).
HOSTILE = "trust_code: SYN02\ntrust_name: \"<script>alert('x')</script> *Eastvale*\"\n"
MISSING = "trust_code: SYN77\ntrust_name: Nowhere NHS Trust\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, int]:
    root = make_project(tmp_path_factory.mktemp("project"), 2,
                        extra_params={"SYN02.yaml": HOSTILE, "SYN77.yaml": MISSING})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status = main(["--project", str(root), "build", "--renderer", "builtin"])
    return root, status


def read(root: Path, page: str) -> str:
    return (root / "outputs" / "_site" / page).read_text()


def test_the_home_page_links_to_the_family_and_every_trust_page_exists(built):
    root, _ = built
    home = read(root, "index.html")
    assert 'href="needs_assessment/index.html"' in home
    listing = read(root, "needs_assessment/index.html")
    for code in ("SYN01", "SYN02", "SYN77"):
        assert f'href="{code}.html"' in listing
        assert (root / "outputs" / "_site" / "needs_assessment" / f"{code}.html").is_file()


def test_each_trust_page_has_its_charts_with_alt_text_and_its_table(built):
    root, _ = built
    for code in ("SYN01", "SYN02"):
        page = read(root, f"needs_assessment/{code}.html")
        tags = re.findall(r'<figure class="lhs-figure"><img([^>]*)>', page)
        assert len(tags) == 5  # pyramid, trend, two segment charts, peer funnel
        assert all('src="data:image/svg+xml;base64,' in tag for tag in tags)
        images = [re.search(r'alt="([^"]+)"', tag).group(1) for tag in tags]
        assert any("Population pyramid" in alt for alt in images)
        assert any("crisis contacts" in alt for alt in images)
        assert "lhs-table" in page
        assert "Rate per 100,000" in page


def test_every_page_says_synthetic_and_carries_provenance(built):
    root, _ = built
    for page in (root / "outputs" / "_site").rglob("*.html"):
        text = page.read_text()
        assert "SYNTHETIC" in text, page
        assert "lhs-provenance" in text and "data fingerprint" in text, page


def test_the_demo_s_own_pages_say_its_data_are_synthetic(built):
    root, _ = built
    assert "This demonstration site is built from <strong>synthetic data</strong>" in \
        read(root, "index.html")
    assert "All demonstration data are synthetic" in read(root, "methods.html")
    assert "synthetic data generated deterministically" in read(root, "about-data.html")
    assert ":::" not in read(root, "index.html") + read(root, "methods.html")


def test_about_the_data_links_every_table_s_template_and_each_downloads(built):
    from lhs_reports.data.dictionary import TABLES
    from lhs_reports.data.templates import template_csv

    root, _ = built
    links = set(re.findall(r'href="([^"]+\.csv)"', read(root, "about-data.html")))
    assert "downloads/headline-results.csv" in links  # the build's results (test_downloads)
    links.discard("downloads/headline-results.csv")
    assert links == {f"about-data/templates/{name}.csv" for name in TABLES}
    for link in links:
        assert read(root, link) == template_csv(Path(link).stem)


def test_each_report_family_reads_only_the_tables_the_catalogue_declares(built):
    from lhs_reports.engine.cache import MANIFEST, Manifest
    from lhs_reports.engine.plan import load_project

    root, _ = built
    families = {f.id: f for f in load_project(root).catalogue.families}
    checked = set()
    for key, entry in Manifest(root / "outputs" / MANIFEST).entries.items():
        if entry.get("status") != "ok":
            continue
        family = families[key.split("/")[0]]
        read_tables = {r["table"] for r in entry.get("reads") or [] if r.get("kind") == "table"}
        assert read_tables <= set(family.table_names), (key, read_tables)
        checked.add(family.id)
    assert checked == set(families)


def test_text_from_parameter_files_is_escaped(built):
    root, _ = built
    for page in ("needs_assessment/SYN02.html", "needs_assessment/index.html"):
        text = read(root, page)
        assert "<script>alert" not in text
        assert "&lt;script&gt;" in text


def test_each_report_s_title_names_the_report_and_the_trust(built):
    # Before test_a_later_failure_keeps_the_last_good_notebook, which makes SYN01 fail.
    root, _ = built
    titles = {page: re.search(r"<title>(.*?)</title>", read(root, page)).group(1)
              for page in ("needs_assessment/SYN01.html", "crisis_flow/SYN01.html",
                           "needs_assessment/index.html", "index.html")}
    trust = titles["crisis_flow/SYN01.html"].split(": ", 1)[1].split(" | ")[0]
    assert titles == {
        "needs_assessment/SYN01.html": f"Mental health needs assessment: {trust} | "
                                       "Learning health system reports",
        "crisis_flow/SYN01.html": f"Crisis and acute flow: {trust} | Learning health system "
                                  "reports",
        "needs_assessment/index.html": "Mental health needs assessment: all reports | "
                                       "Learning health system reports",
        "index.html": "Learning health system reports",
    }


def test_a_failing_notebook_does_not_stop_the_others_and_fails_the_build(built):
    root, status = built
    assert status == 1
    notebooks = root / "outputs" / "notebooks" / "needs_assessment"
    assert (notebooks / "SYN01.ipynb").is_file()
    assert (notebooks / "SYN77.failed.ipynb").is_file()
    assert not (notebooks / "SYN77.ipynb").exists()
    page = read(root, "needs_assessment/SYN77.html")
    assert "could not be built" in page
    assert "DataError" in page and "SYN77" in page


def test_a_later_failure_keeps_the_last_good_notebook(built, tmp_path):
    root, _ = built
    good = root / "outputs" / "notebooks" / "needs_assessment" / "SYN01.ipynb"
    before = good.read_bytes()
    (root / "params" / "trusts" / "SYN01.yaml").write_text(
        "trust_code: SYN99\ntrust_name: N\n")  # not in the data: the notebook fails
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        status = main(["--project", str(root), "build", "--renderer", "builtin", "--only",
                       "SYN01"])
    assert status == 1
    assert good.read_bytes() == before


#: A tag that makes the browser fetch something: its URL attribute.
_FETCHING = re.compile(r"<(script|link|img|iframe|source)\b[^>]*?\b(src|href)=\"([^\"]*)\"",
                       re.IGNORECASE)


@pytest.mark.quarto
@pytest.mark.skipif(not quarto_available(), reason="the quarto CLI is not on PATH")
def test_quarto_renders_the_same_pages_self_contained_with_one_heading_each(tmp_path):
    root = make_project(tmp_path, 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        assert main(["--project", str(root), "build", "--renderer", "quarto"]) == 0
    site = root / "outputs" / "_site"
    for page in ("index.html", "needs_assessment/index.html", "needs_assessment/SYN01.html",
                 "needs_assessment/SYN02.html", "about-data.html"):
        assert (site / page).is_file(), page
    assert "SYNTHETIC" in (site / "needs_assessment" / "SYN01.html").read_text()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 19  # 2 trusts
    for page in pages:
        text = page.read_text()
        external = [url for _, _, url in _FETCHING.findall(text)
                    if re.match(r"(https?:)?//", url)]
        assert external == [], (page, external)
        assert len(re.findall(r"<h1\b", text)) == 1, page
    for css in site.rglob("*.css"):
        assert "fonts.googleapis.com" not in css.read_text(), css
    title = re.search(r"<title>(.*?)</title>", (site / "crisis_flow" / "SYN01.html").read_text())
    assert title.group(1).startswith("Crisis and acute flow: ")
    assert title.group(1).endswith(" | Learning health system reports")
    # As on the built-in site: the favicon, the accessibility statement in every footer, and
    # the SYNTHETIC banner in a landmark (a named section).
    assert (site / "favicon.svg").is_file() and (site / "accessibility.html").is_file()
    for page in pages:
        text = page.read_text()
        assert 'rel="icon"' in text and "favicon.svg" in text, page
        assert "accessibility.html" in text, page
        assert '<section class="lhs-synthetic-banner" aria-label="Synthetic data">' in text, page


def test_render_workers_write_the_same_pages_and_report_a_failure(built, tmp_path, monkeypatch):
    import dataclasses

    from lhs_reports.engine.build import plan_build
    from lhs_reports.engine.outcome import JobResult
    from lhs_reports.engine.plan import load_project
    from lhs_reports.errors import RenderError
    from lhs_reports.site import builtin
    from lhs_reports.site.pages import site_model

    root, _ = built
    project = load_project(root)
    jobs = [p.job for p in plan_build(project)]
    results = [JobResult(j.key, "ok" if j.output.is_file() else "failed", 1.0, "DataError")
               for j in jobs]
    site = site_model(project, jobs, results, {"site built": "today"})
    monkeypatch.setattr(builtin, "PARALLEL_FROM_PAGES", 1)
    builtin.render_builtin(site, tmp_path / "serial", workers=1)
    builtin.render_builtin(site, tmp_path / "parallel", workers=2)
    serial = {p.relative_to(tmp_path / "serial"): p.read_bytes()
              for p in (tmp_path / "serial").rglob("*") if p.is_file()}
    parallel = {p.relative_to(tmp_path / "parallel"): p.read_bytes()
                for p in (tmp_path / "parallel").rglob("*") if p.is_file()}
    assert len(serial) > 10 and serial == parallel

    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not a notebook")
    pages = tuple(dataclasses.replace(p, notebook=broken) if p.kind == "notebook" else p
                  for p in site.pages)
    with pytest.raises(RenderError, match="a page renderer failed"):
        builtin.render_builtin(dataclasses.replace(site, pages=pages), tmp_path / "failed",
                               workers=2)


def test_report_pages_are_nbconvert_s_own_document(built, monkeypatch):
    # The exporter skips nbconvert's BeautifulSoup pass where it would change nothing; the
    # document must be the one nbconvert gives, and the pass must still run where it matters.
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from lhs_reports.site.builtin import _notebook_exporter
    from lhs_reports.site.notebooks import publishable_notebook

    def document(html: str) -> str:
        return str(BeautifulSoup(html, "html.parser"))

    stock = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                         exclude_output_prompt=True)
    stock_convert = HTMLExporter.from_notebook_node
    passes = []

    def counted(self, *args, **kwargs):
        passes.append(type(self).__name__)
        return stock_convert(self, *args, **kwargs)

    monkeypatch.setattr(HTMLExporter, "from_notebook_node", counted)
    root, _ = built
    executed = sorted((root / "outputs" / "notebooks").rglob("*.ipynb"))
    assert len({p.parent.name for p in executed}) >= 3  # several report families
    for path in executed:
        notebook = publishable_notebook(path)
        ours, _ = _notebook_exporter().from_notebook_node(notebook)
        theirs, _ = stock.from_notebook_node(notebook)
        assert document(ours) == document(theirs), path
    assert set(passes) == {"HTMLExporter"}  # ours never needed the second pass

    picture = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[picture])])
    html, _ = _notebook_exporter().from_notebook_node(notebook)
    assert passes[-1] == "ReportHTMLExporter"
    assert all(img.get("alt") for img in BeautifulSoup(html, "html.parser").find_all("img"))
