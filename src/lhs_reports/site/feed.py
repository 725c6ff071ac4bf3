"""The Atom 1.0 feed of what changed at each publication (``whats-new.xml``).

One ``<entry>`` per publication kept in the results history, newest first, its content the list
of changes (escaped HTML, with links to the report pages). Links are absolute when the catalogue
gives the site's address (``site.url``), otherwise relative to the feed, which sits at the site
root: readers resolve them against the address they fetched the feed from (RFC 4287 section
4.2.7 allows relative references). Identifiers are ``urn:uuid:`` names made from the site's
title and each publication's build id, so they stay the same from build to build.

References
----------
.. [1] Nottingham M, Sayre R (2005). The Atom Syndication Format. RFC 4287.
   https://www.rfc-editor.org/rfc/rfc4287
"""

from __future__ import annotations

import html
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import urljoin

from lhs_reports.site.changes import Change, report_title
from lhs_reports.site.history import History
from lhs_reports.site.whats_new import FEED_FILE, PAGE_NAME, publication_changes, published_text

__all__ = ["ATOM", "whats_new_feed"]

ATOM = "http://www.w3.org/2005/Atom"


def _href(path: str, site_url: str) -> str:
    return urljoin(site_url if site_url.endswith("/") else site_url + "/", path) if site_url \
        else path


def _content(changes: tuple[Change, ...], first: bool, site_url: str,
             family_titles: Mapping[str, str]) -> str:
    if first:
        return "<p>The first publication kept in the history: nothing earlier to compare " \
               "with.</p>"
    if not changes:
        return "<p>No signal, assurance, funnel position or significant difference changed; " \
               "figures may have been updated.</p>"
    items = []
    for change in changes:
        report = report_title(change, family_titles)
        items.append(f"<li>{html.escape(change.name)}: {html.escape(change.sentence)} (see "
                     f'<a href="{html.escape(_href(change.html_path, site_url))}">'
                     f"{html.escape(report)}</a>)</li>")
    return "<ul>" + "".join(items) + "</ul>"


def whats_new_feed(history: History, *, site_title: str, site_url: str = "",
                   family_titles: Mapping[str, str] | None = None) -> bytes:
    """The feed's bytes (UTF-8 XML); an empty history gives a feed without entries.

    Examples
    --------
    >>> from lhs_reports.site.history import Entry
    >>> feed = whats_new_feed(History((Entry("2025-04-02T09:30:00+00:00", "r1", ()),)),
    ...                       site_title="Reports & <more>")
    >>> root = ET.fromstring(feed)
    >>> root.find(f"{{{ATOM}}}title").text
    "Reports & <more>: what's new"
    >>> root.find(f"{{{ATOM}}}entry/{{{ATOM}}}updated").text
    '2025-04-02T09:30:00+00:00'
    """
    titles = family_titles or {}
    ET.register_namespace("", ATOM)
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lhs-reports:{site_title}:{FEED_FILE}")
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str
            ) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        element.text = text
        return element

    published = publication_changes(history)
    add(feed, "id", f"urn:uuid:{feed_id}")
    add(feed, "title", f"{site_title}: what's new")
    add(feed, "subtitle", "What changed in the headline results at each publication")
    add(feed, "updated", published[0][0].published if published
        else "1970-01-01T00:00:00+00:00")
    author = add(feed, "author")
    add(author, "name", site_title)
    add(feed, "link", rel="self", type="application/atom+xml", href=_href(FEED_FILE, site_url))
    add(feed, "link", rel="alternate", type="text/html",
        href=_href(f"{PAGE_NAME}.html", site_url))
    for entry, before, changes in published:
        item = add(feed, "entry")
        add(item, "id", f"urn:uuid:{uuid.uuid5(feed_id, entry.build + entry.published)}")
        count = len(changes)
        summary = ("first publication" if before is None else
                   f"{count} change{'' if count == 1 else 's'}" if count else "no signal changed")
        add(item, "title", f"Published {published_text(entry)}: {summary}")
        add(item, "updated", entry.published)
        add(item, "link", rel="alternate", type="text/html",
            href=_href(f"{PAGE_NAME}.html", site_url))
        add(item, "content", _content(changes, before is None, site_url, titles), type="html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
