"""The built-in renderer's page cache: a page whose inputs are unchanged is not rendered again.

Each page gets a key: a digest of everything its HTML is made from (see :func:`page_keys`).
The cache maps a key to the page's rendered bytes, in ``outputs/.cache/pages/``. A rebuild
renders only the pages whose key it does not hold, and copies the others. Aggregate pages
(listings, organisation pages, What's new) are Markdown made from what they show, so their
key changes exactly when what they show does; navigation shown on every page (a new family,
say) changes every page's key.

The build time is the one thing a page shows that is not in its key: a page copied from the
cache keeps the time it was rendered at, as a page Quarto does not render again keeps its
own (:mod:`lhs_reports.site.quarto_state`). Everything else is as a full render makes it.

Entries are written atomically and carry a digest of their bytes: a corrupt or partial entry
is ignored (and removed), and the page is rendered again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

from lhs_reports.data.fingerprint import file_hash
from lhs_reports.engine.cache import code_digest
from lhs_reports.site.model import Page, SiteModel
from lhs_reports.site.provenance import BUILD_TIME
from lhs_reports.site.whats_new import FEED_FILE

__all__ = ["PageCache", "body_key", "page_keys"]

#: Bumped when what a key covers or how an entry is stored changes.
CACHE_VERSION = 1
_MAGIC = b"lhs-reports page cache 1\n"
#: The libraries whose output is on the page: a new version may write different HTML.
_RENDERING_LIBRARIES = ("nbconvert", "nbformat", "markdown-it-py", "jinja2", "pygments",
                        "mistune", "beautifulsoup4", "bleach")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _folder_digest(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): file_hash(path)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _steady(page: Page) -> dict[str, object]:
    fields = dataclasses.asdict(page)
    fields["provenance"] = {k: v for k, v in page.provenance.items() if k != BUILD_TIME}
    fields["notebook"] = file_hash(page.notebook) if page.notebook is not None else None
    return fields


def body_key(page: Page) -> str:
    """A digest of what a page's body (without the site's header and footer) is made from:
    its name, kind and Markdown or executed notebook, the code and the libraries.

    Examples
    --------
    >>> body_key(Page("a", "A", "markdown", "x")) == body_key(Page("a", "B", "markdown", "x"))
    True
    >>> body_key(Page("a", "A", "markdown", "x")) == body_key(Page("a", "A", "markdown", "y"))
    False
    """
    payload = {"version": CACHE_VERSION, "name": page.name, "kind": page.kind,
               "markdown": page.markdown,
               "notebook": file_hash(page.notebook) if page.notebook is not None else None,
               "code": code_digest(),
               "libraries": {name: _version(name) for name in _RENDERING_LIBRARIES}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def page_keys(site: SiteModel, project_templates: Path | None) -> list[str]:
    """One key per page of ``site`` (in order): a digest of what its HTML is made from.

    That is the page itself (its Markdown, or its executed notebook's bytes; its title,
    section and provenance but the build time), what every page shows of the site (title,
    synthetic banner, navigation, the feed's link), the templates (the project's
    ``templates/`` folder and the package's), the lhs-reports code and the versions of the
    libraries that write HTML. A project template may show anything of the model, so with
    one the whole model is in every key.

    Examples
    --------
    >>> from lhs_reports.site.model import NavItem
    >>> site = SiteModel("T", "", False, (Page("a", "A", "markdown", "x"),
    ...                                   Page("b", "B", "markdown", "y")), (), {})
    >>> a, b = page_keys(site, None)
    >>> a != b, page_keys(site, None) == [a, b]
    (True, True)
    >>> navigated = dataclasses.replace(site, nav=(NavItem("A", "a.html"),))
    >>> [key in (a, b) for key in page_keys(navigated, None)]
    [False, False]
    """
    package = resources.files("lhs_reports.site")
    shared: dict[str, object] = {
        "version": CACHE_VERSION,
        "site": {"title": site.title, "subtitle": site.subtitle, "synthetic": site.synthetic,
                 "nav": [dataclasses.asdict(item) for item in site.nav],
                 # The package's template links the feed, and no other download.
                 "feed": any(item.path == FEED_FILE for item in site.files)},
        "templates": {"package": _folder_digest(Path(str(package.joinpath("templates")))),
                      "project": (_folder_digest(project_templates)
                                  if project_templates is not None else {})},
        "code": code_digest(),
        "libraries": {name: _version(name) for name in _RENDERING_LIBRARIES},
    }
    steady = [_steady(page) for page in site.pages]
    if shared["templates"]["project"]:  # type: ignore[index]
        shared["model"] = {
            "pages": steady,
            "provenance": {k: v for k, v in site.provenance.items() if k != BUILD_TIME},
            "files": [(item.path, hashlib.sha256(item.content).hexdigest())
                      for item in site.files]}
    common = json.dumps(shared, sort_keys=True, default=str)
    return [hashlib.sha256((common + json.dumps(fields, sort_keys=True, default=str))
                           .encode()).hexdigest() for fields in steady]


class PageCache:
    """Rendered pages by key, in ``folder``; counts what this build rendered and reused.

    Examples
    --------
    >>> import tempfile
    >>> cache = PageCache(Path(tempfile.mkdtemp()))
    >>> cache.get("k") is None
    True
    >>> cache.put("k", b"<html></html>")
    >>> cache.get("k")
    b'<html></html>'
    >>> _ = (cache.folder / "k").write_bytes(b"half an entr")  # a partial or corrupt entry
    >>> cache.get("k") is None
    True
    """

    def __init__(self, folder: Path, *, reuse: bool = True) -> None:
        self.folder = folder
        #: False renders every page (``--no-render-cache``) and refreshes the entries.
        self.reuse = reuse
        self.rendered = 0
        self.reused = 0
        self.used: set[str] = set()

    def get(self, key: str) -> bytes | None:
        """The page stored under ``key``, or None (none, not intact, or not reusing)."""
        if not self.reuse:
            return None
        path = self.folder / key
        try:
            stored = path.read_bytes()
        except OSError:
            return None
        if stored.startswith(_MAGIC):
            digest, _, page = stored[len(_MAGIC):].partition(b"\n")
            if hashlib.sha256(page).hexdigest().encode() == digest:
                self.used.add(key)
                return page
        path.unlink(missing_ok=True)  # corrupt: rendered again and rewritten
        return None

    def put(self, key: str, page: bytes) -> None:
        """Store ``page`` under ``key`` atomically (best effort: a cache that cannot be
        written only costs a render next time)."""
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + hashlib.sha256(page).hexdigest().encode() + b"\n" + page)
            os.replace(tmp, self.folder / key)
        except OSError:
            return

    def bodies(self, body_of: Callable[[Page], str]) -> Callable[[Page], str]:
        """``body_of`` (:func:`~lhs_reports.site.builtin.page_bodies`) remembered here by
        :func:`body_key`: the board packs convert a report's notebook only when it changed."""

        def cached(page: Page) -> str:
            key = body_key(page)
            stored = self.get(key)
            if stored is not None:
                self.reused += 1
                return stored.decode("utf-8")
            body = body_of(page)
            self.put(key, body.encode("utf-8"))
            self.rendered += 1
            return body

        return cached

    def prune(self) -> None:
        """Remove entries this build did not use (pages gone, or made from older inputs)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)
