"""The data dictionary: every table and column the reports read, with unit and meaning.

This is the single source of truth for the demo data's shape. The loaders validate against it
(:mod:`lhs_reports.data.schemas`), the synthetic generator writes to it, and the site's "About the
data" page is generated from it. A trust bringing its own data provides the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "date", "category"]

#: The 19 European Standard Population 2013 age bands (0-4 ... 85-89, 90+).
AGE_BANDS: tuple[str, ...] = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)
SEXES: tuple[str, ...] = ("Female", "Male")
#: Index of Multiple Deprivation quintile: 1 = most deprived, 5 = least deprived.
IMD_QUINTILES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: ONS 2021 census high-level ethnic groups.
ETHNIC_GROUPS: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other")


@dataclass(frozen=True)
class Column:
    """One column: its name, type, unit, meaning and the values it may take."""

    name: str
    type: ColumnType
    unit: str
    meaning: str
    nullable: bool = False
    minimum: float | None = None
    allowed: tuple[object, ...] | None = None
    #: A count that is part of another column's count in the same row (at most that count).
    subset_of: str | None = None
    #: The allowed values have a reading order (age bands, ONS ethnic groups): tables are
    #: loaded with this column as an ordered categorical in that order, never the file's.
    ordered: bool = False
    #: An organisation code: matched case-insensitively and stored in upper case.
    code: bool = False


@dataclass(frozen=True)
class Table:
    """One table: a file ``<name>.parquet`` (or ``.csv``) in the data directory."""

    name: str
    title: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def owner(self) -> Column | None:
        """The column saying whose a row is (the organisation or case study): the key's first."""
        return next((c for c in self.columns if self.key and c.name == self.key[0]), None)

    @property
    def month_column(self) -> str | None:
        """The column holding calendar months, for tables with one row per month."""
        return "month" if "month" in self.column_names else None


def _count(name: str, meaning: str, unit: str = "count", *, subset_of: str | None = None
           ) -> Column:
    return Column(name, "int", unit, meaning, minimum=0, subset_of=subset_of)


_TRUST = Column("trust_code", "str", "code",
                "Organisation code of the trust (fictitious: SYNnn); any case, read as upper "
                "case.", code=True)

#: Monthly activity measures, in the order reports show them.
ACTIVITY_MEASURES: tuple[Column, ...] = (
    _count("referrals", "Referrals received by the trust's adult mental health services."),
    _count("crisis_contacts", "Contacts by crisis resolution and home treatment teams."),
    _count(
        "crisis_contacts_24h",
        "Crisis referrals seen face to face within 24 hours of referral "
        "(a subset of crisis_contacts).",
        subset_of="crisis_contacts",
    ),
    _count("admissions", "Admissions to adult acute mental health beds."),
    _count("occupied_bed_days", "Adult acute occupied bed days in the month.", "bed days"),
    _count("discharges", "Discharges from adult acute mental health beds."),
    _count(
        "followups_72h",
        "Discharges followed up within 72 hours (a subset of discharges).",
        subset_of="discharges",
    ),
    _count(
        "readmissions_30d",
        "Emergency readmissions within 30 days of a discharge (a subset of discharges).",
        subset_of="discharges",
    ),
    _count(
        "out_of_area_bed_days",
        "Inappropriate out-of-area placement bed days started or continuing in the month.",
        "bed days",
    ),
    _count(
        "delayed_discharge_days",
        "Days on which patients clinically ready for discharge remained in hospital.",
        "days",
    ),
    _count("mha_detentions", "New detentions under the Mental Health Act 1983."),
)

TRUSTS = Table(
    "trusts",
    "Trusts",
    "one row per trust",
    (
        _TRUST,
        Column("trust_name", "str", "text", "Name of the trust (fictitious)."),
        Column("region", "str", "text", "NHS region (fictitious grouping)."),
        Column("synthetic", "int", "flag", "1 if the data are synthetic.", allowed=(0, 1)),
    ),
    key=("trust_code",),
)

ACTIVITY_MONTHLY = Table(
    "activity_monthly",
    "Monthly activity",
    "one row per trust and calendar month",
    (_TRUST, Column("month", "date", "date", "First day of the calendar month."))
    + ACTIVITY_MEASURES,
    key=("trust_code", "month"),
)

_GROUP_COLUMNS = (
    Column("age_band", "category", "years", "Five-year age band (ESP 2013).", allowed=AGE_BANDS,
           ordered=True),
    Column("sex", "category", "text", "Sex.", allowed=SEXES),
    Column(
        "imd_quintile",
        "int",
        "quintile",
        "Index of Multiple Deprivation quintile of residence: 1 most, 5 least deprived.",
        allowed=IMD_QUINTILES,
    ),
    Column("ethnic_group", "category", "text", "Ethnic group (ONS 2021 high level).",
           allowed=ETHNIC_GROUPS, ordered=True),
)

POPULATION = Table(
    "population",
    "Catchment population",
    "one row per trust, age band, sex, IMD quintile and ethnic group",
    (_TRUST, *_GROUP_COLUMNS, Column("population", "int", "people", "Resident population.",
                                     minimum=0)),
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
        Column("respondent_id", "str", "code", "Pseudonymous respondent identifier."),
        Column("role", "category", "text", "Respondent's role.", allowed=RESPONDENT_ROLES),
        Column("priority_area", "category", "code", "LHS priority area for action.",
               allowed=PRIORITY_AREAS),
        Column("score", "int", "Likert 1-5",
               "Agreement that the organisation is strong in this area "
               "(1 strongly disagree ... 5 strongly agree).", minimum=1,
               allowed=(1, 2, 3, 4, 5)),
    ),
    key=("trust_code", "respondent_id", "priority_area"),
)

CASE_STUDY_SERIES = Table(
    "case_study_series",
    "Case-study measures (illustrative, synthetic)",
    "one row per case study and month",
    (
        Column("case_study_id", "str", "code", "Case study identifier (parameter file name)."),
        Column("month", "date", "date", "First day of the calendar month."),
        Column("numerator", "int", "count", "Events meeting the measure's definition.",
               minimum=0),
        Column("denominator", "int", "count", "Eligible events or population at risk.",
               minimum=0),
        Column("synthetic", "int", "flag", "1: illustrative synthetic data, not the study's "
               "results.", allowed=(0, 1)),
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
