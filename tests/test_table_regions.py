"""Wide tables scroll in their own labelled, focusable region (reflow at 320 px)."""

from __future__ import annotations

import re

import pandas as pd

from lhs_reports.notebook import table_html
from lhs_reports.site.table_regions import REGION_CLASS, wrap_tables

REGION = re.compile(rf'<div class="{REGION_CLASS}" role="region" tabindex="0" '
                    r'aria-label="([^"]*)">')


def test_each_table_gets_a_region_with_a_name_unique_on_the_page():
    page = ("<h2>A</h2><table><caption>Rates by age</caption></table>"
            "<table><tr><td>1</td></tr></table>"
            "<table><caption>Rates by age</caption></table>")
    labels = REGION.findall(wrap_tables(page))
    assert labels == ["Table 1: Rates by age", "Table 2", "Table 3: Rates by age"]
    assert wrap_tables(page).count("</table></div>") == 3


def test_a_caption_from_data_is_escaped_in_the_label():
    page = '<table><caption>Ward "A" &amp; <em>B</em> &lt;C&gt;</caption></table>'
    [label] = REGION.findall(wrap_tables(page))
    assert label == "Table 1: Ward &quot;A&quot; &amp; B &lt;C&gt;"


def test_wrapping_twice_changes_nothing():
    page = "<p>x</p><table><caption>T</caption></table><p>y</p><TABLE></TABLE>"
    once = wrap_tables(page)
    assert wrap_tables(once) == once
    assert once.startswith("<p>x</p><div") and once.count('role="region"') == 2


def test_a_table_inside_a_table_is_left_as_it_was():
    page = "<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>"
    assert wrap_tables(page) == page


def test_text_around_tables_is_kept_exactly():
    page = "before <table>\n<tr><td>é</td></tr>\n</table > after"
    wrapped = wrap_tables(page)
    assert REGION.sub("", wrapped).replace("</div>", "") == page


def test_a_report_table_is_wrapped_with_its_caption_as_its_name():
    html = table_html(pd.DataFrame({"Ward": ["Oak"], "Rate per 100,000": [12.5]}),
                      caption="Rates by ward")
    assert REGION.findall(wrap_tables(html)) == ["Table 1: Rates by ward"]
