"""A page per organisation, at a glance: the headline of each report family for one trust,
each linking to the full report, built from the build's jobs and the results their notebooks
recorded (:attr:`lhs_reports.engine.outcome.JobResult.records`), with no notebook re-run.

The page a board member is sent (``trusts/<code>.html``):

- crisis and acute flow: the Making Data Count summary of every indicator, variation and
  assurance icons with their words (:func:`lhs_reports.reports.flow.recorded_icon_cell`), and
  the key to the icons;
- the needs assessment: the measures whose age-standardised rate is significantly above or
  below the all-trust rate, and the steepest significant deprivation gradient;
- the LHS priorities: the three top priorities;
- any other per-trust family: a link to its report.

A family with nothing to show for the organisation (switched off, skipped for want of its
tables, no report for this organisation, a failed report) is named with the reason: never left
out in silence. ``trusts/index.html`` lists every organisation, and the home page gains the same
list with a filter box (:func:`organisation_search_html`, the script
:data:`ORGANISATION_SCRIPT`), which is a plain list of links without JavaScript.

HTML inside these Markdown pages is read by two Markdown readers: markdown-it (the built-in
renderer) passes an HTML block through as it is, while pandoc (Quarto) reads Markdown inside
it. Text in HTML blocks is therefore HTML-escaped and its Markdown punctuation written as
character references (:func:`html_text`), which both show literally.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import pandas as pd

from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job, Project
from lhs_reports.errors import ParameterError
from lhs_reports.notebook import table_html
from lhs_reports.params import (
    CATALOGUE_PATH,
    ReportFamily,
    TrustParameters,
    load_parameters,
    parameter_files,
)
from lhs_reports.plots.mdc_icons import icon_key_html
from lhs_reports.reports.flow import INDICATORS, recorded_icon_cell
from lhs_reports.reports.lhs_priorities import PRIORITY_AREA_TEXT
from lhs_reports.reports.needs_comparison import COMPARISON_TEXT, MEASURE_LABELS
from lhs_reports.site.model import Page
from lhs_reports.text import md_escape

__all__ = ["ORGANISATION_SCRIPT", "SECTION", "FamilyHeadline", "Organisation", "html_text",
           "organisation_markdown", "organisation_pages", "organisation_search_html",
           "organisations"]

#: The folder (and section) of the organisation pages: ``trusts/<code>.html``.
SECTION = "trusts"
#: The filter script the home page's list of organisations loads (a package static file,
#: shipped by both renderers into the site's ``site_libs/``).
ORGANISATION_SCRIPT = "site_libs/lhs-organisations.js"
#: Markdown punctuation pandoc would read as markup inside a line of an HTML block (no text
#: node starts a line, so list and heading markers need nothing; ``<``, ``>`` and ``&`` are
#: escaped as HTML anyway).
_MARKDOWN_IN_HTML = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]|~^$@"}
_TEXT_NODE = re.compile(r">([^<]+)<")
_AREA_TITLES = {area.id: area for area in PRIORITY_AREA_TEXT}


def html_text(text: object) -> str:
    """``text`` escaped for HTML inside a Markdown page, read literally by markdown-it and by
    pandoc alike.

    Examples
    --------
    >>> html_text("Riverside <b>& *Co*")
    'Riverside &lt;b&gt;&amp; &#42;Co&#42;'
    """
    return escape(str(text), quote=True).translate(_MARKDOWN_IN_HTML)


def _literal_html(html: str) -> str:
    """Package-made HTML with the Markdown punctuation of its text nodes written as character
    references, its lines unindented (pandoc reads four spaces as code) and no blank line (it
    would end the HTML block in CommonMark)."""
    html = _TEXT_NODE.sub(lambda m: ">" + m.group(1).translate(_MARKDOWN_IN_HTML) + "<", html)
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


@dataclass(frozen=True)
class Organisation:
    """One organisation with per-trust reports: its code, its name, and its jobs by family."""

    code: str
    name: str
    jobs: dict[str, Job] = field(default_factory=dict)
    #: Its parameter file's name (without suffix) by family: a job's ``param_id``, also for
    #: the families that have no job for it (skipped for want of a table in its data).
    param_ids: dict[str, str] = field(default_factory=dict)

    @property
    def page(self) -> str:
        """Its page's name in the site model: ``trusts/<code>``."""
        return f"{SECTION}/{self.code}"


