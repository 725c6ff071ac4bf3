"""Search on the built-in site: a static Pagefind index built when the site is rendered.

Pagefind (``pagefind[extended]`` from PyPI, a self-contained binary) reads the rendered pages
and writes a compressed index and its own search interface into ``site_libs/pagefind/``. The
search page (``search.html``) loads both from the site itself: it works offline, from any
static host, with no request to another host. Only each page's report content is indexed
(``data-pagefind-body`` on ``<main>``): navigation and footers would otherwise match every
search. The Quarto site keeps Quarto's own search instead.

The index holds the pages' text, compressed (``*.pf_fragment``: one per page, gzip). The site
audit reads those fragments as it reads any download (:mod:`lhs_reports.audit.files`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pagefind.service import get_executable

from lhs_reports.errors import RenderError

__all__ = ["NOT_INDEXED", "SEARCH_BUNDLE", "SEARCH_PAGE", "index_site", "search_available"]

#: Where the index and Pagefind's own scripts go, relative to the site.
SEARCH_BUNDLE = "site_libs/pagefind"
#: The search page, relative to the site (the built-in renderer writes it).
SEARCH_PAGE = "search.html"
#: Sections of the site left out of the search index (both renderers): the API reference's
#: parameter names and signatures would fill a reader's results for words such as "rate".
NOT_INDEXED = frozenset({"reference"})
#: Seconds Pagefind may take (it indexes ~150 pages in well under a second).
INDEX_TIMEOUT = 300


def search_available() -> bool:
    """Whether the Pagefind binary is installed (it comes with ``pagefind[extended]``)."""
    return get_executable() is not None


def index_site(site_dir: Path, *, timeout: float = INDEX_TIMEOUT) -> Path:
    """Index every page of the rendered site ``site_dir``; returns the bundle folder.

    Raises
    ------
    RenderError
        Pagefind is not installed, fails, or writes no index.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     site = Path(folder)
    ...     _ = (site / "a.html").write_text(
    ...         '<html lang="en"><body><main data-pagefind-body><h1>Eastvale NHS Trust</h1>'
    ...         '</main></body></html>')
    ...     bundle = index_site(site)
    ...     (bundle / "pagefind-ui.js").is_file(), len(list(bundle.glob("fragment/*")))
    (True, 1)
    """
    binary = get_executable()
    if binary is None:
        raise RenderError("the Pagefind search indexer is not installed", path=site_dir,
                          hint="pip install 'pagefind[extended]' (a dependency of "
                          "lhs-reports: reinstall the package)")
    bundle = site_dir / SEARCH_BUNDLE
    try:
        done = subprocess.run(
            [str(binary), "--site", str(site_dir), "--output-subdir", SEARCH_BUNDLE,
             # Links end in index.html, so results open from any static host.
             "--keep-index-url", "--silent"],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
            check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(f"the Pagefind search indexer did not run: {error}",
                          path=site_dir) from error
    if done.returncode != 0 or not (bundle / "pagefind-entry.json").is_file():
        said = (done.stderr or done.stdout).strip().splitlines()
        raise RenderError(
            f"the Pagefind search indexer failed (exit {done.returncode})"
            + (f": {said[-1]}" if said else ""), path=site_dir,
            hint="the published site was left as it was")
    return bundle


def search_page_body(root: str = "") -> str:
    """The search page's content: Pagefind's search box, its results, and a note for readers
    without JavaScript or reading the site from disc (where browsers refuse to load the index).

    ``?q=words`` in the page's address searches at once, so a link can carry a search.

    Examples
    --------
    >>> 'src="site_libs/pagefind/pagefind-ui.js"' in search_page_body()
    True
    """
    return f"""<p>Search every report, methods page and the pages about the data: type an
organisation's name, a measure or a topic.</p>
<label for="lhs-search-input" class="lhs-search-label">Search the reports</label>
<div id="lhs-search" class="lhs-search"></div>
<noscript><p>Search needs JavaScript. Every report is listed from the home page.</p></noscript>
<p class="lhs-search-note">Search works when the site is served from a web server (for a copy on
disc: <code>python -m http.server -d outputs/_site</code>).</p>
<script src="{root}{SEARCH_BUNDLE}/pagefind-ui.js"></script>
<script>
window.addEventListener("DOMContentLoaded", function () {{
  // Result links are made from the folder this page is in: the site may live under a path.
  var ui = new PagefindUI({{element: "#lhs-search", showSubResults: true, showImages: false,
    baseUrl: window.location.pathname.replace(/[^/]*$/, ""),
    translations: {{placeholder: "Search the reports"}}}});
  // Pagefind's box has only a title; the visible label above names it.
  var box = document.querySelector("#lhs-search input");
  if (box) {{ box.id = "lhs-search-input"; }}
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {{ ui.triggerSearch(query); }}
}});
</script>
"""
