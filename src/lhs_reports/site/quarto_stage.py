"""The files of the Quarto project a build renders: configuration, theme, and one per page.

The staged project mirrors a project's layout, so paths in the root ``_quarto.yml``
(``templates/theme.scss``, the project's own or else the package's) mean the same thing in
both. From the root configuration it keeps
the user's settings and adds the generated navigation, the ``_site`` output folder and the
SYNTHETIC banner; it drops what only makes sense at the root (the explicit ``render`` list and
the guard that stops ``quarto render`` there, see ``scripts/quarto-root-guard.ts``). The site's
downloads (the data templates) are staged as project ``resources``.

Each staged file carries a digest of its content with the build time left out, so a later
build can tell which pages a reader would see differently and render only those.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lhs_reports.packaged import site_files
from lhs_reports.site.pages import Page, SiteModel, html_title
from lhs_reports.site.provenance import BUILD_TIME, provenance_html
from lhs_reports.site.search import NOT_INDEXED
from lhs_reports.site.whats_new import FEED_FILE
from lhs_reports.text import yaml_title

QUARTO_CONFIG = "_quarto.yml"
BANNER_INCLUDE = "synthetic-banner.html"
#: The site's icon, from the package's static files.
FAVICON = "favicon.svg"
#: The package's scripts pages load from ``site_libs/`` (the built-in renderer ships the same
#: files there, :data:`lhs_reports.site.builtin.STATIC_FILES`): staged there, as resources.
SCRIPTS = ("lhs-organisations.js",)
#: The accessibility statement's staged page.
ACCESSIBILITY = "accessibility.qmd"
#: The root ``_quarto.yml``'s pre-render script that tells a user to run ``lhs-reports build``.
ROOT_GUARD = "scripts/quarto-root-guard.ts"
#: Files from ``templates/`` a page or the theme can use (scaffolds such as ``.qmd`` would
#: become pages).
TEMPLATE_ASSETS = {".scss", ".css", ".html", ".js", ".svg", ".png", ".ico", ".woff2"}
_FOOTER = "lhs-reports-provenance-footer-placeholder"


@dataclass(frozen=True)
class StagedFile:
    """One file of the staged project.

    ``path`` is relative to the project, with ``/``; ``digest`` is what decides whether it
    must be rendered again (its content, except the build time).
    """

    path: str
    content: bytes
    digest: str


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def staged_config(root_config: dict[str, Any], site: SiteModel) -> dict[str, Any]:
    """The root ``_quarto.yml`` with generated navigation, output folder and banner.

    Examples
    --------
    >>> root = {"project": {"type": "website", "output-dir": "_root_site",
    ...                     "render": ["index.qmd"], "pre-render": [ROOT_GUARD]}}
    >>> site = SiteModel("Reports", "", False, (), (), {})
    >>> staged_config(root, site)["project"]
    {'type': 'website', 'output-dir': '_site'}
    """
    config = dict(root_config)
    project = dict(config.get("project") or {})
    project["type"] = "website"
    project["output-dir"] = "_site"
    project.pop("render", None)
    scripts = [s for s in _as_list(project.pop("pre-render", None)) if s != ROOT_GUARD]
    if scripts:
        project["pre-render"] = scripts
    resources = _as_list(project.get("resources"))
    resources += [item.path for item in site.files if item.path not in resources]
    resources += [path for path in scripts_used(site) if path not in resources]
    if resources:
        project["resources"] = resources
    config["project"] = project
    website = dict(config.get("website") or {})
    website.setdefault("title", site.title)
    website.setdefault("favicon", FAVICON)
    # Every page's footer links the accessibility statement, as the built-in pages do.
    website.setdefault("page-footer", {"center": [{"text": "Accessibility statement",
                                                   "href": ACCESSIBILITY}]})
    navbar = dict(website.get("navbar") or {})
    generated = [{"text": item.text, "href": item.href.removesuffix(".html") + _suffix(item, site)}
                 for item in site.nav]
    extra = [i for i in navbar.get("left", []) if i not in generated]
    navbar["left"] = generated + extra
    website["navbar"] = navbar
    config["website"] = website
    formats = dict(config.get("format") or {})
    html = dict(formats.get("html") or {})
    # Code blocks (the guides, the API reference) wrap rather than scroll inside the page at
    # 320 px, as on the built-in site; a project's own setting wins.
    html.setdefault("code-overflow", "wrap")
    formats["html"] = html
    config["format"] = formats
    if site.synthetic:
        includes = list(html.get("include-before-body") or [])
        if BANNER_INCLUDE not in includes:
            includes.insert(0, BANNER_INCLUDE)
        html["include-before-body"] = includes
        formats["html"] = html
        config["format"] = formats
    return config


def scripts_used(site: SiteModel) -> list[str]:
    """The package's scripts (:data:`SCRIPTS`) a Markdown page of ``site`` loads, as paths in
    the site (``site_libs/<name>``).

    Examples
    --------
    >>> page = Page("index", "Home", "markdown", '<script src="site_libs/lhs-organisations.js">')
    >>> scripts_used(SiteModel("Reports", "", False, (page,), (), {}))
    ['site_libs/lhs-organisations.js']
    """
    paths = [f"site_libs/{name}" for name in SCRIPTS]
    return [path for path in paths if any(path in page.markdown for page in site.pages)]


def script_files(site: SiteModel) -> list[StagedFile]:
    """The package's scripts the pages of ``site`` load (:func:`scripts_used`), as files."""
    found = []
    for path in scripts_used(site):
        script = resources.files("lhs_reports.site").joinpath(
            "static", path.removeprefix("site_libs/")).read_bytes()
        found.append(StagedFile(path, script, _digest(script)))
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _suffix(item: Any, site: SiteModel) -> str:
    page = next((p for p in site.pages if p.html_path == item.href), None)
    return ".ipynb" if page is not None and page.kind == "notebook" else ".qmd"