def _per_trust_families(project: Project) -> list[ReportFamily]:
    return [f for f in project.catalogue.families if f.schema_ == "trust"]


def organisations(project: Project, jobs: Sequence[Job]) -> list[Organisation]:
    """Every organisation a per-trust family has a parameter file for, with its jobs, in
    order of name.

    The name is its parameter file's ``trust_name`` (the first per-trust family's). An
    organisation whose reports were all skipped for want of their tables still has a page,
    saying so.

    Raises
    ------
    ParameterError
        When a report family has the id ``trusts``, the organisation pages' folder.
    """
    if any(f.id == SECTION for f in project.catalogue.families):
        raise ParameterError(f"a report family has the id '{SECTION}', the folder of the "
                             "organisation pages", path=project.root / CATALOGUE_PATH,
                             field=f"families.{SECTION}.id",
                             hint="give the family another id, e.g. trust_reports")
    found: dict[str, Organisation] = {}
    for job in jobs:
        if job.family.schema_ == "trust":
            code = str(job.parameters["trust_code"])
            org = found.setdefault(code, Organisation(code, str(job.parameters["trust_name"])))
            org.jobs.setdefault(job.family.id, job)
    for family in _per_trust_families(project):
        if family.enabled:
            for path in parameter_files(project.root, family):
                params = load_parameters(path, "trust")
                assert isinstance(params, TrustParameters)
                org = found.setdefault(params.trust_code,
                                       Organisation(params.trust_code, params.trust_name))
                org.param_ids.setdefault(family.id, path.stem)
    # By name, as a reader looks for one (the code settles a tie).
    return sorted(found.values(), key=lambda org: (org.name.casefold(), org.code))


@dataclass(frozen=True)
class FamilyHeadline:
    """What one family says on an organisation's page: its section in Markdown."""

    family: ReportFamily
    markdown: str
    #: Whether the section shows Making Data Count icons (the page then shows the key once).
    icons: bool = False


