"""Crisis and acute flow across trusts: funnel plots of the proportion indicators.

Each trust's latest-year proportion (e.g. readmissions within 30 days of discharge) is plotted
against its denominator, with limits around the all-trust proportion. Trusts differ for more
reasons than chance (case mix, coding, local services), so the limits are widened for
overdispersion with Spiegelhalter's additive random-effects method (as FunnelPlotR does) when
the data show more spread than binomial variation allows; otherwise the plain limits are used.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lhs_reports.reports.flow import period_totals
from lhs_reports.reports.flow_indicators import INDICATORS, Indicator
from lhs_reports.reports.periods import reporting_window

#: The indicators shown as funnels: proportions of a count, where a funnel's binomial model holds.
FUNNEL_INDICATORS: tuple[Indicator, ...] = tuple(i for i in INDICATORS
                                                 if i.kind == "proportion")


def latest_year_totals(monthly: pd.DataFrame, indicator: Indicator, *, period_end: str
                       ) -> pd.DataFrame:
    """Numerator and denominator per trust over the 12 months to ``period_end``."""
    rows = {}
    for code, part in monthly.groupby("trust_code", sort=True):
        window = reporting_window(part, period_end)
        rows[code] = period_totals(window, indicator)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["numerator", "denominator"])


def flow_funnels(monthly: pd.DataFrame, *, period_end: str) -> dict[str, Any]:
    """An overdispersion-adjusted proportion funnel (99.8% limits) per funnel indicator."""
    import warnings

    from lhs_reports.stats.funnel import overdispersed_funnel

    funnels = {}
    for indicator in FUNNEL_INDICATORS:
        totals = latest_year_totals(monthly, indicator, period_end=period_end)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")  # the result says whether it was adjusted
            funnels[indicator.id] = overdispersed_funnel(
                totals["numerator"], totals["denominator"], data_type="PR", limit=99,
                multiplier=100)
    return funnels


def funnel_summary(funnels: dict[str, Any], trusts: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the all-trust value, overdispersion and the trusts outside."""
    from lhs_reports.reports.flow_indicators import INDICATORS_BY_ID

    names = dict(zip(trusts["trust_code"], trusts["trust_name"], strict=True))
    rows = []
    for indicator_id, funnel in funnels.items():
        indicator = INDICATORS_BY_ID[indicator_id]
        points = funnel.points
        outside = points.loc[points["outlier"].notna()]
        rows.append({
            "Indicator": indicator.title,
            "All trusts": indicator.label(funnel.target),
            "Overdispersion (φ)": "–" if funnel.phi is None else f"{funnel.phi:.2f}",
            "Limits": ("adjusted for overdispersion" if funnel.adjusted
                       else "not adjusted (no overdispersion)"),
            "Outside the 99.8% limits": "; ".join(
                f"{names.get(code, code)} ({code}, {direction})"
                for code, direction in outside["outlier"].items()) or "none",
        })
    return pd.DataFrame(rows)


def record_funnels(funnels: dict[str, Any]) -> None:
    """Publish each funnel's outliers and overdispersion for tests and other pages."""
    from lhs_reports.results import record

    for indicator_id, funnel in funnels.items():
        outside = funnel.points["outlier"].dropna()
        record(f"funnel_{indicator_id}_outliers",
               ",".join(f"{code}:{direction}" for code, direction in outside.items()))
        record(f"funnel_{indicator_id}_phi", funnel.phi)
        record(f"funnel_{indicator_id}_adjusted", bool(funnel.adjusted))
