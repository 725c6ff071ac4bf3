"""How numbers and months read on the site: one place, so every page writes them alike.

Every number a reader sees goes through one of these: thousands separators always, a fixed
number of decimals per kind of measure (:data:`DECIMALS`: counts whole, rates and percentages to
one decimal place, ratios as their measure says), intervals as "4,025.9 to 4,133.9", a missing
value as "–" (never "nan"), and months as "March 2025" (never "2025-03").

Percentages are written "80.0%" (no space), as the rest of the site writes "95% CI".
"""

from __future__ import annotations

import math
import re
from typing import Literal

import pandas as pd

from lhs_reports.errors import ParameterError

#: What a missing or incalculable number reads as.
MISSING = "–"

Measure = Literal["count", "rate", "percentage", "ratio", "index"]

#: Decimal places for each kind of measure: counts are whole; rates (per 100,000, per 100 bed
#: days, days) and percentages to one place; ratios (an RII, an overdispersion factor) to two;
#: a standardised ratio (100 = as expected) to one.
DECIMALS: dict[str, int] = {"count": 0, "rate": 1, "percentage": 1, "ratio": 2, "index": 1}


def _finite(value: object) -> float | None:
    """``value`` as a float, or None when it is missing (None, NaN, pandas NA) or infinite."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def number_text(value: float | None, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals, or "–" when it is missing.

    Examples
    --------
    >>> number_text(1234.56), number_text(float("nan")), number_text(None)
    ('1,234.6', '–', '–')
    >>> number_text(-1234567.0, 0), number_text(-0.04)
    ('-1,234,567', '0.0')
    """
    number = _finite(value)
    if number is None:
        return MISSING
    text = f"{number:,.{digits}f}"
    # Rounding can leave "-0.0", which reads as a negative nothing.
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def count_text(value: float | None) -> str:
    """A count: whole, with thousands separators.

    Examples
    --------
    >>> count_text(25265), count_text(7.0)
    ('25,265', '7')
    """
    return number_text(value, DECIMALS["count"])


def rate_text(value: float | None, unit: str = "") -> str:
    """A rate to one decimal place, with its unit after it when given.

    Examples
    --------
    >>> rate_text(4079.64), rate_text(2.345, "per 100 bed days"), rate_text(None, "days")
    ('4,079.6', '2.3 per 100 bed days', '–')
    """
    text = number_text(value, DECIMALS["rate"])
    return f"{text} {unit}" if unit and text != MISSING else text


def percent_text(value: float | None, digits: int = DECIMALS["percentage"]) -> str:
    """A percentage (``value`` already in per cent) to one decimal place, "80.0%".

    Examples
    --------
    >>> percent_text(80), percent_text(99.95), percent_text(float("nan"))
    ('80.0%', '100.0%', '–')
    """
    text = number_text(value, digits)
    return text if text == MISSING else f"{text}%"


def ratio_text(value: float | None, digits: int = DECIMALS["ratio"]) -> str:
    """A ratio (relative index of inequality, rate ratio, overdispersion factor) to two places.

    Examples
    --------
    >>> ratio_text(1.9), ratio_text(33.754)
    ('1.90', '33.75')
    """
    return number_text(value, digits)


def signed_text(value: float | None, digits: int = 1) -> str:
    """A difference, with its sign always written ("+1.5", "-0.3", "0.0").

    Examples
    --------
    >>> signed_text(1.54), signed_text(-0.25), signed_text(0.01), signed_text(None)
    ('+1.5', '-0.2', '0.0', '–')
    """
    text = number_text(value, digits)
    if text == MISSING or text.startswith("-") or not any(c in "123456789" for c in text):
        return text
    return f"+{text}"


def measure_text(value: float | None, measure: Measure) -> str:
    """``value`` written as its kind of measure says (:data:`DECIMALS`; percentages with "%").

    Examples
    --------
    >>> [measure_text(1234.5, m) for m in ("count", "rate", "percentage", "ratio", "index")]
    ['1,234', '1,234.5', '1,234.5%', '1,234.50', '1,234.5']
    """
    if measure not in DECIMALS:
        raise ValueError(f"measure must be one of {sorted(DECIMALS)}, not {measure!r}")
    if measure == "percentage":
        return percent_text(value)
    return number_text(value, DECIMALS[measure])


def interval_text(lower: float | None, upper: float | None, digits: int = 1, *,
                  percent: bool = False) -> str:
    """A confidence interval as "lower to upper", or "–" when either end is missing.

    Examples
    --------
    >>> interval_text(4025.94, 4133.91), interval_text(1.234, 5.678, 2)
    ('4,025.9 to 4,133.9', '1.23 to 5.68')
    >>> interval_text(71.25, 80.0, percent=True), interval_text(float("nan"), 2.0)
    ('71.2% to 80.0%', '–')
    """
    if _finite(lower) is None or _finite(upper) is None:
        return MISSING
    write = (lambda v: percent_text(v, digits)) if percent else (lambda v: number_text(v, digits))
    return f"{write(lower)} to {write(upper)}"


_MONTH = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _period(month: object) -> pd.Period:
    """``month`` as a monthly period; a string must be YYYY-MM (or a YYYY-MM-DD date)."""
    try:
        if isinstance(month, str) and not _MONTH.fullmatch(month.strip()):
            raise ValueError(month)
        period = (month.to_period("M") if isinstance(month, pd.Timestamp)
                  else pd.Period(month, freq="M"))  # type: ignore[arg-type]
        if pd.isna(period):  # None and NaT make a "not a time", not a month
            raise ValueError(month)
        return period
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{month!r} is not a month (YYYY-MM)", field="month",
                             hint="write months as YYYY-MM, for example 2025-03") from error


def month_text(month: object) -> str:
    """A month as a reader says it: "March 2025", from "2025-03", a date or a period.

    Raises
    ------
    ParameterError
        When ``month`` is not a month (for example "March" or "2025-13").

    Examples
    --------
    >>> month_text("2025-03"), month_text(pd.Timestamp("2024-11-01"))
    ('March 2025', 'November 2024')
    >>> month_text("March")
    Traceback (most recent call last):
    ...
    lhs_reports.errors.ParameterError: 'March' is not a month (YYYY-MM)...
    """
    return f"{_period(month):%B %Y}"


def period_text(period_end: object, months: int = 12) -> str:
    """The months a period covers, in words: "April 2024 to March 2025".

    Examples
    --------
    >>> period_text("2025-03"), period_text("2025-03", 1)
    ('April 2024 to March 2025', 'March 2025')
    """
    end = _period(period_end)
    start = end - (months - 1)
    return month_text(end) if months <= 1 else f"{month_text(start)} to {month_text(end)}"
