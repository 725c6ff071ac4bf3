"""The page per organisation, at a glance (``trusts/<code>.html``), and the home page's list of
organisations: built from hand-made jobs and recorded results here, and from whole builds of
the packaged notebooks on hand-written data (tests/handmade.py) at the end."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from markdown_it import MarkdownIt

from lhs_reports.audit import audit_page
from lhs_reports.data.dictionary import PRIORITY_AREAS, RESPONDENT_ROLES
from lhs_reports.engine.build import run_build
from lhs_reports.engine.outcome import ExecutionSettings, JobResult
from lhs_reports.engine.plan import Job, Project, load_project
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

from .handmade import (
    activity_by_group_rows,
    build_site,
    make_handmade_project,
    population_rows,
    trusts_table,
    varied_monthly,
    write,
)
from .helpers import put_fake_quarto_first

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
    parameters: params/trusts/*.yaml
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


def _project(root: Path, *, extra: str = "", names: dict[str, str] = NAMES,
             data_dirs: dict[str, str] | None = None) -> Project:
    for folder in ("trusts", "cross_trust"):
        (root / "params" / folder).mkdir(parents=True, exist_ok=True)
    (root / "params" / "reports.yaml").write_text(CATALOGUE.format(extra=extra))
    (root / "params" / "cross_trust" / "all.yaml").write_text("title: All trusts\n")
    for code, name in names.items():
        own = (data_dirs or {}).get(code)
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            f'trust_code: {code}\ntrust_name: "{name}"\ntargets: {{followup_72h: 80}}\n'
            + (f"data_dir: {own}\n" if own else ""))
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
    project = _project(tmp_path, extra=SKIPPED_FAMILY)
    jobs = [job for job in _jobs(project) if job.key != "lhs_priorities/RW5"]
    results = _results(jobs, failed=("lhs_priorities/TAH",))
    pages = _pages(project, jobs, results, leave_out={"series_by_trust"},
                   not_built={"lhs_priorities/RW5": "no lhs_survey table in data_rw5; skipped"})
    tah, rw5 = pages["trusts/TAH"].markdown, pages["trusts/RW5"].markdown
    assert "could not be built in the latest run" in _section(tah, "LHS priorities "
                                                                   "self-assessment")
    assert "](../lhs_priorities/TAH.html)" in tah  # the failed page says why
    assert "Not built for Westmoor: no lhs\\_survey table in data\\_rw5." in rw5
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
    pages = _pages(project, jobs, _results(jobs), board_packs=["TAH"],
                   changes_html={"TAH": "- New special cause: [crisis](../crisis_flow/TAH.html)"})
    tah, rw5 = pages["trusts/TAH"].markdown, pages["trusts/RW5"].markdown
    assert "## What's new since the last publication\n\n- New special cause" in tah
    assert tah.index("What's new") < tah.index("## Mental health needs assessment")
    assert "No headline result has changed since the last publication." in rw5
    assert "[Download the board pack for Tarnhill (PDF)](TAH.pdf)" in tah
    assert ".pdf" not in rw5  # no pack was made for it: no link to one


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
    assert links == ["trusts/RX4.html", "trusts/TAH.html", "trusts/RW5.html"]  # by name
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


# -- whole builds: the packaged notebooks on hand-written data ---------------------------------


def _survey(code: str, respondents: int = 30) -> pd.DataFrame:
    """Every respondent scores every area, written by hand: fewest agree on the learning
    culture (10 of 30), then digital maturity (13), then interoperability (16); 25 on the
    others."""
    first_to_agree = {"learning_culture": 20, "digital_maturity": 17,
                      "system_interoperability": 14}
    rows = []
    for number in range(respondents):
        for area in PRIORITY_AREAS:
            agrees = number >= first_to_agree.get(area, 5)
            rows.append((code, f"R{number:04d}", RESPONDENT_ROLES[number % 5], area,
                         4 + number % 2 if agrees else 1 + number % 3))
    return pd.DataFrame(rows, columns=["trust_code", "respondent_id", "role", "priority_area",
                                       "score"])


def _handmade_data(folder: Path, codes: list[str], *, survey: tuple[str, ...]) -> None:
    trusts = trusts_table(codes).assign(trust_name=[NAMES[code] for code in codes])
    write(trusts, folder / "trusts.csv")
    write(pd.concat([varied_monthly(code, 24, seed=seed) for seed, code in enumerate(codes)],
                    ignore_index=True), folder / "activity_monthly.csv")
    population = pd.concat([population_rows(code) for code in codes], ignore_index=True)
    write(population, folder / "population.csv")
    write(activity_by_group_rows(population), folder / "activity_by_group.csv")
    if survey:
        write(pd.concat([_survey(code) for code in survey]), folder / "lhs_survey.csv")


def _build(root: Path, renderer: str) -> Any:
    settings = ExecutionSettings(cell_timeout=300, notebook_timeout=600)
    return run_build(load_project(root), jobs=2, settings=settings, renderer=renderer,
                     progress_plain=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """Three trusts: RX4 with every report; TAH whose priorities report fails (no survey
    rows); RW5 with its own data folder, which has no survey table, so only some families
    (and no peers to compare with); a family switched off and one skipped. The built-in site
    is kept aside, as the Quarto build below replaces ``outputs/_site``."""
    root = tmp_path_factory.mktemp("organisations")
    _project(root, extra=SKIPPED_FAMILY, data_dirs={"RW5": "data_rw5"})
    _handmade_data(root / "data", ["RX4", "TAH"], survey=("RX4",))
    _handmade_data(root / "data_rw5", ["RW5"], survey=())
    report = _build(root, "builtin")
    assert [r.key for r in report.failed] == ["lhs_priorities/TAH"], [
        r.error for r in report.failed]
    kept = root / "builtin-site"
    shutil.copytree(root / "outputs" / "_site", kept)
    return root, kept


def _read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.notebook
def test_every_organisation_has_a_page_whose_links_resolve(built):
    _, site = built
    for name in ("trusts/index.html", "trusts/RX4.html", "trusts/TAH.html", "trusts/RW5.html"):
        html = _read(site, name)
        links = [href for tag, attrs in _tags(html) if tag == "a"
                 and (href := attrs.get("href")) and not href.startswith(("#", "http"))]
        assert links, name
        for href in links:
            target = (site / name).parent / href.split("#")[0]
            assert target.resolve().is_file(), (name, href)
    assert "trusts/RX4.html" in [href for tag, attrs in _tags(_read(site, "index.html"))
                                 if tag == "a" and (href := attrs.get("href"))]
    assert audit_page(_read(site, "trusts/RX4.html"), "trusts/RX4.html") == []


@pytest.mark.slow
@pytest.mark.notebook
def test_a_trust_s_page_shows_its_icons_with_words_and_its_recorded_findings(built):
    _, site = built
    html = _read(site, "trusts/RX4.html")
    flow = html.split("Crisis and acute flow", 1)[1]
    cells = re.findall(r'<td class="lhs-mdc-cell[^"]*">(.*?)</td>', flow, re.DOTALL)
    assert len(cells) >= 1
    for cell in cells:
        assert re.search(r'<span class="lhs-mdc-text">[A-Z][a-z]', cell), cell
    assert html.count('class="lhs-mdc-key"') == 1
    assert 'href="../crisis_flow/RX4.html"' in html
    assert "Compared with all trusts." in html and "Inequality." in html
    # The three weakest areas of RX4's hand-written survey, in order.
    top = re.findall(r"<li><strong>(.*?)</strong>", html)
    assert top == ["A learning culture", "Digital maturity", "System interoperability"]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_failed_report_a_missing_one_and_families_not_built_are_said(built):
    _, site = built
    tah, rw5 = _read(site, "trusts/TAH.html"), _read(site, "trusts/RW5.html")
    assert "could not be built in the latest run" in tah
    assert 'href="../lhs_priorities/TAH.html"' in tah
    assert "Not built for Westmoor: no lhs_survey table in data_rw5." in rw5
    assert "Not compared (no other trust in the data)." in rw5
    assert "Not built for Tarnhill: no case_study_series table in the data." in tah
    assert "Not built for Westmoor: no case_study_series table in data_rw5." in rw5
    for html in (tah, rw5):
        assert "switched off" in html
    assert "1 failed" in _read(site, "trusts/index.html")


@pytest.mark.slow
@pytest.mark.notebook
def test_a_name_with_markup_shows_as_written_everywhere(built):
    _, site = built
    for name in ("index.html", "trusts/index.html", "trusts/RX4.html"):
        html = _read(site, name)
        assert "<b>&" not in html and "<em>Co</em>" not in html, name
        assert re.search(r"Riverside &lt;b&gt;&amp; (\*|&#42;)Co(\*|&#42;)", html), name
    assert "<title>Riverside &lt;b&gt;&amp; *Co* at a glance | Handmade</title>" in _read(
        site, "trusts/RX4.html")


@pytest.mark.slow
@pytest.mark.notebook
def test_the_home_page_s_list_loads_the_script_the_site_ships(built):
    _, site = built
    home = _read(site, "index.html")
    assert f'<script src="{ORGANISATION_SCRIPT}" defer></script>' in home
    assert "data-lhs-org-search" in _read(site, ORGANISATION_SCRIPT)
    assert 'href="trusts/index.html"' in home  # the navigation's "Organisations"


@pytest.mark.slow
@pytest.mark.notebook
def test_the_quarto_site_carries_the_same_pages_from_the_kept_records(built, tmp_path_factory):
    """Rendered again by the stand-in Quarto with nothing re-run: the headlines come from the
    records the last build kept."""
    root, _ = built
    with pytest.MonkeyPatch.context() as patch:
        put_fake_quarto_first(patch, tmp_path_factory.mktemp("python-shim"))
        report = _build(root, "quarto")
    assert not [r for r in report.results if r.status == "ok"]  # nothing ran again
    site = root / "outputs" / "_site"
    page = _read(site, "trusts/RX4.html")  # the stand-in shows the page's source, escaped
    assert "Making Data Count summary" in page and "lhs-mdc-text" in page
    assert "A learning culture" in page
    assert "data-lhs-org-search" in _read(site, ORGANISATION_SCRIPT)
    staged = yaml.safe_load((root / "outputs" / "quarto" / "_quarto.yml").read_text())
    assert ORGANISATION_SCRIPT in staged["project"]["resources"]
    assert {"text": "Organisations", "href": "trusts/index.qmd"} in \
        staged["website"]["navbar"]["left"]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_one_trust_project_has_its_page_and_a_list_of_one(tmp_path):
    root = make_handmade_project(tmp_path / "one", ["RX4"], layout="csv")
    status, out = build_site(root)
    assert status == 0, out
    site = root / "outputs" / "_site"
    home = _read(site, "index.html")
    listing = home.split('id="lhs-org-list"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<li><a href="(trusts/[^"]+)"', listing) == ["trusts/RX4.html"]
    page = _read(site, "trusts/RX4.html")
    # The probe family records a count the page has no headline for: it links the report.
    assert "no headline for this page" in page and 'href="../trust/RX4.html"' in page
    assert "Across" not in page.split("<main", 1)[1].split("</main>", 1)[0]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="Debian packages chromium and chromium-driver are not installed")
def test_typing_in_the_box_filters_the_list_and_says_how_many_match(built, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    _, site = built
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        box = driver.find_element(By.ID, "lhs-org-filter")
        count = driver.find_element(By.ID, "lhs-org-count")
        items = driver.find_elements(By.CSS_SELECTOR, "#lhs-org-list li")
        assert box.is_displayed() and count.text == "3 organisations"
        box.send_keys("TARN")
        assert [i.text for i in items if i.is_displayed()] == ["Tarnhill (TAH)"]
        assert count.text == "1 organisation matches"
        box.clear()
        box.send_keys("<b>&")  # the name as written, not its markup
        assert [i.text for i in items if i.is_displayed()] == ["Riverside <b>& *Co* (RX4)"]
        box.clear()
        box.send_keys("zzz")
        assert count.text == "0 organisations match"
        assert not any(i.is_displayed() for i in items)
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
        server.shutdown()
