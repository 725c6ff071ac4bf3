"""Learning health system case studies: the illustrative analysis of a measure over time.

For a case study whose measure can be shown as a monthly series, the report shows an XmR chart
rebased at the month of the change, and an interrupted time series (quasi-Poisson segmented
regression of the events with the eligible count as offset, one seasonal harmonic), read in
plain English with what the data can and cannot say. Whether a series is the study's own data
or generated to illustrate the analysis is read from its ``synthetic`` column
(:func:`series_note`), never assumed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    geom_line,
    geom_point,
    geom_text,
    geom_vline,
    ggplot,
    guide_legend,
    guides,
    labs,
    scale_color_manual,
    scale_fill_manual,
    scale_linetype_manual,
    theme,
)

from lhs_reports.plots.theme import (
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_ORANGE,
    month_axis,
    theme_nhs,
    value_axis,
)
from lhs_reports.reports.formatting import number_text, ratio_text, signed_text
from lhs_reports.stats.bounds import possible_range
from lhs_reports.stats.its import SegmentedRegression, segmented_regression
from lhs_reports.stats.spc import ShortBaselineWarning, rebase_positions, xmr
from lhs_reports.text import md_escape

UNIT_SCALE = {"%": 100.0, "per 1,000": 1000.0}


@dataclass(frozen=True)
class CaseStudyAnalysis:
    """The measure (in its display unit), its XmR result and the segmented regression."""

    series: pd.Series
    denominators: np.ndarray
    spc: pd.DataFrame
    its: SegmentedRegression
    unit: str
    scale: float


def measure_range(unit: str, kind: str | None = None) -> tuple[float, float]:
    """The values a case study's measure can take, shown in ``unit``: a proportion runs from 0
    to its scale (100 for "%"); anything else from 0 up. Without ``kind``, a "%" measure is
    read as a proportion; every measure is a count over a count, so never negative.

    Examples
    --------
    >>> measure_range("%"), measure_range("per 1,000", "rate")
    ((0.0, 100.0), (0.0, inf))
    """
    scale = UNIT_SCALE.get(unit, 1.0)
    if kind is None:
        kind = "proportion" if unit == "%" else "rate"
    return possible_range(kind, multiplier=scale)  # type: ignore[arg-type]


def analyse(frame: pd.DataFrame, *, change_month: str, unit: str,
            improvement: str, kind: str | None = None) -> CaseStudyAnalysis:
    """XmR (rebased at the change) and segmented regression of numerator / denominator.

    ``kind`` is the measure's kind from the parameter file (``measure.kind``); the chart keeps
    process limits inside the range it allows (:func:`measure_range`).
    """
    frame = frame.sort_values("month")
    scale = UNIT_SCALE.get(unit, 1.0)
    months = pd.DatetimeIndex(frame["month"], name="month")
    denominators = frame["denominator"].to_numpy(dtype=float)
    series = pd.Series(frame["numerator"].to_numpy() / denominators * scale, index=months,
                       name="value")
    rebase = rebase_positions(months, [f"{change_month}-01"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortBaselineWarning)
        spc = xmr(series, improvement=improvement, rebase_at=rebase)
    spc.attrs["possible_range"] = measure_range(unit, kind)  # read by spc_chart, spc_alt_text
    its = segmented_regression(
        pd.Series(frame["numerator"].to_numpy(), index=months),
        intervention_at=f"{change_month}-01", family="quasipoisson", offset=denominators,
        seasonality_harmonics=1, period_position=months.month.to_numpy() - 1)
    return CaseStudyAnalysis(series, denominators, spc, its, unit, scale)


#: The interrupted time series' lines: name -> (colour, line type).
ITS_LINES = {
    "Fitted model": (NHS_BLUE, "solid"),
    "Expected without the change": (NHS_ORANGE, "dashed"),
}


def its_chart(analysis: CaseStudyAnalysis, *, title: str | None = None) -> ggplot:
    """Observed values (points), the fitted segmented model, and the counterfactual (the trend
    before the change projected on), with a legend naming each and the change month marked."""
    its = analysis.its
    per_unit = analysis.scale / analysis.denominators  # model counts -> the display unit
    months = analysis.series.index
    change = months[its.intervention_position]
    observed = pd.DataFrame({"month": months, "value": analysis.series.to_numpy(),
                             "series": "Observed"})
    fitted = pd.DataFrame({"month": months, "value": its.fitted.to_numpy() * per_unit,
                           "series": "Fitted model"})
    counterfactual = pd.DataFrame({"month": months,
                                   "value": its.counterfactual.to_numpy() * per_unit,
                                   "series": "Expected without the change"})
    lines = pd.concat([fitted, counterfactual[counterfactual["month"] >= change]],
                      ignore_index=True)
    low = float(np.nanmin([observed["value"].min(), lines["value"].min()]))
    top = float(np.nanmax([observed["value"].max(), lines["value"].max()]))
    label = pd.DataFrame({"month": [change], "value": [top + 0.12 * ((top - low) or 1.0)],
                          "text": [f"  Change: {change:%B %Y}"]})
    chart = ggplot(observed, aes("month", "value"))
    chart += [
        geom_vline(xintercept=change, color=NHS_DARK_GREY, linetype="dotted"),
        geom_text(aes(label="text"), data=label, ha="left", va="top", size=8,
                  color=NHS_DARK_GREY),
        geom_point(aes(fill="series"), shape="o", color="white", stroke=0.4, size=2.4),
        geom_line(aes(color="series", linetype="series"), data=lines, size=0.9),
        scale_fill_manual(values={"Observed": NHS_DARK_GREY}),
        scale_color_manual(values={k: v[0] for k, v in ITS_LINES.items()},
                           breaks=list(ITS_LINES)),
        scale_linetype_manual(values={k: v[1] for k, v in ITS_LINES.items()},
                              breaks=list(ITS_LINES)),
        guides(fill=guide_legend(order=1), color=guide_legend(order=2),
               linetype=guide_legend(order=2)),
        month_axis(),
        value_axis(),
        labs(x="", y=analysis.unit or "value", title=title, fill="", color="",
             linetype=""),
        theme_nhs(),
        theme(legend_key_width=22),
    ]
    return chart


def its_alt_text(analysis: CaseStudyAnalysis, *, measure: str) -> str:
    """One sentence for the chart, from the same numbers."""
    change = analysis.series.index[analysis.its.intervention_position]
    return (f"Interrupted time series of {measure}, {len(analysis.series)} months from "
            f"{analysis.series.index[0]:%B %Y} to {analysis.series.index[-1]:%B %Y}: observed "
            f"values (points), the fitted segmented model (solid line), and the values expected "
            f"without the change, the trend before {change:%B %Y} projected on (dashed line), "
            f"for comparison. The change month is marked by a dotted vertical line.")


def its_reading(analysis: CaseStudyAnalysis, *, measure: str, improvement: str) -> str:
    """A plain-English reading of the segmented regression, with what it cannot say."""
    its = analysis.its
    measure = md_escape(measure)  # from a parameter file
    level, slope = its.level_change, its.slope_change
    pct = (level["rate_ratio"] - 1) * 100
    lo, hi = (level["rr_lower"] - 1) * 100, (level["rr_upper"] - 1) * 100
    better = (pct > 0) == (improvement == "increase")
    significant = not (level["rr_lower"] <= 1 <= level["rr_upper"])
    change = analysis.series.index[its.intervention_position]
    lines = [
        f"After {change:%B %Y}, {measure} changed in level by {signed_text(pct)}% "
        f"(95% CI {signed_text(lo)}% to {signed_text(hi)}%), relative to the trend before "
        "the change"
        + (f": a {'favourable' if better else 'unfavourable'} change that chance alone is "
           "unlikely to explain." if significant else
           ": the interval includes no change, so the data do not show a clear step."),
        f"The trend after the change differed by "
        f"{signed_text((slope['rate_ratio'] - 1) * 100, 2)}% a month (95% CI "
        f"{signed_text((slope['rr_lower'] - 1) * 100, 2)}% to "
        f"{signed_text((slope['rr_upper'] - 1) * 100, 2)}%).",
        f"Model: {its.method}, one seasonal harmonic; overdispersion "
        f"{ratio_text(its.dispersion)} (1 = only the variation a Poisson count has; "
        f"{ratio_text(its.dispersion)} times it here); Ljung-Box p = "
        f"{number_text(its.ljung_box_p, 2)} for autocorrelation left in the residuals"
        + (" (some remains: treat the intervals as optimistic)." if its.ljung_box_p < 0.05
           else "."),
        "What the data cannot say: a before-and-after series shows that something changed at "
        "the same time as the intervention, not that the intervention caused it; other changes "
        "at the same time, or regression to the mean, could contribute. A comparison series "
        "or a controlled design would be needed to attribute the change.",
    ]
    return "\n\n".join(lines)


ILLUSTRATES_TEXT = {
    "full_lhs": "a full learning health system",
    "data": "data",
    "technology": "technology",
    "learning_community": "a learning community",
    "improvement": "improvement",
}


def introduction(summary: str, illustrates: list[str]) -> str:
    """Markdown introducing the case study (text escaped: it comes from a parameter file)."""
    from lhs_reports.text import md_escape

    tags = ", ".join(ILLUSTRATES_TEXT[t] for t in illustrates)
    return f"{md_escape(' '.join(summary.split()))}\n\n**Illustrates:** {md_escape(tags)}."


def series_are_synthetic(frame: pd.DataFrame) -> bool:
    """True when any month of the series is generated (its ``synthetic`` column is 1).

    Examples
    --------
    >>> series_are_synthetic(pd.DataFrame({"numerator": [40, 42], "synthetic": [0, 1]}))
    True
    >>> series_are_synthetic(pd.DataFrame({"numerator": [40, 42]}))
    False
    """
    return "synthetic" in frame.columns and bool((frame["synthetic"] == 1).any())


def series_note(*, synthetic: bool) -> str:
    """What the series shown is, for the page (Markdown).

    Examples
    --------
    >>> series_note(synthetic=False)
    "The series below is the case study's measure as given in the data (`case_study_series`)."
    """
    if synthetic:
        return ("The series below is **synthetic**: it illustrates how this case study's "
                "measure could be analysed. It is not the study's data or results.")
    return ("The series below is the case study's measure as given in the data "
            "(`case_study_series`).")


def record_analysis(analysis: CaseStudyAnalysis) -> None:
    """Publish the level and slope changes for the case-study catalogue and tests."""
    from lhs_reports.results import record

    level, slope = analysis.its.level_change, analysis.its.slope_change
    record("level_change_rate_ratio", float(level["rate_ratio"]))
    record("level_change_rr_lower", float(level["rr_lower"]))
    record("level_change_rr_upper", float(level["rr_upper"]))
    record("slope_change_rate_ratio", float(slope["rate_ratio"]))
    record("variation", str(analysis.spc["point_type"].iloc[-1]))
