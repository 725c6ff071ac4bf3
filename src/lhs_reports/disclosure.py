"""Statistical disclosure control (SDC) for published tables, with the rules as data.

A :class:`DisclosureRule` says which counts are suppressed and how the rest are rounded;
:data:`NHS_DIGITAL_SDC` (the default) is the NHS Digital rule for secondary-care data (HES and
ECDS, since September 2018), :data:`MHMDS_2014` the older Mental Health Bulletin rule. Every
function returns display strings *and* the numbers behind them, never mutates its input and
keeps the index. Pure: no I/O.

- :func:`suppress_counts`: one column of counts.
- :func:`safe_percentage`: a percentage from the *rounded* numerator and denominator.
- :func:`safe_mean`: a mean or median, suppressed with too few contributors.
- :func:`disclose_table`: a display frame with all of the above applied to named columns.
- :func:`apply_disclosure`: the original interface, kept for the report notebooks.

Counts are the only thing controlled: standardised rates, confidence intervals and model
results are "complex calculations" that need no SDC under the NHS Digital rule, and values not
about individuals (a count of providers) need none either.

References
----------
.. [1] NHS Digital (2018). Change to disclosure control methodology for HES and ECDS from
   September 2018. https://digital.nhs.uk/data-and-information/data-tools-and-services/
   data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-
   and-ecds-from-september-2018
.. [2] Health and Social Care Information Centre (2014). Mental Health Bulletin: annual report
   from MHMDS returns, England 2013-14 (data quality and disclosure notes).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from lhs_reports.disclosure_secondary import secondary_suppression
from lhs_reports.errors import DataError

__all__ = [
    "MHMDS_2014",
    "NHS_DIGITAL_SDC",
    "DisclosureRule",
    "apply_disclosure",
    "disclose_table",
    "round_to_base",
    "safe_mean",
    "safe_percentage",
    "suppress_counts",
]


@dataclass(frozen=True)
class DisclosureRule:
    """A small-number suppression and rounding rule.

    Parameters
    ----------
    suppress_range
        Counts from ``low`` to ``high`` inclusive are replaced by ``suppressed_symbol``.
    round_base
        Other counts are rounded to the nearest multiple of this, half away from zero (1 = no
        rounding).
    national
        National figures: nothing is suppressed or rounded (the NHS Digital rule controls only
        counts below national level).
    suppressed_symbol
        What a suppressed cell shows.
    min_contributors
        Means and medians of fewer contributors (but at least one) are suppressed.
    name
        Where the rule comes from, for method notes.
    suppress_zero
        Suppress zero as well (the 2014 MHMDS rule); otherwise 0 is shown as 0.

    Examples
    --------
    >>> from dataclasses import replace
    >>> replace(NHS_DIGITAL_SDC, national=True).national
    True
    """

    suppress_range: tuple[int, int] = (1, 7)
    round_base: int = 5
    national: bool = False
    suppressed_symbol: str = "*"
    min_contributors: int = 8
    name: str = "NHS Digital secondary-care SDC (HES/ECDS, since Sept 2018)"
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        low, high = self.suppress_range
        if not (_whole(low) and _whole(high) and 0 <= low <= high):
            raise DataError(f"suppress_range must be two whole numbers 0 <= low <= high, got "
                            f"{self.suppress_range!r}", field="suppress_range",
                            hint="e.g. (1, 7) for the NHS Digital rule")
        if not (_whole(self.round_base) and self.round_base >= 1):
            raise DataError(f"round_base must be a whole number >= 1, got {self.round_base!r}",
                            field="round_base", hint="5 for the NHS Digital rule; 1 to not round")
        if not (_whole(self.min_contributors) and self.min_contributors >= 1):
            raise DataError(f"min_contributors must be a whole number >= 1, got "
                            f"{self.min_contributors!r}", field="min_contributors")

    def statement(self) -> str:
        """The rule in one sentence, for the note under every table that applies it.

        >>> print(NHS_DIGITAL_SDC.statement())
        Counts of 1 to 7 are shown as *; other counts are rounded to the nearest 5, and
        percentages and rates use the rounded counts (NHS Digital secondary-care SDC (HES/ECDS,
        since Sept 2018)).
        """
        if self.national:
            return f"National counts, shown without disclosure control ({self.name})."
        low, high = self.suppress_range
        zero = " and 0" if self.suppress_zero and low > 0 else ""
        rounding = (f"; other counts are rounded to the nearest {self.round_base}, and "
                    "percentages and rates use the rounded counts" if self.round_base > 1
                    else "")
        return (f"Counts of {low} to {high}{zero} are shown as {self.suppressed_symbol}"
                f"{rounding} ({self.name}).")

    def suppresses(self, values: np.ndarray) -> np.ndarray:
        """Which (non-negative, non-NaN) values this rule replaces with the symbol.

        For whole numbers: ``low <= v <= high`` (and 0 with ``suppress_zero``). A fractional
        total is suppressed if it lies strictly between ``low - 1`` and ``high + 1``, so nothing
        that could be a small count (0.4, 7.6) is ever shown.

        >>> NHS_DIGITAL_SDC.suppresses(np.array([0, 1, 7, 7.6, 8]))
        array([False,  True,  True,  True, False])
        """
        if self.national:
            return np.zeros(values.shape, bool)
        low, high = self.suppress_range
        hit = (values > low - 1) & (values < high + 1) & (values != 0)
        return hit | ((values == 0) & (self.suppress_zero or low == 0))


def _whole(value: Any) -> bool:
    return (isinstance(value, (int, np.integer)) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


#: NHS Digital secondary-care rule (HES, ECDS; adopted for SRHAD 2019-20): 0 stays 0, 1-7 are
#: suppressed, others rounded to the nearest 5; means and medians need 8 contributors.
NHS_DIGITAL_SDC: Final = DisclosureRule()

#: Mental Health Bulletin 2013-14 (MHMDS): "numbers less than five (including zero) are replaced
#: with *; all other numbers rounded to the nearest 5". The bulletin sets no contributor rule
#: for means: the threshold of 5 here follows its small-number threshold (our choice).
MHMDS_2014: Final = DisclosureRule(
    suppress_range=(1, 4), round_base=5, min_contributors=5, suppress_zero=True,
    name="Mental Health Bulletin 2013-14 (MHMDS): fewer than 5, including 0, suppressed")


def round_to_base(values: Any, base: int = 5) -> Any:
    """Round to the nearest multiple of ``base``, halves away from zero (12.5 -> 15).

    Python's and numpy's ``round`` send halves to even (12.5 -> 10 at base 5); SDC rounds them
    up in magnitude, so a total is never understated by the tie.

    Examples
    --------
    >>> round_to_base(np.array([12, 12.5, 13, 17.5, 1234]))
    array([  10.,   15.,   15.,   20., 1235.])
    """
    array = np.asarray(values, float)
    return np.sign(array) * np.floor(np.abs(array) / base + 0.5) * base


def _counts(values: Any, name: str, allow_fractional: bool) -> tuple[pd.Series, bool]:
    """Counts as a float Series (a copy), checked; and whether the caller gave a Series."""
    labelled = isinstance(values, pd.Series)
    series = values if labelled else pd.Series(np.asarray(values).reshape(-1))
    try:
        numbers = pd.to_numeric(series, errors="raise").astype(float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric counts", field=name,
                        hint=f"convert {name} to numbers; use NaN for missing") from None
    v = numbers.to_numpy()
    checks = [(np.isinf(v), "is infinite", "counts are finite"),
              (v < 0, "is negative", "counts are 0 or more; check the column")]
    if not allow_fractional:
        checks.append((np.isfinite(v) & (v != np.round(v)), "is not a whole number",
                       "pass allow_fractional=True for totals that are not whole numbers"))
    for bad, problem, hint in checks:
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise DataError(f"{name} {problem} (got {v[position]:g})", field=name,
                            row=series.index[position] if labelled else position + 1,
                            hint=hint)
    return numbers, labelled


def _format_count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def suppress_counts(values: pd.Series, *, rule: DisclosureRule = NHS_DIGITAL_SDC,
                    allow_fractional: bool = False) -> pd.DataFrame:
    """Apply a disclosure rule to counts.

    Parameters
    ----------
    values
        Counts (whole numbers >= 0; NaN for missing). A Series keeps its index.
    rule
        The rule; :data:`NHS_DIGITAL_SDC` by default.
    allow_fractional
        Accept totals that are not whole numbers (weighted counts); rounded half away from zero.

    Returns
    -------
    pandas.DataFrame
        ``value`` (float: rounded, NaN when suppressed; unchanged for a national rule),
        ``display`` (``"*"``, ``"0"``, ``"1,235"``; ``""`` for NaN) and ``suppressed`` (bool).

    Notes
    -----
    NHS Digital: 0 stays 0, 1-7 become ``*``, others are rounded to the nearest 5. Totals are
    controlled after they are summed, so they may differ from the sum of rounded parts.

    Examples
    --------
    >>> suppress_counts(pd.Series([0, 3, 8, 12, 13, 1234]))
          value display  suppressed
    0       0.0       0       False
    1       NaN       *        True
    2      10.0      10       False
    3      10.0      10       False
    4      15.0      15       False
    5    1235.0   1,235       False
    """
    name = str(values.name) if isinstance(values, pd.Series) and values.name is not None \
        else "values"
    numbers, _ = _counts(values, name, allow_fractional)
    v = numbers.to_numpy()
    missing = np.isnan(v)
    hidden = rule.suppresses(np.where(missing, -1.0, v))
    shown = v if rule.national else round_to_base(v, rule.round_base)
    shown = np.where(hidden, np.nan, shown)
    display = ["" if m else rule.suppressed_symbol if h else _format_count(s)
               for m, h, s in zip(missing, hidden, shown, strict=True)]
    return pd.DataFrame({"value": shown, "display": display, "suppressed": hidden},
                        index=numbers.index)


def safe_percentage(numerator: Any, denominator: Any, *, rule: DisclosureRule = NHS_DIGITAL_SDC,
                    decimals: int = 1) -> pd.DataFrame:
    """A percentage computed from the disclosure-controlled numerator and denominator.

    Parameters
    ----------
    numerator, denominator
        Counts, numerator <= denominator. The index of a Series numerator is kept.
    rule
        The rule applied to both parts first.
    decimals
        Decimal places shown.

    Returns
    -------
    pandas.DataFrame
        ``value`` (float percentage of the rounded parts; NaN when suppressed or undefined),
        ``display`` (e.g. ``"60.0"``; the symbol when either part is suppressed; ``""`` when a
        part is missing or the denominator is 0) and ``suppressed``.

    Notes
    -----
    NHS Digital calculates percentages from the rounded numerator and denominator, so they
    differ from percentages of the raw counts (13/27 = 48.1% is published as 15/25 = 60.0%).
    Suppressing the percentage when either part is suppressed is our reading of the rule (a
    percentage of a suppressed count would reveal it). One decimal place is only accurate to
    0.1 when the rounded denominator is at least 4,000.

    Examples
    --------
    >>> safe_percentage(pd.Series([13, 5, 500]), pd.Series([27, 40, 1000]))
           value display  suppressed
    0  60.000000    60.0       False
    1        NaN       *        True
    2  50.000000    50.0       False
    """
    if not _whole(decimals) or decimals < 0:
        raise DataError(f"decimals must be a whole number >= 0, got {decimals!r}",
                        field="decimals")
    top = suppress_counts(_named(numerator, "numerator"), rule=rule)
    bottom = suppress_counts(_named(denominator, "denominator"), rule=rule)
    if len(top) != len(bottom):
        raise DataError(f"numerator and denominator have different lengths ({len(top)} and "
                        f"{len(bottom)})", field="numerator", hint="pass one pair per row")
    raw_top, raw_bottom = (np.asarray(pd.to_numeric(_named(x, "x")), float)
                           for x in (numerator, denominator))
    over = raw_top > raw_bottom
    if over.any():
        position = int(np.flatnonzero(over)[0])
        raise DataError("numerator exceeds denominator", field="numerator",
                        row=top.index[position] if isinstance(numerator, pd.Series)
                        else position + 1,
                        hint="check the numerator and denominator columns are not swapped")
    hidden = top["suppressed"].to_numpy() | bottom["suppressed"].to_numpy()
    if rule.national:
        parts = raw_top, raw_bottom
    else:
        parts = top["value"].to_numpy(), bottom["value"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(hidden | (parts[1] == 0), np.nan, 100 * parts[0] / parts[1])
    display = [rule.suppressed_symbol if h else "" if np.isnan(v) else f"{v:.{decimals}f}"
               for h, v in zip(hidden, value, strict=True)]
    return pd.DataFrame({"value": value, "display": display, "suppressed": hidden},
                        index=top.index)


def _named(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values if values.name is not None else values.rename(name)
    return pd.Series(np.asarray(values).reshape(-1), name=name)


def safe_mean(values: Any, *, by: Any = None, rule: DisclosureRule = NHS_DIGITAL_SDC,
              decimals: int = 1, statistic: Literal["mean", "median"] = "mean") -> pd.DataFrame:
    """A mean (or median) shown only when it has enough contributors.

    Parameters
    ----------
    values
        One value per contributor (e.g. length of stay per patient); NaN is not a contributor.
    by
        Optional group labels, one per value: one row per group.
    rule
        ``min_contributors`` sets the threshold (8 under the NHS Digital rule).
    decimals
        Decimal places shown.
    statistic
        ``"mean"`` or ``"median"``.

    Returns
    -------
    pandas.DataFrame
        ``contributors``, ``value`` (NaN when suppressed), ``display`` and ``suppressed``,
        indexed by group (or a single row).

    Examples
    --------
    >>> safe_mean([4, 5, 6, 2, 8, 3, 9, 7, 1, 2], by=["a"] * 8 + ["b"] * 2)
       contributors  value display  suppressed
    a             8   5.50     5.5       False
    b             2    NaN       *        True
    """
    if statistic not in ("mean", "median"):
        raise DataError(f"statistic must be 'mean' or 'median', got {statistic!r}",
                        field="statistic")
    series = _named(values, "values")
    try:
        numbers = pd.to_numeric(series, errors="raise").astype(float)
    except (TypeError, ValueError):
        raise DataError("values must be numeric", field=str(series.name)) from None
    if by is None:
        grouped = numbers.groupby(np.zeros(len(numbers), int))
    else:
        labels = by if isinstance(by, pd.Series) else pd.Series(np.asarray(by), index=numbers.index)
        if len(labels) != len(numbers):
            raise DataError("by must give one group label per value", field="by")
        grouped = numbers.groupby(labels.to_numpy())
    contributors = grouped.count()
    summary = grouped.mean() if statistic == "mean" else grouped.median()
    n = contributors.to_numpy()
    hidden = (n >= 1) & (n < rule.min_contributors) & (not rule.national)
    value = np.where(hidden, np.nan, summary.to_numpy())
    display = [rule.suppressed_symbol if h else "" if np.isnan(v) else f"{v:,.{decimals}f}"
               for h, v in zip(hidden, value, strict=True)]
    return pd.DataFrame({"contributors": n, "value": value, "display": display,
                         "suppressed": hidden}, index=contributors.index)


def disclose_table(frame: pd.DataFrame, *, count_columns: list[str],
                   percentage_columns: Mapping[str, tuple[str, str]] | None = None,
                   rule: DisclosureRule = NHS_DIGITAL_SDC, total_row: Hashable | None = None,
                   total_column: str | None = None) -> pd.DataFrame:
    """A display copy of ``frame`` with its counts (and percentages) disclosure-controlled.

    Parameters
    ----------
    frame
        The table; not modified.
    count_columns
        Columns of counts, replaced by display strings.
    percentage_columns
        ``{output column: (numerator column, denominator column)}``: percentages computed from
        the rounded parts (see :func:`safe_percentage`), written as display strings.
    rule
        The rule; :data:`NHS_DIGITAL_SDC` by default.
    total_row, total_column
        The index label of a row, or the count column, that publishes totals: a lone
        suppressed cell in a line with a total gets a second one
        (:func:`lhs_reports.disclosure_secondary.secondary_suppression`).

    Returns
    -------
    pandas.DataFrame
        The other columns untouched, the controlled ones as strings, and one boolean
        ``<column>_suppressed`` column per count column (appended). Same index.

    Examples
    --------
    >>> table = pd.DataFrame({"ward": ["A", "B"], "falls": [3, 13], "patients": [40, 27]})
    >>> disclose_table(table, count_columns=["falls", "patients"],
    ...                percentage_columns={"falls (%)": ("falls", "patients")})
      ward falls patients falls (%)  falls_suppressed  patients_suppressed
    0    A     *       40         *              True                False
    1    B    15       25      60.0             False                False
    """
    percentage_columns = dict(percentage_columns or {})
    needed = [*count_columns, *(c for pair in percentage_columns.values() for c in pair)]
    for column in needed:
        if column not in frame.columns:
            raise DataError(f"column {column!r} is not in the table", field=str(column),
                            hint=f"columns are: {', '.join(map(str, frame.columns))}")
    clash = set(count_columns) & set(percentage_columns)
    if clash:
        raise DataError(f"column {sorted(clash)[0]!r} is both a count and a percentage",
                        field=str(sorted(clash)[0]), hint="name the percentage column apart")
    out = frame.copy()
    flags = {}
    for column in count_columns:
        controlled = suppress_counts(frame[column].rename(column), rule=rule)
        out[column] = controlled["display"].to_numpy(dtype=object)
        flags[f"{column}_suppressed"] = controlled["suppressed"].to_numpy()
    if count_columns and (total_row is not None or total_column is not None):
        primary = pd.DataFrame({c: flags[f"{c}_suppressed"] for c in count_columns},
                               index=frame.index)
        counts = frame[count_columns].apply(pd.to_numeric, errors="coerce")
        final = secondary_suppression(counts, primary, total_row=total_row,
                                      total_column=total_column)
        for column in count_columns:
            extra = final[column].to_numpy() & ~primary[column].to_numpy()
            out[column] = np.where(extra, rule.suppressed_symbol, out[column].to_numpy())
            flags[f"{column}_suppressed"] = final[column].to_numpy()
    for column, (top, bottom) in percentage_columns.items():
        shown = safe_percentage(frame[top].rename(top), frame[bottom].rename(bottom),
                                rule=rule)["display"].to_numpy(dtype=object)
        hidden = np.zeros(len(frame), bool)
        for part in (top, bottom):
            hidden |= flags.get(f"{part}_suppressed", np.zeros(len(frame), bool))
        out[column] = np.where(hidden, rule.suppressed_symbol, shown)
    for column, flag in flags.items():
        out[column] = flag
    return out


def apply_disclosure(frame: pd.DataFrame, *, count_columns: list[str]) -> pd.DataFrame:
    """Counts 1-7 shown as ``*``, others rounded to the nearest 5 (NHS Digital HES/ECDS rule).

    The original interface, used by :func:`lhs_reports.notebook.table_html`: equal to
    ``disclose_table(frame, count_columns=count_columns)``.

    Examples
    --------
    >>> apply_disclosure(pd.DataFrame({"events": [3, 12]}), count_columns=["events"])
      events  events_suppressed
    0      *               True
    1     10              False
    """
    return disclose_table(frame, count_columns=list(count_columns))
