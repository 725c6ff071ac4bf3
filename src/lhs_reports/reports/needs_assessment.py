"""The mental health needs assessment: the activity summary and the results it publishes.

``reporting_window`` is re-exported from :mod:`lhs_reports.reports.periods`.
"""

from __future__ import annotations

import pandas as pd

from lhs_reports.data.dictionary import ACTIVITY_MEASURES
from lhs_reports.data.loaders import TrustData
from lhs_reports.reports.formatting import interval_text
from lhs_reports.reports.needs_comparison import MEASURE_LABELS
from lhs_reports.reports.periods import COMPARISON_MONTHS, reporting_window

__all__ = ["SUMMARY_MEASURES", "activity_caption", "activity_summary", "record_needs",
           "reporting_window", "summary_months"]
from lhs_reports.stats.rates import crude_rate

#: Measures shown in the activity summary (all counts of events, so rates per resident apply).
SUMMARY_MEASURES: tuple[str, ...] = (
    "referrals",
    "crisis_contacts",
    "admissions",
    "mha_detentions",
    "readmissions_30d",
)


def summary_months(monthly: pd.DataFrame, *, period_end: str) -> int:
    """The months the activity summary covers: 12, or fewer when the trust's data start inside
    the 12 months to ``period_end`` (a new trust: its page says so rather than failing).

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.date_range("2024-08-01", "2025-03-01", freq="MS")})
    >>> summary_months(monthly, period_end="2025-03"), summary_months(monthly, period_end="2024-12")
    (8, 5)
    """
    first = pd.Period(monthly["month"].min(), freq="M")
    since_start = (pd.Period(period_end, freq="M") - first).n + 1
    return max(1, min(COMPARISON_MONTHS, since_start))


def activity_caption(data: TrustData, *, period_end: str) -> str:
    """The activity summary's caption, saying the months it covers.

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.date_range("2024-08-01", "2025-03-01", freq="MS")})
    >>> data = TrustData("RW5", "Trust", False, monthly, pd.DataFrame(), pd.DataFrame(), None)
    >>> activity_caption(data, period_end="2025-03")
    'Activity in the 8 months to 2025-03 (the data start in August 2024)'
    """
    months = summary_months(data.monthly, period_end=period_end)
    if months == COMPARISON_MONTHS:
        return f"Activity in the 12 months to {period_end}"
    return (f"Activity in the {months} months to {period_end} (the data start in "
            f"{data.monthly['month'].min():%B %Y})")


def activity_summary(data: TrustData, *, period_end: str) -> pd.DataFrame:
    """Latest-year counts and crude rates per 100,000 residents with 95% CIs (over fewer months
    when the trust's data start inside the year, :func:`summary_months`; the events column then
    says how many).

    Counts stay integers so the table's disclosure control treats them as counts. A crude rate
    is the count over a published population, so it would give the count back: as NHS Digital
    derives percentages from rounded parts, the rates here come from the *rounded* counts, and
    a suppressed count has no rate.
    """
    from lhs_reports.disclosure import suppress_counts

    months = summary_months(data.monthly, period_end=period_end)
    window = reporting_window(data.monthly, period_end, months=months)
    events = ("Events in the year" if months == COMPARISON_MONTHS
              else f"Events in the {months} months")
    residents = int(data.population["population"].sum())
    meanings = {c.name: c.meaning for c in ACTIVITY_MEASURES}
    counts = window[list(SUMMARY_MEASURES)].sum().astype("int64")
    rounded = suppress_counts(counts)["value"]
    rates = crude_rate(rounded, residents, multiplier=100_000)
    return pd.DataFrame(
        {
            "Measure": [MEASURE_LABELS[m] for m in SUMMARY_MEASURES],
            events: counts.to_numpy(),
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
        if trust_code not in funnel.points.index:  # type: ignore[attr-defined]
            record(f"isr_{measure}_funnel", "left out")
            continue
        point = funnel.points.loc[trust_code]  # type: ignore[attr-defined]
        record(f"isr_{measure}", float(point["value"]), unit="ratio x 100")
        record(f"isr_{measure}_funnel", str(point["significance"]))
