"""The page per organisation, at a glance (``trusts/<code>.html``), and the home page's list of
organisations: built from hand-made jobs and recorded results here, and from whole builds of
the packaged notebooks on hand-written data (tests/handmade.py) at the end."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from lhs_reports.audit import audit_page
from lhs_reports.build.outcome import JobResult
from lhs_reports.build.plan import Job, Project, load_project
from lhs_reports.errors import ParameterError
from lhs_reports.site import builtin
from lhs_reports.site.organisations import (
    ORGANISATION_SCRIPT,
    html_text,
    organisation_pages,
    organisation_search_html,
    organisations,
)
from lhs_reports.site.pages import site_model
from lhs_reports.site.quarto_stage import config_files, staged_config
from lhs_reports.text import md_escape

CATALOGUE = """\
site: {{title: Handmade, synthetic: false}}
data: {{dir: data}}
families:
  - id: needs_assessment
    title: Mental health needs assessment
    description: Need.
    notebook: notebooks/needs_assessment.ipynb
    parameters: params/trusts/*.yaml
    tables: [trusts, activity_monthly, population, activity_by_group]
  - id: crisis_flow
    title: Crisis and acute flow
    description: Flow.
    notebook: notebooks/crisis_flow.ipynb
    parameters: params/trusts/*.yaml
    tables: [trusts, activity_monthly]
  - id: lhs_priorities
    title: LHS priorities self-assessment
    description: Priorities.
    notebook: notebooks/lhs_priorities.ipynb
    parameters: params/priorities/*.yaml
    tables: [trusts, lhs_survey]
  - id: flow_again
    title: Flow again
    description: Switched off.
    notebook: notebooks/crisis_flow.ipynb
    parameters: params/trusts/*.yaml
    enabled: false
  - id: across
    title: Flow across trusts
    description: Across.
    notebook: notebooks/flow_variation.ipynb
    parameters: params/cross_trust/*.yaml
    schema: cross_trust
{extra}"""

#: A per-trust family whose table is not in the hand-written data: skipped, said on each page.
SKIPPED_FAMILY = """\
  - id: series_by_trust
    title: Series by trust
    description: Needs a table the data lack.
    notebook: notebooks/crisis_flow.ipynb
    parameters: params/trusts/*.yaml
    tables: [trusts, case_study_series]
"""

#: A name with markup and Markdown in it: it must show as written, never as markup.
AWKWARD = "Riverside <b>& *Co*"
NAMES = {"RX4": AWKWARD, "TAH": "Tarnhill", "RW5": "Westmoor"}


def _project(root: Path, *, extra: str = "", priorities: tuple[str, ...] = ("RX4", "TAH"),
             names: dict[str, str] = NAMES) -> Project:
    for folder in ("trusts", "priorities", "cross_trust"):
        (root / "params" / folder).mkdir(parents=True, exist_ok=True)
    (root / "params" / "reports.yaml").write_text(CATALOGUE.format(extra=extra))
    (root / "params" / "cross_trust" / "all.yaml").write_text("title: All trusts\n")
    for code, name in names.items():
        text = f'trust_code: {code}\ntrust_name: "{name}"\ntargets: {{followup_72h: 80}}\n'
        (root / "params" / "trusts" / f"{code}.yaml").write_text(text)
        if code in priorities:
            (root / "params" / "priorities" / f"{code}.yaml").write_text(text)
    return load_project(root)


def _jobs(project: Project, codes: tuple[str, ...] = ("RX4", "TAH", "RW5"),
          families: tuple[str, ...] = ("needs_assessment", "crisis_flow", "lhs_priorities")
          ) -> list[Job]:
    """Jobs as the build plans them, each with an executed notebook on disk (an empty file
    stands for one: the pages here are built from records, not from the notebooks)."""
    found = []
    by_id = {f.id: f for f in project.catalogue.families}
    for family_id in families:
        for code in codes:
            output = project.outputs / "notebooks" / family_id / f"{code}.ipynb"
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text("{}")
            found.append(Job(by_id[family_id], code, project.root / f"{code}.yaml", output,
                             {"trust_code": code, "trust_name": NAMES.get(code, code),
                              "period_end": "2025-03", "data_dir": ""}, output))
    return found


def _records(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value, "unit": "", "label": ""}
            for name, value in values.items()]


FLOW = {
    "crisis_24h_latest": 72.5, "crisis_24h_variation": "concern_low",
    "crisis_24h_assurance": "inconsistent",
    "length_of_stay_latest": 31.2, "length_of_stay_variation": "improvement_low",
    "length_of_stay_assurance": "none",
    "delayed_discharge_latest": 3.0, "delayed_discharge_variation": "common_cause",
    "delayed_discharge_assurance": "none",
    "out_of_area_latest": 3.0, "out_of_area_variation": "too_few_points",
    "out_of_area_assurance": "none",
    "followup_72h_latest": 81.0, "followup_72h_variation": "common_cause",
    "followup_72h_assurance": "consistent_pass",
    "readmission_30d_latest": None, "readmission_30d_variation": "not_calculated",
    "readmission_30d_assurance": "none",
}
NEEDS = {
    "dsr_referrals": 4079.6, "dsr_referrals_comparison": "higher",
    "dsr_referrals_all_trusts": 3900.2,
    "dsr_crisis_contacts": 2000.0, "dsr_crisis_contacts_comparison": "similar",
    "dsr_admissions": 210.4, "dsr_admissions_comparison": "lower",
    "dsr_admissions_all_trusts": 260.0,
    "dsr_mha_detentions": 90.0, "dsr_mha_detentions_comparison": "similar",
    # The largest gap per 100,000 is in referrals, the steepest (relative) in detentions.
    "sii_referrals": 900.0, "rii_referrals": 1.25, "sii_referrals_significant": True,
    "sii_mha_detentions": 60.0, "rii_mha_detentions": 2.4,
    "sii_mha_detentions_significant": True,
    "sii_admissions": 300.0, "rii_admissions": 3.5, "sii_admissions_significant": False,
}
PRIORITIES = {"top_priorities": "learning_culture,digital_maturity,clear_narrative",
              "learning_culture_agree": 0.2, "digital_maturity_agree": None,
              "clear_narrative_agree": 0.35}


def _results(jobs: list[Job], *, failed: tuple[str, ...] = ()) -> list[JobResult]:
    by_family = {"needs_assessment": NEEDS, "crisis_flow": FLOW, "lhs_priorities": PRIORITIES}
    return [JobResult(job.key, "failed", 1.0, error="DataError: the survey has no responses")
            if job.key in failed else
            JobResult(job.key, "ok", 1.0, records=_records(by_family[job.family.id]))
            for job in jobs]


@pytest.fixture
def project(tmp_path) -> Project:
    return _project(tmp_path)


def _pages(project: Project, jobs: list[Job], results: list[JobResult], **options: Any
           ) -> dict[str, Any]:
    return {page.name: page for page in organisation_pages(project, jobs, results,
                                                           {"site built": "today"}, **options)}


def _html(markdown: str) -> str:
    """The page body as the built-in renderer makes it."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of ``html`` with its attributes, in order."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Reader().feed(html)
    return found


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"## {md_escape(heading)}\n", 1)[1].split("\n## ", 1)[0]


def test_each_family_s_headline_links_to_the_full_report(project):
    jobs = _jobs(project)
    page = _pages(project, jobs, _results(jobs))["trusts/TAH"]
    assert page.title == "Tarnhill" and page.document_title == "Tarnhill at a glance"
    assert page.section == "trusts"
    for family in ("needs_assessment", "crisis_flow", "lhs_priorities"):
        assert f"](../{family}/TAH.html)" in page.markdown, family
    flow = _section(page.markdown, "Crisis and acute flow")
    assert "Reporting period to March 2025" in flow
    html = _html(flow)
    assert "Concern (lower); hit and miss" in html
    assert "Improvement (lower)" in html
    assert "Common cause; consistently meets target" in html
    assert "Too few points for process limits" in html
    assert "Not calculated (no value for the latest month)" in html
    assert "72.5%" in html and "31.2 days" in html


def test_the_needs_headline_names_the_significant_measures_and_the_steepest_gradient(project):
    jobs = _jobs(project)
    needs = _section(_pages(project, jobs, _results(jobs))["trusts/TAH"].markdown,
                     "Mental health needs assessment")
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>", _html(needs), re.DOTALL)
    assert rows == ["Referrals", "Admissions"]  # the two significantly different, in order
    assert "Significantly higher" in needs and "Significantly lower" in needs
    assert "4,079.6" in needs and "3,900.2" in needs
    assert "Crisis contacts" not in needs
    # Relative steepness: detentions (2.4 times), not the larger absolute gap in referrals,
    # and never the steeper admissions gradient that is not significant.
    assert "steepest significant deprivation gradient is in mental health act detentions" in \
        needs
    assert "2.40 times" in needs


def test_the_three_top_priorities_are_in_order_with_their_published_shares(project):
    jobs = _jobs(project)
    priorities = _section(_pages(project, jobs, _results(jobs))["trusts/TAH"].markdown,
                          "LHS priorities self-assessment")
    assert re.findall(r"\d\. \*\*(.*?)\*\*", priorities) == [
        "A learning culture", "Digital maturity", "A clear narrative"]
    assert "20% of respondents" in priorities
    assert "too few respondents to show the share agreeing" in priorities


def test_families_with_nothing_to_show_are_named_with_the_reason(tmp_path):
    project = _project(tmp_path, extra=SKIPPED_FAMILY, priorities=("RX4", "TAH"))
    jobs = [job for job in _jobs(project) if job.key != "lhs_priorities/RW5"]
    results = _results(jobs, failed=("lhs_priorities/TAH",))
    pages = _pages(project, jobs, results, leave_out={"series_by_trust"})
    tah, rw5 = pages["trusts/TAH"].markdown, pages["trusts/RW5"].markdown
    assert "could not be built in the latest run" in _section(tah, "LHS priorities "
                                                                   "self-assessment")
    assert "](../lhs_priorities/TAH.html)" in tah  # the failed page says why
    assert "No report for Westmoor in this build" in rw5
    for markdown in (tah, rw5):
        assert "switched off" in _section(markdown, "Flow again")
        assert "tables this report reads are not in the data" in _section(
            markdown, "Series by trust")
        assert "## Flow across trusts" not in markdown  # not a per-trust family
    index = pages["trusts/index"].markdown
    assert "[Tarnhill (TAH)](TAH.html): 2 reports, 1 failed" in index
    assert "[Westmoor (RW5)](RW5.html): 2 reports" in index


def test_a_trust_without_any_report_still_has_a_page_saying_so(project):
    jobs = [job for job in _jobs(project) if "RW5" not in job.key]
    page = _pages(project, jobs, _results(jobs))["trusts/RW5"]
    assert "No report was built for Westmoor in this build" in page.markdown
    assert page.markdown.count("No report for Westmoor in this build") == 3
    assert "](../" not in page.markdown


def test_a_report_that_recorded_nothing_still_links_and_says_so(project):
    jobs = _jobs(project, codes=("RX4",), families=("crisis_flow",))
    results = [JobResult(jobs[0].key, "skipped", 0.0)]
    flow = _section(_pages(project, jobs, results)["trusts/RX4"].markdown,
                    "Crisis and acute flow")
    assert "no headline for this page" in flow and "](../crisis_flow/RX4.html)" in flow


def test_names_from_parameter_files_are_escaped_in_every_page_and_the_list(project):
    jobs = _jobs(project)
    pages = _pages(project, jobs, _results(jobs))
    for page in (pages["trusts/RX4"], pages["trusts/index"]):
        html = _html(page.markdown)
        assert "<b>" not in html and "<em>Co</em>" not in html, page.name
        assert "Riverside &lt;b&gt;&amp; *Co*" in html, page.name
    listing = organisation_search_html(organisations(project, jobs))
    assert "Riverside &lt;b&gt;&amp; &#42;Co&#42; (RX4)" in listing
    assert "<b>" not in listing


def test_html_text_is_read_literally_by_both_markdown_readers():
    text = "A*b*_c_ `d` [e](f) <g> & ~h~"
    assert _html(f"<p>{html_text(text)}</p>").strip() == (
        "<p>A*b*_c_ `d` [e](f) &lt;g&gt; &amp; ~h~</p>".replace("*", "&#42;")
        .replace("_", "&#95;").replace("`", "&#96;").replace("[", "&#91;")
        .replace("]", "&#93;").replace("~", "&#126;"))


def test_icons_have_text_equivalents_and_the_page_has_one_key(project):
    jobs = _jobs(project)
    html = _html(_pages(project, jobs, _results(jobs))["trusts/TAH"].markdown)
    cells = re.findall(r'<td class="lhs-mdc-cell[^"]*">(.*?)</td>', html, re.DOTALL)
    assert len(cells) == 4  # the indicators with an icon
    for cell in cells:
        # Icons beside their words are hidden from screen readers; the words are read.
        assert 'aria-hidden="true"' in cell and 'class="lhs-mdc-text"' in cell
        assert 'role="img"' not in cell
    assert html.count('class="lhs-mdc-key"') == 1


def test_a_page_without_icons_has_no_key(project):
    jobs = _jobs(project, families=("needs_assessment",))
    assert "lhs-mdc-key" not in _pages(project, jobs, _results(jobs))["trusts/TAH"].markdown


def test_the_page_s_tables_pass_the_site_s_audit(project):
    jobs = _jobs(project)
    for name, page in _pages(project, jobs, _results(jobs)).items():
        html = f"<html><body><main>{_html(page.markdown)}</main></body></html>"
        assert "<table" in html or name == "trusts/index"
        assert audit_page(html, f"{name}.html") == [], name


def test_what_s_new_and_the_board_pack_appear_only_when_asked_for(project):
    jobs = _jobs(project)
    plain = _pages(project, jobs, _results(jobs))["trusts/TAH"].markdown
    assert "What's new" not in plain and ".pdf" not in plain
    pages = _pages(project, jobs, _results(jobs), board_packs=True,
                   changes_html={"TAH": "- New special cause: [crisis](../crisis_flow/TAH.html)"})
    tah, rw5 = pages["trusts/TAH"].markdown, pages["trusts/RW5"].markdown
    assert "## What's new since the last publication\n\n- New special cause" in tah
    assert tah.index("What's new") < tah.index("## Mental health needs assessment")
    assert "No headline result has changed since the last publication." in rw5
    assert "[Download the board pack for Tarnhill (PDF)](TAH.pdf)" in tah


def test_a_family_called_trusts_is_refused_as_it_would_clash_with_the_pages(tmp_path):
    project = _project(tmp_path, extra=SKIPPED_FAMILY.replace("series_by_trust", "trusts"))
    with pytest.raises(ParameterError, match="organisation pages") as caught:
        organisations(project, [])
    assert caught.value.field == "families.trusts.id"


def test_a_site_without_per_trust_families_has_no_organisation_pages(tmp_path):
    project = _project(tmp_path)
    catalogue = project.catalogue.model_copy(update={"families": [
        f for f in project.catalogue.families if f.schema_ != "trust"]})
    assert organisation_pages(Project(project.root, catalogue), [], [], {}) == []


def test_the_home_page_lists_every_organisation_with_a_labelled_filter_and_a_live_count(
        project):
    jobs = _jobs(project)
    site = site_model(project, jobs, _results(jobs), {"site built": "today"})
    home = next(p for p in site.pages if p.name == "index").markdown
    assert ("Organisations", "trusts/index.html") in [(n.text, n.href) for n in site.nav]
    listing = home.split("## Organisations\n", 1)[1]
    html = _html(listing)
    links = re.findall(r'<li><a href="(trusts/[A-Z0-9]+\.html)">', html)
    assert links == ["trusts/RW5.html", "trusts/RX4.html", "trusts/TAH.html"]
    assert {f"{p.name}.html" for p in site.pages} >= set(links)
    tags = _tags(html)
    box = next(attrs for tag, attrs in tags if attrs.get("class") == "lhs-org-filter")
    assert "hidden" in box  # shown only by the script
    label = next(attrs for tag, attrs in tags if tag == "label")
    field = next(attrs for tag, attrs in tags if tag == "input")
    assert label["for"] == field["id"] == "lhs-org-filter" and field["type"] == "search"
    count = next(attrs for tag, attrs in tags if attrs.get("id") == field["aria-describedby"])
    assert count["aria-live"] == "polite"
    assert f'<script src="{ORGANISATION_SCRIPT}" defer></script>' in html


def test_both_renderers_ship_the_filter_script(project):
    jobs = _jobs(project)
    site = site_model(project, jobs, _results(jobs), {"site built": "today"})
    name = ORGANISATION_SCRIPT.removeprefix("site_libs/")
    assert name in builtin.STATIC_FILES
    staged = {f.path: f.content for f in config_files(site, project.root)}
    assert b"data-lhs-org-search" in staged[ORGANISATION_SCRIPT]
    assert ORGANISATION_SCRIPT in staged_config({}, site)["project"]["resources"]
