"""The site's model, independent of the renderer: its pages, navigation and files.

:func:`lhs_reports.site.pages.site_model` makes it; both renderers, the board packs and the
site's key read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["NavItem", "Page", "SiteFile", "SiteModel"]


@dataclass(frozen=True)
class Page:
    """One page of the site; ``name`` is its path without suffix (``needs_assessment/SYN01``).

    ``title`` is the page's heading; ``document_title`` names the page on its own, away from
    the site (a browser tab, a bookmark, a search result), so it says which report as well as
    which organisation: a trust has several reports whose heading is the trust's name alone.
    Empty means the same as ``title``.
    """

    name: str
    title: str
    kind: Literal["markdown", "notebook"]
    markdown: str = ""
    notebook: Path | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    section: str = ""
    document_title: str = ""

    @property
    def depth(self) -> int:
        return self.name.count("/")

    @property
    def html_path(self) -> str:
        return f"{self.name}.html"


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str  # relative to the site root


@dataclass(frozen=True)
class SiteFile:
    """A file published as it is (a download): ``path`` relative to the site, with ``/``."""

    path: str
    content: bytes


@dataclass(frozen=True)
class SiteModel:
    title: str
    subtitle: str
    synthetic: bool
    pages: tuple[Page, ...]
    nav: tuple[NavItem, ...]
    provenance: dict[str, str]
    files: tuple[SiteFile, ...] = ()
