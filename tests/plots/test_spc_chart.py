"""SPC charts: layers and data from the xmr result; alt text from the same numbers."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from plotnine import geom_line, geom_point, geom_segment, geom_text, geom_vline

from lhs_reports.plots.spc import clipped_note, rebase_starts, spc_alt_text, spc_chart
from lhs_reports.reports.flow import flow_panels, panel_alt_text, panel_chart
from lhs_reports.stats.spc import ShortBaselineWarning, xmr

MONTHS = pd.date_range("2022-01-01", periods=30, freq="MS")


def result(**kwargs):
    values = pd.Series([50, 52] * 10 + [58] * 10, index=MONTHS, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortBaselineWarning)
        return xmr(values, rebase_at=[MONTHS[20]], **kwargs)


def spiky_counts():
    """Bed days near zero with occasional spikes: the lower limit is far below zero."""
    values = [0, 40, 0, 0, 35, 0, 2, 0, 45, 0, 0, 38, 1, 0, 42, 0]
    return xmr(pd.Series(values, index=MONTHS[:16], dtype=float), improvement="decrease")


def near_full():
    """A percentage near 100: the upper limit is above 100."""
    values = [97, 99.5, 92, 99.8, 95, 100, 93, 99, 96, 99.9, 91, 98, 99.7, 94]
    return xmr(pd.Series(values, index=MONTHS[:14], dtype=float))


def layer(chart, kind):
    return [each for each in chart.layers if isinstance(each.geom, kind)]


def test_chart_has_value_line_coloured_points_and_limits_per_group():
    chart = spc_chart(result(target=55), title="Referrals")
    assert len(layer(chart, geom_line)) == 1
    assert len(layer(chart, geom_point)) == 1
    (segments,) = layer(chart, geom_segment)
    lines = segments.geom.data
    assert (lines["limit"].isin(["lpl", "upl"])).sum() == 4  # both limits of both groups
    assert (lines["line"] == "Target").sum() == 1
    assert set(chart.data["point_label"]) <= {"Common cause", "Special cause: improvement",
                                              "Special cause: concern"}


def test_points_and_lines_each_have_a_legend_naming_them():
    chart = spc_chart(result(target=55))
    mapped = {aesthetic: str(value) for each in chart.layers
              for aesthetic, value in each.mapping.items()}
    assert mapped["fill"] == "point_label"  # point types
    assert mapped["color"] == mapped["linetype"] == "line"  # mean, limits, target
    lines = layer(chart, geom_segment)[0].geom.data
    assert set(lines["line"]) == {"Mean", "Process limits", "Target"}


def test_a_lower_limit_below_zero_is_drawn_at_zero_and_said_to_be_clipped():
    spc = spiky_counts()
    assert spc["lpl"].iloc[-1] < 0  # the statistics are unchanged
    chart = spc_chart(spc, possible_range=(0.0, np.inf))
    lines = layer(chart, geom_segment)[0].geom.data
    lower = lines[lines["limit"] == "lpl"]
    assert lower["y"].tolist() == [0.0]
    assert lower["clipped"].tolist() == [True]
    assert "lower process limit is below 0" in chart.labels.get("caption", "")
    text = spc_alt_text(spc, measure="out-of-area bed days", unit="bed days",
                        possible_range=(0.0, np.inf))
    assert "process limits 0 bed days (lower limit below zero, shown at 0) to" in text
    assert not re.search(r"-\d", text)  # no negative number is written


def test_an_upper_limit_above_100_percent_is_drawn_at_100_and_said_to_be_clipped():
    spc = near_full()
    assert spc["upl"].iloc[-1] > 100
    lines = layer(spc_chart(spc, possible_range=(0.0, 100.0)), geom_segment)[0].geom.data
    assert lines.loc[lines["limit"] == "upl", "y"].tolist() == [100.0]
    text = spc_alt_text(spc, measure="follow-ups", unit="%", possible_range=(0.0, 100.0))
    assert "to 100% (upper limit above 100%, shown at 100%)" in text
    assert "The upper process limit is above 100" in clipped_note(
        spc, possible_range=(0.0, 100.0))


def test_limits_inside_the_range_are_drawn_as_computed_and_not_called_clipped():
    spc = result()
    lines = layer(spc_chart(spc, possible_range=(0.0, 100.0)), geom_segment)[0].geom.data
    assert not lines["clipped"].any()
    assert clipped_note(spc, possible_range=(0.0, 100.0)) == ""
    assert "clipped" not in spc_alt_text(spc, possible_range=(0.0, 100.0))
    assert "shown at" not in spc_alt_text(spc, possible_range=(0.0, 100.0))


def test_the_range_a_report_stored_on_the_result_is_used_by_default():
    spc = spiky_counts()
    spc.attrs["possible_range"] = (0.0, np.inf)
    lines = layer(spc_chart(spc), geom_segment)[0].geom.data
    assert lines.loc[lines["limit"] == "lpl", "y"].tolist() == [0.0]
    assert "shown at 0" in spc_alt_text(spc, unit="bed days")


def test_a_rebase_is_a_dashed_vertical_line_at_the_change_month_with_a_label():
    spc = result()
    assert rebase_starts(spc) == [MONTHS[20]]
    chart = spc_chart(spc)
    (line,) = layer(chart, geom_vline)
    assert pd.Timestamp(line.geom.data["xintercept"].iloc[0]) == MONTHS[20]
    assert line.geom.aes_params["linetype"] == "dashed"
    labels = [text for each in layer(chart, geom_text) for text in each.geom.data["label"]]
    assert labels == ["Limits recalculated: September 2023"]
    text = spc_alt_text(spc, measure="referrals")
    assert "limits were recalculated from September 2023, the month of the change" in text


def test_a_chart_without_a_rebase_has_no_vertical_line():
    chart = spc_chart(xmr(pd.Series(np.arange(20.0) % 3, index=MONTHS[:20])))
    assert not layer(chart, geom_vline)
    assert "recalculated" not in spc_alt_text(xmr(np.arange(20.0) % 3))


def flow_rows(months: pd.DatetimeIndex) -> pd.DataFrame:
    """Hand-made monthly activity: out-of-area bed days mostly none, with spikes."""
    n = len(months)
    spikes = np.where(np.arange(n) % 5 == 0, 60, 0)
    return pd.DataFrame({"trust_code": "RX4", "month": months, "crisis_contacts": 40,
                         "crisis_contacts_24h": 30 + np.arange(n) % 4, "occupied_bed_days": 900,
                         "discharges": 30, "delayed_discharge_days": 20 + np.arange(n) % 3,
                         "out_of_area_bed_days": spikes, "followups_72h": 25 + np.arange(n) % 3,
                         "readmissions_30d": 2 + np.arange(n) % 2})


def test_the_flow_report_rebases_at_its_change_month_and_clips_bed_days_at_zero():
    months = pd.date_range("2022-04-01", periods=36, freq="MS")
    panels = flow_panels(flow_rows(months), period_end="2025-03", change_month="2023-04")
    out_of_area = next(p for p in panels if p.indicator.id == "out_of_area")
    assert out_of_area.result.attrs["possible_range"] == (0.0, np.inf)
    chart = panel_chart(out_of_area)
    (line,) = layer(chart, geom_vline)
    assert pd.Timestamp(line.geom.data["xintercept"].iloc[0]) == pd.Timestamp("2023-04-01")
    lower = layer(chart, geom_segment)[0].geom.data.query("limit == 'lpl'")
    assert (lower["y"] >= 0).all() and lower["clipped"].any()
    text = panel_alt_text(out_of_area)
    assert "recalculated from April 2023" in text
    assert "(lower limit below zero, shown at 0)" in text
    percent = next(p for p in panels if p.indicator.id == "crisis_24h")
    assert percent.result.attrs["possible_range"] == (0.0, 100.0)


def test_chart_draws_with_months_on_the_axis_as_a_reader_writes_them():
    figure = spc_chart(result(), possible_range=(0.0, 100.0)).draw()
    try:
        ticks = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
        assert ticks and all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in ticks), ticks
    finally:
        plt.close(figure)


def test_alt_text_gives_dates_limits_and_assurance():
    text = spc_alt_text(result(target=55), measure="referrals")
    assert "30 points from January 2022 to June 2024" in text
    assert "Latest limits (from September 2023)" in text  # the rebase starts group 2
    last = result(target=55).iloc[-1]
    assert f"process limits {last['lpl']:,.1f} to {last['upl']:,.1f}" in text
    assert "target of 55.0" in text


@pytest.mark.parametrize("make", [spiky_counts, near_full])
def test_clipped_charts_draw(make):
    figure = spc_chart(make(), possible_range=(0.0, 100.0)).draw()
    assert figure.axes
    plt.close(figure)
