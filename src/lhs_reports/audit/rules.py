"""Identifier rules: small pure functions from text to the problems found in it.

Each rule takes a piece of text a reader can see (a paragraph, a table cell, an ``alt``
attribute, the text of a chart) and returns the :class:`Hit` objects it finds, with the
offending text *masked*: audit messages end up in build logs, which are often public, so a log
never repeats an identifier in full.

- :func:`nhs_numbers`: ten digits (plain, or grouped 3-3-4 with spaces or dashes) that pass
  the NHS number modulus-11 check.
- :func:`postcodes`: full UK postcodes in the official shape ("LS1 4AP", "SW1A 1AA"); a postcode
  district alone ("LS1") is not identifying.
- :func:`dates_of_birth`: a calendar date next to "DOB", "date of birth", "birth date" or
  "born", or any date in a column whose header names a date of birth.

Every rule needs a digit, so text without one is skipped at once (:func:`identifier_hits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DATE_OF_BIRTH", "NHS_NUMBER", "POSTCODE", "Finding", "Hit", "dates_of_birth",
           "identifier_hits", "is_nhs_number", "mask", "names_birth", "nhs_numbers",
           "postcodes", "redact"]

#: Rule names, as findings report them.
NHS_NUMBER = "NHS-number-like identifier"
POSTCODE = "full UK postcode"
DATE_OF_BIRTH = "date of birth"


@dataclass(frozen=True)
class Hit:
    """One rule matching one piece of text: the rule's name and the (masked) text."""

    rule: str
    text: str


@dataclass(frozen=True)
class Finding:
    """A problem on the site: the file (relative to the site), where in it, rule and text.

    Examples
    --------
    >>> print(Finding("a/SYN01.html", "img alt (image 4)", NHS_NUMBER, "943 xxx xxxx"))
    a/SYN01.html: img alt (image 4): NHS-number-like identifier ('943 xxx xxxx')
    """

    page: str
    location: str
    rule: str
    text: str

    def __post_init__(self) -> None:
        # A file name or a header (a location) may hold an identifier too: never repeat it.
        object.__setattr__(self, "page", redact(self.page))
        object.__setattr__(self, "location", redact(self.location))

    def __str__(self) -> str:
        return f"{self.page}: {self.location}: {self.rule} ({self.text!r})"


def mask(text: str, keep: int = 3) -> str:
    """``text`` with every letter and digit after the first ``keep`` characters as ``x``.

    Examples
    --------
    >>> mask("943 476 5919"), mask("LS1 4AP"), mask("DOB 01/02/1980", keep=6)
    ('943 xxx xxxx', 'LS1 xxx', 'DOB 01/xx/xxxx')
    """
    return text[:keep] + re.sub(r"[0-9A-Za-z]", "x", text[keep:])


_DIGIT = re.compile(r"\d")
# Separators a page may put between the 3-3-4 groups: space, no-break and thin spaces, dash.
_SEP = "[ \u00a0\u2009\u202f-]?"
# Not part of a longer word or number, nor the decimals of a number ("0.9434765919").
_NHS_NUMBER = re.compile(rf"(?<![\w-])(?<!\d\.)(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{4}})"
                         rf"(?![\w-]|\.\d)")


