"""The built-in renderer: the same site as Quarto would build, without Quarto.

Markdown pages go through markdown-it (CommonMark + tables); notebook pages through nbconvert's
HTML exporter with inputs hidden; every page through a Jinja2 template (autoescaped) from the
project's ``templates/`` folder or the package defaults.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode

import lhs_reports
from lhs_reports.errors import RenderError
from lhs_reports.site.contents import with_contents
from lhs_reports.site.notebooks import publishable_notebook
from lhs_reports.site.page_cache import PageCache, page_keys
from lhs_reports.site.pages import NavItem, Page, SiteModel, html_title, write_site_files
from lhs_reports.site.provenance import provenance_html
from lhs_reports.site.search import (
    NOT_INDEXED,
    SEARCH_BUNDLE,
    SEARCH_PAGE,
    index_site,
    search_page_body,
)
from lhs_reports.site.table_regions import wrap_tables


def template_environment(project_templates: Path | None) -> jinja2.Environment:
    """Templates (autoescaped) from the project's ``templates/`` folder, else the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(jinja2.PackageLoader("lhs_reports.site", "templates"))
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                              undefined=jinja2.StrictUndefined)


#: Below this many pages a site renders in this process: starting render workers costs more.
PARALLEL_FROM_PAGES = 48


#: An ``<img>`` tag without an ``alt`` attribute (data URIs never contain ``>``).
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?:(?!\balt=)[^>])*>", re.IGNORECASE)


class ReportHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, without a second pass that changes nothing on report pages.

    After templating, nbconvert parses the whole page again with BeautifulSoup, to give an
    ``<img>`` without alt text a stock description and to make the cells of the JupyterLab
    template focusable. Report charts carry their own alt text and the basic template has no
    JupyterLab cells, so on report pages that pass only re-serialises the same document, yet it
    is about half the time it takes to convert one (~2.5 s of CPU for 150 reports). Pages where
    it would change something still get it: the result is always nbconvert's document.
    """

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        given = resources
        # The filters nbconvert's HTMLExporter.from_notebook_node registers (nbconvert 7).
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if "jp-Notebook" in html or _IMG_WITHOUT_ALT.search(html):
            return super().from_notebook_node(nb, given, **kw)
        return html, resources


def _notebook_exporter() -> HTMLExporter:
    exporter = ReportHTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # Validate the notebook once, after all preprocessors, not after each of the dozen.
    exporter.optimistic_validation = True
    return exporter


#: The package's files every built-in page links from ``site_libs/``.
STATIC_FILES = ("lhs-reports.css", "favicon.svg", "lhs-organisations.js")


def render_builtin(site: SiteModel, out_dir: Path, *, project_templates: Path | None = None,
                   workers: int = 1, search: bool = True,
                   cache: PageCache | None = None) -> Path:
    """Render every page of ``site`` into ``out_dir`` (which must not exist yet), with the
    site's downloads and, with ``search``, a search page and its index
    (:mod:`lhs_reports.site.search`).

    With ``workers`` > 1 and many pages to render, pages are shared among that many
    processes (converting a notebook to HTML is CPU-bound Python: ~35 ms a page, 5 s for 150
    reports). With a ``cache`` (:mod:`lhs_reports.site.page_cache`), a page whose key it holds
    is copied from it instead of rendered, each page rendered is stored in it, and its
    ``rendered`` and ``reused`` count them.
    """
    out_dir.mkdir(parents=True)
    if search:
        site = with_search_page(site)
    todo = list(range(len(site.pages)))
    keys: list[str] = []
    if cache is not None:
        keys = page_keys(site, project_templates)
        todo = []
        for index, (page, key) in enumerate(zip(site.pages, keys, strict=True)):
            stored = cache.get(key)
            if stored is None:
                todo.append(index)
                continue
            target = out_dir / page.html_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(stored)
            cache.reused += 1
    if workers > 1 and len(todo) >= PARALLEL_FROM_PAGES:
        _render_in_processes(site, todo, out_dir, project_templates, workers)
    elif todo:
        _render_pages(site, todo, out_dir, project_templates)
    if cache is not None:
        for index in todo:
            cache.put(keys[index], (out_dir / site.pages[index].html_path).read_bytes())
        cache.rendered += len(todo)
    libs = out_dir / "site_libs"
    libs.mkdir()
    for name in STATIC_FILES:
        source = resources.files("lhs_reports.site").joinpath("static", name)
        shutil.copyfile(str(source), libs / name)
    write_site_files(site, out_dir)
    if search:
        index_site(out_dir)  # last: it indexes the pages as written
    return out_dir


#: The search page's name in the model (``search.html``).
_SEARCH_NAME = SEARCH_PAGE.removesuffix(".html")


def with_search_page(site: SiteModel) -> SiteModel:
    """``site`` with the built-in renderer's search page, last, and "Search" in the
    navigation (Quarto has its own search box, so the page is not in the shared model)."""
    page = Page(_SEARCH_NAME, "Search", "markdown", search_page_body(),
                provenance=site.provenance, section="search",
                document_title=f"Search: {site.title}")
    return dataclasses.replace(site, pages=(*site.pages, page),
                               nav=(*site.nav, NavItem("Search", SEARCH_PAGE)))


def _render_in_processes(site: SiteModel, indices: list[int], out_dir: Path,
                         project_templates: Path | None, workers: int) -> None:
    """Share the pages among ``workers`` fresh interpreters (``python -m`` this module).

    Fresh interpreters rather than multiprocessing: forking this threaded process is unsafe,
    and spawn would re-import the caller's main script. Shares are interleaved so each gets a
    mix of heavy and light pages.
    """
    # The workers import this very copy of the package, however this process found it.
    package_parent = str(Path(lhs_reports.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)}
    with tempfile.TemporaryDirectory(prefix=".render-", dir=out_dir.parent) as tmp:
        running = []
        for start in range(workers):
            share = Path(tmp) / f"share-{start}.pickle"
            share.write_bytes(pickle.dumps((site, indices[start::workers], out_dir,
                                            project_templates)))
            running.append(subprocess.Popen(
                [sys.executable, "-m", "lhs_reports.site.builtin", str(share)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        failures = [(process.communicate()[1], process.returncode) for process in running]
    for stderr, code in failures:
        if code != 0:
            # The exception line only: a traceback is for developers and can quote content.
            last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
            raise RenderError(f"a page renderer failed (exit {code}): {last}", path=out_dir)


def _render_pages(site: SiteModel, indices: list[int], out_dir: Path,
                  project_templates: Path | None) -> None:
    """Render and write the pages of ``site`` at ``indices``."""
    env = template_environment(project_templates)
    template = env.get_template("page.html.j2")
    body_of = page_bodies()
    for index in indices:
        page = site.pages[index]
        body = with_contents(wrap_tables(body_of(page)))
        html = template.render(
            page=page, site=site, body=body, title=html_title(page, site.title),
            root="../" * page.depth, current=page.html_path,
            provenance=provenance_html(page.provenance), version=lhs_reports.__version__,
            # Search indexes report content only, never the search page itself.
            indexed=page.name != _SEARCH_NAME and page.section not in NOT_INDEXED,
            search_page=page.name == _SEARCH_NAME,
            search_bundle=SEARCH_BUNDLE,
        )
        target = out_dir / page.html_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def page_bodies() -> Callable[[Page], str]:
    """A function giving a page's body as HTML, as the built-in site shows it (without the
    site's header, footer and the heading of a Markdown page).

    Markdown pages go through markdown-it, notebook pages through the report exporter with
    inputs hidden (:func:`~lhs_reports.site.notebooks.publishable_notebook`). One function
    keeps one parser and one exporter for many pages; the PDF board packs
    (:mod:`lhs_reports.site.board_pack`) use it too, so a pack shows what the site shows.

    Examples
    --------
    >>> body_of = page_bodies()
    >>> print(body_of(Page("x", "X", "markdown", "A *word*")))
    <p>A <em>word</em></p>
    <BLANKLINE>
    """
    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    exporter = _notebook_exporter()
    return lambda page: _body(page, markdown, exporter)


def _body(page: Page, markdown: MarkdownIt, exporter: HTMLExporter) -> str:
    if page.kind == "notebook":
        assert page.notebook is not None
        body, _ = exporter.from_notebook_node(publishable_notebook(page.notebook, page.name))
        return body
    return markdown.render(page.markdown)


if __name__ == "__main__":  # a render worker: python -m lhs_reports.site.builtin SHARE
    _render_pages(*pickle.loads(Path(sys.argv[1]).read_bytes()))
