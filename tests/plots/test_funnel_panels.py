"""Small multiples of funnels: one panel per measure, and alt text covering every panel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text
from plotnine import geom_label, geom_point

from lhs_reports.errors import DataError
from lhs_reports.plots.funnel_panels import funnel_panels_alt_text, funnel_panels_chart
from lhs_reports.reports.needs_funnels import peer_funnels_alt_text, peer_funnels_chart
from lhs_reports.stats.funnel import ratio_funnel

CODES = ["RAA", "RBB", "RCC", "RDD", "REE", "RFF"]
NAMES = {"RAA": "Northshire Mental Health NHS Trust", "RBB": "Eastvale NHS Foundation Trust"}
TITLES = {"referrals": "Referrals", "crisis_contacts": "Crisis contacts",
          "admissions": "Admissions", "mha_detentions": "Mental Health Act detentions"}


def four_funnels():
    """Observed and expected counts by hand, on very different scales per measure."""
    expected = pd.Series([100.0, 150, 80, 120, 60, 200], CODES)
    observed = {"referrals": [140, 150, 75, 118, 61, 196],
                "crisis_contacts": [100, 95, 85, 125, 58, 205],
                "admissions": [102, 148, 79, 150, 40, 210],
                "mha_detentions": [98, 190, 81, 121, 59, 150]}
    scale = {"referrals": 40, "crisis_contacts": 10, "admissions": 1, "mha_detentions": 0.3}
    return {measure: ratio_funnel(pd.Series(counts, CODES, dtype=float) * scale[measure],
                                  expected * scale[measure], multiplier=100)
            for measure, counts in observed.items()}


def test_the_chart_has_one_panel_per_measure_in_order_with_free_scales():
    chart = funnel_panels_chart(four_funnels(), titles=TITLES, highlight="RCC", names=NAMES)
    assert list(chart.data["panel"].cat.categories) == list(TITLES.values())
    assert chart.facet.free == {"x": True, "y": True}
    figure = chart.draw()
    try:
        panels = [axes for axes in figure.axes if axes.get_xticklabels()]
        assert len(panels) == 4
        titles = {text.get_text() for text in figure.findobj(Text)}
        assert set(TITLES.values()) <= titles
        tops = {round(axes.get_ylim()[1], 3) for axes in panels}
        assert len(tops) > 1  # each panel its own y scale
    finally:
        plt.close(figure)


def test_every_panel_shows_shapes_and_rings_the_highlight():
    chart = funnel_panels_chart(four_funnels(), titles=TITLES, highlight="RCC", names=NAMES)
    points = [each for each in chart.layers if isinstance(each.geom, geom_point)]
    assert str(points[0].mapping["shape"]) == "status"
    ring = points[-1].geom.data
    assert sorted(ring["panel"].astype(str)) == sorted(TITLES.values())
    assert set(ring["organisation"]) == {"RCC"}


def test_outliers_and_the_highlight_are_labelled_by_name_in_their_panels():
    results = four_funnels()
    chart = funnel_panels_chart(results, titles=TITLES, highlight="RCC", names=NAMES)
    (labels,) = [each.geom.data for each in chart.layers if isinstance(each.geom, geom_label)]
    for measure, result in results.items():
        shown = set(labels.loc[labels["panel"] == TITLES[measure], "organisation"])
        assert shown <= set(result.outliers.index) | {"RCC"}
        assert "RCC" in shown
    referrals = labels[(labels["panel"] == "Referrals") & (labels["organisation"] == "RAA")]
    assert referrals["text"].tolist() == ["Northshire Mental\nHealth"]


def test_limit_lines_stay_inside_each_panel():
    chart = funnel_panels_chart(four_funnels(), titles=TITLES)
    lines = chart.layers[1].geom.data
    extent = chart.layers[0].geom.data.groupby("panel", observed=True)["value"].agg(["min", "max"])
    for panel, part in lines.groupby("panel", observed=True):
        assert part["value"].between(extent.loc[panel, "min"], extent.loc[panel, "max"]).all()


def test_alt_text_covers_every_panel_and_names_each_organisation_once_per_panel():
    results = four_funnels()
    text = funnel_panels_alt_text(results, titles=TITLES, highlight="RCC", names=NAMES)
    assert text.startswith("Funnel plots in four panels, one per measure (Referrals, Crisis "
                           "contacts, Admissions and Mental Health Act detentions)")
    parts = {title: text.split(f" {title}: ")[1] for title in TITLES.values()}
    for measure, result in results.items():
        sentence = parts[TITLES[measure]].split(". ")[0]
        for code in set(result.outliers.index) | {"RCC"}:
            assert sentence.count(code) == 1, (measure, code, sentence)
    assert "Northshire Mental Health NHS Trust (RAA, " in text


def test_a_measure_without_a_title_or_a_highlight_not_compared_is_a_data_error():
    with pytest.raises(DataError) as caught:
        funnel_panels_chart(four_funnels(), titles={"referrals": "Referrals"})
    assert caught.value.field == "titles"
    with pytest.raises(DataError) as caught:
        funnel_panels_alt_text(four_funnels(), titles=TITLES, highlight="XYZ")
    assert caught.value.field == "highlight"


def test_the_needs_assessment_draws_every_peer_funnel_with_peers_and_none_alone():
    results = four_funnels()
    chart = peer_funnels_chart(results, highlight="RAA", names=NAMES)
    assert chart.data["panel"].nunique() == 4
    assert peer_funnels_alt_text(results, highlight="RAA").startswith(
        "Funnel plots of indirectly standardised ratios in four panels")
    alone = {m: ratio_funnel(pd.Series([10.0], ["RAA"]), pd.Series([12.0], ["RAA"]))
             for m in TITLES}
    assert peer_funnels_chart(alone) is None
    assert peer_funnels_alt_text(alone) == ""


def test_panels_with_no_one_to_label_draw_without_labels():
    """Every organisation inside the limits, none highlighted, more than are labelled all:
    no panel has a label (a trust left out of the comparison looks like this)."""
    codes = [f"R{n:02d}" for n in range(12)]
    expected = pd.Series(100.0, codes)
    funnels = {measure: ratio_funnel(expected.copy(), expected, multiplier=100)
               for measure in TITLES}
    chart = funnel_panels_chart(funnels, titles=TITLES, label_all_up_to=3)
    assert not any(isinstance(each.geom, geom_label) for each in chart.layers)
    figure = chart.draw()
    plt.close(figure)
