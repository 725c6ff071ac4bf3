"""Notebook display helpers: escaped text, captions, disclosure control by default."""

from __future__ import annotations

import pandas as pd

from lhs_reports.notebook import header_html, table_html


def test_tables_escape_text_add_the_caption_and_suppress_small_counts_by_default():
    frame = pd.DataFrame({"Group": ["<b>A</b>", "B"], "Events": [3, 12]})
    html = table_html(frame, caption="Events & rates")
    assert "<caption>Events &amp; rates</caption>" in html
    assert "&lt;b&gt;A&lt;/b&gt;" in html
    assert "<td>*</td>" in html and "<td>10</td>" in html
    assert "Events_suppressed" not in html


def test_header_escapes_parameter_text_and_carries_the_synthetic_banner_for_synthetic_data():
    html = header_html("Report", "<script>x</script>", period="2025-03", synthetic=True)
    assert "<script>" not in html and "SYNTHETIC" in html


def test_a_header_says_nothing_of_synthetic_data_unless_told_the_data_are():
    html = header_html("Report", "Trust A", period="2025-03")
    assert "synthetic" not in html.lower() and "fictitious" not in html.lower()


def test_a_count_column_with_a_missing_value_is_still_a_count():
    from lhs_reports.notebook import table_html

    frame = pd.DataFrame({"Ward": ["Oak", "Ash", "Elm"], "Patients": [3.0, None, 42.0],
                          "Rate per 100,000": [2.0, 4.0, 6.0]})
    html = table_html(frame)
    assert "<td>3.0</td>" not in html and "<td>*</td>" in html and "<td>40</td>" in html
    assert "<td>2.0</td>" in html  # a rate is not a count, whole or not
