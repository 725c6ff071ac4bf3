"""Crisis and acute flow across trusts: funnel plots of the proportion indicators.

Each trust's latest-year proportion (e.g. readmissions within 30 days of discharge) is plotted
against its denominator, with limits around the all-trust proportion. Trusts differ for more
reasons than chance (case mix, coding, local services), so the limits are widened for
overdispersion with Spiegelhalter's additive random-effects method (as FunnelPlotR does) when
the data show more spread than binomial variation allows; otherwise the plain limits are used.

A trust whose data do not cover the 12 months (a new trust, a gap, data ending early), or with
no patients in them for an indicator, is left out of the funnel rather than compared on a
different period or failing the page; :func:`left_out` says who and why, for the page's note.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from lhs_reports.reports.flow import period_totals
from lhs_reports.reports.flow_indicators import INDICATORS, Indicator
from lhs_reports.reports.formatting import MISSING, count_text, number_text, ratio_text
from lhs_reports.reports.periods import COMPARISON_MONTHS, coverage_gap, reporting_window

#: The indicators shown as funnels: proportions of a count, where a funnel's binomial model holds.
FUNNEL_INDICATORS: tuple[Indicator, ...] = tuple(i for i in INDICATORS
                                                 if i.kind == "proportion")

#: The fewest trusts a funnel compares: one trust alone sits on its own average, inside any
#: limits, which would read as "no trust stands out" when nothing was compared.
MIN_FUNNEL_TRUSTS = 2


def latest_year_totals(monthly: pd.DataFrame, indicator: Indicator, *, period_end: str
                       ) -> pd.DataFrame:
    """Numerator and denominator per trust over the 12 months to ``period_end``, for the trusts
    that can be compared (see :func:`comparable_totals`)."""
    return comparable_totals(monthly, indicator, period_end=period_end)[0]


def comparable_totals(monthly: pd.DataFrame, indicator: Indicator, *, period_end: str
                      ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numerator and denominator per trust over the 12 months to ``period_end``, and the trusts
    left out with why: months missing from the window, or no denominator in it (a proportion
    of nobody).

    Examples
    --------
    >>> from lhs_reports.reports.flow_indicators import INDICATORS_BY_ID
    >>> months = pd.date_range("2024-04-01", periods=12, freq="MS")
    >>> monthly = pd.DataFrame({"trust_code": ["RX4"] * 12 + ["RW5"] * 8,
    ...                         "month": list(months) + list(months[4:]),
    ...                         "followups_72h": 8, "discharges": 10})
    >>> totals, left = comparable_totals(monthly, INDICATORS_BY_ID["followup_72h"],
    ...                                  period_end="2025-03")
    >>> totals.to_dict("index")
    {'RX4': {'numerator': 96.0, 'denominator': 120.0}}
    >>> left
    {'RW5': '8 months of data; the comparison needs 12'}
    """
    rows, left = {}, {}
    for code, part in monthly.groupby("trust_code", sort=True, observed=True):
        gap = coverage_gap(part["month"], period_end, needed=COMPARISON_MONTHS)
        if gap is not None:
            left[str(code)] = gap
            continue
        numerator, denominator = period_totals(reporting_window(part, period_end), indicator)
        if indicator.denominator is not None and denominator <= 0:
            left[str(code)] = (f"no {indicator.denominator.replace('_', ' ')} in the "
                               f"{COMPARISON_MONTHS} months to "
                               f"{pd.Period(period_end, freq='M'):%B %Y}")
            continue
        rows[str(code)] = (numerator, denominator)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["numerator", "denominator"])
    return frame, left


def left_out(monthly: pd.DataFrame, *, period_end: str) -> dict[str, str]:
    """Every trust left out of at least one funnel, with why (for :func:`nb.show_left_out
    <lhs_reports.notebook.show_left_out>`)."""
    found: dict[str, list[str]] = {}
    for indicator in FUNNEL_INDICATORS:
        for code, why in comparable_totals(monthly, indicator, period_end=period_end)[1].items():
            found.setdefault(code, [])
            if why not in found[code]:
                found[code].append(why)
    return {code: "; ".join(reasons) for code, reasons in found.items()}


def flow_funnels(monthly: pd.DataFrame, *, period_end: str) -> dict[str, Any]:
    """An overdispersion-adjusted proportion funnel (99.8% limits) per funnel indicator, of the
    trusts that can be compared (:func:`left_out` names the others); an indicator fewer than
    :data:`MIN_FUNNEL_TRUSTS` trusts can be compared on has no funnel (:func:`funnel_summary`
    says so)."""
    import warnings

    from lhs_reports.stats.funnel import overdispersed_funnel

    funnels = {}
    for indicator in FUNNEL_INDICATORS:
        totals = latest_year_totals(monthly, indicator, period_end=period_end)
        if len(totals) < MIN_FUNNEL_TRUSTS:
            continue
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")  # the result says whether it was adjusted
            funnels[indicator.id] = overdispersed_funnel(
                totals["numerator"], totals["denominator"], data_type="PR", limit=99,
                multiplier=100)
    return funnels


