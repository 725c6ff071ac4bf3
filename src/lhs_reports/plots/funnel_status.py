"""Where an organisation sits in a funnel, in words, colour and shape.

Each position against the limits has a reader-facing label ("Above the 99.8% limit"), an NHS
identity colour and a marker shape, so the position never rests on colour alone (WCAG 1.4.1):
within the limits a grey circle; outside the inner limits a triangle pointing the way the
organisation differs; outside the outermost limits a diamond (above) or a square (below).
Colours avoid red and green: a funnel says where an organisation differs from the rest, not
whether that is good. Every colour has at least 3:1 contrast with the white background.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from lhs_reports.plots.theme import (
    NHS_BLUE,
    NHS_BRIGHT_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PINK,
    NHS_PURPLE,
)

WITHIN = "Within the limits"
WITHIN_STYLE = (NHS_MID_GREY, "o")
#: Colour and marker from the outermost limit inwards, above the centre line ...
HIGH_STYLES = ((NHS_DARK_BLUE, "D"), (NHS_BRIGHT_BLUE, "^"), (NHS_BLUE, "p"))
#: ... and below it.
LOW_STYLES = ((NHS_PURPLE, "s"), (NHS_PINK, "v"), (NHS_DARK_GREY, "h"))

_LABEL = re.compile(r"^(High|Low) \((?P<tail>[0-9.eE-]+)\)$")


def percent(level: float) -> str:
    """A confidence level as a page writes it.

    >>> percent(0.998), percent(0.95)
    ('99.8%', '95%')
    """
    return f"{level * 100:.10g}%"


def level_suffix(level: float) -> str:
    """A level as the limit columns name it: ``'998'`` for 99.8%."""
    return f"{level * 100:.10g}".replace(".", "")


def status_label(significance: Any) -> str | None:
    """Reader-facing text for a significance label: ``"Above the 99.8% limit"``.

    >>> status_label("High (0.001)"), status_label("Not significant")
    ('Above the 99.8% limit', 'Within the limits')
    """
    if significance is None or (isinstance(significance, float) and np.isnan(significance)):
        return None
    match = _LABEL.match(str(significance))
    if match is None:
        return WITHIN
    level = round(1 - 2 * float(match["tail"]), 10)
    side = "Above" if match[1] == "High" else "Below"
    return f"{side} the {percent(level)} limit"


def status_styles(levels: tuple[float, ...]) -> dict[str, tuple[str, str]]:
    """Status text -> (colour, marker), in legend order: above (outermost first), within,
    below (innermost first).

    Examples
    --------
    >>> for status, style in status_styles((0.95, 0.998)).items():
    ...     print(status, style)
    Above the 99.8% limit ('#003087', 'D')
    Above the 95% limit ('#0072CE', '^')
    Within the limits ('#768692', 'o')
    Below the 95% limit ('#AE2573', 'v')
    Below the 99.8% limit ('#330072', 's')
    """
    ordered = sorted(levels, reverse=True)
    styles = {f"Above the {percent(lv)} limit": HIGH_STYLES[min(i, len(HIGH_STYLES) - 1)]
              for i, lv in enumerate(ordered)}
    styles[WITHIN] = WITHIN_STYLE
    for i, lv in reversed(list(enumerate(ordered))):
        styles[f"Below the {percent(lv)} limit"] = LOW_STYLES[min(i, len(LOW_STYLES) - 1)]
    return styles
