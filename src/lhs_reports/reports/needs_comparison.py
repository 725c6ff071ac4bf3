"""Needs assessment: a trust's age-standardised activity rates compared with all trusts.

Rates are directly age-standardised to the European Standard Population 2013 (Dobson CIs) and
compared with the rate for all trusts together the way Fingertips compares an area with England:
*higher* or *lower* when the all-trust value lies outside the trust's 95% interval. Where a trust
sits among its peers is shown as a funnel plot of indirectly age-standardised ratios (observed
over the count expected at all-trust age-specific rates), with exact Poisson limits: funnels,
not league tables.

The activity is the latest year's, so a trust whose monthly activity does not cover the 12
months to the page's period (a new trust, a gap, data ending early), or with no residents, is
left out of the all-trust rate and the funnels, and the page says who and why
(:attr:`PeerData.left_out`), rather than comparing part of a year with whole years.

The functions here take :class:`Peers`: :class:`PeerData` (every trust's tables, as
:func:`load_peer_data` reads them) or, in a report, one trust's tables with the figures computed
once for all trusts (:func:`lhs_reports.reports.needs_peers.peers_for`); the numbers are the
same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from lhs_reports.data.dictionary import GROUP_MEASURES, dictionary_order
from lhs_reports.reports.formatting import (
    interval_text,
    measure_text,
    number_text,
    percent_text,
    rate_text,
    signed_text,
)

#: Reader-facing names of the needs assessment's measures.
MEASURE_LABELS: dict[str, str] = {
    "referrals": "Referrals",
    "crisis_contacts": "Crisis contacts",
    "admissions": "Admissions",
    "mha_detentions": "Mental Health Act detentions",
    "readmissions_30d": "Readmissions within 30 days",
}

ALL_TRUSTS = "All trusts"


class Peers(Protocol):
    """What a needs assessment compares a trust with: :class:`PeerData` (every trust's tables,
    figures computed from them) or :class:`~lhs_reports.reports.needs_peers.TrustPeers` (one
    trust's tables and the figures computed once for all trusts, by the build or the kernel).
    """

    trusts: pd.DataFrame
    left_out: Mapping[str, str]

    @property
    def pooled(self) -> pd.DataFrame: ...

    @property
    def compared_codes(self) -> frozenset[str]: ...

    @property
    def mix(self) -> dict[str, pd.Series]: ...

    def ratios(self, measure: str) -> pd.DataFrame: ...

    def of(self, trust_code: str) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    def compared(self, trust_code: str) -> str | None: ...


@dataclass(frozen=True)
class PeerData:
    """Every trust's population and latest-year activity by group: the comparators."""

    trusts: pd.DataFrame
    population: pd.DataFrame
    by_group: pd.DataFrame
    #: Trusts left out of the comparisons (the all-trust rate, the funnels), with why.
    left_out: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def ages_by_trust(self) -> pd.DataFrame:
        """Population and events per trust and age band (computed once)."""
        return age_profile(self.population, self.by_group, by="trust_code")

    @cached_property
    def comparators(self) -> pd.DataFrame:
        """:attr:`ages_by_trust` of the trusts compared (those not left out)."""
        ages = self.ages_by_trust
        return ages.loc[~ages["trust_code"].astype(str).isin(list(self.left_out))]

    @cached_property
    def pooled(self) -> pd.DataFrame:
        """:attr:`comparators` summed over the trusts: the all-trust age profile (one row per
        age band, ``trust_code`` "All trusts")."""
        return (self.comparators.drop(columns="trust_code")
                .groupby("age_band", as_index=False, sort=False, observed=True).sum()
                .assign(trust_code=ALL_TRUSTS))

    @cached_property
    def compared_codes(self) -> frozenset[str]:
        """The codes of the trusts compared."""
        return frozenset(self.comparators["trust_code"].astype(str))

    @cached_property
    def mix(self) -> dict[str, pd.Series]:
        """All trusts' residents by deprivation quintile and by ethnic group, in reading order
        (quintiles sorted; ethnic groups in the data dictionary's order)."""
        return {column: mix_totals(self.population, column) for column in MIX_COLUMNS}

    @cached_property
    def _ratios_by_measure(self) -> dict[str, pd.DataFrame]:
        return {}

    def ratios(self, measure: str) -> pd.DataFrame:
        """:func:`standardised_ratios` of ``measure``, computed once per measure."""
        found = self._ratios_by_measure
        if measure not in found:
            found[measure] = _ratios(self.comparators, measure)
        return found[measure]

    def of(self, trust_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """One trust's population and activity rows."""
        return (self.population.loc[self.population["trust_code"] == trust_code],
                self.by_group.loc[self.by_group["trust_code"] == trust_code])

    def compared(self, trust_code: str) -> str | None:
        """``trust_code`` when the trust is in the comparisons, else None (so its own page
        highlights it in the funnel only when it is there)."""
        return None if trust_code in self.left_out else trust_code


def load_peer_data(data_dir: str | Path | None, *, period_end: str | None = None) -> PeerData:
    """Read the population and activity-by-group tables for every trust, and find the trusts
    to leave out of comparisons over the 12 months to ``period_end`` (default: the latest month
    in the data), from the monthly activity when the data have it."""
    from lhs_reports.data.layout import table_files
    from lhs_reports.data.loaders import load_table, resolve_data_dir

    folder = resolve_data_dir(data_dir)
    population = load_table(folder, "population")
    left: dict[str, str] = {}
    if table_files(folder, "activity_monthly"):
        left.update(_short_of_a_year(load_table(folder, "activity_monthly"), population,
                                     period_end))
    residents = population.groupby("trust_code", observed=True)["population"].sum()
    for code in residents.index[residents.to_numpy() <= 0]:
        left.setdefault(str(code), "no residents in the population table")
    return PeerData(trusts=load_table(folder, "trusts"), population=population,
                    by_group=load_table(folder, "activity_by_group"), left_out=left)


def _short_of_a_year(monthly: pd.DataFrame, population: pd.DataFrame,
                     period_end: str | None) -> dict[str, str]:
    """Trusts whose monthly activity does not cover the 12 months to ``period_end``."""
    from lhs_reports.reports.periods import COMPARISON_MONTHS, left_out_by_coverage

    end = period_end or f"{monthly['month'].max():%Y-%m}"
    left = left_out_by_coverage(monthly, end)
    for code in sorted(set(population["trust_code"]) - set(monthly["trust_code"])):
        left[str(code)] = (f"no monthly activity; the comparison needs the "
                           f"{COMPARISON_MONTHS} months to {pd.Period(end, freq='M'):%B %Y}")
    return left


def age_profile(population: pd.DataFrame, by_group: pd.DataFrame, *,
                by: str | list[str] | None = None) -> pd.DataFrame:
    """Population and event counts per age band (summed over the other groupings).

    Examples
    --------
    >>> pop = pd.DataFrame({"age_band": ["0-4", "0-4"], "sex": ["Female", "Male"],
    ...                     "population": [100, 120]})
    >>> events = pop.drop(columns="population").assign(admissions=[1, 2])
    >>> age_profile(pop, events)[["age_band", "population", "admissions"]].to_dict("records")
    [{'age_band': '0-4', 'population': 220, 'admissions': 3}]
    """
    keys = ([by] if isinstance(by, str) else list(by or [])) + ["age_band"]
    join = [c for c in by_group.columns if c in population.columns and c != "population"]
    merged = population.merge(by_group, on=join, how="left", validate="one_to_one")
    measures = [m for m in GROUP_MEASURES if m in merged.columns]
    merged[measures] = merged[measures].fillna(0)
    return merged.groupby(keys, as_index=False, sort=False, observed=True)[
        ["population", *measures]].sum()


def standardised_rates(population: pd.DataFrame, by_group: pd.DataFrame, *, by: str,
                       measures: tuple[str, ...] = GROUP_MEASURES) -> pd.DataFrame:
    """Directly age-standardised rates per 100,000 (ESP 2013, Dobson 95% CIs), one row per
    group in ``by`` and measure; groups with fewer than 10 events have no rate and a reason."""
    return rates_from_ages(age_profile(population, by_group, by=by), by=by, measures=measures)


def rates_from_ages(ages: pd.DataFrame, *, by: str,
                    measures: tuple[str, ...] = GROUP_MEASURES) -> pd.DataFrame:
    """:func:`standardised_rates` from an :func:`age_profile` table.

    A group with no residents in some age band (a small ethnic group in a small trust, say)
    has no DSR: its rate in that band is undefined. It gets a row with a reason rather than
    stopping the report.
    """
    from lhs_reports.stats.standardise import directly_standardised_rates

    empty_band = ages.groupby(by, sort=False, observed=True)["population"].min() <= 0
    usable = ages.loc[~ages[by].map(empty_band).astype(bool)]
    frames = []
    for measure in measures:
        if not usable.empty:
            rates = directly_standardised_rates(usable, count=measure, population="population",
                                                by=by, age_band="age_band")
            frames.append(rates.reset_index().assign(measure=measure))
        for group in empty_band.index[empty_band.to_numpy()]:
            events = ages.loc[ages[by] == group, measure].sum()
            frames.append(pd.DataFrame({
                by: [group], "value": [np.nan], "lower_ci": [np.nan], "upper_ci": [np.nan],
                "total_count": [events], "measure": [measure],
                "reason": ["not calculated: an age band has no residents"]}))
    return pd.concat(frames, ignore_index=True)


def rate_comparison(peers: Peers, trust_code: str) -> pd.DataFrame:
    """The trust's DSR for every measure beside the all-trust DSR, and how they compare
    (Fingertips' rule: significantly different when the all-trust rate lies outside the trust's
    95% interval). The all-trust rate is of the trusts compared; a trust left out of the
    comparisons has its own rates and ``comparison`` "left out"."""
    from lhs_reports.stats.compare import benchmark_comparison

    population, by_group = peers.of(trust_code)
    mine = rates_from_ages(age_profile(population, by_group, by="trust_code"),
                           by="trust_code").set_index("measure")
    left_out = trust_code in peers.left_out
    # The trust alone among the comparators: "all trusts" is its own rate, no comparison.
    alone = peers.compared_codes <= {trust_code}
    everyone = rates_from_ages(peers.pooled, by="trust_code").set_index("measure")
    rows = []
    for measure in GROUP_MEASURES:
        row, benchmark = mine.loc[measure], everyone.loc[measure, "value"]
        rows.append({
            "measure": measure,
            "label": MEASURE_LABELS[measure],
            "events": int(row["total_count"]),
            "value": float(row["value"]),
            "lower_ci": float(row["lower_ci"]),
            "upper_ci": float(row["upper_ci"]),
            "benchmark": float(benchmark),
            "comparison": "left out" if left_out else "no peers" if alone
            else benchmark_comparison(float(row["lower_ci"]), float(row["upper_ci"]),
                                      float(benchmark)),
            "reason": row.get("reason"),
        })
    return pd.DataFrame(rows)


COMPARISON_TEXT = {
    "higher": "Significantly higher",
    "lower": "Significantly lower",
    "similar": "No significant difference",
    "not compared": "Not compared (fewer than 10 events)",
    "left out": "Not compared (left out: see the note)",
    "no peers": "Not compared (no other trust in the data)",
}


def rate_comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as a reader sees it (events stay integers so disclosure control applies).
    """
    return pd.DataFrame({
        "Measure": comparison["label"],
        "Events in the year": comparison["events"].astype("int64"),
        "Age-standardised rate per 100,000": [rate_text(v) for v in comparison["value"]],
        "95% CI": [interval_text(lo, hi) for lo, hi in zip(comparison["lower_ci"],
                                                           comparison["upper_ci"], strict=True)],
        "All trusts' rate per 100,000": [rate_text(v) for v in comparison["benchmark"]],
        "Compared with all trusts": comparison["comparison"].map(COMPARISON_TEXT),
    })


def standardised_ratios(peers: Peers, measure: str) -> pd.DataFrame:
    """Observed and expected counts per trust, expected at the all-trust age-specific rates.

    Returns one row per trust compared (indexed by trust code, sorted; trusts left out are not
    there) with ``observed`` and ``expected``: E = Σ (all-trust events / all-trust residents in
    the band) × the trust's residents in the band, as
    :func:`lhs_reports.stats.standardise.indirectly_standardised_ratio` computes it for one area,
    here for every trust at once.
    """
    return peers.ratios(measure)


def _ratios(ages: pd.DataFrame, measure: str) -> pd.DataFrame:
    """:func:`standardised_ratios` from the compared trusts' age profiles."""
    reference = ages.groupby("age_band", sort=False, observed=True)[
        ["population", measure]].sum()
    band_rate = reference[measure] / reference["population"]
    # By label, as plain numbers: mapping an (ordered categorical) age band gives a categorical.
    rate = ages["age_band"].astype(object).map(band_rate).astype(float)
    expected = (ages["population"] * rate).groupby(ages["trust_code"]).sum()
    observed = ages.groupby("trust_code")[measure].sum()
    frame = pd.DataFrame({"observed": observed.astype(float), "expected": expected})
    frame.index.name = "trust_code"
    return frame.sort_index()


def peer_funnel(peers: Peers, measure: str):
    """PHE-style funnel of indirectly standardised ratios (×100) with exact Poisson limits at
    95% and 99.8%, one point per trust."""
    from lhs_reports.stats.funnel import ratio_funnel

    ratios = standardised_ratios(peers, measure)
    return ratio_funnel(ratios["observed"].astype(float), ratios["expected"].astype(float),
                        multiplier=100)


#: Where a trust sits in a peer funnel, in words, by the funnel's significance label.
FUNNEL_POSITION: dict[str, str] = {
    "High (0.001)": "Above the 99.8% limit",
    "High (0.025)": "Above the 95% limit (inside the 99.8% limit)",
    "Low (0.001)": "Below the 99.8% limit",
    "Low (0.025)": "Below the 95% limit (inside the 99.8% limit)",
    "Not significant": "Inside the 95% limits",
}


def funnel_position(significance: object) -> str:
    """A funnel's significance label ("High (0.001)") as a reader says it.

    Examples
    --------
    >>> funnel_position("High (0.001)"), funnel_position("Not significant")
    ('Above the 99.8% limit', 'Inside the 95% limits')
    >>> funnel_position(None)
    'Not placed (no value)'
    """
    return FUNNEL_POSITION.get(str(significance), "Not placed (no value)")


def ratio_table(funnels: dict[str, object], trust_code: str, *,
                left_out: Mapping[str, str] | None = None) -> pd.DataFrame:
    """For each measure, the trust's standardised ratio and where it sits in the peer funnel.

    ``funnels`` maps measure to its :func:`peer_funnel` result. Observed counts stay integers
    so disclosure control applies. A ratio is a complex calculation that needs no control
    itself, but beside the expected count it would give back a suppressed observed count
    (O = ratio x E / 100), so where the count is suppressed the ratio is too. A trust left out
    of the funnels (``left_out``) gets one row per measure saying so; a trust alone in a
    funnel is not compared.
    """
    from lhs_reports.disclosure import NHS_DIGITAL_SDC

    if any(trust_code not in funnel.points.index  # type: ignore[attr-defined]
           for funnel in funnels.values()):
        why = (left_out or {}).get(trust_code, "not in the data compared")
        return pd.DataFrame({"Measure": [MEASURE_LABELS[m] for m in funnels],
                             "Position in the peer funnel": f"Left out ({why})"})
    rows = []
    for measure, funnel in funnels.items():
        point = funnel.points.loc[trust_code]  # type: ignore[attr-defined]
        observed = int(round(float(point["numerator"])))
        hidden = bool(NHS_DIGITAL_SDC.suppresses(np.array([observed]))[0])
        rows.append({
            "Measure": MEASURE_LABELS[measure],
            "Events observed": observed,
            "Expected at all-trust rates": number_text(float(point["denominator"])),
            "Standardised ratio (100 = as expected)": (
                "*" if hidden else measure_text(float(point["value"]), "index")),
            "Position in the peer funnel": (funnel_position(point["significance"])
                                            if has_peers(funnel)
                                            else COMPARISON_TEXT["no peers"]),
        })
    return pd.DataFrame(rows)


def has_peers(funnel: Any) -> bool:
    """Whether a peer funnel holds other trusts: one of a single trust would compare it with
    itself, so it is neither drawn nor read.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> has_peers(SimpleNamespace(points=pd.DataFrame(index=["RX4"])))
    False
    """
    return len(funnel.points) > 1


def population_mix(peers: Peers, trust_code: str) -> pd.DataFrame:
    """The catchment's deprivation and ethnicity mix beside all trusts' (shares of residents).

    Returns one row per deprivation quintile and ethnic group with the trust's share, the share
    across all trusts and the difference in percentage points. Shares of residents describe
    the population, not patients, so they need no disclosure control.

    Examples
    --------
    >>> pop = pd.DataFrame({"trust_code": ["A", "A", "B", "B"], "imd_quintile": [1, 5, 1, 5],
    ...                     "ethnic_group": ["White"] * 4, "population": [30, 70, 50, 50]})
    >>> peers = PeerData(pd.DataFrame(), pop, pd.DataFrame({"trust_code": []}))
    >>> mix = population_mix(peers, "A")
    >>> mix[["group", "trust_share", "all_share"]].iloc[:2].to_dict("records")
    [{'group': '1 (most deprived)', 'trust_share': 30.0, 'all_share': 40.0},
     {'group': '5 (least deprived)', 'trust_share': 70.0, 'all_share': 60.0}]
    """
    from lhs_reports.reports.needs_inequality import segment_label

    rows = []
    mine = peers.of(trust_code)[0]
    for column, title in zip(MIX_COLUMNS, ("Deprivation quintile", "Ethnic group"),
                             strict=True):
        trust = mine.groupby(column)["population"].sum()
        everyone = peers.mix[column]
        trust_share = trust.reindex(everyone.index, fill_value=0) / trust.sum() * 100
        all_share = everyone / everyone.sum() * 100
        for value in everyone.index:
            rows.append({"segment": title, "group": segment_label(column, value),
                         "trust_share": round(float(trust_share[value]), 1),
                         "all_share": round(float(all_share[value]), 1)})
    frame = pd.DataFrame(rows)
    frame["difference"] = (frame["trust_share"] - frame["all_share"]).round(1)
    return frame


#: The population's columns whose mix a needs assessment compares with all trusts'.
MIX_COLUMNS: tuple[Literal["imd_quintile", "ethnic_group"], ...] = ("imd_quintile", "ethnic_group")


def mix_totals(population: pd.DataFrame, column: str) -> pd.Series:
    """Residents by ``column``'s groups, in reading order: quintiles sorted, ethnic groups in
    the data dictionary's (the ONS listing), never the order a file lists them in.

    Examples
    --------
    >>> pop = pd.DataFrame({"imd_quintile": [5, 1, 5], "population": [10, 20, 30]})
    >>> mix_totals(pop, "imd_quintile").to_dict()
    {1: 20, 5: 40}
    """
    order = (sorted(population[column].unique()) if column == "imd_quintile"
             else dictionary_order(column, population[column]))
    return population.groupby(column)["population"].sum().reindex(order)


def population_mix_table(mix: pd.DataFrame) -> pd.DataFrame:
    """The mix as a reader sees it: headers that say what each column is a share of.

    Examples
    --------
    >>> mix = pd.DataFrame({"segment": ["Ethnic group"], "group": ["White"],
    ...                     "trust_share": [81.24], "all_share": [79.0], "difference": [2.2]})
    >>> population_mix_table(mix).iloc[0].tolist()
    ['Ethnic group', 'White', '81.2%', '79.0%', '+2.2']
    """
    return pd.DataFrame({
        "Residents grouped by": mix["segment"],
        "Group": mix["group"],
        "Share of this trust's residents": [percent_text(v) for v in mix["trust_share"]],
        "Share of all trusts' residents": [percent_text(v) for v in mix["all_share"]],
        "Difference (percentage points)": [signed_text(v) for v in mix["difference"]],
    })
