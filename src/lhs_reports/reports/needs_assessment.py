"""The mental health needs assessment: the activity summary and the results it publishes.

``reporting_window`` is re-exported from :mod:`lhs_reports.reports.periods`.

The summary covers the 12 months to the period's end, or fewer when the trust's data start
inside them. A month missing inside them (declared in the trust's parameter file) is not
filled in or annualised: the counts and rates are of the months with data, and the table's
header and caption say how many and which month is missing, rather than dividing part of a
year's events by a year's residents without saying so.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from lhs_reports.data.dictionary import ACTIVITY_MEASURES
from lhs_reports.data.loaders import TrustData
from lhs_reports.reports.formatting import interval_text, month_text
from lhs_reports.reports.needs_comparison import MEASURE_LABELS
from lhs_reports.reports.periods import COMPARISON_MONTHS, reporting_window

__all__ = ["SUMMARY_MEASURES", "activity_caption", "activity_summary", "record_needs",
           "reporting_window", "summary_gaps", "summary_months"]
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


def summary_gaps(monthly: pd.DataFrame, *, period_end: str) -> list[pd.Period]:
    """Months inside the activity summary's months (:func:`summary_months`) with no row in
    ``monthly``: gaps in the series, which a build accepts only when the trust's parameter file
    declares them (``missing_months``).

    Examples
    --------
    >>> months = pd.date_range("2024-04-01", "2025-03-01", freq="MS")
    >>> summary_gaps(pd.DataFrame({"month": months.delete(7)}), period_end="2025-03")
    [Period('2024-11', 'M')]
    >>> summary_gaps(pd.DataFrame({"month": months}), period_end="2025-03")
    []
    """
    end = pd.Period(period_end, freq="M")
    window = pd.period_range(end - (summary_months(monthly, period_end=period_end) - 1), end,
                             freq="M")
    have = set(pd.DatetimeIndex(monthly["month"]).to_period("M"))
    return [month for month in window if month not in have]


def _events_header(months: int, gaps: int) -> str:
    if gaps:
        return f"Events in the {months - gaps} months with data"
    return "Events in the year" if months == COMPARISON_MONTHS else f"Events in the {months} months"


def activity_caption(data: TrustData, *, period_end: str,
                     missing_months: Iterable[str] = ()) -> str:
    """The activity summary's caption, saying the months it covers, and any month missing
    inside them (said to be declared when ``missing_months``, the trust's parameter, lists it).

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.date_range("2024-08-01", "2025-03-01", freq="MS")})
    >>> data = TrustData("RW5", "Trust", False, monthly, pd.DataFrame(), pd.DataFrame(), None)
    >>> activity_caption(data, period_end="2025-03")
    'Activity in the 8 months to March 2025 (the data start in August 2024)'
    >>> gappy = TrustData("RX4", "Trust", False, monthly.drop(index=3), pd.DataFrame(),
    ...                   pd.DataFrame(), None)
    >>> print(activity_caption(gappy, period_end="2025-03", missing_months=["2024-11"]))
    Activity in the 8 months to March 2025 (the data start in August 2024): no data for
    November 2024, so the counts and rates cover the 7 months with data (not annualised); the
    trust's parameter file declares the month missing
    """
    months = summary_months(data.monthly, period_end=period_end)
    text = f"Activity in the {months} months to {month_text(period_end)}"
    if months < COMPARISON_MONTHS:
        text += f" (the data start in {data.monthly['month'].min():%B %Y})"
    gaps = summary_gaps(data.monthly, period_end=period_end)
    if not gaps:
        return text
    shown = ", ".join(f"{month:%B %Y}" for month in gaps)
    text += (f": no data for {shown}, so the counts and rates cover the {months - len(gaps)} "
             "months with data (not annualised)")
    declared = {str(pd.Period(month, freq="M")) for month in missing_months}
    if {str(month) for month in gaps} <= declared:
        text += (f"; the trust's parameter file declares "
                 f"{'the month' if len(gaps) == 1 else 'these months'} missing")
    return text


def activity_summary(data: TrustData, *, period_end: str) -> pd.DataFrame:
    """Latest-year counts and crude rates per 100,000 residents with 95% CIs (over fewer months
    when the trust's data start inside the year, :func:`summary_months`, or a month inside it
    is missing, :func:`summary_gaps`; the events column then says how many).

    Counts stay integers so the table's disclosure control treats them as counts. A crude rate
    is the count over a published population, so it would give the count back: as NHS Digital
    derives percentages from rounded parts, the rates here come from the *rounded* counts, and
    a suppressed count has no rate.
    """
    from lhs_reports.disclosure import suppress_counts

    months = summary_months(data.monthly, period_end=period_end)
    end = pd.Timestamp(f"{period_end}-01")
    start = end - pd.DateOffset(months=months - 1)
    # The months present: a declared gap is said in the header, not filled in or refused.
    window = data.monthly.loc[data.monthly["month"].between(start, end)]
    events = _events_header(months, len(summary_gaps(data.monthly, period_end=period_end)))
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
        label = MEASURE_LABELS[row["measure"]]
        record(f"dsr_{row['measure']}", row["value"], unit="per 100,000", label=label)
        record(f"dsr_{row['measure']}_comparison", row["comparison"], label=label)
        # The all-trust rate beside it, so an organisation's page can say what it differs from.
        record(f"dsr_{row['measure']}_all_trusts", row["benchmark"], unit="per 100,000",
               label=f"{label}: all trusts")
    for gradient in gradients:
        label = MEASURE_LABELS[gradient.measure]
        record(f"sii_{gradient.measure}", gradient.sii, unit="per 100,000", label=label)
        record(f"rii_{gradient.measure}", gradient.rii, label=label)
        record(f"sii_{gradient.measure}_significant", gradient.significant, label=label)
    for measure, funnel in funnels.items():
        if trust_code not in funnel.points.index:  # type: ignore[attr-defined]
            record(f"isr_{measure}_funnel", "left out")
            continue
        point = funnel.points.loc[trust_code]  # type: ignore[attr-defined]
        record(f"isr_{measure}", float(point["value"]), unit="ratio x 100")
        record(f"isr_{measure}_funnel", str(point["significance"]))