def _values(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {str(r["name"]): r.get("value") for r in records}


def _number(value: Any, digits: int = 1) -> str:
    if value is None or isinstance(value, bool):
        return "–"
    number = float(value)
    return "–" if not math.isfinite(number) else f"{number:,.{digits}f}"


def _month(period_end: Any) -> str:
    try:
        return f"{pd.Period(str(period_end), freq='M'):%B %Y}"
    except ValueError:
        return str(period_end)


def flow_headline(values: Mapping[str, Any]) -> tuple[str, bool]:
    """The Making Data Count summary of every flow indicator, as an HTML table (Markdown with
    HTML), and whether it shows icons.

    Examples
    --------
    >>> html, icons = flow_headline({"crisis_24h_latest": 72.5,
    ...                              "crisis_24h_variation": "concern_low",
    ...                              "crisis_24h_assurance": "inconsistent"})
    >>> "Concern (lower); hit and miss" in html and 'role="img"' not in html, icons
    (True, True)
    """
    rows = []
    for indicator in INDICATORS:
        latest = values.get(f"{indicator.id}_latest")
        shown = "not calculated" if latest is None else indicator.label(float(latest))
        if f"{indicator.id}_variation" in values:
            cell = recorded_icon_cell(values, indicator.id, with_text=True)
        else:
            cell = "Not recorded in this build"
        rows.append({"Indicator": indicator.title, "Latest value": shown,
                     "Variation and assurance": cell})
    frame = pd.DataFrame(rows)
    icons = any(not isinstance(cell, str) for cell in frame["Variation and assurance"])
    html = table_html(frame, caption="Making Data Count summary: the latest month",
                      count_columns=[])
    return _literal_html(html), icons


def needs_headline(values: Mapping[str, Any]) -> str:
    """The measures significantly above or below the all-trust rate, and the steepest
    significant deprivation gradient, in Markdown (HTML for the table).

    Examples
    --------
    >>> print(needs_headline({"dsr_admissions": 210.0, "dsr_admissions_comparison": "similar"}))
    ... # doctest: +NORMALIZE_WHITESPACE
    **Compared with all trusts.** No measure's age-standardised rate differs significantly from
    the all-trust rate.
    <BLANKLINE>
    **Inequality.** No deprivation gradient was calculated.
    """
    compared = {m: values[f"dsr_{m}_comparison"] for m in MEASURE_LABELS
                if f"dsr_{m}_comparison" in values}
    different = [m for m, c in compared.items() if c in ("higher", "lower")]
    parts = []
    if different:
        frame = pd.DataFrame({
            "Measure": [MEASURE_LABELS[m] for m in different],
            "Age-standardised rate per 100,000": [_number(values.get(f"dsr_{m}"))
                                                  for m in different],
            "All trusts, rate per 100,000": [_number(values.get(f"dsr_{m}_all_trusts"))
                                            for m in different],
            "Compared with all trusts": [COMPARISON_TEXT[compared[m]] for m in different],
        })
        parts.append("**Compared with all trusts.** The measures whose age-standardised rate "
                     "is significantly above or below the all-trust rate (95% confidence):")
        parts.append(_literal_html(table_html(
            frame, caption="Significantly different from all trusts", count_columns=[])))
    elif compared and set(compared.values()) <= {"left out", "no peers", "not compared"}:
        why = COMPARISON_TEXT[next(iter(compared.values()))]
        parts.append(f"**Compared with all trusts.** {why}.")
    elif compared:
        parts.append("**Compared with all trusts.** No measure's age-standardised rate differs "
                     "significantly from the all-trust rate.")
    else:
        parts.append("**Compared with all trusts.** No comparison was recorded.")
    parts.append(f"**Inequality.** {_gradient_sentence(values)}")
    return "\n\n".join(parts)


def _steepness(values: Mapping[str, Any], measure: str) -> float:
    rii = values.get(f"rii_{measure}")
    if isinstance(rii, (int, float)) and math.isfinite(rii) and rii > 0:
        return abs(math.log(rii))
    return 0.0


def _gradient_sentence(values: Mapping[str, Any]) -> str:
    """The steepest significant gradient (the largest relative index of inequality, either
    way: the measures' rates differ in scale, so their slopes cannot be compared)."""
    measured = [m for m in MEASURE_LABELS if f"sii_{m}" in values]
    if not any(values.get(f"sii_{m}") is not None for m in measured):
        return "No deprivation gradient was calculated."
    significant = [m for m in measured if values.get(f"sii_{m}_significant") is True]
    if not significant:
        return ("No deprivation gradient is statistically significant (95% confidence): "
                "rates do not differ clearly between the most and least deprived areas.")
    steepest = max(significant, key=lambda m: _steepness(values, m))
    sii = float(values[f"sii_{steepest}"])
    ratio = values.get(f"rii_{steepest}")
    ratio_text = ("" if not isinstance(ratio, (int, float)) or not math.isfinite(ratio)
                  else f" The rate in the most deprived areas is {ratio:,.2f} times that in "
                  "the least deprived (relative index of inequality).")
    direction = "higher" if sii > 0 else "lower"
    return (f"The steepest significant deprivation gradient is in "
            f"{MEASURE_LABELS[steepest].lower()}: rates are {direction} in more deprived "
            f"areas, a gap of {abs(sii):,.1f} per 100,000 between the most and least deprived "
            f"(slope index of inequality).{ratio_text}")


def priorities_headline(values: Mapping[str, Any]) -> str:
    """The three top LHS priorities (the weakest self-assessed areas), in Markdown.

    Examples
    --------
    >>> print(priorities_headline({"top_priorities": "learning_culture",
    ...                            "learning_culture_agree": 0.25}))
    The top priorities (the weakest self-assessed areas):
    <BLANKLINE>
    1. **A learning culture**: 25% of respondents agree it is a strength.
    """
    areas = [a for a in str(values.get("top_priorities") or "").split(",") if a]
    if not areas:
        return "No priorities were recorded."
    lines = ["The top priorities (the weakest self-assessed areas):", ""]
    for rank, area in enumerate(areas, start=1):
        known = _AREA_TITLES.get(area)
        title = known.title if known else md_escape(area)
        share = values.get(f"{area}_agree")
        said = ("too few respondents to show the share agreeing"
                if not isinstance(share, (int, float)) or isinstance(share, bool)
                else f"{share * 100:.0f}% of respondents agree it is a strength")
        lines.append(f"{rank}. **{title}**: {said}.")
    return "\n".join(lines)


def _headline_body(values: Mapping[str, Any]) -> tuple[str, bool, bool]:
    """Each kind of headline the records hold (a family's notebook is known by its records, so
    a project's own copy of a notebook under another name is read the same), whether it shows
    icons, and whether it is of monthly data that end at the report's ``period_end`` (the
    survey has no period)."""
    parts, icons, monthly = [], False, False
    if any(f"{i.id}_variation" in values for i in INDICATORS):
        table, icons = flow_headline(values)
        parts.append(table)
        monthly = True
    if any(key.startswith("dsr_") and key.endswith("_comparison") for key in values):
        parts.append(needs_headline(values))
        monthly = True
    if "top_priorities" in values:
        parts.append(priorities_headline(values))
    return "\n\n".join(parts), icons, monthly


def family_headline(family: ReportFamily, org: Organisation,
                    results: Mapping[str, JobResult], *, leave_out: Collection[str] = (),
                    not_built: Mapping[str, str] | None = None) -> FamilyHeadline:
    """One family's section of an organisation's page: its headline and a link to the full
    report, or why there is none (``not_built``: job key to why it was not built, e.g. "no
    lhs_survey table in data_rw5; skipped")."""
    heading = f"## {md_escape(family.title)}\n\n"
    job = org.jobs.get(family.id)

    def said(text: str) -> FamilyHeadline:
        return FamilyHeadline(family, heading + text + "\n")

    if not family.enabled:
        return said("Not part of this site: the report family is switched off in the "
                    "catalogue (`params/reports.yaml`).")
    why = (not_built or {}).get(f"{family.id}/{org.param_ids.get(family.id)}")
    if job is None and why:
        return said(f"Not built for {md_escape(org.name)}: "
                    f"{md_escape(why.removesuffix('; skipped'))}.")
    if family.id in leave_out:
        return said("Not built: the tables this report reads are not in the data.")
    if job is None:
        return said(f"No report for {md_escape(org.name)} in this build.")
    link = f"../{job.family.id}/{job.param_id}.html"
    report = f"{md_escape(family.title)} for {md_escape(org.name)}"
    result = results.get(job.key)
    if result is not None and not result.ok:
        return said(f"The report could not be built in the latest run: "
                    f"[{report}: why it failed]({link}).")
    if result is None or not job.output.is_file():
        return said("The report is not available in this build.")
    values = _values(result.records)
    body, icons, monthly = _headline_body(values)
    if not body:
        body = "This report has no headline for this page: the full report has its findings."
    period = job.parameters.get("period_end")
    when = f" Reporting period to {_month(period)}." if period and monthly else ""
    more = f"Full report: [{report}]({link}).{when}"
    return FamilyHeadline(family, heading + body + "\n\n" + more + "\n", icons)


def organisation_markdown(project: Project, org: Organisation,
                          results: Mapping[str, JobResult], *,
                          leave_out: Collection[str] = (),
                          not_built: Mapping[str, str] | None = None,
                          changes: str | None = None, board_pack: bool = False) -> str:
    """The body of one organisation's page (its heading is the page title).

    ``changes``: a fragment for "What's new since the last publication" (None: no section);
    made by the package, placed as it is. ``board_pack``: link ``<code>.pdf`` beside the page.
    """
    parts = [f"Organisation code {org.code}. The headline of each report for "
             f"{md_escape(org.name)}, each linking to the full report."]
    if board_pack:
        parts.append(f"[Download the board pack for {md_escape(org.name)} (PDF)]"
                     f"({org.code}.pdf): this page followed by its reports, for printing.")
    if changes is not None:
        parts.append("## What's new since the last publication\n\n" + (
            changes.strip() or "No headline result has changed since the last publication."))
    headlines = [family_headline(f, org, results, leave_out=leave_out, not_built=not_built)
                 for f in _per_trust_families(project)]
    parts += [h.markdown.rstrip() for h in headlines]
    if not any(org.jobs.get(f.id) for f in _per_trust_families(project)):
        parts.insert(1, f"No report was built for {md_escape(org.name)} in this build: each "
                     "report family below says why.")
    if any(h.icons for h in headlines):
        parts.append(_literal_html(icon_key_html()))
    return "\n\n".join(parts) + "\n"


def _status(org: Organisation, results: Mapping[str, JobResult]) -> str:
    made = [job for job in org.jobs.values() if job.output.is_file()
            and (r := results.get(job.key)) is not None and r.ok]
    failed = [job for job in org.jobs.values()
              if (r := results.get(job.key)) is not None and not r.ok]
    words = [f"{len(made)} report{'' if len(made) == 1 else 's'}"]
    if failed:
        words.append(f"{len(failed)} failed")
    return ", ".join(words)


def _index_markdown(orgs: Sequence[Organisation], results: Mapping[str, JobResult]) -> str:
    if not orgs:
        return "No organisation has a report on this site.\n"
    lines = ["Each organisation's page shows the headline of every report for it, at a "
             "glance, with links to the full reports.", ""]
    lines += [f"- [{md_escape(org.name)} ({org.code})]({org.code}.html): "
              f"{_status(org, results)}" for org in orgs]
    return "\n".join(lines) + "\n"


def organisation_pages(project: Project, jobs: Sequence[Job], results: Sequence[JobResult],
                       provenance: Mapping[str, str], *, leave_out: Collection[str] = (),
                       not_built: Mapping[str, str] | None = None,
                       changes_html: Mapping[str, str] | None = None,
                       board_packs: Collection[str] = (),
                       orgs: Sequence[Organisation] | None = None) -> list[Page]:
    """``trusts/index`` and a page per organisation (:func:`organisations`); none when the
    site has no per-trust family.

    Parameters
    ----------
    leave_out, not_built
        The families skipped for want of their tables, and the jobs (by key) skipped so, with
        why (:class:`lhs_reports.engine.requirements.NotRun`): each page says so.
    changes_html
        Organisation code to a Markdown/HTML fragment for the section "What's new since the
        last publication" (made by the package: placed as it is). None: no such section.
    board_packs
        The codes of the organisations with a PDF board pack, ``trusts/<code>.pdf``, which
        their pages link.
    orgs
        The organisations, when already found (:func:`organisations` of ``jobs``).
    """
    if not _per_trust_families(project):
        return []
    by_key = {r.key: r for r in results}
    orgs = organisations(project, jobs) if orgs is None else orgs
    pages = [Page(f"{SECTION}/index", "Organisations", "markdown",
                  _index_markdown(orgs, by_key), provenance=dict(provenance), section=SECTION,
                  document_title="Organisations: each at a glance")]
    for org in orgs:
        changes = None if changes_html is None else changes_html.get(org.code, "")
        pages.append(Page(org.page, org.name, "markdown",
                          organisation_markdown(project, org, by_key, leave_out=leave_out,
                                                not_built=not_built, changes=changes,
                                                board_pack=org.code in board_packs),
                          provenance=dict(provenance), section=SECTION,
                          document_title=f"{org.name} at a glance"))
    return pages


def organisation_search_html(orgs: Sequence[Organisation]) -> str:
    """The home page's list of organisations, with a box that filters it as one types.

    Without JavaScript it is a plain list of links (the box is hidden until the script,
    :data:`ORGANISATION_SCRIPT`, shows it); the number of matches is announced to screen
    readers.

    Examples
    --------
    >>> html = organisation_search_html([Organisation("RX4", "Riverside <b>&")])
    >>> '<a href="trusts/RX4.html">Riverside &lt;b&gt;&amp; (RX4)</a>' in html
    True
    """
    items = "\n".join(f'<li><a href="{SECTION}/{org.code}.html">{html_text(org.name)} '
                      f"({org.code})</a></li>" for org in orgs)
    return "\n".join([
        '<div class="lhs-org-search" data-lhs-org-search>',
        '<div class="lhs-org-filter" hidden>',
        '<label for="lhs-org-filter">Find an organisation by name or code</label>',
        '<input type="search" id="lhs-org-filter" autocomplete="off" '
        'aria-controls="lhs-org-list" aria-describedby="lhs-org-count">',
        '<p id="lhs-org-count" class="lhs-org-count" aria-live="polite"></p>',
        "</div>",
        '<ul id="lhs-org-list" class="lhs-org-list">',
        items,
        "</ul>",
        "</div>",
        f'<script src="{ORGANISATION_SCRIPT}" defer></script>',
    ])
