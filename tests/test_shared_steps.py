"""Shared figures: computed once (per build, or per kernel), with the numbers each report got
when it computed them itself, and re-run only for what changed.

The direct computation (:class:`~lhs_reports.reports.needs_comparison.PeerData` from every
trust's tables, the whole survey's agreement) is compared with the figures read back from the
build's Parquet parts, on hand-made data and on the demo.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lhs_reports.data import load_table, load_trust_data, reads
from lhs_reports.data.dictionary import GROUP_MEASURES, PRIORITY_AREAS
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.data.synthetic import write_demo_data
from lhs_reports.engine.build import execute_jobs, plan_build
from lhs_reports.engine.cache import MANIFEST, Manifest
from lhs_reports.engine.plan import load_project
from lhs_reports.engine.shared_steps import run_shared_steps, run_step
from lhs_reports.reports import lhs_priorities as lhs
from lhs_reports.reports import needs_comparison as peer
from lhs_reports.reports.needs_peers import NEEDS_PEERS, peers_for
from lhs_reports.reports.shared_figures import (
    SHARED_ENV,
    SharedStep,
    instance_name,
    shared_parts,
    step_values,
)

from .handmade import activity_by_group_rows, population_rows, trusts_table, varied_monthly, write
from .test_engine import write_probe_notebook

CODES = ["RX4", "TAH", "RW5"]


def survey_rows(code: str, scores: list[int]) -> pd.DataFrame:
    """One respondent per score, rating every priority area the same, written by hand."""
    rows = [(code, f"{code}-{n}", "Clinician", area, score)
            for n, score in enumerate(scores) for area in PRIORITY_AREAS]
    return pd.DataFrame(rows, columns=["trust_code", "respondent_id", "role", "priority_area",
                                       "score"])


SCORES = {"RX4": [5, 4, 2, 1, 5], "TAH": [1, 2, 2, 4], "RW5": [4, 4, 3]}


def write_handmade_data(data: Path) -> None:
    """Three trusts in per-trust files; RW5 stopped reporting (left out of the comparisons)."""
    write(trusts_table(CODES), data / "trusts.csv")
    for number, code in enumerate(CODES):
        months = varied_monthly(code, 24, seed=number) if code != "RW5" else varied_monthly(
            code, 18, end="2024-06-01", seed=number)
        write(months, data / "activity_monthly" / f"{code}.parquet")
        population = population_rows(code)
        population["population"] += 13 * number  # trusts of different sizes
        write(population, data / "population" / f"{code}.parquet")
        write(activity_by_group_rows(population), data / "activity_by_group" / f"{code}.parquet")
        write(survey_rows(code, SCORES[code]), data / "lhs_survey" / f"{code}.parquet")


@pytest.fixture(scope="module")
def handmade_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("handmade") / "data"
    write_handmade_data(data)
    return data


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return write_demo_data(tmp_path_factory.mktemp("demo"), 3)


def built(step: SharedStep, data_dir: Path, shared: Path, **parameters) -> None:
    """Write ``step``'s parts as a build does, in ``shared``."""
    from lhs_reports.engine.shared_steps import PlannedStep

    values = step_values(step, data_dir, parameters)
    folder = shared / instance_name(step, values)
    run_step(PlannedStep(step, values, folder, "key", True, "test", ()), data_dir)


def assert_same_needs(direct: peer.PeerData, shared: peer.Peers, code: str) -> None:
    pd.testing.assert_frame_equal(peer.rate_comparison(direct, code),
                                  peer.rate_comparison(shared, code), check_exact=True)
    for measure in GROUP_MEASURES:
        mine, theirs = peer.peer_funnel(direct, measure), peer.peer_funnel(shared, measure)
        pd.testing.assert_frame_equal(mine.points, theirs.points, check_exact=True)
        pd.testing.assert_frame_equal(mine.limits, theirs.limits, check_exact=True)
    pd.testing.assert_frame_equal(peer.population_mix(direct, code),
                                  peer.population_mix(shared, code), check_exact=True)
    assert shared.left_out == dict(direct.left_out)
    assert shared.compared(code) == direct.compared(code)


