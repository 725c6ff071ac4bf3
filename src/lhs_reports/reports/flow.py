"""Crisis and acute flow indicators (GIRFT): definitions and monthly series per trust.

GIRFT's adult crisis and acute mental health messages: report outcome data routinely, give
timely access before crisis, and keep flow "easy in, easy out". Each indicator is a ratio of two
monthly counts from the activity table, with the direction that counts as improvement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lhs_reports.reports.flow_indicators import INDICATORS, INDICATORS_BY_ID, Indicator

__all__ = ["INDICATORS", "INDICATORS_BY_ID", "FlowPanel", "Indicator", "flow_panels",
           "icon_summary", "indicator_series", "period_totals", "record_panels"]


def indicator_series(monthly: pd.DataFrame, indicator: Indicator) -> pd.Series:
    """The indicator's monthly values, indexed by month (months with a zero denominator are NaN).

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                         "followups_72h": [8, 0], "discharges": [10, 0]})
    >>> indicator_series(monthly, INDICATORS_BY_ID["followup_72h"]).tolist()
    [80.0, nan]
    """
    ordered = monthly.sort_values("month")
    if len(ordered) > 1:
        # Every calendar month, so a month declared missing is a gap (NaN), not skipped over.
        every = pd.date_range(ordered["month"].iloc[0], ordered["month"].iloc[-1], freq="MS")
        ordered = ordered.set_index("month").reindex(every).rename_axis("month").reset_index()
    numerator = ordered[indicator.numerator].astype(float)
    if indicator.denominator is None:
        values = numerator
    else:
        denominator = ordered[indicator.denominator].astype(float)
        values = numerator / denominator.where(denominator > 0)
    return pd.Series((values * indicator.multiplier).to_numpy(), index=pd.DatetimeIndex(
        ordered["month"], name="month"), name=indicator.id)


def period_totals(monthly: pd.DataFrame, indicator: Indicator) -> tuple[float, float]:
    """Numerator and denominator summed over the rows given (e.g. the latest year)."""
    numerator = float(monthly[indicator.numerator].sum())
    denominator = float(monthly[indicator.denominator].sum()) if indicator.denominator else 1.0
    return numerator, denominator


@dataclass(frozen=True)
class FlowPanel:
    """One indicator's XmR chart result and icons for one trust."""

    indicator: Indicator
    result: pd.DataFrame
    icons: dict[str, str | None]
    unrebased_special_causes: frozenset[str]


def flow_panels(monthly: pd.DataFrame, *, period_end: str, change_month: str | None = None,
                targets: dict[str, float] | None = None) -> list[FlowPanel]:
    """XmR results for every indicator, up to ``period_end``, rebased at ``change_month``.

    ``unrebased_special_causes`` records what the chart shows *without* the rebase, so a
    report can say that the data themselves signal the change the parameter file records.
    """
    import warnings

    from lhs_reports.stats.spc import ShortBaselineWarning, rebase_positions, xmr, xmr_icons

    targets = targets or {}
    end = pd.Timestamp(f"{period_end}-01")
    window = monthly.loc[monthly["month"] <= end]
    panels = []
    for indicator in INDICATORS:
        series = indicator_series(window, indicator)
        rebase = rebase_positions(series.index, [f"{change_month}-01"]) if change_month else None
        target = targets.get(indicator.id)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ShortBaselineWarning)
            result = xmr(series, improvement=indicator.improvement, target=target,
                         rebase_at=rebase)
            plain = xmr(series, improvement=indicator.improvement)
        panels.append(FlowPanel(indicator, result, xmr_icons(result),
                                frozenset(plain["special_cause"]) - {"none"}))
    return panels


VARIATION_LABELS = {
    "common_cause": "Common cause",
    "improvement_high": "Improvement (higher)",
    "improvement_low": "Improvement (lower)",
    "concern_high": "Concern (higher)",
    "concern_low": "Concern (lower)",
    "neutral_high": "Special cause (higher)",
    "neutral_low": "Special cause (lower)",
}
ASSURANCE_LABELS = {
    "consistent_pass": "Consistently meets target",
    "consistent_fail": "Consistently misses target",
    "inconsistent": "Hit and miss",
    None: "No target",
}


def icon_summary(panels: list[FlowPanel]) -> pd.DataFrame:
    """The Making Data Count summary table: latest value, mean, variation and assurance."""
    rows = []
    for panel in panels:
        last = panel.result.iloc[-1]
        target = panel.result.attrs.get("target")
        rows.append({
            "Indicator": panel.indicator.title,
            "GIRFT message": panel.indicator.message,
            "Latest": panel.indicator.label(float(last["value"])),
            "Mean": panel.indicator.label(float(last["mean"])),
            "Target": "-" if target is None else panel.indicator.label(float(target)),
            "Variation": VARIATION_LABELS[str(panel.icons["variation"])],
            "Assurance": ASSURANCE_LABELS[panel.icons["assurance"]],
        })
    return pd.DataFrame(rows)


def record_panels(panels: list[FlowPanel]) -> None:
    """Publish each indicator's headline results for cross-trust pages and tests."""
    from lhs_reports.results import record

    for panel in panels:
        last = panel.result.iloc[-1]
        key = panel.indicator.id
        record(f"{key}_latest", float(last["value"]), unit=panel.indicator.unit)
        record(f"{key}_mean", float(last["mean"]), unit=panel.indicator.unit)
        record(f"{key}_variation", panel.icons["variation"])
        record(f"{key}_assurance", panel.icons["assurance"] or "none")
        record(f"{key}_signals_without_rebase", ",".join(sorted(panel.unrebased_special_causes)))


def icon_matrix(monthly: pd.DataFrame, trusts: pd.DataFrame, *, period_end: str,
                settings: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Organisations x indicators: each cell the variation icon (and assurance where a target
    is set), computed exactly as each trust's own flow report computes it.

    ``settings`` maps organisation codes to their own parameters (``trust_name``,
    ``change_month``, ``targets``, as :func:`lhs_reports.params.organisation_settings` returns
    them); an organisation in the data without settings has no targets and no change month.
    """
    settings = settings or {}
    rows = []
    for code, name in zip(trusts["trust_code"], trusts["trust_name"], strict=True):
        own = settings.get(code)
        panels = flow_panels(monthly.loc[monthly["trust_code"] == code], period_end=period_end,
                             change_month=getattr(own, "change_month", None),
                             targets=getattr(own, "targets", None))
        row: dict[str, str] = {"Trust": f"{getattr(own, 'trust_name', name)} ({code})"}
        for panel in panels:
            text = VARIATION_LABELS[str(panel.icons["variation"])]
            if panel.icons["assurance"] is not None:
                text += f"; {ASSURANCE_LABELS[panel.icons['assurance']].lower()}"
            row[panel.indicator.title] = text
        rows.append(row)
    return pd.DataFrame(rows)
