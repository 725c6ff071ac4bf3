"""Icon tables on hand-written data: the flow summary and the cross-trust matrix show the
Making Data Count icons with their text equivalents, tinted cells, and every word from the data
still escaped; the site audit reads them without a finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd

from lhs_reports import notebook as nb
from lhs_reports.audit.pages import audit_page
from lhs_reports.plots.mdc_icons import Icon, IconCell
from lhs_reports.reports.flow import (
    flow_panels,
    icon_matrix,
    icon_summary,
    record_panels,
    recorded_icon_cell,
)

from .handmade import trusts_table, varied_monthly

CRISIS = "Crisis referrals seen within 24 hours"


def _shifted(code: str, *, by: int, months: int = 24, end: str = "2025-03-01") -> pd.DataFrame:
    """A trust whose last eight months of crisis contacts seen in 24 hours move by ``by``."""
    frame = varied_monthly(code, months, end=end)
    frame.loc[frame.index[-8:], "crisis_contacts_24h"] += by
    return frame


def _cells(html: str) -> list[ET.Element]:
    # The table is XHTML-clean apart from entities the parser knows.
    return list(ET.fromstring(html.split("\n<p")[0]).iter("td"))


def test_the_summary_shows_icons_with_their_words_read_once():
    panels = flow_panels(_shifted("RX4", by=40), period_end="2025-03",
                         targets={"crisis_24h": 50.0})
    summary = icon_summary(panels).set_index("Indicator")
    assert isinstance(summary.loc[CRISIS, "Variation"], IconCell)
    assert str(summary.loc[CRISIS, "Variation"]) == "Improvement (higher)"
    assert str(summary.loc[CRISIS, "Assurance"]) == "Consistently meets target"
    html = nb.table_html(icon_summary(panels))
    row = next(r for r in ET.fromstring(html).iter("tr") if CRISIS in "".join(r.itertext()))
    variation = row.findall("td")[5]
    assert variation.get("class") == "lhs-mdc-cell lhs-mdc-improvement"
    svg = variation.find(".//{http://www.w3.org/2000/svg}svg")
    # Words beside the icon are what is read; the icon itself is hidden from screen readers.
    assert svg.get("aria-hidden") == "true"
    assert "Improvement (higher)" in "".join(variation.itertext())
    assert "No target" in html  # a measure without a target says so in words


def test_the_matrix_is_icons_in_tinted_cells_with_names_from_the_data_escaped():
    monthly = pd.concat([_shifted("RX4", by=40), _shifted("TAH", by=-40),
                         varied_monthly("RW5", 18, end="2024-06-01")], ignore_index=True)
    trusts = trusts_table(["RX4", "TAH", "RW5"])
    trusts.loc[0, "trust_name"] = "A & <B>"
    trusts.loc[1, "trust_name"] = "<script>alert(1)</script>"
    matrix = icon_matrix(monthly, trusts, period_end="2025-03").set_index("Trust")
    assert str(matrix.loc["A & <B> (RX4)", CRISIS]) == "Improvement (higher)"
    assert str(matrix.loc["<script>alert(1)</script> (TAH)", CRISIS]) == "Concern (lower)"
    assert set(matrix.loc["Trust RW5 (RW5)"]) == {"Left out: its data end in June 2024"}

    html = nb.table_html(matrix.reset_index(), caption="Variation by trust")
    assert "A &amp; &lt;B&gt; (RX4)" in html and "<B>" not in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    classes = [cell.get("class") for cell in _cells(html)]
    assert "lhs-mdc-cell lhs-mdc-improvement" in classes
    assert "lhs-mdc-cell lhs-mdc-concern" in classes
    assert "lhs-mdc-cell lhs-mdc-common" in classes
    # Standing alone, each icon is an image named by its text equivalent.
    svgs = list(ET.fromstring(html).iter("{http://www.w3.org/2000/svg}svg"))
    assert svgs and all(svg.get("role") == "img" and svg.get("aria-label") for svg in svgs)
    assert Icon("improvement_high").text in {svg.get("aria-label") for svg in svgs}
    left_out = [cell for cell in _cells(html)
                if "".join(cell.itertext()) == "Left out: its data end in June 2024"]
    assert len(left_out) == 6 and all(cell.get("class") is None for cell in left_out)
    assert audit_page(html, "flow_variation.html") == []


def test_text_from_the_data_can_never_become_icon_markup():
    forged = "@lhs-icon-0@"
    frame = pd.DataFrame({"Trust": [forged, "Trust RX4"],
                          "Crisis": ["Too few points", Icon("concern_high")]})
    html = nb.table_html(frame)
    assert html.count("<svg") == 1 and f"<td>{forged}</td>" in html
    assert '<td class="lhs-mdc-cell lhs-mdc-concern">' in html


def test_icon_cells_pass_disclosure_control_untouched():
    cell = IconCell((Icon("common_cause"), Icon("inconsistent")))
    frame = pd.DataFrame({"Indicator": ["Crisis"], "Variation": [cell], "Patients": [3]})
    shown = nb.publishable(frame)
    assert shown.loc[0, "Variation"] is cell and shown.loc[0, "Patients"] == "*"
    assert "Common cause; hit and miss" in nb.table_text(frame)


def test_an_organisation_page_can_draw_the_same_icons_from_the_recorded_results(monkeypatch):
    import lhs_reports.results

    recorded: dict[str, object] = {}
    monkeypatch.setattr(lhs_reports.results, "record",
                        lambda name, value, **_: recorded.__setitem__(name, value))
    short = varied_monthly("RW5", 5)
    for monthly in (_shifted("RX4", by=40), short):
        panels = flow_panels(monthly, period_end="2025-03", targets={"crisis_24h": 50.0})
        record_panels(panels)
        summary = icon_summary(panels)
        for panel, shown in zip(panels, summary["Variation"], strict=True):
            again = recorded_icon_cell(recorded, panel.indicator.id, with_text=True)
            assert str(again).split(";")[0] == str(shown)
    assert str(recorded_icon_cell(recorded, "crisis_24h")) == "Too few points for process limits"
