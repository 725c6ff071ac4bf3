"""Small-count rules for published tables, whatever they came from (HTML, CSV, JSON records).

A table is its column headers and rows of cell texts. Two rules, with the threshold taken from
a :class:`~lhs_reports.disclosure.DisclosureRule` (by default :data:`NHS_DIGITAL_SDC`: 1-7):

- :func:`small_count_hits`: a cell that *is* a count the rule would suppress, written ``3``,
  ``3.0``, ``3.00`` (a count column that held one missing value is float), ``3 (1.8 %)`` or
  ``3 (1.8%)``.
- :func:`recoverable_count_hits`: a percentage of a published denominator that gives a count
  the rule would suppress: 3.9 % of 75 respondents is 3 people.

Which columns hold counts is read from their headers (:func:`column_kind`): a *label* column
(an IMD quintile, a rank, a year, a priority order) and a *statistic* column (a rate, a
percentage, a mean, a confidence interval) hold small whole numbers that count nobody. A
header that names both a label and a counted thing ("Events in the year") is a count. Cells
that are row labels (``<th>`` in a body row: a pandas index) are never counts. A column whose
cells are mostly words (a methods page's "Run length: 7" beside "on", "not counted") is prose,
not a column of counts: at least half its non-blank cells must look like numbers.

Notes
-----
Percentages are judged against the denominator as published, rounded or not: under the NHS
Digital rule the percentage is computed from the *rounded* numerator and denominator, so a
percentage of a rounded denominator gives back a rounded numerator (0, or 10 and over) and never
fails; an exact percentage next to a rounded denominator (3.9 % of "75") still gives back
about 3 people, whatever the true denominator (73 to 77), and fails.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lhs_reports.disclosure import NHS_DIGITAL_SDC, DisclosureRule

__all__ = ["LABEL_COLUMNS", "RECOVERABLE_COUNT", "SMALL_COUNT", "CellHit", "column_kind",
           "recoverable_count_hits", "small_count_hits", "table_hits"]

SMALL_COUNT = "unsuppressed small count"
RECOVERABLE_COUNT = "small count recoverable from a percentage"

#: Column headers whose small whole numbers are labels, not counts of people.
LABEL_COLUMNS = re.compile(
    r"\b(?:quintile|decile|quartile|tercile|centile|percentile|rank(?:ing)?|position|year|"
    r"month|quarter|week|day|date|period|age|band|group|category|code|id|level|tier|stage|"
    r"grade|priority|score|rating|scale|order|version|phase|wave|step|label)s?\b", re.IGNORECASE)
#: Counts of things that are not people (values not about individuals need no SDC).
_NOT_PEOPLE = re.compile(
    r"\b(?:number|count|no\.?) of (?:trusts|organi[sz]ations|providers|practices|sites|"
    r"services|teams|wards|regions|areas|icbs|systems|months|weeks|years|days|points|"
    r"indicators|measures)\b", re.IGNORECASE)
#: Words naming something counted: a header with one is a count even if it names a label.
_COUNTED = re.compile(
    r"\b(?:patient|person|people|individual|resident|respondent|response|service user|client|"
    r"child|children|adult|women|men|staff|case|event|admission|readmission|referral|contact|"
    r"detention|discharge|attendance|appointment|episode|death|birth|incident|fall|spell|"
    r"stay|prescription|visit|number|count|denominator|numerator|observed|n)s?\b",
    re.IGNORECASE)
#: Headers of statistics: their whole numbers are not counts.
_STATISTIC = re.compile(
    r"%|\b(?:per ?cent(?:age)?|proportion|share|rate|ratio|mean|average|median|per|index|sii|"
    r"rii|ci|interval|limits?|lower|upper|expected|difference|change|gap|target|"
    r"standardi[sz]ed|statistics?)\b", re.IGNORECASE)
_PERCENT = re.compile(r"%|\bper ?cent(?:age)?\b|\bproportion\b|\bshare\b", re.IGNORECASE)
#: A percentage column that is not a share of the row's own denominator.
_NOT_THIS_ROWS_SHARE = re.compile(
    r"\b(?:ci|interval|limits?|lower|upper|change|difference|gap|points|target|all|england|"
    r"national|peers?|benchmark|average|mean|median|rate|ratio)\b", re.IGNORECASE)
_DENOMINATOR = re.compile(
    r"\b(?:respondents?|responses?|patients?|people|persons?|individuals?|residents?|"
    r"service users?|discharges?|admissions?|referrals?|contacts?|attendances?|episodes?|"
    r"cases?|population|number|n|count|total|denominator|eligible|sample)\b", re.IGNORECASE)

_WHOLE = r"\+?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?"
_COUNT_CELL = re.compile(rf"{_WHOLE}(\s*\(\s*\d+(?:\.\d+)?\s*%\s*\))?")
_DENOMINATOR_CELL = re.compile(_WHOLE)
_PERCENT_CELL = re.compile(r"(\d+(?:\.\d+)?)\s*%?")
_NUMBER_LIKE = re.compile(
    r"[<>≤≥~]?[-+−]?\d[\d,]*(?:\.\d+)?\s*%?(?:\s*\([^)]*\))?|[*–—-]|\.\.|c|x|z|n/?a",
    re.IGNORECASE)

ColumnKind = Literal["label", "statistic", "count"]


@dataclass(frozen=True)
class CellHit:
    """A rule matching a table cell: 0-based body ``row`` and ``column``, rule and text."""

    row: int
    column: int
    rule: str
    text: str


def column_kind(header: str) -> ColumnKind:
    """Whether a column's whole numbers are labels, statistics or counts, from its header.

    A header written as a data file's column name (``imd_quintile``) reads as its words.

    Examples
    --------
    >>> [column_kind(h) for h in ("IMD quintile", "Agree (%)", "Patients detained",
    ...                           "Events in the year", "Number of trusts", "")]
    ['label', 'statistic', 'count', 'count', 'label', 'count']
    >>> [column_kind(h) for h in ("imd_quintile", "crisis_contacts_24h", "admissions")]
    ['label', 'count', 'count']
    """
    # An underscore is a letter to a regular expression's word boundary, so "imd_quintile"
    # would hide its label word: read it as the words it joins.
    header = header.replace("_", " ")
    if _NOT_PEOPLE.search(header):
        return "label"
    if _STATISTIC.search(header):
        return "statistic"
    if LABEL_COLUMNS.search(header) and not _COUNTED.search(header):
        return "label"
    return "count"


@functools.lru_cache(maxsize=4096)
def _suppressed(value: float, rule: DisclosureRule) -> bool:
    return bool(rule.suppresses(np.array([value], float))[0])


def _mostly_numbers(cells: Sequence[str | None]) -> bool:
    shown = [c.strip() for c in cells if c is not None and c.strip()]
    numbers = sum(bool(_NUMBER_LIKE.fullmatch(c)) for c in shown)
    return 2 * numbers >= len(shown)


def _column(rows: Sequence[Sequence[str | None]], j: int) -> list[str | None]:
    return [row[j] if j < len(row) else None for row in rows]


def small_count_hits(headers: Sequence[str], rows: Sequence[Sequence[str | None]], *,
                     rule: DisclosureRule = NHS_DIGITAL_SDC,
                     row_labels: Sequence[str] = ()) -> list[CellHit]:
    """Cells that are counts ``rule`` suppresses, in count columns (``None``: not a data cell).

    ``3 (1.8 %)`` is a count whatever its column, unless the column or row is a label.

    Examples
    --------
    >>> rows = [["Oak", "3", "3"], ["Elm", "3.0", "1"], ["Ash", "3 (1.8 %)", "*"]]
    >>> [(h.row, h.text) for h in small_count_hits(["Ward", "Patients", "IMD quintile"], rows)]
    [(0, '3'), (1, '3.0'), (2, '3 (1.8 %)')]
    >>> small_count_hits(["Patients"], [["0"], ["8"], ["*"], ["115"], ["2.5"]])
    []
    """
    hits = []
    width = max((len(r) for r in rows), default=0)
    for j in range(width):
        kind = column_kind(headers[j] if j < len(headers) else "")
        cells = _column(rows, j)
        if kind == "label" or not _mostly_numbers(cells):
            continue
        for i, cell in enumerate(cells):
            if cell is None or (i < len(row_labels) and column_kind(row_labels[i]) == "label"):
                continue
            match = _COUNT_CELL.fullmatch(cell.strip())
            if match and (kind == "count" or match.group(2)) and _suppressed(
                    float(match.group(1).replace(",", "")), rule):
                hits.append(CellHit(i, j, SMALL_COUNT, cell.strip()))
    return hits


def _pairs(headers: Sequence[str]) -> list[tuple[int, int]]:
    """(percentage column, denominator column): each share with the nearest denominator,
    looking left first (a count, then its percentage), then right."""
    denominators = [j for j, h in enumerate(headers)
                    if column_kind(h) == "count" and _DENOMINATOR.search(h)]
    pairs = []
    for j, header in enumerate(headers):
        if not _PERCENT.search(header) or _NOT_THIS_ROWS_SHARE.search(header):
            continue
        left = [d for d in denominators if d < j]
        right = [d for d in denominators if d > j]
        if left or right:
            pairs.append((j, left[-1] if left else right[0]))
    return pairs


def recoverable_count_hits(headers: Sequence[str], rows: Sequence[Sequence[str | None]], *,
                           rule: DisclosureRule = NHS_DIGITAL_SDC) -> list[CellHit]:
    """Percentages whose share of the row's denominator is a count ``rule`` suppresses.

    A percentage above 0 means at least one person, so a share below 0.5 counts as 1.

    Examples
    --------
    >>> rows = [["Culture", "75", "3.9"], ["Digital", "75", "87.0"], ["Data", "115", "7.0"],
    ...         ["Teams", "75", "0.0"], ["Flow", "*", "*"]]
    >>> [(h.row, h.text) for h in recoverable_count_hits(["Area", "Respondents", "Agree (%)"],
    ...                                                  rows)]
    [(0, '3.9 % of 75 is about 3')]
    """
    hits = []
    for p, d in _pairs(headers):
        for i, row in enumerate(rows):
            percent_text = row[p] if p < len(row) else None
            denominator_text = row[d] if d < len(row) else None
            if percent_text is None or denominator_text is None:
                continue
            share = _PERCENT_CELL.fullmatch(percent_text.strip())
            base = _DENOMINATOR_CELL.fullmatch(denominator_text.strip())
            if not (share and base):
                continue
            percent, denominator = float(share.group(1)), float(base.group(1).replace(",", ""))
            if percent > 100 or denominator == 0:
                continue
            count = math.floor(percent * denominator / 100 + 0.5)
            if percent > 0:
                count = max(count, 1)
            if _suppressed(count, rule):
                hits.append(CellHit(i, p, RECOVERABLE_COUNT,
                                    f"{share.group(1)} % of {base.group(1)} is about {count}"))
    return hits


def table_hits(headers: Sequence[str], rows: Sequence[Sequence[str | None]], *,
               rule: DisclosureRule = NHS_DIGITAL_SDC,
               row_labels: Sequence[str] = ()) -> list[CellHit]:
    """Both small-count rules over one table, in row order."""
    hits = small_count_hits(headers, rows, rule=rule, row_labels=row_labels)
    hits += recoverable_count_hits(headers, rows, rule=rule)
    return sorted(hits, key=lambda h: (h.row, h.column))