@pytest.mark.parametrize("source", ["handmade", "demo"])
def test_the_build_s_shared_figures_give_every_report_the_numbers_it_computed_itself(
        source, request, tmp_path, monkeypatch):
    data_dir = request.getfixturevalue(f"{source}_dir")
    codes = sorted(load_table(data_dir, "trusts")["trust_code"])
    period_end = "2025-03"
    direct = peer.load_peer_data(data_dir, period_end=period_end)
    survey = load_table(data_dir, "lhs_survey")
    built(NEEDS_PEERS, data_dir, tmp_path, period_end=period_end)
    built(lhs.ALL_AGREEMENT, data_dir, tmp_path)
    monkeypatch.setenv(SHARED_ENV, str(tmp_path))
    reads.clear()
    for code in codes:
        assert_same_needs(direct, peers_for(load_trust_data(data_dir, code),
                                            period_end=period_end), code)
        mine = survey[survey["trust_code"] == code]
        pd.testing.assert_frame_equal(
            lhs.compare_with_all(lhs.agreement_by_area(mine), lhs.agreement_by_area(survey)),
            lhs.comparison_with_all(data_dir, code), check_exact=True)
    # What the reports read: the shared parts and their own files, not every trust's.
    read = {(r["folder"], name) for r in reads.take() for name in r["files"]}
    assert {Path(folder).name for folder, name in read if name.endswith(".parquet")
            and name.startswith(("pooled", "everyone"))} == {
        instance_name(NEEDS_PEERS, step_values(NEEDS_PEERS, data_dir,
                                               {"period_end": period_end})),
        instance_name(lhs.ALL_AGREEMENT, step_values(lhs.ALL_AGREEMENT, data_dir, {}))}
    if source == "handmade":
        assert direct.left_out.keys() == {"RW5"}


def test_without_a_build_the_kernel_computes_the_figures_once_until_a_file_changes(
        tmp_path, monkeypatch):
    monkeypatch.delenv(SHARED_ENV, raising=False)
    data = tmp_path / "data"
    write_handmade_data(data)
    calls = []

    def everyone(data_dir: Path) -> dict[str, pd.DataFrame]:
        calls.append(data_dir)
        return {"total": load_table(data_dir, "population").groupby(
            "trust_code", as_index=False)["population"].sum()}

    step = SharedStep("test_total", ("probe",), (), ("total",), everyone)
    reads.clear()
    first = shared_parts(step, data)["total"]
    first_read = reads.take()
    second = shared_parts(step, data)["total"]
    assert len(calls) == 1
    # Read once, handed out as views of the same arrays, and recorded as read each time.
    assert np.shares_memory(first["population"].to_numpy(), second["population"].to_numpy())
    assert reads.take() == first_read
    second.loc[0, "population"] = -1  # a report changing its copy changes only its own
    assert shared_parts(step, data)["total"].loc[0, "population"] != -1
    changed = population_rows("TAH")
    write(changed.assign(population=changed["population"] + 1),
          data / "population" / "TAH.parquet")
    third = shared_parts(step, data)["total"]
    assert len(calls) == 2
    assert third.set_index("trust_code").loc["TAH", "population"] == \
        changed["population"].sum() + len(changed)


PROBE = '''
from lhs_reports.data import resolve_data_dir
from lhs_reports.reports import lhs_priorities as lhs
from lhs_reports.results import record
comparison = lhs.comparison_with_all(resolve_data_dir(data_dir), trust_code)
record("all_agree", float(comparison["value_all"].mean()))
'''


def _probe_project(root: Path) -> Path:
    """The priorities family on a probe notebook (the project's own ``lhs_priorities``)."""
    (root / "params" / "trusts").mkdir(parents=True)
    write_probe_notebook(root / "notebooks" / "lhs_priorities.ipynb",
                         'trust_code = "RX4"\ntrust_name = "x"\nperiod_end = None\n'
                         'change_month = None\ntargets = {}\nmissing_months = []\n'
                         'data_dir = ""', PROBE)
    (root / "params" / "reports.yaml").write_text(
        "site: {title: Probe, synthetic: false}\ndata: {dir: data}\nfamilies:\n"
        "  - id: lhs_priorities\n    title: Priorities\n"
        "    notebook: notebooks/lhs_priorities.ipynb\n    parameters: params/trusts/*.yaml\n"
        "    tables: [trusts, lhs_survey]\n")
    for code in CODES:
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: Trust {code}\n")
    write(trusts_table(CODES), root / "data" / "trusts.csv")
    for code in CODES:
        write(survey_rows(code, SCORES[code]), root / "data" / "lhs_survey" / f"{code}.parquet")
    return root


