"""The Making Data Count icons for an XmR chart: variation (the last point) and assurance.

Re-exported by :mod:`lhs_reports.stats.spc`, which computes the chart they read.

References
----------
.. [1] NHS England (2019). Making Data Count: getting started. Strategic guidance.
.. [2] NHS-R Community (2024). NHSRplotthedots 0.2.2, ``ptd_calculate_assurance_type``.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import optional_number, shown

__all__ = ["Improvement", "assurance_icon", "check_improvement", "variation_icon", "xmr_icons"]

Improvement = Literal["increase", "decrease", "neutral"]

_VARIATION_ICONS: Final = {
    ("special_cause_improvement", "increase"): "improvement_high",
    ("special_cause_improvement", "decrease"): "improvement_low",
    ("special_cause_concern", "increase"): "concern_low",
    ("special_cause_concern", "decrease"): "concern_high",
}


def _check_result(result: Any) -> pd.DataFrame:
    """The output of :func:`xmr`: a non-empty table with point types and limits."""
    needed = ("point_type", "lpl", "upl")
    if not isinstance(result, pd.DataFrame) or any(c not in result.columns for c in needed):
        raise DataError(f"result must be the table xmr() returned, got {shown(result)}",
                        field="result", hint="pass the output of xmr(values, ...)")
    if result.empty:
        raise DataError("result has no points", field="result",
                        hint="pass the output of xmr() for a series with values")
    return result


def check_improvement(improvement: Any) -> str:
    """``improvement`` after checking it is ``"increase"``, ``"decrease"`` or ``"neutral"``."""
    if not isinstance(improvement, str) or improvement not in ("increase", "decrease",
                                                               "neutral"):
        raise DataError(f"improvement must be 'increase', 'decrease' or 'neutral', got "
                        f"{shown(improvement)}", field="improvement",
                        hint="say which direction is better for this measure")
    return str(improvement)


def variation_icon(result: pd.DataFrame) -> str:
    """The Making Data Count variation icon: the ``point_type`` of the **last** point.

    Raises :class:`DataError` when ``result`` is not a non-empty output of :func:`xmr`.
    """
    point_type = str(_check_result(result)["point_type"].iloc[-1])
    improvement = check_improvement(result.attrs.get("improvement", "increase"))
    if point_type == "common_cause":
        return "common_cause"
    if point_type.startswith("special_cause_neutral"):
        return point_type.removeprefix("special_cause_")
    return _VARIATION_ICONS[(point_type, improvement)]


def _limit(value: Any, name: str) -> float:
    number = optional_number(value, name)
    if number is None:
        raise DataError(f"{name} is missing", field=name,
                        hint="pass the process limits of a chart with a moving range")
    return number


def assurance_icon(lpl: float, upl: float, target: float | None,
                   improvement: Improvement) -> str | None:
    """Whether the process limits will consistently meet a target (strict comparisons).

    ``None`` when there is no target (``None`` or NaN) or the improvement is neutral. Limits
    that are missing, infinite, text or the wrong way round, an infinite or non-numeric
    target and an unknown improvement raise :class:`DataError`.

    Examples
    --------
    >>> [assurance_icon(lo, hi, 4, "increase") for lo, hi in [(1, 3), (5, 7), (1, 5)]]
    ['consistent_fail', 'consistent_pass', 'inconsistent']
    """
    low, high = _limit(lpl, "lpl"), _limit(upl, "upl")
    if low > high:
        raise DataError(f"lpl ({low:g}) is above upl ({high:g})", field="lpl",
                        hint="pass the lower process limit first")
    goal = optional_number(target, "target")
    improvement = check_improvement(improvement)  # type: ignore[assignment]
    if goal is None or improvement == "neutral":
        return None
    if improvement == "increase":
        if goal > high:
            return "consistent_fail"
        if goal < low:
            return "consistent_pass"
    else:
        if goal > high:
            return "consistent_pass"
        if goal < low:
            return "consistent_fail"
    return "inconsistent"


def xmr_icons(result: pd.DataFrame, *, target: float | None = None) -> dict[str, str | None]:
    """Variation (last point) and assurance (last group's limits against the target) icons.

    ``target`` defaults to the one given to :func:`xmr`. Raises :class:`DataError` when
    ``result`` is not a non-empty output of :func:`xmr` or ``target`` is infinite or not a
    number.

    Examples
    --------
    >>> from lhs_reports.stats.spc import xmr
    >>> xmr_icons(xmr([5.0] * 12, target=4))
    {'variation': 'common_cause', 'assurance': 'consistent_pass'}
    """
    last = _check_result(result).iloc[-1]
    if target is None:
        target = result.attrs.get("target")
    return {
        "variation": variation_icon(result),
        "assurance": assurance_icon(last["lpl"], last["upl"], target,
                                    result.attrs.get("improvement", "increase")),
    }
