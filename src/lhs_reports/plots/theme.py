"""NHS identity for charts: colour palette and a plotnine theme.

Colours are from the NHS identity guidelines (england.nhs.uk/nhsidentity) and, for SPC point
types, the NHS England Making Data Count colours as used by NHSRplotthedots
(``ptd_spc_colours()``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from mizani.breaks import breaks_extended
from plotnine import (
    element_blank,
    element_line,
    element_rect,
    element_text,
    scale_x_datetime,
    scale_y_continuous,
    theme,
    theme_minimal,
)

NHS_BLUE: Final = "#005EB8"
NHS_DARK_BLUE: Final = "#003087"
NHS_BRIGHT_BLUE: Final = "#0072CE"
NHS_LIGHT_BLUE: Final = "#41B6E6"
NHS_AQUA_BLUE: Final = "#00A9CE"
NHS_BLACK: Final = "#231F20"
NHS_DARK_GREY: Final = "#425563"
NHS_MID_GREY: Final = "#768692"
NHS_PALE_GREY: Final = "#E8EDEE"
NHS_WARM_YELLOW: Final = "#FFB81C"
NHS_ORANGE: Final = "#ED8B00"
NHS_PINK: Final = "#AE2573"
NHS_PURPLE: Final = "#330072"
NHS_DARK_RED: Final = "#8A1538"
NHS_GREEN: Final = "#009639"

#: Categorical palette, ordered for contrast between neighbours.
NHS_PALETTE: Final = (
    NHS_BLUE,
    NHS_WARM_YELLOW,
    NHS_DARK_GREY,
    NHS_AQUA_BLUE,
    NHS_PINK,
    NHS_GREEN,
    NHS_DARK_BLUE,
    NHS_ORANGE,
)

#: Making Data Count colours by SPC ``point_type`` (NHSRplotthedots ``ptd_spc_colours()``).
MDC_COLOURS: Final = {
    "common_cause": "#7B7D7D",
    "special_cause_improvement": "#289DE0",
    "special_cause_concern": "#FAB428",
    "special_cause_neutral_high": "#361475",
    "special_cause_neutral_low": "#361475",
}
MDC_LIMIT_COLOUR: Final = "#231F20"
MDC_TARGET_COLOUR: Final = "#DE1B1B"


#: The house figure size in inches. Pages show charts at most the column's width
#: (``max-width: 100%``) and shrink them on a narrow screen, so the figure is kept small enough
#: that its text stays legible when a 320 px screen scales it by about a half, and not so tall
#: that it fills a phone's screen.
FIGURE_SIZE: Final = (6.4, 4.0)


def theme_nhs(base_size: float = 11) -> theme:
    """A clean plotnine theme in NHS identity: light grid, dark-grey text, no panel border.

    There are no minor grid lines, so the package's charts give their position scales
    ``minor_breaks=[]``: otherwise matplotlib still builds invisible minor ticks, about a tenth
    of the time it takes to draw an SPC chart.

    Examples
    --------
    >>> from plotnine import ggplot, aes, geom_point
    >>> import pandas as pd
    >>> chart = ggplot(pd.DataFrame({"x": [1, 2], "y": [3, 4]}), aes("x", "y")) + geom_point()
    >>> chart = chart + theme_nhs()
    """
    return theme_minimal(base_size=base_size) + theme(
        text=element_text(color=NHS_DARK_GREY, family="DejaVu Sans"),
        plot_title=element_text(color=NHS_BLACK, weight="bold", size=base_size * 1.2, ha="left"),
        plot_subtitle=element_text(color=NHS_DARK_GREY, ha="left"),
        plot_caption=element_text(color=NHS_MID_GREY, size=base_size * 0.8, ha="left"),
        axis_title=element_text(color=NHS_DARK_GREY),
        # theme_minimal's tick labels are 80% of the base size: too small once a phone
        # shrinks the chart.
        axis_text=element_text(color=NHS_DARK_GREY, size=base_size * 0.9),
        legend_text=element_text(color=NHS_DARK_GREY, size=base_size * 0.9),
        panel_grid_major=element_line(color=NHS_PALE_GREY, size=0.5),
        panel_grid_minor=element_blank(),
        plot_background=element_rect(fill="white", color="white"),
        legend_position="bottom",
        legend_title=element_blank(),
        figure_size=FIGURE_SIZE,
        dpi=100,
    )


def number_labels(breaks: Sequence[float] | Sequence[str]) -> Sequence[str]:
    """Axis tick labels with thousands separators and as many decimals as the step between
    ticks needs (``1,000``, ``2.5``), never ``2500.0``.

    Examples
    --------
    >>> number_labels([0, 1000, 2000]), number_labels([0.0, 2.5, 5.0])
    (['0', '1,000', '2,000'], ['0.0', '2.5', '5.0'])
    """
    values = [float(b) for b in breaks]
    finite = [b for b in values if math.isfinite(b)]
    # The fewest decimals that write every tick exactly (to a millionth of its size).
    digits = next((d for d in range(7)
                   if all(abs(round(b, d) - b) <= 1e-6 * max(1.0, abs(b)) for b in finite)), 6)
    return [f"{b:,.{digits}f}" if math.isfinite(b) else "" for b in values]


def month_axis() -> scale_x_datetime:
    """A date axis labelled by month as a reader writes it ("Mar 2025"), never "2025-03"."""
    return scale_x_datetime(date_labels="%b %Y", minor_breaks=[])


def round_ticks(limits: tuple[float, float], count: int = 6) -> Sequence[float]:
    """About ``count`` round tick positions across ``limits`` (Talbot's extended algorithm).

    >>> list(round_ticks((48.2, 98.4)))
    [50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    """
    return [float(b) for b in breaks_extended(n=count)(limits)]


def value_axis() -> scale_y_continuous:
    """A value axis with about six round ticks (the default can leave two or three on a narrow
    range, too few to read a value off) labelled with thousands separators."""
    return scale_y_continuous(breaks=round_ticks, labels=number_labels, minor_breaks=[])
