"""The needs assessment's plain-English reading, generated from the statistics (never typed in).

Every sentence is built from a result and says how sure we can be: a difference is called
significant only when the interval says so, and a rate that could not be calculated says why.
Names from parameter files are escaped for Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lhs_reports.reports.formatting import measure_text, number_text, rate_text, ratio_text
from lhs_reports.reports.needs_comparison import MEASURE_LABELS
from lhs_reports.reports.needs_inequality import Gradient
from lhs_reports.text import md_escape


def _rates(*values: float) -> list[str]:
    """A rate and its limits, written as every rate on the site is (:func:`rate_text`)."""
    return [rate_text(v) for v in values]


def comparison_sentence(row: pd.Series, trust_name: str) -> str:
    """One measure's age-standardised rate against all trusts.

    Examples
    --------
    >>> row = pd.Series({"label": "Admissions", "value": 260.4, "lower_ci": 240.1,
    ...                  "upper_ci": 281.9, "benchmark": 210.0, "comparison": "higher",
    ...                  "reason": None})
    >>> print(comparison_sentence(row, "Northshire"))
    Admissions: Northshire's age-standardised rate, 260.4 per 100,000 (95% CI 240.1 to 281.9), is
    significantly higher than the rate for all trusts (210.0).
    """
    name, label = md_escape(trust_name), str(row["label"])
    if not np.isfinite(row["value"]):
        return (f"{label}: {name}'s age-standardised rate is not calculated because there were "
                "fewer than 10 events in the year; a rate from so few events would be "
                "too unstable to compare.")
    value, lower, upper, benchmark = _rates(row["value"], row["lower_ci"], row["upper_ci"],
                                            row["benchmark"])
    stated = (f"{label}: {name}'s age-standardised rate, {value} per 100,000 "
              f"(95% CI {lower} to {upper}), ")
    if row["comparison"] == "no peers":
        return stated + (f"is not compared: {name} is the only trust in the data compared, so "
                         "the rate for all trusts is its own.")
    if row["comparison"] == "left out":
        return stated + (f"is not compared with the rate for all trusts: {name} is left out of "
                         "these comparisons (see the note).")
    if row["comparison"] == "higher":
        return stated + (f"is significantly higher than the rate for all trusts "
                         f"({benchmark}).")
    if row["comparison"] == "lower":
        return stated + (f"is significantly lower than the rate for all trusts "
                         f"({benchmark}).")
    return stated + (f"shows no evidence of a difference from the rate for all trusts "
                     f"({benchmark}).")


def gradient_sentence(gradient: Gradient, label: str) -> str:
    """The deprivation gradient of one measure, with its uncertainty.

    Examples
    --------
    >>> g = Gradient("admissions", 150.0, 90.0, 210.0, 1.9, 1.5, 2.4)
    >>> print(gradient_sentence(g, "Admissions"))
    Admissions are more common in more deprived areas: the modelled rate is 150.0 per 100,000
    higher at the most deprived end of the catchment than at the least deprived (95% CI 90.0 to
    210.0), 1.90 times as high (95% CI 1.50 to 2.40).
    """
    if gradient.reason:
        return f"{label}: the deprivation gradient is {gradient.reason}."
    if not gradient.significant:
        gap, lower, upper = _rates(gradient.sii, gradient.sii_lower, gradient.sii_upper)
        return (f"{label}: no clear deprivation gradient; the modelled gap between the most "
                f"and least deprived ends of the catchment is {gap} per 100,000 "
                f"(95% CI {lower} to {upper}), which includes no gap.")
    higher = gradient.sii > 0
    near, far = ((gradient.sii_lower, gradient.sii_upper) if higher
                 else (gradient.sii_upper, gradient.sii_lower))
    gap, lower, upper = _rates(abs(gradient.sii), abs(near), abs(far))
    return (f"{label} are {'more' if higher else 'less'} common in more deprived areas: the "
            f"modelled rate is {gap} per 100,000 {'higher' if higher else 'lower'} at the most "
            f"deprived end of the catchment than at the least deprived (95% CI {lower} to "
            f"{upper}), {ratio_text(gradient.rii)} times as high (95% CI "
            f"{ratio_text(gradient.rii_lower)} to {ratio_text(gradient.rii_upper)}).")


def comparison_markdown(comparison: pd.DataFrame, trust_name: str) -> str:
    """A Markdown bullet list: :func:`comparison_sentence` for every measure."""
    return "\n\n".join(f"- {comparison_sentence(row, trust_name)}"
                        for _, row in comparison.iterrows())


def gradients_markdown(gradients: list[Gradient], labels: dict[str, str]) -> str:
    """A Markdown bullet list: :func:`gradient_sentence` for every measure."""
    return "\n\n".join(f"- {gradient_sentence(g, labels[g.measure])}" for g in gradients)


FUNNEL_READING = {
    "High (0.001)": "above the 99.8% limit: far more than expected from its age structure, "
                    "beyond what chance alone would plausibly explain",
    "High (0.025)": "above the 95% limit but within the 99.8% limit: more than expected; worth "
                    "a look, though one trust in 40 would be here by chance",
    "Low (0.001)": "below the 99.8% limit: far fewer than expected from its age structure, "
                   "beyond what chance alone would plausibly explain",
    "Low (0.025)": "below the 95% limit but within the 99.8% limit: fewer than expected; worth "
                   "a look, though one trust in 40 would be here by chance",
    "Not significant": "within the funnel: compatible with chance variation around the "
                       "all-trust rate",
}


def funnel_sentence(points: pd.DataFrame, trust_code: str, trust_name: str, label: str, *,
                    left_out: Mapping[str, str] | None = None) -> str:
    """Where the trust sits in the peer funnel of standardised ratios.

    ``points`` is a funnel result's per-trust table (``numerator`` observed, ``denominator``
    expected, ``value`` ratio x 100, ``significance``). A trust not in it is said to be left
    out, with why from ``left_out``.

    Examples
    --------
    >>> points = pd.DataFrame({"numerator": [40.0]}, index=["RX4"])
    >>> print(funnel_sentence(points, "RW5", "Westbrook", "Admissions",
    ...                       left_out={"RW5": "8 months of data; the comparison needs 12"}))
    Admissions: Westbrook is left out of the peer funnel (8 months of data; the comparison needs
    12). 1 trust is compared.
    """
    from lhs_reports.disclosure import suppress_counts

    if trust_code not in points.index:
        why = (left_out or {}).get(trust_code, "not in the data compared")
        return (f"{label}: {md_escape(trust_name)} is left out of the peer funnel "
                f"({md_escape(why)}). {_compared(len(points))}")
    row = points.loc[trust_code]
    # The observed count is published, so it follows disclosure control like a table cell;
    # when it is suppressed the ratio is left out too, as ratio x expected would give it back.
    control = suppress_counts(pd.Series([row["numerator"]]))
    observed = control["display"].iloc[0]
    ratio = ("" if control["suppressed"].iloc[0]
             else f", a standardised ratio of {measure_text(row['value'], 'index')} "
             "(100 = as expected)")
    stated = (f"{label}: {md_escape(trust_name)} had {observed} against "
              f"{number_text(row['denominator'])} expected at all-trust age-specific "
              f"rates{ratio}. ")
    if len(points) == 1:
        return stated + ("It is the only trust in the funnel, so the all-trust rates are its "
                         "own: the funnel cannot show how it compares with peers.")
    return stated + (f"It lies {FUNNEL_READING[str(row['significance'])]}. "
                     f"{_compared(len(points))}")


def _compared(count: int) -> str:
    return "1 trust is compared." if count == 1 else f"{count} trusts are compared."


#: Funnel significance labels beyond the 99.8% limits, and the side they are on.
_BEYOND_998 = {"High (0.001)": "above", "Low (0.001)": "below"}


def _rate_findings(comparison: pd.DataFrame) -> list[str]:
    """The measures significantly above or below all trusts, or why none is compared."""
    states = set(comparison["comparison"])
    if states <= {"left out"}:
        return ["The rates are not compared with all trusts: this trust is left out of the "
                "comparisons (the note under the rates says why)."]
    if states <= {"no peers"}:
        return ["The rates are not compared with all trusts: this is the only trust in the "
                "data."]
    found = []
    for side in ("higher", "lower"):
        rows = comparison.loc[comparison["comparison"] == side]
        if rows.empty:
            continue
        listed = "; ".join(f"{row['label']} ({rate_text(row['value'])} against "
                           f"{rate_text(row['benchmark'])})" for _, row in rows.iterrows())
        found.append(f"Significantly {side} than all trusts (age-standardised rate per "
                     f"100,000): {listed}.")
    if not found:
        found.append("No measure's age-standardised rate differs significantly from the rate "
                     "for all trusts.")
    return found


def _gradient_finding(gradients: list[Gradient], labels: Mapping[str, str]) -> list[str]:
    """The steepest significant deprivation gradient (largest relative index either way)."""
    significant = [g for g in gradients if g.significant and np.isfinite(g.rii) and g.rii > 0]
    if not significant:
        if all(g.reason for g in gradients):
            return []
        return ["No measure shows a clear deprivation gradient."]
    steepest = max(significant, key=lambda g: abs(np.log(g.rii)))
    more = steepest.rii > 1
    return [f"Steepest deprivation gradient: {labels[steepest.measure]}, "
            f"{ratio_text(steepest.rii)} times as high at the most deprived end of the "
            f"catchment as at the least deprived (95% CI {ratio_text(steepest.rii_lower)} to "
            f"{ratio_text(steepest.rii_upper)}); "
            f"{'more' if more else 'less'} common in more deprived areas."]


def _funnel_findings(funnels: Mapping[str, object], trust_code: str,
                     labels: Mapping[str, str]) -> list[str]:
    """The measures for which the trust lies beyond its peers' 99.8% funnel limits."""
    placed = {m: f.points.loc[trust_code]  # type: ignore[attr-defined]
              for m, f in funnels.items()
              if trust_code in f.points.index and len(f.points) > 1}  # type: ignore[attr-defined]
    if not placed:
        return []
    beyond = [f"{labels[m]} ({_BEYOND_998[str(p['significance'])]})"
              for m, p in placed.items() if str(p["significance"]) in _BEYOND_998]
    if not beyond:
        return ["Among its peers, the trust is inside the 99.8% funnel limits for every "
                "measure compared."]
    return ["Beyond the 99.8% limits of the peer funnel, after allowing for age: "
            + "; ".join(beyond) + "."]


