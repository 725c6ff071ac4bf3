"""Population pyramid by age band and sex."""

from __future__ import annotations

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    geom_col,
    geom_hline,
    ggplot,
    labs,
    scale_fill_manual,
    scale_y_continuous,
)

from lhs_reports.data.dictionary import dictionary_order
from lhs_reports.plots.theme import NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW, theme_nhs


def pyramid_data(population: pd.DataFrame) -> pd.DataFrame:
    """Population by age band and sex as percentages of the total, males negative, in the data
    dictionary's age order (youngest first) whatever order the rows come in.

    Examples
    --------
    >>> frame = pd.DataFrame({"age_band": ["0-4", "0-4"], "sex": ["Female", "Male"],
    ...                       "population": [30, 70]})
    >>> pyramid_data(frame)[["sex", "percent", "signed"]].to_dict("list")
    {'sex': ['Female', 'Male'], 'percent': [30.0, 70.0], 'signed': [30.0, -70.0]}
    >>> shuffled = pd.DataFrame({"age_band": ["45-49", "5-9", "50-54"], "sex": "Female",
    ...                          "population": [1, 2, 3]})
    >>> pyramid_data(shuffled)["age_band"].tolist()
    ['5-9', '45-49', '50-54']
    """
    grouped = population.groupby(["age_band", "sex"], observed=True, as_index=False,
                                 sort=False)["population"].sum()
    total = grouped["population"].sum()
    grouped["percent"] = grouped["population"] / total * 100
    grouped["signed"] = grouped["percent"].where(grouped["sex"] == "Female", -grouped["percent"])
    order = dictionary_order("age_band", grouped["age_band"])
    grouped["age_band"] = pd.Categorical(grouped["age_band"].astype(object), categories=order,
                                         ordered=True)
    return grouped.sort_values(["age_band", "sex"], ignore_index=True)


def population_pyramid(population: pd.DataFrame, *, title: str | None = None) -> ggplot:
    """A population pyramid: percentage of residents by age band, females right, males left."""
    data = pyramid_data(population)
    limit = float(data["percent"].max()) * 1.1
    chart = ggplot(data, aes("age_band", "signed", fill="sex"))
    chart += [
        geom_col(width=0.9),
        geom_hline(yintercept=0, color=NHS_DARK_GREY, size=0.3),
        coord_flip(),
        scale_y_continuous(limits=(-limit, limit), labels=lambda v: [f"{abs(x):.0f}%" for x in v],
                           minor_breaks=[]),
        scale_fill_manual(values={"Female": NHS_BLUE, "Male": NHS_WARM_YELLOW}),
        labs(x="Age band (years)", y="Share of residents", title=title),
        theme_nhs(),
    ]
    return chart


def pyramid_alt_text(population: pd.DataFrame, *, area: str = "the catchment") -> str:
    """One sentence describing the pyramid from the same numbers.

    Examples
    --------
    >>> frame = pd.DataFrame({"age_band": ["0-4", "5-9", "0-4", "5-9"],
    ...                       "sex": ["Female", "Female", "Male", "Male"],
    ...                       "population": [10, 40, 20, 30]})
    >>> print(pyramid_alt_text(frame))
    Population pyramid of the catchment: 100 residents, 50.0% female;
    the largest age band is 5-9 (70.0%).
    """
    data = pyramid_data(population)
    total = int(data["population"].sum())
    female = data.loc[data["sex"] == "Female", "percent"].sum()
    by_age = data.groupby("age_band", observed=True)["percent"].sum()
    return (
        f"Population pyramid of {area}: {total:,} residents, {female:.1f}% female; "
        f"the largest age band is {by_age.idxmax()} ({by_age.max():.1f}%)."
    )