def _build(root: Path) -> tuple[list[str], list[str]]:
    """Plan, shared figures, reports (no site): what the shared stage said, the jobs that ran."""
    project = load_project(root)
    said: list[str] = []
    planned = run_shared_steps(project, plan_build(project), say=said.append)
    ran = execute_jobs(project, planned, planned, Manifest(project.outputs / MANIFEST),
                       executor="local", jobs=1, settings=None, scheduler=None,
                       progress_plain=True)
    assert all(result.ok for result in ran), [result.error for result in ran]
    return said, sorted(result.key.split("/")[1] for result in ran)


@pytest.mark.notebook
def test_a_build_computes_the_shared_figures_once_and_reruns_only_the_reports_they_changed(
        tmp_path, monkeypatch):
    root = _probe_project(tmp_path / "project")
    monkeypatch.setenv(PROJECT_ENV, str(root))
    monkeypatch.delenv(SHARED_ENV, raising=False)
    said, ran = _build(root)
    assert len(said) == 1 and "computed" in said[0]  # once for the three reports
    assert ran == sorted(CODES)
    manifest = Manifest(root / "outputs" / MANIFEST)
    read = {name for r in manifest.entries["lhs_priorities/TAH"]["reads"] for name in r["files"]}
    assert read == {"everyone.parquet", "lhs_survey/TAH.parquet"}  # not every trust's file

    assert _build(root) == ([], [])  # nothing changed: the figures are up to date

    # RX4's answers change but not how many agree: the figures are the same, so only RX4's
    # own report (it read its own file) runs again.
    survey = root / "data" / "lhs_survey"
    write(survey_rows("RX4", [4, 5, 1, 2, 4]), survey / "RX4.parquet")
    said, ran = _build(root)
    assert len(said) == 1 and said[0].endswith("unchanged")
    assert ran == ["RX4"]

    # TAH's respondents agree more: every report shows the all-organisation share, so all run.
    write(survey_rows("TAH", [5, 5, 5, 4]), survey / "TAH.parquet")
    said, ran = _build(root)
    assert len(said) == 1 and said[0].endswith("changed: everyone")
    assert ran == sorted(CODES)
    assert os.environ.get(SHARED_ENV) is None


def test_a_shared_step_that_fails_leaves_no_figures_so_each_report_meets_the_error(
        tmp_path, monkeypatch):
    from lhs_reports.engine import shared_steps
    from lhs_reports.errors import DataError

    root = _probe_project(tmp_path / "project")
    monkeypatch.setenv(PROJECT_ENV, str(root))

    def broken(data_dir: Path) -> dict[str, pd.DataFrame]:
        raise DataError("the survey is unreadable", field="score", hint="fix it")

    step = SharedStep(lhs.ALL_AGREEMENT.name, ("lhs_priorities",), (), ("everyone",), broken)
    project = load_project(root)
    said: list[str] = []
    run_shared_steps(project, plan_build(project), say=said.append)  # the real step first
    folder = next((root / "outputs" / ".cache" / "shared").iterdir())
    assert (folder / "everyone.parquet").is_file()
    monkeypatch.setattr(shared_steps, "steps_for", lambda notebook: [step])
    planned = run_shared_steps(project, plan_build(project, force=True), force=True,
                               say=said.append)
    assert "failed (DataError: the survey is unreadable; fix it)" in said[-1]
    assert not folder.exists()  # no stale figures for a report to read
    assert all(item.run for item in planned)


def test_organisations_settings_are_read_once_and_each_caller_gets_its_own(tmp_path,
                                                                         monkeypatch):
    from lhs_reports import params

    root = _probe_project(tmp_path / "project")
    parsed = []
    real = params.load_parameters
    monkeypatch.setattr(params, "load_parameters",
                        lambda path, schema="trust": parsed.append(path) or real(path, schema))
    first = params.organisation_settings(root)
    first["TAH"].targets["crisis_24h"] = 1.0  # a report changing its copy
    second = params.organisation_settings(root)
    assert len(parsed) == len(CODES)  # each file parsed once
    assert second["TAH"].targets == {}
    (root / "params" / "trusts" / "TAH.yaml").write_text(
        "trust_code: TAH\ntrust_name: Tarnhill Trust\n")
    assert params.organisation_settings(root)["TAH"].trust_name == "Tarnhill Trust"
    assert len(parsed) == len(CODES) + 1
