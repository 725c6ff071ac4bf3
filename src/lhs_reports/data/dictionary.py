"""The data dictionary: every table and column the reports read, with unit and meaning.

This is the single source of truth for the data's shape, the contract a trust bringing its own
data meets. The loaders validate against it (:mod:`lhs_reports.data.schemas`), the demo
generator writes to it, the data templates (:mod:`lhs_reports.data.templates`) take their
header and two example rows from it, and the site's "About the data" page is generated from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "date", "category"]

#: An organisation code, as parameter files give it (an ODS code such as RX4, or any code of 3
#: to 10 capital letters or digits): the trust parameter model checks it with this pattern.
ORGANISATION_CODE = r"^[A-Z0-9]{3,10}$"

#: The 19 European Standard Population 2013 age bands (0-4 ... 85-89, 90+).
AGE_BANDS: tuple[str, ...] = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)
SEXES: tuple[str, ...] = ("Female", "Male")
#: Index of Multiple Deprivation quintile: 1 = most deprived, 5 = least deprived.
IMD_QUINTILES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: ONS 2021 census high-level ethnic groups.
ETHNIC_GROUPS: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other")


@dataclass(frozen=True)
class Column:
    """One column: its name, type, unit, meaning and the values it may take.

    ``examples`` are the values of the two example rows of the table's template: they must
    pass the column's own checks, and together form a valid table (see the templates' tests).
    An ``optional`` column may be left out of a file; every row then reads as ``default``.
    """

    name: str
    type: ColumnType
    unit: str
    meaning: str
    nullable: bool = False
    minimum: float | None = None
    allowed: tuple[object, ...] | None = None
    #: A count that is part of another column's count in the same row (at most that count).
    subset_of: str | None = None
    examples: tuple[object, object] | None = None
    optional: bool = False
    default: object = None
    #: The allowed values have a reading order (age bands, ONS ethnic groups): tables are
    #: loaded with this column as an ordered categorical in that order, never the file's.
    ordered: bool = False
    #: An organisation code: matched case-insensitively and stored in upper case.
    code: bool = False


@dataclass(frozen=True)
class Table:
    """One table: ``<name>.parquet`` or ``<name>.csv`` in the data folder, or a folder
    ``<name>/`` of such files (see :mod:`lhs_reports.data.layout`)."""

    name: str
    title: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """The columns every file of the table must have (the others may be left out)."""
        return [c.name for c in self.columns if not c.optional]

    @property
    def owner(self) -> Column | None:
        """The column saying whose a row is (the organisation or case study): the key's first."""
        return next((c for c in self.columns if self.key and c.name == self.key[0]), None)

    @property
    def month_column(self) -> str | None:
        """The column holding calendar months, for tables with one row per month."""
        return "month" if "month" in self.column_names else None


def _count(name: str, meaning: str, unit: str = "count", *, subset_of: str | None = None,
           examples: tuple[int, int]) -> Column:
    # Example counts are 0 or 8 and over: a template is a published file, and the site audit
    # refuses counts of 1 to 7 in it as it would in any download.
    return Column(name, "int", unit, meaning, minimum=0, subset_of=subset_of, examples=examples)


#: The example organisations of the templates: codes that fit the pattern and say what they are.
EXAMPLE_CODES = ("EXAMPLE1", "EXAMPLE2")

_TRUST = Column("trust_code", "str", "code",
                "Organisation code of the trust, as in its parameter file "
                "(params/trusts/<code>.yaml); any case, read as upper case.",
                examples=EXAMPLE_CODES, code=True)

