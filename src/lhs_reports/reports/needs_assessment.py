"""The mental health needs assessment: the activity summary and the results it publishes.

``reporting_window`` is re-exported from :mod:`lhs_reports.reports.periods`.
"""

from __future__ import annotations

import pandas as pd

from lhs_reports.data.dictionary import ACTIVITY_MEASURES
from lhs_reports.data.loaders import TrustData
from lhs_reports.reports.formatting import interval_text
from lhs_reports.reports.needs_comparison import MEASURE_LABELS
from lhs_reports.reports.periods import reporting_window

__all__ = ["SUMMARY_MEASURES", "activity_summary", "record_needs", "reporting_window"]
from lhs_reports.stats.rates import crude_rate

#: Measures shown in the activity summary (all counts of events, so rates per resident apply).
SUMMARY_MEASURES: tuple[str, ...] = (
    "referrals",
    "crisis_contacts",
    "admissions",
    "mha_detentions",
    "readmissions_30d",
)


def activity_summary(data: TrustData, *, period_end: str) -> pd.DataFrame:
    """Latest-year counts and crude rates per 100,000 residents with 95% CIs.

    Counts stay integers so the table's disclosure control treats them as counts. A crude rate
    is the count over a published population, so it would give the count back: as NHS Digital
    derives percentages from rounded parts, the rates here come from the *rounded* counts, and
    a suppressed count has no rate.
    """
    from lhs_reports.disclosure import suppress_counts

    window = reporting_window(data.monthly, period_end)
    residents = int(data.population["population"].sum())
    meanings = {c.name: c.meaning for c in ACTIVITY_MEASURES}
    counts = window[list(SUMMARY_MEASURES)].sum().astype("int64")
    rounded = suppress_counts(counts)["value"]
    rates = crude_rate(rounded, residents, multiplier=100_000)
    return pd.DataFrame(
        {
            "Measure": [MEASURE_LABELS[m] for m in SUMMARY_MEASURES],
            "Events in the year": counts.to_numpy(),
            "Rate per 100,000": rates["value"].round(1).to_numpy(),
            "95% CI": [interval_text(lo, hi)
                       for lo, hi in zip(rates["lower_ci"], rates["upper_ci"], strict=True)],
            "Definition": [meanings[m] for m in SUMMARY_MEASURES],
        }
    )


def record_needs(comparison: pd.DataFrame, gradients: list, funnels: dict[str, object],
                 trust_code: str) -> None:
    """Publish the needs assessment's headline statistics for cross-trust pages and tests."""
    from lhs_reports.results import record

    for _, row in comparison.iterrows():
        record(f"dsr_{row['measure']}", row["value"], unit="per 100,000")
        record(f"dsr_{row['measure']}_comparison", row["comparison"])
    for gradient in gradients:
        record(f"sii_{gradient.measure}", gradient.sii, unit="per 100,000")
        record(f"rii_{gradient.measure}", gradient.rii)
        record(f"sii_{gradient.measure}_significant", gradient.significant)
    for measure, funnel in funnels.items():
        point = funnel.points.loc[trust_code]  # type: ignore[attr-defined]
        record(f"isr_{measure}", float(point["value"]), unit="ratio x 100")
        record(f"isr_{measure}_funnel", str(point["significance"]))