def key_findings(comparison: pd.DataFrame, gradients: list[Gradient],
                 funnels: Mapping[str, object], trust_code: str, *,
                 labels: Mapping[str, str] | None = None) -> list[str]:
    """The needs assessment's key findings, in plain sentences, for the box at the top of the
    page: the rates significantly above or below all trusts, the steepest deprivation
    gradient, and the measures beyond the 99.8% limits of the peer funnel.

    Every finding is computed from the same results as the page's tables, and says
    "significantly" only where the interval does. Plain text (the box escapes it); no counts,
    so nothing needs disclosure control beyond what the tables apply.

    Parameters
    ----------
    comparison
        :func:`lhs_reports.reports.needs_comparison.rate_comparison`.
    gradients
        :func:`lhs_reports.reports.needs_inequality.deprivation_gradient` per measure.
    funnels
        :func:`lhs_reports.reports.needs_comparison.peer_funnel` by measure.
    trust_code
        The trust the page is about.
    labels
        Reader-facing names of the measures (default: the needs assessment's).

    Examples
    --------
    >>> comparison = pd.DataFrame({"label": ["Admissions", "Referrals"],
    ...                            "value": [260.44, 900.0], "benchmark": [210.0, 950.0],
    ...                            "comparison": ["higher", "similar"]})
    >>> g = Gradient("admissions", 150.0, 90.0, 210.0, 1.9, 1.5, 2.4)
    >>> for line in key_findings(comparison, [g], {}, "RX4"):
    ...     print(line)
    Significantly higher than all trusts (age-standardised rate per 100,000): Admissions (260.4
    against 210.0).
    Steepest deprivation gradient: Admissions, 1.90 times as high at the most deprived end of the
    catchment as at the least deprived (95% CI 1.50 to 2.40); more common in more deprived areas.
    """
    labels = labels or MEASURE_LABELS
    return (_rate_findings(comparison) + _gradient_finding(gradients, labels)
            + _funnel_findings(funnels, trust_code, labels))