#: Monthly activity measures, in the order reports show them.
ACTIVITY_MEASURES: tuple[Column, ...] = (
    _count("referrals", "Referrals received by the trust's adult mental health services.",
           examples=(412, 388)),
    _count("crisis_contacts", "Contacts by crisis resolution and home treatment teams.",
           examples=(156, 143)),
    _count(
        "crisis_contacts_24h",
        "Crisis referrals seen face to face within 24 hours of referral "
        "(a subset of crisis_contacts).",
        subset_of="crisis_contacts", examples=(118, 97),
    ),
    _count("admissions", "Admissions to adult acute mental health beds.", examples=(38, 31)),
    _count("occupied_bed_days", "Adult acute occupied bed days in the month.", "bed days",
           examples=(1150, 987)),
    _count("discharges", "Discharges from adult acute mental health beds.", examples=(36, 33)),
    _count(
        "followups_72h",
        "Discharges followed up within 72 hours (a subset of discharges).",
        subset_of="discharges", examples=(29, 27),
    ),
    _count(
        "readmissions_30d",
        "Emergency readmissions within 30 days of a discharge (a subset of discharges).",
        subset_of="discharges", examples=(8, 10),
    ),
    _count(
        "out_of_area_bed_days",
        "Inappropriate out-of-area placement bed days started or continuing in the month.",
        "bed days", examples=(0, 45),
    ),
    _count(
        "delayed_discharge_days",
        "Days on which patients clinically ready for discharge remained in hospital.",
        "days", examples=(124, 96),
    ),
    _count("mha_detentions", "New detentions under the Mental Health Act 1983.",
           examples=(22, 19)),
)

TRUSTS = Table(
    "trusts",
    "Trusts",
    "one row per trust",
    (
        _TRUST,
        Column("trust_name", "str", "text", "Name of the trust, as its pages show it.",
               examples=("Example Mental Health NHS Trust", "Another Example NHS Trust")),
        Column("region", "str", "text", "NHS region, or another grouping of trusts.",
               examples=("North East and Yorkshire", "London")),
        # Whether the data are real is a fact about the data: generated demonstration data say
        # so here (any 1 labels the whole site), a trust's own data leave it out.
        Column("synthetic", "int", "flag", "1 if this trust's figures are generated "
               "demonstration data rather than records; leave the column out (or write 0) for "
               "real data.", allowed=(0, 1), examples=(0, 0), optional=True, default=0),
    ),
    key=("trust_code",),
)

ACTIVITY_MONTHLY = Table(
    "activity_monthly",
    "Monthly activity",
    "one row per trust and calendar month",
    (_TRUST, Column("month", "date", "month", "The calendar month the counts cover.",
                    examples=("2024-04", "2024-04")))
    + ACTIVITY_MEASURES,
    key=("trust_code", "month"),
)

_GROUP_COLUMNS = (
    Column("age_band", "category", "years", "Five-year age band (ESP 2013).", allowed=AGE_BANDS,
           examples=("25-29", "70-74"), ordered=True),
    Column("sex", "category", "text", "Sex.", allowed=SEXES, examples=("Female", "Male")),
    Column(
        "imd_quintile",
        "int",
        "quintile",
        "Index of Multiple Deprivation quintile of residence: 1 most, 5 least deprived.",
        allowed=IMD_QUINTILES,
        examples=(1, 5),
    ),
    Column("ethnic_group", "category", "text", "Ethnic group (ONS 2021 high level).",
           allowed=ETHNIC_GROUPS, examples=("White", "Asian"), ordered=True),
)

POPULATION = Table(
    "population",
    "Catchment population",
    "one row per trust, age band, sex, IMD quintile and ethnic group",
    (_TRUST, *_GROUP_COLUMNS, Column("population", "int", "people", "Resident population.",
                                     minimum=0, examples=(2310, 1875))),
    key=("trust_code", "age_band", "sex", "imd_quintile", "ethnic_group"),
)

#: The measures broken down by population group for the latest year.
GROUP_MEASURES: tuple[str, ...] = (
    "referrals",
    "crisis_contacts",
    "admissions",
    "mha_detentions",
)

ACTIVITY_BY_GROUP = Table(
    "activity_by_group",
    "Activity by population group, latest year",
    "one row per trust, age band, sex, IMD quintile and ethnic group, for the latest 12 months",
    (_TRUST, *_GROUP_COLUMNS)
    + tuple(c for c in ACTIVITY_MEASURES if c.name in GROUP_MEASURES),
    key=("trust_code", "age_band", "sex", "imd_quintile", "ethnic_group"),
)

