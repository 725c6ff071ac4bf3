"""Reading a Pagefind search index (the built-in site's search, :mod:`lhs_reports.site.search`).

Pagefind writes binary, gzip-compressed files under ``site_libs/pagefind/``; a reader's
browser downloads them while searching, so they are published text like any page:

- **fragments** (``fragment/*.pf_fragment``): one per page, its text as indexed (the report
  content of ``<main>``), its title and other metadata, as JSON behind a 12-byte signature.
  Each is decompressed and read: every identifier rule over its text and metadata, and its
  page must be a page of the site (so the fragment is a copy of an audited page, never text
  from elsewhere). The small-count rule is not applied again: a fragment is the page's text
  with its tables flattened into sentences, and the page's tables were audited as tables.
- **word index, metadata and filters** (``*.pf_index``, ``*.pf_meta``, ``*.pf_filter``): the
  words of those same fragments, in a binary (CBOR) layout, mapped to pages and positions.
  Everything they hold is in the fragments, so they are accounted for by reading the
  fragments, not read again.
- **the search engine** (``*.pagefind``: WebAssembly) and its scripts and styles: Pagefind's
  own code, like the rest of ``site_libs/``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Collection
from pathlib import PurePosixPath

from lhs_reports.audit.rules import Finding, identifier_hits

__all__ = ["FRAGMENT_SUFFIX", "SEARCH_INDEX_SUFFIXES", "fragment_findings", "fragment_page"]

FRAGMENT_SUFFIX = ".pf_fragment"
#: Every file a Pagefind index is made of (its scripts and styles are ``site_libs`` code).
SEARCH_INDEX_SUFFIXES = frozenset({FRAGMENT_SUFFIX, ".pf_index", ".pf_meta", ".pf_filter",
                                   ".pagefind"})
#: What Pagefind writes before the JSON of a decompressed fragment.
_SIGNATURE = b"pagefind_dcd"
#: The rule a fragment breaks when it cannot be read or is not a copy of one of the pages.
UNREADABLE_FRAGMENT = "search index fragment not read"
FOREIGN_FRAGMENT = "search index fragment of a page not on the site"


def fragment_page(url: str) -> str:
    """The page (relative to the site) a fragment's ``url`` names.

    Examples
    --------
    >>> fragment_page("/needs_assessment/SYN01.html"), fragment_page("/crisis_flow/")
    ('needs_assessment/SYN01.html', 'crisis_flow/index.html')
    """
    path = url.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    return f"{path}index.html" if path == "" or path.endswith("/") else path


def fragment_findings(data: bytes, relative: str, pages: Collection[str]) -> list[Finding]:
    """Findings for one compressed fragment ``data``; ``pages`` lists the site's pages.

    Examples
    --------
    >>> record = {"url": "/a.html", "content": "Patient 943 476 5919.", "meta": {"title": "A"}}
    >>> data = gzip.compress(b"pagefind_dcd" + json.dumps(record).encode())
    >>> for finding in fragment_findings(data, "site_libs/pagefind/fragment/x.pf_fragment",
    ...                                  {"a.html"}):
    ...     print(finding)
    site_libs/pagefind/fragment/x.pf_fragment: search index text of a.html: \
NHS-number-like identifier ('943 xxx xxxx')
    >>> [f.rule for f in fragment_findings(data, "x.pf_fragment", {"b.html"})]
    ['search index fragment of a page not on the site', 'NHS-number-like identifier']
    """
    try:
        raw = gzip.decompress(data)
        record = json.loads(raw.removeprefix(_SIGNATURE))
        url = str(record["url"])
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError):
        return [Finding(relative, "whole file", UNREADABLE_FRAGMENT,
                        "not a Pagefind fragment (gzip and JSON)")]
    page = fragment_page(url)
    found = []
    if page not in pages:
        found.append(Finding(relative, "url", FOREIGN_FRAGMENT, PurePosixPath(page).name))
    texts = [("text", record.get("content", ""))]
    texts += [(f"metadata {key!r}", value)
              for key, value in (record.get("meta") or {}).items()]
    texts += [("heading anchor", anchor.get("text", ""))
              for anchor in record.get("anchors") or () if isinstance(anchor, dict)]
    for where, text in texts:
        found += [Finding(relative, f"search index {where} of {page}", hit.rule, hit.text)
                  for hit in identifier_hits(str(text))]
    return found