def _times(phi: float) -> str:
    """How many times chance's spread, as a reader would round it: "34", "1.4"."""
    return count_text(phi) if phi >= 10 else number_text(phi, 1)


def overdispersion_text(phi: float | None) -> str:
    """The overdispersion factor φ with what it means, in plain English.

    φ is the mean squared z-score: how much more the trusts vary than binomial chance alone
    would make them (1 = exactly as much).

    Examples
    --------
    >>> overdispersion_text(33.754)
    'φ = 33.75: the trusts vary about 34 times as much as chance alone would make them'
    >>> overdispersion_text(0.8)
    'φ = 0.80: the trusts vary no more than chance alone would make them'
    >>> overdispersion_text(None)
    '–'
    """
    if phi is None or number_text(phi) == MISSING:
        return MISSING
    if phi <= 1:
        return f"φ = {ratio_text(phi)}: the trusts vary no more than chance alone would make them"
    return (f"φ = {ratio_text(phi)}: the trusts vary about {_times(phi)} times as much as "
            "chance alone would make them")


def limits_text(funnel: Any) -> str:
    """Whether a funnel's limits were widened for overdispersion, and by what (τ²), in words.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> print(limits_text(SimpleNamespace(adjusted=True, phi=33.75, tau2=0.01234)))
    widened for the extra variation (Spiegelhalter's method): τ² = 0.0123, the variance between
    trusts beyond chance, is added to each trust's own, so a trust must sit further from the
    all-trust value to fall outside
    >>> limits_text(SimpleNamespace(adjusted=False, phi=0.8, tau2=0.0))
    'not widened: the trusts vary no more than chance would make them'
    """
    if funnel.adjusted:
        return ("widened for the extra variation (Spiegelhalter's method): "
                f"τ² = {number_text(funnel.tau2, 4)}, the variance between trusts beyond "
                "chance, is added to each trust's own, so a trust must sit further from the "
                "all-trust value to fall outside")
    if funnel.phi is not None and funnel.phi > 1:
        return "not widened: too few trusts to estimate the extra variation"
    return "not widened: the trusts vary no more than chance would make them"


def funnel_summary(funnels: dict[str, Any], trusts: pd.DataFrame, *,
                   names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per funnel indicator: the all-trust value, overdispersion and the trusts outside;
    an indicator without a funnel says why (too few trusts to compare). Trusts outside are
    named with their codes (``names`` by code, as :func:`lhs_reports.reports.periods.trust_names`
    gives them, else the trusts table's names); φ and the limits are glossed in words
    (:func:`overdispersion_text`, :func:`limits_text`).

    Examples
    --------
    >>> trusts = pd.DataFrame({"trust_code": ["RX4"], "trust_name": ["Northern"]})
    >>> funnel_summary({}, trusts)["Limits"].iloc[0]
    'no funnel: fewer than 2 trusts have the 12 months to compare'
    """
    names = dict(zip(trusts["trust_code"], trusts["trust_name"], strict=True)) | dict(names or {})
    rows = []
    for indicator in FUNNEL_INDICATORS:
        funnel = funnels.get(indicator.id)
        if funnel is None:
            rows.append({"Indicator": indicator.title, "All-trust value": MISSING,
                         "Overdispersion (φ)": MISSING,
                         "Limits": f"no funnel: fewer than {MIN_FUNNEL_TRUSTS} trusts have the "
                         f"{COMPARISON_MONTHS} months to compare",
                         "Outside the 99.8% limits": MISSING})
            continue
        points = funnel.points
        outside = points.loc[points["outlier"].notna()]
        rows.append({
            "Indicator": indicator.title,
            "All-trust value": indicator.label(funnel.target),
            "Overdispersion (φ)": overdispersion_text(funnel.phi),
            "Limits": limits_text(funnel),
            "Outside the 99.8% limits": "; ".join(
                f"{names.get(code, code)} ({code}): {_SIDE[str(direction)]}"
                for code, direction in outside["outlier"].items()) or "none",
        })
    return pd.DataFrame(rows)


_SIDE = {"high": "above", "low": "below"}


def record_funnels(funnels: dict[str, Any]) -> None:
    """Publish each funnel's outliers and overdispersion for tests and other pages."""
    from lhs_reports.results import record

    for indicator_id, funnel in funnels.items():
        outside = funnel.points["outlier"].dropna()
        record(f"funnel_{indicator_id}_outliers",
               ",".join(f"{code}:{direction}" for code, direction in outside.items()))
        record(f"funnel_{indicator_id}_phi", funnel.phi)
        record(f"funnel_{indicator_id}_adjusted", bool(funnel.adjusted))
