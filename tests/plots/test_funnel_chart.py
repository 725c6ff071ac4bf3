"""Funnel charts: layers and data from the funnel result; alt text from the same numbers."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from plotnine import geom_hline, geom_line, geom_point, geom_text

from lhs_reports.errors import DataError
from lhs_reports.plots.funnel import funnel_alt_text, funnel_chart, status_label
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
    assert layer_kinds(chart) == [geom_line, geom_hline, geom_point]
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


def test_highlight_rings_and_labels_one_organisation():
    chart = funnel_chart(proportions(), highlight="RDD")
    assert layer_kinds(chart) == [geom_line, geom_hline, geom_point, geom_point, geom_text]
    assert chart.layers[-1].geom.data["organisation"].tolist() == ["RDD"]
    assert chart.layers[-2].geom.data["value"].tolist() == [80.0]


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
