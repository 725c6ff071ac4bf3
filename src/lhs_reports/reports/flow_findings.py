"""The key findings of the flow pages, in plain sentences, for the box at the top of each.

A trust's flow page: the indicators whose latest point is special cause (concern first), and
what the assurance icons say about the targets. The page across trusts: who shows special
cause concern, and who sits outside the funnel limits, by name and code. Computed from the
same results the page's tables show; plain text (the box escapes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from lhs_reports.plots.mdc_icons import IconCell
from lhs_reports.reports.flow import FlowPanel
from lhs_reports.reports.flow_funnels import FUNNEL_INDICATORS

#: Which way a special-cause signal went, from the icon's name.
_SIDE = {"high": "higher", "low": "lower"}


def _listed(panels: list[FlowPanel], icons: tuple[str, ...]) -> str:
    return "; ".join(
        f"{p.indicator.title} ({_SIDE[str(p.icons['variation']).rsplit('_', 1)[1]]})"
        for p in panels if p.icons["variation"] in icons)


def flow_key_findings(panels: list[FlowPanel]) -> list[str]:
    """A trust's flow page in a few sentences: special cause in the latest month and the
    targets' assurance.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> def panel(title, variation, assurance=None):
    ...     return S(indicator=S(title=title), result=object(),
    ...              icons={"variation": variation, "assurance": assurance})
    >>> for line in flow_key_findings([panel("Average length of stay", "concern_high"),
    ...                                panel("Crisis referrals seen within 24 hours",
    ...                                      "common_cause", "consistent_fail")]):
    ...     print(line)
    Special cause concern in the latest month: Average length of stay (higher).
    Consistently misses its target: Crisis referrals seen within 24 hours.
    """
    found = []
    for kind, icons in (("concern", ("concern_high", "concern_low")),
                        ("improvement", ("improvement_high", "improvement_low")),
                        ("variation, neither improvement nor concern",
                         ("neutral_high", "neutral_low"))):
        listed = _listed(panels, icons)
        if listed:
            found.append(f"Special cause {kind} in the latest month: {listed}.")
    judged = [p for p in panels if p.result is not None and p.icons["variation"] is not None]
    if judged and not found:
        found.append("Common cause variation only: no indicator shows a special cause in the "
                     "latest month.")
    for assurance, words in (("consistent_fail", "Consistently misses its target"),
                             ("consistent_pass", "Consistently meets its target"),
                             ("inconsistent", "Hit and miss against its target")):
        titles = [p.indicator.title for p in panels if p.icons["assurance"] == assurance]
        if titles:
            found.append(f"{words}: {'; '.join(titles)}.")
    too_few = [p.indicator.title for p in panels if p.result is None]
    if too_few:
        found.append(f"Too few months for process limits: {'; '.join(too_few)}.")
    return found


def _concerns(matrix: pd.DataFrame) -> dict[str, list[str]]:
    """Per trust (the matrix's "Trust" cell), the indicators whose latest point is special
    cause concern, with which way."""
    found: dict[str, list[str]] = {}
    for _, row in matrix.iterrows():
        for title, cell in row.drop("Trust").items():
            if not isinstance(cell, IconCell):
                continue
            for icon in cell.icons:
                if icon.name in ("concern_high", "concern_low"):
                    side = _SIDE[icon.name.rsplit("_", 1)[1]]
                    found.setdefault(str(row["Trust"]), []).append(f"{title} ({side})")
    return found


def across_key_findings(matrix: pd.DataFrame, funnels: Mapping[str, Any],
                        trusts: pd.DataFrame, *,
                        names: Mapping[str, str] | None = None) -> list[str]:
    """The page across trusts in a few sentences: the trusts with special cause concern in
    the icon matrix (:func:`lhs_reports.reports.flow.icon_matrix`), and the trusts outside
    the 99.8% limits of each funnel (:func:`lhs_reports.reports.flow_funnels.flow_funnels`),
    each named with its code (``names`` by code, else the trusts table's).

    Examples
    --------
    >>> from lhs_reports.plots.mdc_icons import icon_cell
    >>> matrix = pd.DataFrame({"Trust": ["Southmoor (RW5)", "Riverside (RX4)"],
    ...                        "Average length of stay": [icon_cell("concern_high"),
    ...                                                   icon_cell("common_cause")]})
    >>> trusts = pd.DataFrame({"trust_code": ["RW5", "RX4"],
    ...                        "trust_name": ["Southmoor", "Riverside"]})
    >>> for line in across_key_findings(matrix, {}, trusts):
    ...     print(line)
    1 of 2 trusts shows special cause concern in its latest month: Southmoor (RW5): Average
    length of stay (higher).
    """
    found = []
    concerns = _concerns(matrix)
    total = len(matrix)
    if concerns:
        listed = "; ".join(f"{trust}: {', '.join(items)}" for trust, items in concerns.items())
        verb, whose = ("shows", "its") if len(concerns) == 1 else ("show", "their")
        found.append(f"{len(concerns)} of {total} trusts {verb} special cause concern in "
                     f"{whose} latest month: {listed}.")
    elif total:
        found.append(f"None of the {total} trusts shows special cause concern in its latest "
                     "month.")
    named = dict(zip(trusts["trust_code"].astype(str), trusts["trust_name"].astype(str),
                     strict=True)) | dict(names or {})
    outside = []
    for indicator in FUNNEL_INDICATORS:
        funnel = funnels.get(indicator.id)
        if funnel is None:
            continue
        for code, direction in funnel.points["outlier"].dropna().items():
            side = "above" if direction == "high" else "below"
            outside.append(f"{indicator.title}: {named.get(str(code), code)} ({code}), {side}")
    if outside:
        found.append(f"Outside the 99.8% funnel limits: {'; '.join(outside)}.")
    elif funnels:
        found.append("No trust is outside the 99.8% limits of any funnel.")
    return found
