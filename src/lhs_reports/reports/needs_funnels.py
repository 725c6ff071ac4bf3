"""The needs assessment's peer funnels drawn together: one panel per measure.

Every measure the ratio table covers has its funnel on the page, as small multiples
(:func:`~lhs_reports.plots.funnel_panels.funnel_panels_chart`), with the trust ringed and the
trusts named. A funnel of one trust alone compares it with itself, so it is not drawn
(:func:`~lhs_reports.reports.needs_comparison.has_peers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lhs_reports.plots.funnel_panels import funnel_panels_alt_text, funnel_panels_chart
from lhs_reports.reports.needs_comparison import MEASURE_LABELS, has_peers

TITLE = "Standardised ratios among peer trusts"
Y_LABEL = "Standardised ratio (100 = as expected)"
X_LABEL = "Expected events (at all-trust age-specific rates)"


def drawn_funnels(funnels: Mapping[str, Any]) -> dict[str, Any]:
    """The peer funnels worth drawing: those with other trusts in them, in the given order.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> alone = SimpleNamespace(points=pd.DataFrame(index=["RX4"]))
    >>> drawn_funnels({"admissions": alone})
    {}
    """
    return {measure: funnel for measure, funnel in funnels.items() if has_peers(funnel)}


def peer_funnels_chart(funnels: Mapping[str, Any], *, highlight: str | None = None,
                       names: Mapping[str, str] | None = None) -> Any:
    """Every peer funnel with peers in it as one chart of small multiples, the trust
    (``highlight``, e.g. ``peers.compared(trust_code)``) ringed, trusts named by ``names``.
    None when no funnel has peers (nothing to compare)."""
    drawn = drawn_funnels(funnels)
    if not drawn:
        return None
    return funnel_panels_chart(drawn, titles=MEASURE_LABELS, highlight=highlight, names=names,
                               title=TITLE, y_label=Y_LABEL, x_label=X_LABEL)


def peer_funnels_alt_text(funnels: Mapping[str, Any], *, highlight: str | None = None,
                          names: Mapping[str, str] | None = None) -> str:
    """Alt text for :func:`peer_funnels_chart`, from the same numbers ("" when there is no
    chart)."""
    drawn = drawn_funnels(funnels)
    if not drawn:
        return ""
    return funnel_panels_alt_text(drawn, titles=MEASURE_LABELS,
                                  what="funnel plots of indirectly standardised ratios",
                                  highlight=highlight, names=names)
