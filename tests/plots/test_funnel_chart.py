"""Funnel charts: layers and data from the funnel result; alt text from the same numbers."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from plotnine import geom_hline, geom_label, geom_line, geom_point

from lhs_reports.errors import DataError
from lhs_reports.plots.funnel import funnel_alt_text, funnel_chart, status_label
from lhs_reports.plots.funnel_labels import chart_name, place_labels
from lhs_reports.stats.funnel import (
    UnadjustedLimitsWarning,
    overdispersed_funnel,
    proportion_funnel,
    rate_funnel,
)

TRUSTS = ["RAA", "RBB", "RCC", "RDD", "REE", "RFF"]


def proportions():
    return proportion_funnel(pd.Series([45, 300, 900, 160, 700, 38], TRUSTS),
                             pd.Series([100, 500, 1000, 200, 900, 50], TRUSTS))


def shmi():
    observed = pd.Series([100, 150, 180, 80, 120, 225, 60, 300.0], TRUSTS + ["RGG", "RHH"])
    expected = pd.Series([108, 112, 165, 95, 100, 220, 110, 200.0], observed.index)
    return overdispersed_funnel(observed, expected, data_type="SR", multiplier=100)


def layer_kinds(chart):
    return [type(layer.geom) for layer in chart.layers]


def test_chart_has_limit_lines_a_target_line_and_points_coloured_by_position():
    result = proportions()
    chart = funnel_chart(result, title="Seen on time")
    assert layer_kinds(chart)[:3] == [geom_line, geom_hline, geom_point]
    lines = chart.layers[0].geom.data
    assert set(lines["level"]) == {"95% limits", "99.8% limits"}
    assert len(lines) == 4 * len(result.limits)
    upper = lines[lines["line"] == "upper_998"]["value"].to_numpy()
    assert upper == pytest.approx(result.limits["upper_998"].to_numpy())
    assert chart.layers[1].geom.data["yintercept"].tolist() == pytest.approx([result.target])
    assert set(chart.data["status"]) == {"Above the 99.8% limit", "Within the limits",
                                         "Below the 99.8% limit"}
    assert chart.data["organisation"].tolist() == TRUSTS
    assert chart.labels.get("title", None) == "Seen on time"


def test_overdispersed_chart_draws_the_adjusted_limits_when_they_are_in_force():
    result = shmi()
    assert result.adjusted
    lines = funnel_chart(result).layers[0].geom.data
    lower = lines[lines["line"] == "lower_95"]["value"].to_numpy()
    assert lower == pytest.approx(result.limits["od_lower_95"].to_numpy())


def test_unadjusted_chart_draws_the_unadjusted_limits():
    with pytest.warns(UnadjustedLimitsWarning):
        result = overdispersed_funnel([20] * 5, [20] * 5, data_type="SR")
    lines = funnel_chart(result).layers[0].geom.data
    upper = lines[lines["line"] == "upper_998"]["value"].to_numpy()
    assert upper == pytest.approx(result.limits["upper_998"].to_numpy())


def test_highlight_rings_and_labels_one_organisation_in_bold():
    chart = funnel_chart(proportions(), highlight="RDD")
    ring = chart.layers[-1]
    assert isinstance(ring.geom, geom_point)
    assert ring.geom.data["value"].tolist() == [80.0]
    labels = label_data(chart)
    assert labels.loc[labels["weight"] == "bold", "organisation"].tolist() == ["RDD"]


def test_an_unknown_highlight_is_a_data_error():
    with pytest.raises(DataError) as caught:
        funnel_chart(proportions(), highlight="XYZ")
    assert caught.value.field == "highlight"


def test_rows_without_a_value_are_left_off_the_chart():
    x = pd.Series([10, np.nan, 30], ["a", "b", "c"])
    chart = funnel_chart(proportion_funnel(x, pd.Series([100, 80, 120], ["a", "b", "c"])))
    assert chart.data["organisation"].tolist() == ["a", "c"]


@pytest.mark.parametrize("make", [proportions, shmi,
                                  lambda: rate_funnel([50, 210, 95], [1e5, 1.5e5, 8e4])])
def test_chart_draws(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = make()
    fig = funnel_chart(result, title="Test", highlight=result.points.index[0]).draw()
    assert fig.axes
    plt.close(fig)


def test_status_labels_follow_the_levels():
    assert status_label("Low (0.025)") == "Below the 95% limit"
    assert status_label("High (0.005)") == "Above the 99% limit"
    assert status_label(None) is None


def test_alt_text_gives_the_count_target_limits_and_outliers():
    result = proportions()
    text = funnel_alt_text(result, label="patients seen on time")
    assert text.startswith("Funnel plot of patients seen on time for 6 organisations")
    assert f"overall percentage of {result.target:.1f}%" in text
    assert "with 95% and 99.8% control limits" in text
    outliers = result.outliers
    assert f"{len(outliers)} organisations are outside the 99.8% limits" in text
    for label in outliers.index:
        assert f"{label} ({result.points.loc[label, 'value']:.1f}%)" in text
    assert len(re.findall(r"\.(?=\s|$)", text)) == 2  # two sentences


def test_alt_text_for_an_overdispersed_funnel_gives_phi_and_the_highlight():
    result = shmi()
    text = funnel_alt_text(result, label="deaths", highlight="RBB")
    assert f"widened for overdispersion (phi = {result.phi:.2f})" in text
    assert "the expected ratio of 100" in text
    status = funnel_alt_text(result, label="deaths", highlight="RBB").split("; ")[-1]
    assert status.startswith("RBB (")


def test_alt_text_accepts_measure_as_spc_alt_text_does():
    result = proportions()
    assert funnel_alt_text(result, measure="waits") == funnel_alt_text(result, label="waits")


def test_alt_text_says_when_no_organisation_is_outside():
    text = funnel_alt_text(proportion_funnel([30, 31], [100, 100]), label="x")
    assert text.endswith("No organisation is outside the 99.8% limits.")


def label_data(chart):
    (labels,) = [each for each in chart.layers if isinstance(each.geom, geom_label)]
    return labels.geom.data


NAMES = {"RAA": "Northshire Mental Health NHS Trust", "RBB": "Eastvale NHS Foundation Trust",
         "RCC": "Southmoor Health and Care NHS Trust"}


def five_positions():
    """Twelve organisations of 1,000: above and below both the 95% and 99.8% limits."""
    codes = [f"R{i:02d}" for i in range(12)]
    numerators = pd.Series([500] * 8 + [545, 610, 470, 420], codes)
    return proportion_funnel(numerators, pd.Series(1000, codes))


def scale_values(chart, aesthetic):
    scale = next(s for s in chart.scales if aesthetic in s.aesthetics)
    return scale.palette(len(scale.breaks))


def test_significance_is_shown_by_shape_as_well_as_colour_in_one_legend():
    result = five_positions()
    chart = funnel_chart(result)
    assert set(chart.data["status"]) == {
        "Above the 99.8% limit", "Above the 95% limit", "Within the limits",
        "Below the 95% limit", "Below the 99.8% limit"}
    points = [each for each in chart.layers if isinstance(each.geom, geom_point)][0]
    assert {str(v) for k, v in points.mapping.items() if k in ("color", "shape", "fill")} == {
        "status"}
    assert scale_values(chart, "shape") == {
        "Above the 99.8% limit": "D", "Above the 95% limit": "^", "Within the limits": "o",
        "Below the 95% limit": "v", "Below the 99.8% limit": "s"}
    colours = scale_values(chart, "color")
    assert len(set(colours.values())) == 5  # every position its own colour as well
    assert colours == scale_values(chart, "fill")
    # Colour, fill and shape share their breaks and an empty title: one legend.
    assert all(chart.labels.get(k, None) == "" for k in ("color", "fill", "shape"))
    breaks = {tuple(s.breaks) for s in chart.scales if s.aesthetics[0] in
              ("color", "fill", "shape")}
    assert len(breaks) == 1


def test_every_point_is_labelled_by_name_or_code_when_there_are_few():
    chart = funnel_chart(proportions(), names=NAMES)
    labels = label_data(chart)
    assert sorted(labels["organisation"]) == sorted(TRUSTS)
    text = dict(zip(labels["organisation"], labels["text"], strict=True))
    assert text["RAA"] == chart_name(NAMES["RAA"]) == "Northshire Mental\nHealth"
    assert text["RDD"] == "RDD"  # no name known: its code


def test_with_many_organisations_only_outliers_and_the_highlight_are_labelled():
    codes = [f"T{i:02d}" for i in range(30)]
    denominators = pd.Series(np.linspace(200, 3000, 30), codes)
    numerators = (denominators * 0.5).round()
    numerators.iloc[[3, 17]] = denominators.iloc[[3, 17]] * np.array([0.2, 0.8])
    result = proportion_funnel(numerators, denominators)
    chart = funnel_chart(result, highlight="T10")
    labelled = set(label_data(chart)["organisation"])
    assert labelled <= set(result.outliers.index) | {"T10"}
    assert "T10" in labelled and labelled & set(result.outliers.index)


def test_labels_never_overlap_each_other_or_a_point():
    x = np.array([100.0, 102, 104, 106, 300, 305])
    y = np.array([50.0, 50.5, 51, 49.5, 70, 70.2])
    text = ["Alpha", "Bravo Charlie", "Delta", "Echo\nFoxtrot", "Golf", "Hotel"]
    placed = place_labels(x, y, text, x_range=(0, 400), y_range=(0, 100))
    char_w, line_h = 400 * 0.62 * 7.5 / 400, 100 * 1.3 * 7.5 / 190
    boxes = []
    for (_, row), label in zip(placed.iterrows(), text, strict=True):
        if not row["placed"]:
            continue
        lines = label.split("\n")
        width = max(map(len, lines)) * char_w
        left = row["label_x"] - width if row["ha"] == "right" else row["label_x"]
        boxes.append((left, left + width, row["label_y"] - len(lines) * line_h / 2,
                      row["label_y"] + len(lines) * line_h / 2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3])
        for px, py in zip(x, y, strict=True):
            assert not (a[0] < px < a[1] and a[2] < py < a[3])
    assert placed["placed"].sum() >= 5


def test_alt_text_names_each_organisation_once_with_its_name():
    result = proportions()
    text = funnel_alt_text(result, label="waits", highlight="RCC", names=NAMES)
    for code in result.outliers.index:
        assert text.count(code) == 1, (code, text)
    assert "Southmoor Health and Care NHS Trust (RCC, 90.0%; highlighted) above" in text
    assert text.count("Southmoor") == 1


def test_alt_text_gives_the_highlight_its_own_clause_only_when_it_is_not_named_already():
    result = proportions()
    within = result.points.index[result.points["outlier"].isna()][0]
    text = funnel_alt_text(result, label="waits", highlight=within, names=NAMES)
    assert text.count(str(within)) == 1
    assert text.endswith(f"{within} ({result.points.loc[within, 'value']:.1f}%), highlighted, "
                         "is within the limits.") or "highlighted, is within the limits" in text
