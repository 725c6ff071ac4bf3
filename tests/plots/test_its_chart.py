"""The case study's charts: the interrupted time series has a legend and readable ticks; its
XmR chart is rebased at the change month and kept inside the measure's range."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from plotnine import geom_line, geom_point, geom_vline

from lhs_reports.plots.spc import spc_alt_text, spc_chart
from lhs_reports.reports.case_studies import analyse, its_alt_text, its_chart, measure_range


def series() -> pd.DataFrame:
    """Three years of a high percentage, stepping up at the change (written by hand)."""
    months = pd.date_range("2021-04-01", periods=36, freq="MS")
    wobble = np.tile([3, -2, 4, -1, 0, 2, -3, 1, -4, 2, 0, -1], 3)
    numerator = np.where(np.arange(36) < 18, 80, 95) + wobble
    return pd.DataFrame({"month": months, "numerator": np.minimum(numerator, 100),
                         "denominator": 100})


def test_the_interrupted_time_series_names_every_series_in_a_legend():
    chart = its_chart(analyse(series(), change_month="2022-10", unit="%",
                              improvement="increase"))
    (points,) = [each for each in chart.layers if isinstance(each.geom, geom_point)]
    (lines,) = [each for each in chart.layers if isinstance(each.geom, geom_line)]
    assert str(points.mapping["fill"]) == "series"
    assert {str(lines.mapping[a]) for a in ("color", "linetype")} == {"series"}
    assert set(lines.geom.data["series"]) == {"Fitted model", "Expected without the change"}
    assert set(chart.data["series"]) == {"Observed"}  # the points are the plot's data
    (change,) = [each for each in chart.layers if isinstance(each.geom, geom_vline)]
    assert pd.Timestamp(change.geom.data["xintercept"].iloc[0]) == pd.Timestamp("2022-10-01")


def test_the_interrupted_time_series_draws_a_legend_and_at_least_four_value_ticks():
    figure = its_chart(analyse(series(), change_month="2022-10", unit="%",
                               improvement="increase")).draw()
    try:
        ticks = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
        assert len(ticks) >= 4, ticks
        texts = {t.get_text() for t in figure.findobj(plt.Text)}
        assert {"Observed", "Fitted model", "Expected without the change"} <= texts
    finally:
        plt.close(figure)


def test_its_alt_text_says_what_each_line_is():
    text = its_alt_text(analyse(series(), change_month="2022-10", unit="%",
                                improvement="increase"), measure="uptake")
    assert "fitted segmented model (solid line)" in text
    assert "(dashed line)" in text and "October 2022" in text


def test_a_percentage_case_study_is_kept_at_100_and_rebased_at_its_change_month():
    analysis = analyse(series(), change_month="2022-10", unit="%", improvement="increase")
    assert analysis.spc.attrs["possible_range"] == (0.0, 100.0)
    assert analysis.spc["upl"].iloc[-1] > 100  # limits as computed
    chart = spc_chart(analysis.spc)
    (change,) = [each for each in chart.layers if isinstance(each.geom, geom_vline)]
    assert pd.Timestamp(change.geom.data["xintercept"].iloc[0]) == pd.Timestamp("2022-10-01")
    drawn = [each for each in chart.layers if "limit" in getattr(each.geom.data, "columns", [])]
    assert drawn[0].geom.data["y"].max() <= 100
    text = spc_alt_text(analysis.spc, measure="uptake", unit="%")
    assert "shown at 100%" in text and "recalculated from October 2022" in text


def test_measure_range_follows_the_kind_and_unit():
    assert measure_range("%") == (0.0, 100.0)
    assert measure_range("per 1,000", "proportion") == (0.0, 1000.0)
    assert measure_range("per 1,000", "rate") == (0.0, np.inf)
    assert measure_range("") == (0.0, np.inf)
