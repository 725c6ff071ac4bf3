"""What a needs assessment compares its trust with, computed once for all trusts.

Every trust's needs assessment compares it with the same figures: the all-trust age profile
(for the all-trust standardised rate), every compared trust's observed and expected events
(the five peer funnels), the all-trust deprivation and ethnicity mix, and the trusts left out.
:data:`NEEDS_PEERS` computes them once (per build, or per kernel:
:mod:`lhs_reports.reports.shared_figures`) from every trust's tables; each report then reads
only its own trust's tables and these small parts (:func:`peers_for`), with the same numbers
as :func:`~lhs_reports.reports.needs_comparison.load_peer_data` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from lhs_reports.data.loaders import TrustData, load_table
from lhs_reports.reports.needs_comparison import MIX_COLUMNS, PeerData, load_peer_data
from lhs_reports.reports.shared_figures import SharedStep, shared_parts

#: The parts of :data:`NEEDS_PEERS`, each a small table.
PARTS: tuple[str, ...] = ("pooled", "ratios", "left_out", *(f"mix_{c}" for c in MIX_COLUMNS))


def peer_parts(peers: PeerData) -> dict[str, pd.DataFrame]:
    """The figures every needs assessment reads from ``peers``, as tables.

    ``pooled``: the compared trusts' age profile summed; ``ratios``: each compared trust's
    observed and expected events by measure; ``left_out``: trusts left out and why;
    ``mix_<column>``: all trusts' residents by deprivation quintile and ethnic group.
    """
    from lhs_reports.data.dictionary import GROUP_MEASURES

    ratios = [peers.ratios(measure).reset_index().assign(measure=measure)
              for measure in GROUP_MEASURES]
    parts = {
        "pooled": peers.pooled.reset_index(drop=True),
        "ratios": pd.concat(ratios, ignore_index=True)[
            ["measure", "trust_code", "observed", "expected"]],
        "left_out": pd.DataFrame({"trust_code": pd.Series(list(peers.left_out), dtype=str),
                                  "reason": pd.Series(list(peers.left_out.values()),
                                                      dtype=str)}),
    }
    for column in MIX_COLUMNS:
        parts[f"mix_{column}"] = peers.mix[column].rename_axis(column).reset_index()
    return parts


def compute_needs_peers(data_dir: Path, *, period_end: str | None) -> dict[str, pd.DataFrame]:
    """:data:`NEEDS_PEERS`' computation: every trust's tables read, the parts returned."""
    return peer_parts(load_peer_data(data_dir, period_end=period_end))


#: The needs assessment's shared figures, one computation per data folder and period end.
NEEDS_PEERS = SharedStep(name="needs_peers", notebooks=("needs_assessment",),
                         parameters=("period_end",), parts=PARTS, compute=compute_needs_peers)


@dataclass(frozen=True)
class TrustPeers:
    """One trust's tables and the shared figures it is compared with: what
    :func:`~lhs_reports.reports.needs_comparison.rate_comparison`,
    :func:`~lhs_reports.reports.needs_comparison.peer_funnel` and
    :func:`~lhs_reports.reports.needs_comparison.population_mix` read, as from
    :class:`~lhs_reports.reports.needs_comparison.PeerData`, without every trust's tables."""

    trust_code: str
    trusts: pd.DataFrame
    population: pd.DataFrame
    by_group: pd.DataFrame
    parts: Mapping[str, pd.DataFrame]

    @cached_property
    def left_out(self) -> dict[str, str]:
        table = self.parts["left_out"]
        return dict(zip(table["trust_code"].astype(str), table["reason"].astype(str),
                        strict=True))

    @property
    def pooled(self) -> pd.DataFrame:
        return self.parts["pooled"]

    @cached_property
    def compared_codes(self) -> frozenset[str]:
        return frozenset(self.parts["ratios"]["trust_code"].astype(str))

    @cached_property
    def mix(self) -> dict[str, pd.Series]:
        return {column: self.parts[f"mix_{column}"].set_index(column)["population"]
                for column in MIX_COLUMNS}

    def ratios(self, measure: str) -> pd.DataFrame:
        table = self.parts["ratios"]
        return (table.loc[table["measure"] == measure, ["trust_code", "observed", "expected"]]
                .set_index("trust_code"))

    def of(self, trust_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The trust's own population and activity rows (only its own are here)."""
        if trust_code.strip().upper() != self.trust_code:
            raise ValueError(f"these figures hold {self.trust_code}'s tables, not {trust_code}'s")
        return self.population, self.by_group

    def compared(self, trust_code: str) -> str | None:
        """``trust_code`` when the trust is in the comparisons, else None."""
        return None if trust_code in self.left_out else trust_code


def peers_for(data: TrustData, *, period_end: str | None) -> TrustPeers:
    """What ``data``'s trust is compared with: its own tables and the shared figures for the
    12 months to ``period_end`` (the build's, or computed once in this kernel).

    Examples
    --------
    >>> from lhs_reports.data import load_trust_data
    >>> data = load_trust_data(demo_dir, "SYN02")  # doctest: +SKIP
    >>> peers = peers_for(data, period_end="2025-03")  # doctest: +SKIP
    >>> rate_comparison(peers, "SYN02")  # doctest: +SKIP
    """
    parts = shared_parts(NEEDS_PEERS, data.data_dir, period_end=period_end)
    return TrustPeers(trust_code=data.trust_code, trusts=load_table(data.data_dir, "trusts"),
                      population=data.population, by_group=data.by_group, parts=parts)
