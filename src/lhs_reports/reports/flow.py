"""Crisis and acute flow indicators (GIRFT): definitions and monthly series per trust.

GIRFT's adult crisis and acute mental health messages: report outcome data routinely, give
timely access before crisis, and keep flow "easy in, easy out". Each indicator is a ratio of two
monthly counts from the activity table, with the direction that counts as improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd


@dataclass(frozen=True)
class Indicator:
    """One flow indicator: ``numerator / denominator x multiplier`` per month."""

    id: str
    title: str
    numerator: str
    denominator: str | None
    multiplier: float
    unit: str
    improvement: Literal["increase", "decrease", "neutral"]
    kind: Literal["proportion", "ratio", "count"]
    message: str

    def label(self, value: float) -> str:
        if self.unit == "%":
            return f"{value:.1f}%"
        return f"{value:,.1f} {self.unit}".strip()


INDICATORS: tuple[Indicator, ...] = (
    Indicator("crisis_24h", "Crisis referrals seen within 24 hours", "crisis_contacts_24h",
              "crisis_contacts", 100, "%", "increase", "proportion",
              "Timely access before crisis"),
    Indicator("length_of_stay", "Average length of stay", "occupied_bed_days", "discharges", 1,
              "days", "decrease", "ratio", "Flow: easy in, easy out"),
    Indicator("delayed_discharge", "Delayed discharge days per 100 occupied bed days",
              "delayed_discharge_days", "occupied_bed_days", 100, "per 100 bed days",
              "decrease", "ratio", "Flow: easy in, easy out"),
    Indicator("out_of_area", "Out-of-area placement bed days", "out_of_area_bed_days", None, 1,
              "bed days", "decrease", "count", "Flow: care close to home"),
    Indicator("followup_72h", "Discharges followed up within 72 hours", "followups_72h",
              "discharges", 100, "%", "increase", "proportion", "Safe transitions"),
    Indicator("readmission_30d", "Emergency readmissions within 30 days", "readmissions_30d",
              "discharges", 100, "%", "decrease", "proportion", "Outcomes"),
)
INDICATORS_BY_ID = {i.id: i for i in INDICATORS}


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
