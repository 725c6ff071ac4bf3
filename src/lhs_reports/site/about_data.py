"""The About the data page: the data contract, published from the data dictionary.

Everything on it comes from the same objects the loaders validate with: the tables and columns
of :mod:`lhs_reports.data.dictionary` (types, units, allowed values, which counts are part of
another, optional columns, the key), the layouts of :mod:`lhs_reports.data.layout`, the month
formats of :mod:`lhs_reports.data.months`, the templates of :mod:`lhs_reports.data.templates`,
the sources of :mod:`lhs_reports.data.sources`, and the catalogue's ``tables`` for the report
families that need each table. Only the opening paragraph depends on whether the data are
synthetic. Text is Markdown; every value is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from lhs_reports.data.dictionary import ORGANISATION_CODE, TABLES, Column, Table
from lhs_reports.data.layout import TABLE_SUFFIXES
from lhs_reports.data.months import MONTH_FORMATS
from lhs_reports.data.sources import CAVEAT, MHSDS_SOURCES
from lhs_reports.data.templates import SITE_FOLDER
from lhs_reports.params import ReportFamily
from lhs_reports.text import md_escape

#: How each dictionary type reads on the page.
TYPE_NAMES = {"str": "text", "int": "whole number", "float": "number", "date": "month",
              "category": "text from a list"}


def _code(text: str) -> str:
    """Inline code: names of files and columns (Markdown leaves its content alone)."""
    return f"`{text}`"


def template_link(table: Table) -> str:
    """The site-relative address of the table's template (from a page at the site root)."""
    return f"{SITE_FOLDER}/{table.name}.csv"


def layouts(table: Table) -> str:
    """The files that may hold ``table``, in words.

    Examples
    --------
    >>> print(layouts(TABLES["trusts"]))
    `trusts.parquet` or `trusts.csv` (the first found, in that order), or a folder `trusts/` of such files, one per organisation: `trusts/<trust_code>.csv`
    """  # noqa: E501
    singles = " or ".join(_code(f"{table.name}{suffix}") for suffix in TABLE_SUFFIXES)
    part = f"{table.name}/<{table.key[0]}>.csv" if table.key else f"{table.name}/<part>.csv"
    return (f"{singles} (the first found, in that order), or a folder "
            f"{_code(table.name + '/')} of such files, one per organisation: {_code(part)}")


def column_rule(column: Column) -> str:
    """What the loaders accept in ``column``, in words (the checks of its schema).

    Examples
    --------
    >>> by_name = {c.name: c for c in TABLES["activity_monthly"].columns}
    >>> column_rule(by_name["crisis_contacts_24h"])
    '0 or more; at most `crisis_contacts` in the same row (part of it)'
    >>> column_rule({c.name: c for c in TABLES["trusts"].columns}["synthetic"])
    'one of: `0`, `1`; optional: when left out, every row reads as 0'
    """
    parts = []
    if column.allowed is not None:
        # Values as typed in a file: code, so Markdown leaves "0-4" and "90+" alone.
        parts.append("one of: " + ", ".join(_code(str(v)) for v in column.allowed))
    elif column.minimum is not None:
        parts.append(f"{column.minimum:g} or more")
    if column.type == "date":
        parts.append("a month (see Months)")
    if column.subset_of is not None:
        parts.append(f"at most {_code(column.subset_of)} in the same row (part of it)")
    if column.optional:
        parts.append(f"optional: when left out, every row reads as {md_escape(column.default)}")
    return "; ".join(parts) or f"any {TYPE_NAMES[column.type]}"


def _families_reading(table: Table, families: Sequence[ReportFamily]) -> str:
    titles = [md_escape(f.title) for f in families if table.name in f.table_names]
    return ", ".join(titles) if titles else "no report family of this site"


def _table_section(table: Table, families: Sequence[ReportFamily]) -> list[str]:
    lines = [
        f"## {md_escape(table.title)} ({_code(table.name)})", "",
        f"- **Files:** {layouts(table)}.",
        f"- **Rows:** {md_escape(table.grain)}"
        + (f"; no two rows share {', '.join(_code(k) for k in table.key)}." if table.key
           else "."),
        f"- **Needed by:** {_families_reading(table, families)}.",
        f"- **Template:** [{table.name}.csv]({template_link(table)}) (the header and two "
        "example rows).",
        "",
        "| Column | Type | Unit | Meaning | Values |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {_code(c.name)} | {TYPE_NAMES[c.type]} | {md_escape(c.unit)} | "
              f"{md_escape(c.meaning)} | {column_rule(c)} |" for c in table.columns]
    return [*lines, ""]


