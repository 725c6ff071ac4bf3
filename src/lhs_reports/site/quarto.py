"""Rendering the site with the Quarto CLI (``quarto render``, as a subprocess).

The project's ``_quarto.yml`` at the root is the user's site configuration (theme, extra
navigation, options). A build stages a complete Quarto website project under
``outputs/.site_src/``: the root ``_quarto.yml`` with the generated navigation merged in,
the hand-written pages, the theme from ``templates/``, the generated listing pages (``.qmd``) and
the executed notebooks (``.ipynb`` with a raw front-matter cell, which Quarto renders from their
stored outputs without executing them). ``quarto render`` then writes the staged ``_site``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from lhs_reports.errors import RenderError
from lhs_reports.site.pages import Page, SiteModel
from lhs_reports.site.provenance import provenance_html
from lhs_reports.text import yaml_title

QUARTO_CONFIG = "_quarto.yml"
BANNER_INCLUDE = "synthetic-banner.html"


def quarto_available() -> bool:
    """True when the ``quarto`` CLI is on PATH."""
    return shutil.which("quarto") is not None


def staged_config(root_config: dict[str, Any], site: SiteModel) -> dict[str, Any]:
    """The root ``_quarto.yml`` with generated navigation, output folder and banner."""
    config = dict(root_config)
    project = dict(config.get("project") or {})
    project["type"] = "website"
    project["output-dir"] = "_site"
    project.pop("render", None)
    config["project"] = project
    website = dict(config.get("website") or {})
    website.setdefault("title", site.title)
    navbar = dict(website.get("navbar") or {})
    generated = [{"text": item.text, "href": item.href.removesuffix(".html") + _suffix(item, site)}
                 for item in site.nav]
    extra = [i for i in navbar.get("left", []) if i not in generated]
    navbar["left"] = generated + extra
    website["navbar"] = navbar
    config["website"] = website
    if site.synthetic:
        formats = dict(config.get("format") or {})
        html = dict(formats.get("html") or {})
        includes = list(html.get("include-before-body") or [])
        if BANNER_INCLUDE not in includes:
            includes.insert(0, BANNER_INCLUDE)
        html["include-before-body"] = includes
        formats["html"] = html
        config["format"] = formats
    return config


def _suffix(item: Any, site: SiteModel) -> str:
    page = next((p for p in site.pages if p.html_path == item.href), None)
    return ".ipynb" if page is not None and page.kind == "notebook" else ".qmd"


def _front_matter(page: Page) -> str:
    return "---\n" + yaml.safe_dump({"title": yaml_title(page.title)}, sort_keys=False,
                                     allow_unicode=True) + "---\n"


def stage(site: SiteModel, project_root: Path, stage_dir: Path) -> Path:
    """Write the Quarto project for ``site`` into ``stage_dir`` (recreated)."""
    import nbformat

    from lhs_reports.site.notebooks import publishable_notebook

    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    root_config_path = project_root / QUARTO_CONFIG
    root_config = yaml.safe_load(root_config_path.read_text()) if root_config_path.is_file() else {}
    (stage_dir / QUARTO_CONFIG).write_text(
        yaml.safe_dump(staged_config(root_config or {}, site), sort_keys=False))
    templates = project_root / "templates"
    if templates.is_dir():
        for asset in templates.iterdir():
            if asset.is_file() and asset.suffix in {".scss", ".css", ".html"}:
                shutil.copyfile(asset, stage_dir / asset.name)
    if site.synthetic and not (stage_dir / BANNER_INCLUDE).exists():
        (stage_dir / BANNER_INCLUDE).write_text(
            '<div class="lhs-synthetic-banner" role="note"><strong>SYNTHETIC</strong> '
            "demonstration data: the trusts are fictitious and case-study series are "
            "illustrative.</div>\n")
    for page in site.pages:
        footer = "\n\n" + provenance_html(page.provenance) + "\n"
        if page.kind == "notebook":
            assert page.notebook is not None
            notebook = publishable_notebook(page.notebook)
            notebook.cells.insert(0, nbformat.v4.new_raw_cell(_front_matter(page)))
            notebook.cells.append(nbformat.v4.new_markdown_cell(footer.strip()))
            target = stage_dir / f"{page.name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
        else:
            target = stage_dir / f"{page.name}.qmd"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_front_matter(page) + "\n" + page.markdown + footer,
                              encoding="utf-8")
    return stage_dir


def render_quarto(site: SiteModel, project_root: Path, stage_dir: Path, *,
                  timeout: float = 1800) -> Path:
    """Stage the site and run ``quarto render``; returns the rendered ``_site`` folder."""
    if not quarto_available():
        raise RenderError("the quarto CLI is not on PATH",
                          hint="install Quarto (quarto.org) or use --renderer builtin")
    stage(site, project_root, stage_dir)
    try:
        completed = subprocess.run(["quarto", "render", "--no-execute"], cwd=stage_dir,
                                   capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"quarto render took longer than {timeout:.0f} s",
                          path=stage_dir, hint="look for a very large page") from None
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
        raise RenderError(f"quarto render failed (exit {completed.returncode}):\n{tail}",
                          path=stage_dir, hint="fix the page named above, or use "
                          "--renderer builtin")
    return stage_dir / "_site"
