"""The Making Data Count icons: valid, named for screen readers, small, deterministic, and
covering every icon name the statistics can give."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from lhs_reports.plots import mdc_icons
from lhs_reports.plots.mdc_icons import (
    ASSURANCE_ICONS,
    VARIATION_ICONS,
    Icon,
    IconCell,
    icon_cell,
    icon_key_html,
)
from lhs_reports.stats.spc import assurance_icon, variation_icon, xmr

SVG = "{http://www.w3.org/2000/svg}"
ALL_ICONS = [*VARIATION_ICONS, *ASSURANCE_ICONS]
SITE = Path(mdc_icons.__file__).resolve().parents[1] / "site"


def _contrast(first: str, second: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ALL_ICONS)
def test_each_icon_is_valid_svg_named_by_its_text_for_screen_readers(name):
    icon = Icon(name)
    root = ET.fromstring(icon.svg())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("focusable") == "false"
    assert root.get("aria-label") == icon.text
    assert root.find(f"{SVG}title").text == icon.text
    assert root.get("width").endswith("em") and root.get("height").endswith("em")
    # Many copies on one page must not collide.
    assert all(element.get("id") is None for element in root.iter())


@pytest.mark.parametrize("name", ALL_ICONS)
def test_a_decorative_icon_is_hidden_from_screen_readers_and_has_no_title(name):
    root = ET.fromstring(Icon(name).svg(decorative=True))
    assert root.get("aria-hidden") == "true" and root.get("role") is None
    assert root.find(f"{SVG}title") is None and root.get("aria-label") is None


@pytest.mark.parametrize("name", ALL_ICONS)
def test_each_icon_is_small_and_the_same_bytes_every_time(name):
    first = Icon(name).svg()
    mdc_icons._svg.cache_clear()
    assert Icon(name).svg() == first
    assert len(first.encode("utf-8")) < 1500


def test_every_icon_looks_different_and_says_high_low_pass_fail_by_letter_not_colour_only():
    drawn = {name: Icon(name).svg(decorative=True) for name in ALL_ICONS}
    assert len(set(drawn.values())) == len(drawn)
    letters = {name: "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
               for name, svg in drawn.items()}
    assert letters == {"common_cause": "", "improvement_high": "H", "improvement_low": "L",
                       "concern_high": "H", "concern_low": "L", "neutral_high": "H",
                       "neutral_low": "L", "consistent_pass": "P", "consistent_fail": "F",
                       "inconsistent": "?"}


def test_every_letter_reads_at_4_5_to_1_or_more_on_the_white_of_its_ring():
    for name in ALL_ICONS:
        for text in ET.fromstring(Icon(name).svg()).iter(f"{SVG}text"):
            assert _contrast(text.get("fill"), "#FFFFFF") >= 4.5, name


def test_the_icons_cover_every_name_the_statistics_give():
    given = set()
    up, down = [5.0] * 14 + [9.0], [5.0] * 14 + [1.0]
    for values in (up, down, [5.0, 5.1] * 8):
        for improvement in ("increase", "decrease", "neutral"):
            given.add(variation_icon(xmr(values, improvement=improvement)))
    assert given == set(VARIATION_ICONS)
    assured = {assurance_icon(low, high, 4, "increase") for low, high in [(1, 3), (5, 7), (1, 5)]}
    assert assured == set(ASSURANCE_ICONS)


def test_an_unknown_icon_name_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'improvment_high'.*improvement_high"):
        Icon("improvment_high")
    with pytest.raises(ValueError, match="one or more Icon"):
        IconCell(())


def test_a_cell_reads_as_words_and_is_tinted_by_its_variation_icon():
    cell = icon_cell("improvement_low", "consistent_fail")
    assert str(cell) == "Improvement (lower); consistently misses target"
    assert cell.css_class == "lhs-mdc-cell lhs-mdc-improvement"
    alone = ET.fromstring(cell.html())
    assert [svg.get("role") for svg in alone.iter(f"{SVG}svg")] == ["img", "img"]
    with_text = ET.fromstring(f"<td>{icon_cell('improvement_low', with_text=True).html()}</td>")
    assert [svg.get("aria-hidden") for svg in with_text.iter(f"{SVG}svg")] == ["true"]
    assert "Improvement (lower)" in "".join(with_text.itertext())
    assert icon_cell(None, None) is None
    assert str(icon_cell(None, "inconsistent")) == "Hit and miss"


def test_the_key_lists_every_icon_with_its_meaning_in_words():
    key = ET.fromstring(icon_key_html())
    items = key.findall(".//li")
    texts = [item.find("span[last()]").text for item in items]
    for name in ALL_ICONS:
        assert Icon(name).text in texts
    assert any("No target" in text for text in texts)
    assert all(svg.get("aria-hidden") == "true" for svg in key.iter(f"{SVG}svg"))
    without = ET.fromstring(icon_key_html(assurance=False))
    assert len(without.findall(".//li")) == len(VARIATION_ICONS)


def test_the_methods_page_shows_the_same_key_the_package_draws():
    page = (SITE / "handwritten" / "methods" / "spc.qmd").read_text(encoding="utf-8")
    assert icon_key_html() in page.splitlines()


@pytest.mark.parametrize("stylesheet", ["static/lhs-reports.css",
                                        "handwritten/templates/theme.scss"])
def test_both_renderers_tint_every_category_with_dark_text_readable_on_it(stylesheet):
    css = (SITE / stylesheet).read_text(encoding="utf-8")
    categories = {spec.category.replace("_", "-")
                  for spec in [*VARIATION_ICONS.values(), *ASSURANCE_ICONS.values()]}
    if stylesheet.endswith(".scss"):
        tints = dict(re.findall(r'"([a-z-]+)": (#[0-9a-f]{3,6})', css))
    else:
        tints = {}
        for selectors, colour in re.findall(r"((?:td\.lhs-mdc-[a-z-]+,?\s*)+)\{ background: "
                                            r"(#[0-9a-f]{3,6}); \}", css):
            tints.update(dict.fromkeys(re.findall(r"lhs-mdc-([a-z-]+)", selectors), colour))
    assert categories <= set(tints)
    for colour in tints.values():
        full = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        assert _contrast("#231F20", full) >= 4.5


def test_printed_tables_keep_the_words_of_icon_cells():
    frame = pd.DataFrame({"Indicator": ["Crisis"],
                          "Variation": [icon_cell("concern_low", with_text=True)]})
    assert "Concern (lower)" in frame.to_string()
