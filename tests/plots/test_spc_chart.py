"""SPC charts: layers and data from the xmr result; alt text from the same numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from plotnine import geom_line, geom_point, geom_segment

from lhs_reports.plots.spc import spc_alt_text, spc_chart
from lhs_reports.stats.spc import xmr

MONTHS = pd.date_range("2022-01-01", periods=30, freq="MS")


def result(**kwargs):
    values = pd.Series([50, 52] * 10 + [58] * 10, index=MONTHS, dtype=float)
    return xmr(values, rebase_at=[MONTHS[20]], **kwargs)


def test_chart_has_value_line_coloured_points_and_limits_per_group():
    chart = spc_chart(result(target=55), title="Referrals")
    kinds = [type(layer.geom) for layer in chart.layers]
    assert kinds.count(geom_line) == 1
    assert kinds.count(geom_point) == 1
    assert kinds.count(geom_segment) == 3  # mean, limits, target
    limits = chart.layers[2].geom.data
    assert len(limits) == 4  # lpl and upl for each of the two groups
    assert set(chart.data["point_label"]) <= {"Common cause", "Special cause: improvement",
                                              "Special cause: concern"}


def test_chart_draws():
    figure = spc_chart(result()).draw()
    assert figure.axes
    plt.close("all")


def test_alt_text_gives_dates_limits_and_assurance():
    text = spc_alt_text(result(target=55), measure="referrals")
    assert "30 points from January 2022 to June 2024" in text
    assert "Latest limits (from September 2023)" in text  # the rebase starts group 2
    last = result(target=55).iloc[-1]
    assert f"process limits {last['lpl']:,.1f} to {last['upl']:,.1f}" in text
    assert "target of 55.0" in text
