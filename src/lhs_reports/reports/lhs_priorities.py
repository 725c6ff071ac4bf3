"""The LHS priorities self-assessment: the eight priority areas for action, scored by survey.

Each respondent rates how strong their organisation is in each area (1-5). An area's result is
the share of respondents who agree or strongly agree (4 or 5), with a Wilson score interval,
compared with all organisations pooled. The organisation's top three priorities are the areas
where it is weakest: the lowest share agreeing, ties broken by the larger gap below the
all-organisation share.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lhs_reports.data.dictionary import PRIORITY_AREAS
from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule, safe_percentage
from lhs_reports.errors import DataError
from lhs_reports.reports.formatting import interval_text, number_text, percent_text
from lhs_reports.reports.shared_figures import SharedStep, shared_parts
from lhs_reports.stats.rates import wilson_interval

AGREE_FROM = 4


@dataclass(frozen=True)
class PriorityArea:
    id: str
    title: str
    recommendation: str


PRIORITY_AREA_TEXT: tuple[PriorityArea, ...] = (
    PriorityArea("clear_narrative", "A clear narrative",
                 "Explain what a learning health system is, why it matters locally and what "
                 "it asks of staff, patients and partners."),
    PriorityArea("digital_maturity", "Digital maturity",
                 "Make routine data capture reliable and usable in the systems staff already "
                 "work in."),
    PriorityArea("data_analytical_expertise", "Data and analytical expertise",
                 "Build and keep analytical capacity close to services, with time to turn data "
                 "into learning."),
    PriorityArea("system_interoperability", "System interoperability",
                 "Let data follow the patient across organisations, with common standards."),
    PriorityArea("implementation_improvement_capacity", "Implementation and improvement capacity",
                 "Give teams the skills and support to act on what the data show."),
    PriorityArea("learning_culture", "A learning culture",
                 "Make it safe and normal to look at variation and outcomes and to learn from "
                 "them."),
    PriorityArea("frontline_implementation_capacity", "Frontline implementation capacity",
                 "Protect frontline time for testing and spreading changes."),
    PriorityArea("organisational_improvement_capacity", "Organisational improvement capacity",
                 "Align leadership, governance and resources behind continuous improvement."),
)
_TEXT = {area.id: area for area in PRIORITY_AREA_TEXT}
assert tuple(_TEXT) == PRIORITY_AREAS


def agreement_by_area(survey: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Share agreeing (score >= 4) per priority area with Wilson intervals.

    Examples
    --------
    >>> survey = pd.DataFrame({"priority_area": ["learning_culture"] * 4,
    ...                        "score": [5, 4, 2, 3]})
    >>> row = agreement_by_area(survey).loc["learning_culture"]
    >>> int(row["agree"]), int(row["respondents"]), float(row["value"])
    (2, 4, 0.5)
    """
    if survey.empty:
        raise DataError("the survey has no responses", field="score",
                        hint="check the lhs_survey table has rows for this organisation")
    grouped = survey.assign(agrees=survey["score"] >= AGREE_FROM).groupby(
        "priority_area", observed=True)["agrees"].agg(["sum", "count"])
    grouped = grouped.reindex([a for a in PRIORITY_AREAS if a in grouped.index])
    lower, upper = wilson_interval(grouped["sum"].astype(float),
                                   grouped["count"].astype(float), confidence=confidence)
    return pd.DataFrame({
        "agree": grouped["sum"].astype("int64"),
        "respondents": grouped["count"].astype("int64"),
        "value": grouped["sum"] / grouped["count"],
        "lower_ci": lower,
        "upper_ci": upper,
        "confidence": confidence,
        "method": "Wilson score",
    })


def compare_with_all(mine: pd.DataFrame, everyone: pd.DataFrame) -> pd.DataFrame:
    """One organisation's agreement beside all organisations', with a plain-English reading.

    As Fingertips compares an area with England: "higher" or "lower" when the all-organisation
    value lies outside the organisation's confidence interval, otherwise "similar".
    """
    from lhs_reports.stats.compare import benchmark_comparison

    table = mine.join(everyone[["value", "lower_ci", "upper_ci"]], rsuffix="_all")
    table["comparison"] = benchmark_comparison(table["lower_ci"], table["upper_ci"],
                                               table["value_all"])
    table["gap"] = table["value"] - table["value_all"]
    return table


def compute_all_agreement(data_dir: Path) -> dict[str, pd.DataFrame]:
    """:data:`ALL_AGREEMENT`'s computation: the whole survey's agreement by area."""
    from lhs_reports.data.loaders import load_table

    everyone = agreement_by_area(load_table(data_dir, "lhs_survey"))
    return {"everyone": everyone.rename_axis("priority_area").reset_index()}


#: All organisations' agreement by area, shared by every organisation's report.
ALL_AGREEMENT = SharedStep(name="lhs_priorities_all", notebooks=("lhs_priorities",),
                           parameters=(), parts=("everyone",), compute=compute_all_agreement)


def comparison_with_all(data_dir: str | Path, organisation: str) -> pd.DataFrame:
    """:func:`compare_with_all` for ``organisation``: its own survey rows (only its file where
    the survey is a folder of per-organisation files) against all organisations' agreement,
    computed once (:data:`ALL_AGREEMENT`, by the build or this kernel), not once per report.
    """
    from lhs_reports.data.loaders import load_table

    everyone = shared_parts(ALL_AGREEMENT, data_dir)["everyone"].set_index("priority_area")
    mine = load_table(data_dir, "lhs_survey", organisation=organisation)
    return compare_with_all(agreement_by_area(mine), everyone)


