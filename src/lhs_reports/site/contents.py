"""A page's contents list for the built-in renderer, from its section headings.

Quarto writes its own table of contents (``toc: true`` in ``_quarto.yml``) from the Markdown
headings of a page; the built-in renderer lists the same level-2 headings in a
``<nav aria-label="Contents">`` placed just before the first of them (after a report's header
and key findings), when a page has at least :data:`MIN_SECTIONS` of them. Headings without an
id (markdown-it writes none) are given one, so the links have somewhere to go.
"""

from __future__ import annotations

import html
import re

#: Fewer sections than this and a page is short enough to read without a contents list.
MIN_SECTIONS = 3

#: Headings the contents list leaves out: the key-findings box sits above the list.
NOT_LISTED = frozenset({"key-findings"})

_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2\s*>", re.IGNORECASE | re.DOTALL)
_ID = re.compile(r"""\bid\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
#: nbconvert's pilcrow link inside each heading: not part of the heading's words.
_ANCHOR_LINK = re.compile(r"<a\b[^>]*\banchor-link\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def heading_text(inner_html: str) -> str:
    """A heading's words from its inner HTML: tags and nbconvert's pilcrow link removed.

    Examples
    --------
    >>> heading_text('Rates &amp; gaps<a class="anchor-link" href="#Rates">¶</a>')
    'Rates & gaps'
    """
    text = _TAG.sub("", _ANCHOR_LINK.sub("", inner_html))
    return " ".join(html.unescape(text).split())


def _slug(text: str, taken: set[str]) -> str:
    base = _NOT_SLUG.sub("-", text.lower()).strip("-") or "section"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def with_contents(body: str, *, minimum: int = MIN_SECTIONS) -> str:
    """``body`` with a contents list of its level-2 headings, when it has at least ``minimum``
    (the key-findings heading is not listed); ``body`` unchanged otherwise.

    Examples
    --------
    >>> body = "<h1>Report</h1>" + "".join(f"<h2>Part {n}</h2><p>x</p>" for n in (1, 2, 3))
    >>> page = with_contents(body)
    >>> '<nav class="lhs-contents" aria-label="Contents">' in page
    True
    >>> '<li><a href="#part-2">Part 2</a></li>' in page and '<h2 id="part-2">' in page
    True
    >>> with_contents("<h2>Only</h2><h2>Two</h2>") == "<h2>Only</h2><h2>Two</h2>"
    True
    """
    found = list(_H2.finditer(body))
    listed = [m for m in found if _heading_id(m) not in NOT_LISTED]
    if len(listed) < minimum:
        return body
    taken = {m.group(2) for m in _ID.finditer(body)}
    entries: list[tuple[str, str]] = []
    pieces: list[str] = []
    last = 0
    nav_at = listed[0].start()
    for match in found:
        attributes, inner = match.group(1), match.group(2)
        anchor = _heading_id(match)
        if anchor is None:
            anchor = _slug(heading_text(inner), taken)
            attributes = f' id="{html.escape(anchor, quote=True)}"{attributes}'
        if anchor not in NOT_LISTED:
            entries.append((anchor, heading_text(inner)))
        pieces.append(body[last:match.start()])
        if match.start() == nav_at:
            pieces.append("\x00")  # where the list goes, once its entries are known
        pieces.append(f"<h2{attributes}>{inner}</h2>")
        last = match.end()
    pieces.append(body[last:])
    return "".join(pieces).replace("\x00", contents_nav(entries), 1)


def _heading_id(match: re.Match[str]) -> str | None:
    found = _ID.search(match.group(1))
    return html.unescape(found.group(2)) if found else None


def contents_nav(entries: list[tuple[str, str]]) -> str:
    """The contents list: a labelled navigation landmark linking each ``(id, words)``.

    Examples
    --------
    >>> contents_nav([("a-b", "A & B")]).split("<ol>")[1]
    '<li><a href="#a-b">A &amp; B</a></li></ol></nav>'
    """
    items = "".join(f'<li><a href="#{html.escape(anchor, quote=True)}">{html.escape(text)}'
                    "</a></li>" for anchor, text in entries)
    return ('<nav class="lhs-contents" aria-label="Contents">'
            f'<p class="lhs-contents-title">Contents</p><ol>{items}</ol></nav>')
