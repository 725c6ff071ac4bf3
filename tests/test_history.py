"""The results history and what changed since the last publication: the comparison on
hand-written records, the history file, the What's new page and its Atom feed, and whole builds
on hand-written data (a special cause that appears, a rebuild with no change, a CI build that
is given the published history, a corrupt history)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest

from lhs_reports.audit.files import audit_file
from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.data.rows import DataWarning
from lhs_reports.engine.plan import load_project
from lhs_reports.errors import DataError
from lhs_reports.site.changes import changes_between, is_signal, organisation_changes
from lhs_reports.site.feed import ATOM, whats_new_feed
from lhs_reports.site.history import (
    HISTORY_ENV,
    HISTORY_FILE,
    Entry,
    History,
    Result,
    history_json,
    history_source,
    next_history,
    publishable_value,
    read_history,
)
from lhs_reports.site.publication import previous_history
from lhs_reports.site.whats_new import organisation_section, whats_new_markdown

from .handmade import (
    HISTORY_TRUSTS,
    flow_history_project,
    make_handmade_project,
    write_flow_months,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
NAMES = HISTORY_TRUSTS
TITLES = {"crisis_flow": "Crisis and acute flow", "flow_variation": "Flow across trusts",
          "needs_assessment": "Mental health needs assessment"}
APRIL = dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC)


def _result(page: str, name: str, value: object, unit: str = "") -> Result:
    family, _, code = page.partition("/")
    organisation = code if family != "flow_variation" else ""
    return Result(page, organisation, family, name, value, unit)  # type: ignore[arg-type]


def _entry(*results: Result, when: str = "2025-04-02T09:30:00+00:00") -> Entry:
    return Entry(when, "r" + str(abs(hash(results))), results, NAMES)


def _sentences(before: Entry, after: Entry) -> list[str]:
    return [f"{c.name}: {c.sentence}" for c in changes_between(before, after)]


# --- what changed, on hand-written records -------------------------------------------------

def test_a_special_cause_that_appears_is_one_plain_sentence_naming_the_trust():
    before = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"))
    after = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "concern_low"))
    assert _sentences(before, after) == [
        "Southmoor NHS Trust: Crisis referrals seen within 24 hours now shows special cause "
        "concern (low); was common cause variation"]
    change, = changes_between(before, after)
    assert (change.organisation, change.html_path, change.kind) == (
        "RW5", "crisis_flow/RW5.html", "variation")


def test_a_signal_that_goes_back_to_common_cause_and_a_change_of_assurance_are_listed():
    before = _entry(_result("crisis_flow/RX4", "length_of_stay_variation", "improvement_low"),
                    _result("crisis_flow/RX4", "crisis_24h_assurance", "inconsistent"))
    after = _entry(_result("crisis_flow/RX4", "length_of_stay_variation", "common_cause"),
                   _result("crisis_flow/RX4", "crisis_24h_assurance", "consistent_fail"))
    assert _sentences(before, after) == [
        "Riverside NHS Trust: Average length of stay now shows common cause variation; was "
        "special cause improvement (low)",
        "Riverside NHS Trust: Crisis referrals seen within 24 hours now consistently misses its "
        "target; was hit and miss against its target"]


def test_trusts_that_move_out_of_or_back_inside_a_funnel_are_each_a_change_on_the_page_across():
    page = "flow_variation/all-trusts"
    before = _entry(_result(page, "funnel_crisis_24h_outliers", "RX4:high"))
    after = _entry(_result(page, "funnel_crisis_24h_outliers", "RW5:low"))
    changes = changes_between(before, after)
    assert [(c.organisation, c.now, c.was) for c in changes] == [
        ("RX4", "within the funnel plot's 99.8% limits", "above the funnel plot's 99.8% limits"),
        ("RW5", "below the funnel plot's 99.8% limits", "within the funnel plot's 99.8% limits"),
    ]
    assert {c.html_path for c in changes} == {"flow_variation/all-trusts.html"}
    assert all(c.across for c in changes)


def test_significant_differences_that_appear_or_go_away_in_the_needs_assessment():
    page = "needs_assessment/TAH"
    before = _entry(_result(page, "dsr_admissions_comparison", "similar"),
                    _result(page, "sii_referrals_significant", True),
                    _result(page, "isr_mha_detentions_funnel", "Not significant"))
    after = _entry(_result(page, "dsr_admissions_comparison", "higher"),
                   _result(page, "sii_referrals_significant", False),
                   _result(page, "isr_mha_detentions_funnel", "High (0.001)"))
    assert _sentences(before, after) == [
        "Tarnhill: Admissions: the age-standardised rate is now significantly higher than all "
        "trusts; was not significantly different from all trusts",
        "Tarnhill: Mental Health Act detentions: the standardised ratio is now above the 99.8% "
        "limit of the peer funnel; was within the limits of the peer funnel",
        "Tarnhill: Referrals: the inequality gradient by deprivation is now not significant; "
        "was significant"]


def test_numbers_that_move_unchanged_signals_and_reports_on_one_side_only_are_not_changes():
    before = _entry(_result("crisis_flow/RW5", "crisis_24h_latest", 71.2, "%"),
                    _result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
                    _result("crisis_flow/RX4", "crisis_24h_variation", "common_cause"))
    after = _entry(_result("crisis_flow/RW5", "crisis_24h_latest", 64.0, "%"),
                   _result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
                   _result("crisis_flow/TAH", "crisis_24h_variation", "concern_low"),
                   _result("crisis_flow/RW5", "variation", "concern_low"))
    assert changes_between(before, after) == ()


def test_an_organisations_changes_are_a_markdown_list_linking_up_from_its_own_page():
    before = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
                    _result("flow_variation/all-trusts", "funnel_readmission_30d_outliers", ""))
    after = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "concern_low"),
                   _result("flow_variation/all-trusts", "funnel_readmission_30d_outliers",
                           "RW5:high"))
    fragments = organisation_changes(changes_between(before, after), family_titles=TITLES)
    assert list(fragments) == ["RW5"]
    lines = fragments["RW5"].splitlines()
    assert len(lines) == 2 and all(line.startswith("- ") for line in lines)
    assert "[Crisis and acute flow: Southmoor NHS Trust](../crisis_flow/RW5.html)" in lines[0]
    assert "[Flow across trusts](../flow_variation/all-trusts.html)" in lines[1]


def test_an_organisations_section_lists_its_changes_or_says_there_were_none():
    before = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
                    _result("crisis_flow/RX4", "crisis_24h_variation", "common_cause"),
                    when="2025-04-01T09:30:00+00:00")
    after = _entry(_result("crisis_flow/RW5", "crisis_24h_variation", "concern_low"),
                   _result("crisis_flow/RX4", "crisis_24h_variation", "common_cause"))
    history = History((before, after))
    southmoor = organisation_section(history, "RW5", family_titles=TITLES)
    assert southmoor.startswith("Since the previous publication (1 April 2025 at 09:30 UTC):")
    assert "- Crisis referrals seen within 24 hours now shows special cause concern" in southmoor
    assert "(../crisis_flow/RW5.html)" in southmoor and "(../whats-new.html)" in southmoor
    riverside = organisation_section(history, "RX4", family_titles=TITLES)
    assert riverside.startswith("No change in its signals") and "- " not in riverside
    first = organisation_section(History((before,)), "RW5", family_titles=TITLES)
    assert first.startswith("This is the first publication")


def test_names_from_the_data_are_escaped_in_the_page_and_the_feed():
    names = {"RW5": "<script>alert(1)</script> & [x](y)"}
    before = Entry("2025-04-01T09:30:00+00:00", "r1",
                   (_result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),), names)
    after = Entry("2025-04-02T09:30:00+00:00", "r2",
                  (_result("crisis_flow/RW5", "crisis_24h_variation", "concern_high"),), names)
    history = History((before, after))
    page = whats_new_markdown(history, family_titles=TITLES)
    assert "<script>" not in page and "&lt;script&gt;" in page and "\\[x\\]\\(y\\)" in page
    feed = whats_new_feed(history, site_title="A & <B>", family_titles=TITLES)
    assert b"<script>" not in feed
    content = ET.fromstring(feed).find(f"{{{ATOM}}}entry/{{{ATOM}}}content")
    assert "&lt;script&gt;" in content.text  # escaped HTML inside the escaped content


# --- the history file ----------------------------------------------------------------------

def test_counts_pass_disclosure_control_and_statistics_icons_and_words_do_not_change():
    assert publishable_value(3, "") == "*"  # a count of 1-7, suppressed
    assert publishable_value(123, "") == 125  # rounded to 5
    assert publishable_value(42.4, "bed days") == 40
    assert publishable_value(0, "bed days") == 0
    assert publishable_value(3.0, "%") == 3.0
    assert publishable_value(412.3, "per 100,000") == 412.3
    assert publishable_value(True, "") is True
    assert publishable_value("RW5:low", "") == "RW5:low"
    assert publishable_value(float("nan"), "bed days") is None


def test_a_build_with_the_same_results_adds_no_entry_and_the_history_keeps_its_last_entries():
    result = _result("crisis_flow/RW5", "crisis_24h_variation", "common_cause")
    first = next_history(History(), (result,), NAMES, now=APRIL)
    assert next_history(first, (result,), NAMES, now=APRIL + dt.timedelta(days=1)) is first
    history = first
    for day in range(1, 6):
        changed = _result("crisis_flow/RW5", "crisis_24h_latest", float(day), "%")
        history = next_history(history, (result, changed), NAMES,
                               now=APRIL + dt.timedelta(days=day), keep=3)
    assert len(history.entries) == 3
    assert history.latest.published == "2025-04-07T09:30:00+00:00"


def test_the_history_file_reads_back_as_written(tmp_path):
    history = next_history(History(), (
        _result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
        _result("crisis_flow/RW5", "crisis_24h_latest", 64.5, "%"),
        _result("needs_assessment/RW5", "sii_referrals_significant", True),
        _result("crisis_flow/RW5", "out_of_area_mean", None, "bed days")), NAMES, now=APRIL)
    path = tmp_path / HISTORY_FILE
    path.write_text(history_json(history))
    again = read_history(path)
    assert again.entries == history.entries and again.source == path
    assert json.loads(path.read_text())["format"] == 1


def test_earlier_publications_keep_the_signals_and_the_file_writes_only_differences(tmp_path):
    history = History()
    for day in range(30):
        results = [_result("crisis_flow/RW5", "crisis_24h_latest", 60.0 + day, "%"),
                   _result("crisis_flow/RW5", "crisis_24h_variation",
                           "concern_low" if day % 10 == 9 else "common_cause")]
        if day < 20:  # a report that stopped being published
            results.append(_result("crisis_flow/TAH", "crisis_24h_variation", "common_cause"))
        history = next_history(history, tuple(results), NAMES, earlier=is_signal,
                               now=APRIL + dt.timedelta(days=day))
    assert len(history.entries) == 30
    assert [r.name for r in history.entries[0].results] == ["crisis_24h_variation"] * 2
    assert "crisis_24h_latest" in {r.name for r in history.latest.results}
    path = tmp_path / HISTORY_FILE
    path.write_text(history_json(history))
    assert read_history(path).entries == history.entries
    document = json.loads(path.read_text())
    # After the first, an entry holds only what differs: the latest figure, a signal that
    # changed, a report no longer there.
    sizes = [len(entry["results"]) for entry in document["entries"]]
    assert sizes[0] == 2 and max(sizes[1:]) <= 2
    assert document["entries"][20]["removed"] == [["crisis_flow/TAH", "crisis_24h_variation"]]
    changes = changes_between(*history.entries[-2:])
    assert [c.organisation for c in changes] == ["RW5"]  # day 29: concern, was common cause


def test_no_history_file_is_a_first_publication(tmp_path):
    history = read_history(tmp_path / "nowhere.json")
    assert history.entries == () and history.source is None
    page = whats_new_markdown(next_history(history, (), NAMES, now=APRIL), family_titles=TITLES)
    assert "This is the first publication" in page


@pytest.mark.parametrize("text", ["not json {", '{"format": 99, "entries": []}', "[]",
                                  '{"format": 1, "entries": [{"published": "x"}]}'])
def test_a_corrupt_history_is_a_data_error_naming_the_file_and_how_to_start_again(tmp_path,
                                                                                 text):
    path = tmp_path / "history.json"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_history(path)
    assert caught.value.path == str(path)
    assert "delete it" in str(caught.value)


def test_the_previous_history_is_the_given_file_then_the_environment_then_the_site(
        tmp_path, monkeypatch):
    site = tmp_path / "outputs" / "_site"
    monkeypatch.delenv(HISTORY_ENV, raising=False)
    assert history_source(site) == site / HISTORY_FILE
    monkeypatch.setenv(HISTORY_ENV, str(tmp_path / "from-env.json"))
    assert history_source(site) == tmp_path / "from-env.json"
    assert history_source(site, tmp_path / "given.json") == tmp_path / "given.json"


def test_a_named_history_file_that_is_not_there_starts_a_new_history_with_a_notice(tmp_path):
    project = load_project(make_handmade_project(tmp_path / "p", ["RX4"], layout="csv"))
    with pytest.warns(DataWarning, match="no previous results history at .*missing.json"):
        assert previous_history(project, tmp_path / "missing.json").entries == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the published site's file missing: no notice
        assert previous_history(project).entries == ()


def test_the_audit_reads_the_history_values_with_their_units():
    statistics = next_history(History(), (
        _result("crisis_flow/RW5", "readmission_30d_latest", 5.0, "%"),
        _result("needs_assessment/RW5", "isr_admissions", 3.0, "ratio x 100"),
        _result("crisis_flow/RW5", "crisis_24h_variation", "common_cause"),
        _result("crisis_flow/RW5", "admissions", publishable_value(3, ""), "")),
        NAMES, now=APRIL)
    assert audit_file(history_json(statistics), HISTORY_FILE) == []
    # A count that escaped disclosure control is still found.
    leaked = next_history(History(), (_result("crisis_flow/RW5", "admissions", 3, ""),),
                          NAMES, now=APRIL)
    findings = audit_file(history_json(leaked), HISTORY_FILE)
    assert [f.rule for f in findings] == ["unsuppressed small count"]


# --- the feed --------------------------------------------------------------------------------

def _three_publications() -> History:
    rows = ("common_cause", "concern_low", "common_cause")
    return History(tuple(
        Entry(f"2025-04-0{day + 1}T09:30:00+00:00", f"r{day}",
              (_result("crisis_flow/RW5", "crisis_24h_variation", value),), NAMES)
        for day, value in enumerate(rows)))


def test_the_feed_is_atom_with_one_entry_per_publication_newest_first():
    feed = ET.fromstring(whats_new_feed(_three_publications(), site_title="Reports",
                                        family_titles=TITLES))
    assert feed.tag == f"{{{ATOM}}}feed"
    for required in ("id", "title", "updated", f"author/{{{ATOM}}}name"):
        assert feed.find(f"{{{ATOM}}}{required}").text
    entries = feed.findall(f"{{{ATOM}}}entry")
    assert [e.find(f"{{{ATOM}}}updated").text[:10] for e in entries] == [
        "2025-04-03", "2025-04-02", "2025-04-01"]
    ids = [e.find(f"{{{ATOM}}}id").text for e in entries]
    assert len(set(ids)) == 3 and all(i.startswith("urn:uuid:") for i in ids)
    assert feed.find(f"{{{ATOM}}}updated").text == entries[0].find(f"{{{ATOM}}}updated").text
    newest = entries[0].find(f"{{{ATOM}}}content")
    assert newest.get("type") == "html"
    assert 'href="crisis_flow/RW5.html"' in newest.text
    assert "now shows common cause variation; was special cause concern (low)" in newest.text
    assert entries[0].find(f"{{{ATOM}}}title").text.endswith(": 1 change")


def test_the_feed_links_are_absolute_with_the_sites_address():
    feed = whats_new_feed(_three_publications(), site_title="Reports",
                          site_url="https://reports.example.nhs.uk/lhs", family_titles=TITLES)
    root = ET.fromstring(feed)
    assert root.find(f"{{{ATOM}}}link[@rel='self']").get("href") == (
        "https://reports.example.nhs.uk/lhs/whats-new.xml")
    assert 'href="https://reports.example.nhs.uk/lhs/crisis_flow/RW5.html"' in (
        root.find(f"{{{ATOM}}}entry/{{{ATOM}}}content").text)


def test_the_feed_passes_the_audit_as_a_page():
    feed = whats_new_feed(_three_publications(), site_title="Reports", family_titles=TITLES)
    assert audit_file(feed.decode(), "whats-new.xml") == []


# --- whole builds on hand-written data --------------------------------------------------------

def _build(root: Path, *extra: str) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        patch.delenv(HISTORY_ENV, raising=False)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["--project", str(root), "build", "--renderer", "builtin",
                           "--jobs", "2", *extra])
    return status, out.getvalue() + err.getvalue()


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _site(root: Path) -> Path:
    return root / "outputs" / "_site"


CHANGE = ("Crisis referrals seen within 24 hours now shows special cause concern (low); was "
          "common cause variation")


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, object]:
    """Three builds of one project: first, with Southmoor's data changed, and again as it was
    (nothing changed); what each published."""
    root = flow_history_project(tmp_path_factory.mktemp("history"))
    seen: dict[str, object] = {"root": root}
    for step, shift in (("first", None), ("changed", -40), ("again", None)):
        if shift is not None:
            write_flow_months(root, shift=shift)
        status, out = _build(root)
        assert status == 0, out
        seen[step] = {name: (_site(root) / name).read_bytes()
                      for name in ("whats-new.html", "whats-new.xml", HISTORY_FILE,
                                   "crisis_flow/RW5.html")}
    return seen


@pytest.mark.slow
@pytest.mark.notebook
def test_the_first_publication_says_so_and_publishes_its_history_and_feed(builds):
    first = builds["first"]
    assert "This is the first publication" in _text(first["whats-new.html"].decode())
    assert len(json.loads(first[HISTORY_FILE])["entries"]) == 1
    entries = ET.fromstring(first["whats-new.xml"]).findall(f"{{{ATOM}}}entry")
    assert len(entries) == 1
    # Every page's head offers the feed, from its own folder.
    head = first["crisis_flow/RW5.html"].decode().split("</head>")[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                     r'href="\.\./whats-new\.xml">', head)


@pytest.mark.slow
@pytest.mark.notebook
def test_a_special_cause_in_the_new_data_is_on_the_whats_new_page_and_in_the_feed(builds):
    page = builds["changed"]["whats-new.html"].decode()
    text = _text(page)
    assert "Southmoor NHS Trust (RW5)" in text and CHANGE in text
    assert '<a href="crisis_flow/RW5.html">Crisis and acute flow: Southmoor NHS Trust</a>' in page
    assert "Riverside" not in text and "Tarnhill" not in text  # their data did not change
    history = json.loads(builds["changed"][HISTORY_FILE])
    assert len(history["entries"]) == 2
    assert f"Previous publication: {_published(history['entries'][0])}" in text
    feed = ET.fromstring(builds["changed"]["whats-new.xml"])
    newest = feed.find(f"{{{ATOM}}}entry/{{{ATOM}}}content").text
    assert CHANGE in unescape(newest) and 'href="crisis_flow/RW5.html"' in newest


def _published(entry: dict[str, object]) -> str:
    when = dt.datetime.fromisoformat(str(entry["published"]))
    return f"{when.day} {when:%B %Y} at {when:%H:%M} UTC"


@pytest.mark.slow
@pytest.mark.notebook
def test_a_rebuild_with_no_change_adds_no_entry_and_changes_nothing_published(builds):
    assert builds["again"] == builds["changed"]
    assert len(json.loads(builds["again"][HISTORY_FILE])["entries"]) == 2


@pytest.mark.slow
@pytest.mark.notebook
def test_a_ci_build_without_outputs_continues_the_history_it_is_given(builds, tmp_path):
    root = builds["root"]
    saved = tmp_path / "published-history.json"
    shutil.copy(_site(root) / HISTORY_FILE, saved)
    before = saved.read_bytes()
    shutil.rmtree(root / "outputs")
    write_flow_months(root, shift=0)  # Southmoor's data as they were at first
    status, out = _build(root, "--history", str(saved))
    assert status == 0, out
    assert saved.read_bytes() == before  # read, never written
    history = json.loads((_site(root) / HISTORY_FILE).read_text())
    assert len(history["entries"]) == 3
    assert [(e["published"], e["build"]) for e in history["entries"][:2]] == [
        (e["published"], e["build"]) for e in json.loads(before)["entries"]]
    text = _text((_site(root) / "whats-new.html").read_text())
    assert ("Crisis referrals seen within 24 hours now shows common cause variation; was "
            "special cause concern (low)") in text
    assert CHANGE in text  # the earlier publication's change, in the log below


@pytest.mark.slow
@pytest.mark.notebook
def test_a_corrupt_history_stops_the_build_before_any_report_runs(tmp_path):
    root = flow_history_project(tmp_path / "corrupt")
    bad = tmp_path / "results-history.json"
    bad.write_text('{"format": 1, "entries": [{"build": "r1"')
    status, out = _build(root, "--history", str(bad))
    assert status == 2
    assert str(bad) in out and "delete it" in out and "Traceback" not in out
    assert not (root / "outputs" / "notebooks").exists()