def is_nhs_number(digits: str) -> bool:
    """True when ten digits pass the NHS number modulus-11 check.

    The first nine digits are weighted 10 down to 2; eleven minus the remainder of their sum
    by 11 is the check digit (11 counts as 0, and a check of 10 means no valid number).

    Examples
    --------
    >>> is_nhs_number("9434765919"), is_nhs_number("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def nhs_numbers(text: str) -> list[Hit]:
    """NHS-number-like identifiers in ``text``: plain or 3-3-4 with spaces or dashes.

    Examples
    --------
    >>> [h.text for h in nhs_numbers("Patients 943 476 5919, 943-476-5919 and 9434765919")]
    ['943 xxx xxxx', '943-xxx-xxxx', '943xxxxxxx']
    >>> nhs_numbers("9434765918 fails its check digit; 0.9434765919 is a decimal")
    []
    """
    return [Hit(NHS_NUMBER, mask(m.group(0))) for m in _NHS_NUMBER.finditer(text)
            if is_nhs_number("".join(m.groups()))]


# The shape the UK government publishes for postcodes (upper case; the space may be left out).
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR[ \u00a0]?0AA|"
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[ \u00a0]?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])")


def redact(text: str) -> str:
    """``text`` with every NHS-number-like identifier and postcode masked.

    Examples
    --------
    >>> redact("table 1, row 2, column '943 476 5919'"), redact("row 2")
    ("table 1, row 2, column '943 xxx xxxx'", 'row 2')
    """
    if not _DIGIT.search(text):
        return text
    text = _NHS_NUMBER.sub(
        lambda m: mask(m.group(0)) if is_nhs_number("".join(m.groups())) else m.group(0), text)
    return _POSTCODE.sub(lambda m: mask(m.group(0)), text)


def postcodes(text: str) -> list[Hit]:
    """Full UK postcodes in ``text`` (a district such as "LS1" alone is not one).

    Examples
    --------
    >>> [h.text for h in postcodes("Seen at LS1 4AP, SW1A 1AA and M11AE; the LS1 area")]
    ['LS1 xxx', 'SW1x xxx', 'M11xx']
    """
    return [Hit(POSTCODE, mask(m.group(0))) for m in _POSTCODE.finditer(text)]


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d1>\d{1,2})(?P<s>[/.-])(?P<m1>\d{1,2})(?P=s)(?P<y1>\d{4}|\d{2})"  # 01/02/1980
    r"|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"  # 1980-02-01
    rf"|(?P<d3>\d{{1,2}}){_ORDINAL}\s+(?P<m3>{_MONTH})\.?,?\s+(?P<y3>\d{{4}})"  # 1 February 1980
    rf"|(?P<m4>{_MONTH})\.?\s+(?P<d4>\d{{1,2}}){_ORDINAL},?\s+(?P<y4>\d{{4}})"  # February 1, 1980
    r")(?![\w/-]|\.\d)", re.IGNORECASE)
_BIRTH = re.compile(r"\bd\.?o\.?b\b|date\s+of\s+birth|\bbirth\s*date|\bborn\b", re.IGNORECASE)
#: How far before (or after) a date an identifying word may be, in characters.
BIRTH_WINDOW = (40, 20)


def _valid_date(match: re.Match[str]) -> bool:
    day = next(match.group(f"d{i}") for i in range(1, 5) if match.group(f"d{i}"))
    month = next(match.group(f"m{i}") for i in range(1, 5) if match.group(f"m{i}"))
    year = next(match.group(f"y{i}") for i in range(1, 5) if match.group(f"y{i}"))
    number = (int(month) if month.isdigit()
              else _MONTH_NAMES.index(month[:3].lower()) + 1)
    return 1 <= int(day) <= 31 and 1 <= number <= 12 and (
        len(year) == 2 or 1880 <= int(year) <= 2100)


def names_birth(text: str) -> bool:
    """Whether ``text`` (e.g. a column header) names a date of birth.

    >>> names_birth("Date of birth"), names_birth("DOB"), names_birth("Dobson interval")
    (True, True, False)
    """
    return bool(_BIRTH.search(text))


def dates_of_birth(text: str, *, context: str = "") -> list[Hit]:
    """Dates in ``text`` next to a word naming a birth, or anywhere if ``context`` names one.

    Dates are UK day-first (``01/02/1980``, ``1-2-80``, ``01.02.1980``), ISO (``1980-02-01``)
    or written out (``1 February 1980``, ``Feb 1, 1980``); impossible days or months are not
    dates. ``context`` is where the text sits, e.g. its column header.

    Examples
    --------
    >>> [h.text for h in dates_of_birth("Jane, DOB 01/02/1980, born 1 March 1981")]
    ['01/xx/xxxx', '1 Mxxxx xxxx']
    >>> [h.text for h in dates_of_birth("1980-02-01", context="Date of birth")]
    ['198x-xx-xx']
    >>> dates_of_birth("Data refreshed 01/02/1980"), dates_of_birth("DOB 13/13/1980")
    ([], [])
    """
    hits = []
    whole_text = names_birth(context)
    before, after = BIRTH_WINDOW
    for match in _DATE.finditer(text):
        if not _valid_date(match):
            continue
        if whole_text or _BIRTH.search(text[max(0, match.start() - before):match.start()]) \
                or _BIRTH.search(text[match.end():match.end() + after]):
            hits.append(Hit(DATE_OF_BIRTH, mask(match.group(0))))
    return hits


def identifier_hits(text: str, *, context: str = "") -> list[Hit]:
    """Every identifier rule over ``text``; ``context`` (e.g. a column header) may name DOB.

    Examples
    --------
    >>> [h.rule for h in identifier_hits("Patient 943 476 5919 of LS1 4AP")]
    ['NHS-number-like identifier', 'full UK postcode']
    >>> identifier_hits("no digits here, nothing to find")
    []
    """
    if not _DIGIT.search(text):
        return []
    return [*nhs_numbers(text), *postcodes(text), *dates_of_birth(text, context=context)]