def config_files(site: SiteModel, project_root: Path) -> list[StagedFile]:
    """The project-wide files: ``_quarto.yml``, the theme and assets, the banner, the
    downloads.

    A change to any of them can change every page, so it means a full render.
    """
    root_config_path = project_root / QUARTO_CONFIG
    root_config = yaml.safe_load(root_config_path.read_text()) if root_config_path.is_file() else {}
    config = yaml.safe_dump(staged_config(root_config or {}, site), sort_keys=False,
                            allow_unicode=True).encode()
    files = [StagedFile(QUARTO_CONFIG, config, _digest(config))]
    # The project's templates/ and the package's (the theme), the project's file winning.
    for asset in site_files(project_root, "templates", TEMPLATE_ASSETS):
        data = asset.path.read_bytes()
        files.append(StagedFile(asset.name, data, _digest(data)))
    templates = project_root / "templates"
    if site.synthetic:
        # The project's own banner (templates/synthetic-banner.html) if it has one.
        own = templates / BANNER_INCLUDE
        banner = own.read_bytes() if own.is_file() else (
            b'<section class="lhs-synthetic-banner" aria-label="Synthetic data">'
            b"<strong>SYNTHETIC</strong> demonstration data: the trusts are fictitious and "
            b"case-study series are illustrative.</section>\n")
        files.append(StagedFile(BANNER_INCLUDE, banner, _digest(banner)))
    favicon = resources.files("lhs_reports.site").joinpath("static", FAVICON).read_bytes()
    files.append(StagedFile(FAVICON, favicon, _digest(favicon)))
    files += script_files(site)
    files += [StagedFile(item.path, item.content, _digest(item.content)) for item in site.files]
    return files


def _front_matter(title: str, page: Page, site: SiteModel) -> str:
    meta: dict[str, object] = {
        "title": title,
        # The whole <title>: without an empty prefix Quarto appends " - <site title>".
        "pagetitle": yaml_title(html_title(page, site.title)),
        "title-prefix": "",
    }
    if page.section in NOT_INDEXED:
        meta["search"] = False  # Quarto's search leaves the page out, as Pagefind does
    if any(item.path == FEED_FILE for item in site.files):
        # Per page, so the link leads up from the page's folder to the site root.
        meta["include-in-header"] = {"text": (
            f'<link rel="alternate" type="application/atom+xml" title="What\'s new: '
            f'{html.escape(site.title)}" href="{"../" * page.depth}{FEED_FILE}">')}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def page_file(page: Page, site: SiteModel) -> StagedFile:
    """The staged source of one page: ``NAME.qmd`` or, for a report, ``NAME.ipynb``."""
    footer = provenance_html(page.provenance)
    steady = provenance_html({k: v for k, v in page.provenance.items() if k != BUILD_TIME})
    escape: Callable[[str], str]
    if page.kind == "notebook":
        text, escape = _notebook_text(page, site), _json_string
        path = f"{page.name}.ipynb"
    else:
        text = (_front_matter(yaml_title(page.title), page, site) + "\n" + page.markdown
                + "\n\n" + _FOOTER + "\n")
        escape, path = str, f"{page.name}.qmd"
    content = text.replace(_FOOTER, escape(footer))
    digest = _digest(text.replace(_FOOTER, escape(steady)))
    return StagedFile(path, content.encode(), digest)


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _notebook_text(page: Page, site: SiteModel) -> str:
    import nbformat

    from lhs_reports.site.notebooks import publishable_notebook
    from lhs_reports.site.quarto_notebook import html_outputs_as_markdown, lift_first_heading

    assert page.notebook is not None
    notebook = publishable_notebook(page.notebook, page.name)
    cells = html_outputs_as_markdown(list(notebook.cells))
    heading, is_markdown = lift_first_heading(cells)
    title = heading if heading is not None and is_markdown else yaml_title(heading or page.title)
    notebook.cells = [nbformat.v4.new_raw_cell(_front_matter(title, page, site)), *cells,
                      nbformat.v4.new_markdown_cell(_FOOTER)]
    # New cells get random ids; numbered ones keep a page's digest the same between builds.
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    return str(nbformat.writes(notebook))


def staged_files(site: SiteModel, project_root: Path) -> tuple[list[StagedFile],
                                                                  list[StagedFile]]:
    """``(configuration files, page files)`` of the Quarto project for ``site``."""
    return config_files(site, project_root), [page_file(page, site) for page in site.pages]


def write_files(project_dir: Path, files: list[StagedFile]) -> None:
    """Write ``files`` under ``project_dir``, creating folders."""
    for staged in files:
        target = project_dir / staged.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(staged.content)


def stage(site: SiteModel, project_root: Path, stage_dir: Path) -> Path:
    """Write the whole Quarto project for ``site`` into ``stage_dir`` (recreated)."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    config, pages = staged_files(site, project_root)
    write_files(stage_dir, config + pages)
    return stage_dir
