"""Needs assessment: activity segmented by deprivation and ethnic group (GIRFT recommendation 1).

Rates per segment are directly age-standardised (ESP 2013, Dobson 95% CIs), so a difference
between segments is not just a difference in age structure. The deprivation gradient is
summarised by the slope and relative index of inequality (PHE method, simulated CIs from a
seeded generator, so a page is the same every time it is built).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from lhs_reports.data.dictionary import IMD_QUINTILES, dictionary_order
from lhs_reports.reports.formatting import interval_text, rate_text, ratio_text
from lhs_reports.reports.needs_comparison import standardised_rates

Segment = Literal["imd_quintile", "ethnic_group"]

SEGMENT_TITLES: dict[str, str] = {
    "imd_quintile": "Deprivation quintile (1 = most deprived)",
    "ethnic_group": "Ethnic group",
}
#: Simulations for the SII confidence interval (PHE's default is 100,000).
SII_REPETITIONS = 100_000
SII_SEED = 20240401


def segment_label(segment: Segment, value: object) -> str:
    """How a segment value reads on the page.

    Examples
    --------
    >>> segment_label("imd_quintile", 1), segment_label("imd_quintile", 3)
    ('1 (most deprived)', '3')
    """
    if segment == "imd_quintile":
        extremes = {IMD_QUINTILES[0]: " (most deprived)", IMD_QUINTILES[-1]: " (least deprived)"}
        return f"{value}{extremes.get(int(value), '')}"  # type: ignore[call-overload]
    return str(value)


def rates_by_segment(population: pd.DataFrame, by_group: pd.DataFrame, *, segment: Segment,
                     measures: tuple[str, ...]) -> pd.DataFrame:
    """Age-standardised rates per 100,000 for each segment and measure, in segment order (the
    data dictionary's: quintile 1 to 5, the ONS listing of ethnic groups)."""
    rates = standardised_rates(population, by_group, by=segment, measures=measures)
    order = (list(IMD_QUINTILES) if segment == "imd_quintile"
             else dictionary_order(segment, population[segment]))
    rates[segment] = pd.Categorical(rates[segment].astype(object), categories=order,
                                    ordered=True)
    # Measures in the order asked for, segments in their natural order.
    rank = {m: i for i, m in enumerate(measures)}
    rates = rates.sort_values(["measure", segment], key=lambda c: c.map(rank)
                              if c.name == "measure" else c, ignore_index=True)
    rates["segment_label"] = [segment_label(segment, v) for v in rates[segment]]
    return rates


@dataclass(frozen=True)
class Gradient:
    """The deprivation gradient of one measure: SII and RII with their intervals, or why not."""

    measure: str
    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    reason: str | None = None

    @property
    def significant(self) -> bool:
        return bool(np.isfinite(self.sii_lower) and (self.sii_lower > 0 or self.sii_upper < 0))


def deprivation_gradient(rates: pd.DataFrame, population: pd.DataFrame, *, measure: str
                         ) -> Gradient:
    """SII/RII across deprivation quintiles (1 most deprived) from the quintiles' DSRs.

    Read as gaps (PHE's ``multiplier = -1``): the SII is the modelled rate at the most deprived
    end of the population minus that at the least deprived end, so it is *positive* when rates
    are higher in more deprived areas, and the RII is their ratio (most / least deprived). Not
    calculated when any quintile has fewer than 10 events.
    """
    from lhs_reports.stats.inequality import slope_index_of_inequality

    part = rates.loc[rates["measure"] == measure].sort_values("imd_quintile")
    if len(part) != len(IMD_QUINTILES) or part["value"].isna().any():
        nan = float("nan")
        return Gradient(measure, nan, nan, nan, nan, nan, nan,
                        reason="not calculated: a deprivation quintile has no rate (fewer than 10 "
                               "events, or an age band with no residents)")
    people = population.groupby("imd_quintile")["population"].sum().reindex(IMD_QUINTILES)
    result = slope_index_of_inequality(
        part["value"].to_numpy(float), people.to_numpy(float),
        lower_ci=part["lower_ci"].to_numpy(float), upper_ci=part["upper_ci"].to_numpy(float),
        value_type="rate", multiplier=-1, repetitions=SII_REPETITIONS,
        seed=SII_SEED).iloc[0]
    return Gradient(measure, float(result["sii"]), float(result["sii_lower_ci"]),
                    float(result["sii_upper_ci"]), float(result["rii"]),
                    float(result["rii_lower_ci"]), float(result["rii_upper_ci"]))


def gradient_table(gradients: list[Gradient], labels: dict[str, str]) -> pd.DataFrame:
    """The gradients as a reader sees them."""
    return pd.DataFrame({
        "Measure": [labels[g.measure] for g in gradients],
        "Gap, most minus least deprived (SII, per 100,000)": [
            rate_text(g.sii) for g in gradients],
        "Gap: 95% CI": [interval_text(g.sii_lower, g.sii_upper) for g in gradients],
        "Ratio, most to least deprived (RII)": [ratio_text(g.rii) for g in gradients],
        "Ratio: 95% CI": [interval_text(g.rii_lower, g.rii_upper, 2) for g in gradients],
    })


def segment_table(rates: pd.DataFrame, *, labels: dict[str, str], segment_title: str
                  ) -> pd.DataFrame:
    """Events and age-standardised rates by segment and measure, as a reader sees them (events
    stay integers so disclosure control applies)."""
    return pd.DataFrame({
        "Measure": rates["measure"].map(labels).to_numpy(),
        segment_title: rates["segment_label"].to_numpy(),
        "Events": rates["total_count"].astype("int64").to_numpy(),
        "Age-standardised rate per 100,000": [rate_text(v) for v in rates["value"]],
        "95% CI": [interval_text(lo, hi)
                   for lo, hi in zip(rates["lower_ci"], rates["upper_ci"], strict=True)],
    })
