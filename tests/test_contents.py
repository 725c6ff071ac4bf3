"""The built-in renderer's contents list, from a page's level-2 headings."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from lhs_reports import notebook as nb
from lhs_reports.site.contents import with_contents

#: A section heading as nbconvert writes a notebook's Markdown cell.
NBCONVERT_H2 = ('<div class="jp-RenderedMarkdown"><h2 id="{slug}">{text}<a class="anchor-link" '
                'href="#{slug}">¶</a></h2></div>')


def nav_links(page: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="lhs-contents" aria-label="Contents">(.*?)</nav>', page)
    assert nav is not None, page
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(1))


def test_a_report_lists_its_sections_after_its_key_findings_not_the_box_itself():
    sections = [("Who-lives-here", "Who lives here"), ("Rates-&amp;-gaps", "Rates &amp; gaps"),
                ("Peers", "Peers")]
    body = ('<h1 class="lhs-title">Needs assessment: Riverside</h1>'
            + nb.key_findings_html(["Admissions are higher."])
            + "".join(NBCONVERT_H2.format(slug=s, text=t) for s, t in sections))
    page = with_contents(body)
    assert nav_links(page) == [("Who-lives-here", "Who lives here"),
                               ("Rates-&amp;-gaps", "Rates &amp; gaps"), ("Peers", "Peers")]
    # After the box, before the first section; the pilcrow is not part of an entry.
    assert page.index("</section>") < page.index("<nav") < page.index('<h2 id="Who-lives')
    assert "¶</a></li>" not in page


def test_a_markdown_page_s_headings_get_ids_to_link_to_each_unique():
    body = MarkdownIt("commonmark").render("## Method\n\ntext\n\n## Method\n\n## Notes & more\n")
    page = with_contents(body)
    assert nav_links(page) == [("method", "Method"), ("method-2", "Method"),
                               ("notes-more", "Notes &amp; more")]
    assert '<h2 id="method">Method</h2>' in page and '<h2 id="method-2">Method</h2>' in page


def test_a_short_page_has_no_contents_list():
    body = nb.key_findings_html(["One."]) + "<h2>One</h2><h2>Two</h2>"
    assert with_contents(body) == body
