"""The built-in renderer: the same site as Quarto would build, without Quarto.

Markdown pages go through markdown-it (CommonMark + tables); notebook pages through nbconvert's
HTML exporter with inputs hidden; every page through a Jinja2 template (autoescaped) from the
project's ``templates/`` folder or the package defaults.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt
from nbconvert import HTMLExporter

import lhs_reports
from lhs_reports.site.notebooks import publishable_notebook
from lhs_reports.site.pages import Page, SiteModel
from lhs_reports.site.provenance import provenance_html


def _environment(project_templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(jinja2.PackageLoader("lhs_reports.site", "templates"))
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _notebook_exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def render_builtin(site: SiteModel, out_dir: Path, *, project_templates: Path | None = None
                   ) -> Path:
    """Render every page of ``site`` into ``out_dir`` (which must not exist yet)."""
    env = _environment(project_templates)
    template = env.get_template("page.html.j2")
    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    exporter = _notebook_exporter()
    out_dir.mkdir(parents=True)
    for page in site.pages:
        body = _body(page, markdown, exporter)
        root = "../" * page.depth
        html = template.render(
            page=page, site=site, body=body, root=root, current=page.html_path,
            provenance=provenance_html(page.provenance), version=lhs_reports.__version__,
        )
        target = out_dir / page.html_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    libs = out_dir / "site_libs"
    libs.mkdir()
    css = resources.files("lhs_reports.site").joinpath("static", "lhs-reports.css")
    shutil.copyfile(str(css), libs / "lhs-reports.css")
    return out_dir


def _body(page: Page, markdown: MarkdownIt, exporter: HTMLExporter) -> str:
    if page.kind == "notebook":
        assert page.notebook is not None
        body, _ = exporter.from_notebook_node(publishable_notebook(page.notebook))
        return body
    return markdown.render(page.markdown)