def _contract() -> list[str]:
    months = "\n".join(f"- {md_escape(how)}: {_code(example)}" for how, example in MONTH_FORMATS)
    return [
        "## How to provide the data", "",
        "Put one file per table in the data folder, or a folder of files per table (see each "
        "table's **Files**). Column names are as below, in any order; every cell is filled. "
        "Organisation codes are those of the organisations' parameter files "
        f"({_code('params/trusts/<code>.yaml')}): 3 to 10 capital letters or digits "
        f"({_code(ORGANISATION_CODE)}). Start from the templates below, or write them all into "
        "a folder with "
        f"{_code('lhs-reports data-template DIR')}; {_code('lhs-reports check')} checks the "
        "whole folder against these rules before anything runs, naming the file, column, row "
        "and fix.", "",
        "### Months", "",
        "A month may be written as:", "", months, "",
        "Any other day of the month, or a month after the current one, is refused. Dates with "
        "slashes are read day first (the UK order). A date Excel saved as a number (a serial "
        f"such as {_code('45383')}) is refused, naming the date it stands for: format the "
        "column as a date and save again.", "",
        "### Files from Excel or a warehouse", "",
        "A CSV file may be UTF-8, with or without a byte-order mark (Excel's *CSV UTF-8*), or "
        "Windows-1252 (Excel's plain *CSV*: read with a notice, as another encoding would "
        "garble accented names). Wholly empty rows, and unnamed columns with nothing in them, "
        "are ignored; a row keeps its number in the file in messages. Column names are "
        f"matched whatever their case and spacing ({_code('Trust Code')} is "
        f"{_code('trust_code')}), values from a fixed list whatever their case "
        f"({_code('female')} is {_code('Female')}), and columns not listed here are ignored. "
        "Counts may have "
        f"thousands separators ({_code('1,234')}) and may be written as whole decimals "
        f"({_code('12.0')}, as a database's REAL columns give them); a fraction, or a comma "
        "that does not separate thousands, is refused. Every trust with rows in a table is in "
        "the trusts table, and every trust with a parameter file has rows in each table its "
        f"reports read ({_code('lhs-reports check')} names one that has none).", "",
        "### A month with no data", "",
        "A monthly series may not skip a month. When an organisation has no data at all for "
        "a month, leave its rows out and declare the month in the organisation's parameter "
        f"file: {_code('missing_months: [2024-02]')}. Its pages then show a gap there, and "
        "process limits and rates use the other months (a latest-year figure says it covers "
        "11 months, not annualised), and comparisons across trusts over a year with that month "
        "leave the organisation out, with a note. A count left blank or written "
        f"{_code('*')} (a suppressed extract) is refused: use the unsuppressed extract.", "",
    ]


def _sources() -> list[str]:
    lines = [
        "## Where the figures can come from: MHSDS", "",
        "The Mental Health Services Data Set (MHSDS) is the national record of NHS-funded "
        "secondary mental health care in England, and NHS England publishes measures from it "
        "every month (Mental Health Services Monthly Statistics). Below, for each input, the "
        "closest published measure, and what MHSDS does not provide. " + md_escape(CAVEAT), "",
        "| Input | From MHSDS | Closest published measure | Note |", "|---|---|---|---|",
    ]
    lines += [f"| {_code(s.input)} | {s.provided} | {md_escape(s.measure)} | "
              f"{md_escape(s.note)} |" for s in MHSDS_SOURCES]
    return [*lines, ""]


def about_data_markdown(families: Sequence[ReportFamily], *, synthetic: bool) -> str:
    """The page's Markdown, for a site whose report families are ``families``.

    Examples
    --------
    >>> from lhs_reports.params import ReportFamily
    >>> family = ReportFamily(id="priorities", title="LHS priorities", notebook="n.ipynb",
    ...                       parameters="params/*.yaml", tables=["trusts", "lhs_survey"])
    >>> text = about_data_markdown([family], synthetic=False)
    >>> "- **Needed by:** LHS priorities." in text
    True
    >>> "[lhs_survey.csv](about-data/templates/lhs_survey.csv)" in text
    True
    """
    opening = ("Every report reads the tables below from the data folder or database named in "
               f"{_code('params/reports.yaml')} ({_code('data.source')}); a database's tables "
               "or queries are read into a local extract of the same tables.")
    if synthetic:
        opening += (" This site is built from synthetic data generated deterministically by "
                    f"{_code('lhs_reports.data.synthetic')}: fictitious trusts, no real "
                    "patients. A trust bringing its own data provides the same tables.")
    lines = [opening, "", *_contract(), "## Tables", "",
             "| Table | File | Needed by | Template |", "|---|---|---|---|"]
    lines += [f"| {md_escape(t.title)} | {_code(t.name + '.csv')} | "
              f"{_families_reading(t, families)} | [{t.name}.csv]({template_link(t)}) |"
              for t in TABLES.values()]
    lines.append("")
    for table in TABLES.values():
        lines += _table_section(table, families)
    lines += _sources()
    return "\n".join(lines)
