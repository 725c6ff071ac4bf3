"""How numbers read in report tables: one place, so every table says "–" the same way."""

from __future__ import annotations

import math

MISSING = "–"


def number_text(value: float, digits: int = 1) -> str:
    """A number with thousands separators, or "–" when it is missing.

    Examples
    --------
    >>> number_text(1234.56), number_text(float("nan"))
    ('1,234.6', '–')
    """
    return MISSING if not math.isfinite(value) else f"{value:,.{digits}f}"


def interval_text(lower: float, upper: float, digits: int = 1) -> str:
    """A confidence interval as "lower to upper", or "–" when it is missing.

    Examples
    --------
    >>> interval_text(1.234, 5.678, 2), interval_text(float("nan"), 2.0)
    ('1.23 to 5.68', '–')
    """
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return MISSING
    return f"{lower:,.{digits}f} to {upper:,.{digits}f}"
