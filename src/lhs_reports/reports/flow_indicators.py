"""The GIRFT crisis and acute flow indicators: definitions only (no pandas), so parameter
validation can check target names without importing the analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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

    @property
    def possible_range(self) -> tuple[float, float]:
        """The values the indicator can take: 0 to 100 for a percentage, from 0 up for a
        length of stay, a rate per bed day or a count of bed days.

        >>> INDICATORS_BY_ID["crisis_24h"].possible_range
        (0.0, 100.0)
        >>> INDICATORS_BY_ID["out_of_area"].possible_range
        (0.0, inf)
        """
        # Lazy: parameter validation imports this module, and must not load the statistics.
        from lhs_reports.stats.bounds import possible_range

        return possible_range(self.kind, multiplier=self.multiplier)

    def label(self, value: float) -> str:
        """``value`` as the site writes this indicator's values (one formatter for all).

        Examples
        --------
        >>> INDICATORS_BY_ID["crisis_24h"].label(80), INDICATORS_BY_ID["length_of_stay"].label(
        ...     1234.56)
        ('80.0%', '1,234.6 days')
        """
        # Lazily: validating parameters imports these definitions, and must not wait for the
        # pandas the formatter needs.
        from lhs_reports.reports.formatting import percent_text, rate_text

        if self.unit == "%":
            return percent_text(value)
        return rate_text(value, self.unit)


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