#: The eight LHS priority areas for action, in the source report's order.
PRIORITY_AREAS: tuple[str, ...] = (
    "clear_narrative",
    "digital_maturity",
    "data_analytical_expertise",
    "system_interoperability",
    "implementation_improvement_capacity",
    "learning_culture",
    "frontline_implementation_capacity",
    "organisational_improvement_capacity",
)
RESPONDENT_ROLES: tuple[str, ...] = (
    "Clinician", "Manager", "Analyst", "Board member", "Patient partner",
)

LHS_SURVEY = Table(
    "lhs_survey",
    "LHS priorities self-assessment survey",
    "one row per respondent and priority area",
    (
        _TRUST,
        Column("respondent_id", "str", "code", "Pseudonymous respondent identifier (never a "
               "name, email address or staff number).", examples=("R0001", "R0002")),
        Column("role", "category", "text", "Respondent's role.", allowed=RESPONDENT_ROLES,
               examples=("Clinician", "Patient partner")),
        Column("priority_area", "category", "code", "LHS priority area for action.",
               allowed=PRIORITY_AREAS, examples=("clear_narrative", "digital_maturity")),
        Column("score", "int", "Likert 1-5",
               "Agreement that the organisation is strong in this area "
               "(1 strongly disagree ... 5 strongly agree).", minimum=1,
               allowed=(1, 2, 3, 4, 5), examples=(4, 2)),
    ),
    key=("trust_code", "respondent_id", "priority_area"),
)

CASE_STUDY_SERIES = Table(
    "case_study_series",
    "Case-study measures",
    "one row per case study and month",
    (
        Column("case_study_id", "str", "code", "Case study identifier (parameter file name).",
               examples=("example_study", "example_study")),
        Column("month", "date", "month", "The calendar month the counts cover.",
               examples=("2024-04", "2024-05")),
        Column("numerator", "int", "count", "Events meeting the measure's definition.",
               minimum=0, examples=(45, 52)),
        Column("denominator", "int", "count", "Eligible events or population at risk.",
               minimum=0, examples=(60, 64)),
        Column("synthetic", "int", "flag", "1 if the series is generated to illustrate the "
               "analysis rather than the study's own data; leave the column out (or write 0) "
               "for recorded data.", allowed=(0, 1), examples=(0, 0), optional=True,
               default=0),
    ),
    key=("case_study_id", "month"),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (TRUSTS, ACTIVITY_MONTHLY, POPULATION, ACTIVITY_BY_GROUP, LHS_SURVEY,
                        CASE_STUDY_SERIES)
}


#: The reading order of each column whose values have one (``Column.ordered``), by name.
ORDERS: dict[str, tuple[object, ...]] = {
    c.name: c.allowed for t in TABLES.values() for c in t.columns
    if c.ordered and c.allowed is not None
}


def dictionary_order(column: str, values: Iterable[object]) -> list[object]:
    """The distinct ``values`` of ``column`` in the data dictionary's order, never the file's.

    Values the dictionary does not list for the column (or every value, for a column with no
    order) follow in the order they first appear.

    Examples
    --------
    >>> dictionary_order("age_band", ["45-49", "5-9", "50-54", "0-4", "5-9"])
    ['0-4', '5-9', '45-49', '50-54']
    >>> dictionary_order("ethnic_group", ["White", "Asian", "Other"])
    ['Asian', 'White', 'Other']
    """
    present = list(dict.fromkeys(values))
    order = ORDERS.get(column, ())
    known = [v for v in order if v in present]
    return known + [v for v in present if v not in order]


def dictionary_frame() -> pd.DataFrame:  # noqa: F821 - imported lazily to keep import light
    """The data dictionary as a table: table, column, type, unit, meaning.

    Examples
    --------
    >>> frame = dictionary_frame()
    >>> list(frame.columns)
    ['table', 'column', 'type', 'unit', 'meaning']
    >>> bool((frame["column"] == "crisis_contacts_24h").any())
    True
    """
    import pandas as pd

    rows = [
        {"table": t.name, "column": c.name, "type": c.type, "unit": c.unit, "meaning": c.meaning}
        for t in TABLES.values()
        for c in t.columns
    ]
    return pd.DataFrame(rows)