def top_priorities(comparison: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` weakest areas: lowest share agreeing, then the larger gap below everyone."""
    ranked = comparison.sort_values(["value", "gap"], kind="mergesort")
    return list(ranked.index[:n])


def published_shares(comparison: pd.DataFrame, *,
                     rule: DisclosureRule = NHS_DIGITAL_SDC) -> pd.DataFrame:
    """``comparison`` as it may be published: each share agreeing computed from the rounded
    numbers of respondents agreeing and answering (NHS Digital: percentages from the rounded
    parts), missing where the number agreeing is suppressed, with its display text in
    ``shown``. Every table, sentence and chart of the page reads this, never the exact shares:
    an exact 1.8 % beside 115 respondents would give back 2 people.

    Examples
    --------
    >>> comparison = pd.DataFrame({"agree": [2, 13], "respondents": [114, 27],
    ...                            "value": [2 / 114, 13 / 27]})
    >>> published_shares(comparison)[["value", "shown"]]
       value shown
    0    NaN     *
    1    0.6  60.0
    """
    safe = safe_percentage(comparison["agree"], comparison["respondents"], rule=rule)
    return comparison.assign(value=safe["value"].to_numpy() / 100,
                             shown=safe["display"].to_numpy())


def _share_text(row: pd.Series, rule: DisclosureRule = NHS_DIGITAL_SDC) -> str:
    if pd.isna(row["value"]):
        return f"fewer than {rule.suppress_range[1] + 1} respondents"
    return percent_text(row["value"] * 100)


def priorities_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """A reader-facing table: shares from rounded counts (see :func:`published_shares`);
    respondent counts go through disclosure control with the table."""
    shown = published_shares(comparison)
    return pd.DataFrame({
        "Priority area": [_TEXT[a].title for a in shown.index],
        "Respondents": shown["respondents"].to_numpy(),
        "Agree (%)": shown["shown"].to_numpy(),
        "95% CI": [interval_text(lo * 100, hi * 100)
                   for lo, hi in zip(shown["lower_ci"], shown["upper_ci"], strict=True)],
        "All organisations (%)": [number_text(v * 100) for v in shown["value_all"]],
        "Compared with all": shown["comparison"].to_numpy(),
    })


def priorities_narrative(comparison: pd.DataFrame, organisation: str) -> str:
    """Markdown: the top three priorities with their recommendations, from the numbers."""
    from lhs_reports.text import md_escape

    shown = published_shares(comparison)
    lines = [f"**Top three priorities for {md_escape(organisation)}** (weakest self-assessed "
             "areas):", ""]
    for rank, area in enumerate(top_priorities(comparison), start=1):
        row = shown.loc[area]
        text = _TEXT[area]
        lines.append(
            f"{rank}. **{text.title}**: {_share_text(row)} agree it is a strength "
            f"(all organisations {percent_text(row['value_all'] * 100)}; "
            f"{row['comparison']}). "
            f"*Recommendation:* {text.recommendation}")
    return "\n".join(lines)


def priorities_chart(comparison: pd.DataFrame) -> Any:
    """Dot-and-whisker chart: the organisation's share agreeing (with CI) and everyone's; no
    dot where the number agreeing is suppressed."""
    from plotnine import (
        aes,
        coord_flip,
        geom_errorbar,
        geom_point,
        ggplot,
        labs,
        scale_color_manual,
        scale_y_continuous,
    )

    from lhs_reports.plots.theme import NHS_BLUE, NHS_DARK_GREY, theme_nhs

    shown = published_shares(comparison)
    order = [_TEXT[a].title for a in reversed(shown.index)]
    frame = pd.DataFrame({
        "area": pd.Categorical([_TEXT[a].title for a in shown.index], categories=order),
        "value": shown["value"].to_numpy() * 100,
        "lower": shown["lower_ci"].to_numpy() * 100,
        "upper": shown["upper_ci"].to_numpy() * 100,
        "all": shown["value_all"].to_numpy() * 100,
    })
    long = pd.concat([
        frame.assign(who="This organisation")[["area", "value", "who"]],
        frame.assign(value=frame["all"], who="All organisations")[["area", "value", "who"]],
    ]).dropna(subset=["value"])
    chart = ggplot(frame, aes("area", "value"))
    chart += [
        # One group: plotnine draws error bars group by group (see plots.rates).
        geom_errorbar(aes(ymin="lower", ymax="upper", group=1), width=0.25, color=NHS_BLUE),
        geom_point(aes(color="who"), data=long, size=3),
        scale_color_manual(values={"This organisation": NHS_BLUE,
                                   "All organisations": NHS_DARK_GREY}),
        scale_y_continuous(limits=(0, 100), minor_breaks=[]),
        coord_flip(),
        labs(x="", y="Agree it is a strength (%)", color=""),
        theme_nhs(),
    ]
    return chart


def priorities_alt_text(comparison: pd.DataFrame, organisation: str) -> str:
    """One sentence from the same numbers: strongest and weakest areas (ranked on the exact
    shares, described with the published ones)."""
    shown = published_shares(comparison)
    strongest = comparison["value"].idxmax()
    weakest = comparison["value"].idxmin()
    return (f"Dot chart of the share of {organisation}'s respondents who agree each of the "
            f"eight LHS priority areas is a strength: highest {_TEXT[strongest].title} "
            f"({_share_text(shown.loc[strongest])}), lowest "
            f"{_TEXT[weakest].title} ({_share_text(shown.loc[weakest])}).")


def record_priorities(comparison: pd.DataFrame) -> None:
    """Publish each area's share agreeing (as published) and the top three priorities."""
    from lhs_reports.results import record

    for area, row in published_shares(comparison).iterrows():
        record(f"{area}_agree", None if pd.isna(row["value"]) else float(row["value"]),
               unit="proportion")
    record("top_priorities", ",".join(top_priorities(comparison)))
