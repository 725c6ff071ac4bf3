"""A build re-runs exactly the jobs whose recorded reads changed, whatever the data's layout.

The data here are written by hand in the tests (CSV, Parquet, one file or a folder per trust),
never by the demo generator.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.engine.build import plan_build, run_build
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project
from lhs_reports.params import organisation_settings

from .handmade import make_handmade_project, monthly_rows, trusts_table, write

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

SETTINGS = ExecutionSettings(cell_timeout=300, notebook_timeout=600)

def build(root: Path) -> None:
    report = run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
                       progress_plain=True)
    assert not report.failed, [r.error for r in report.failed]


def plan(root: Path) -> dict[str, str]:
    """Job key -> "run: reason" or "skip"."""
    return {p.job.key: (f"run: {p.reason}" if p.run else "skip")
            for p in plan_build(load_project(root))}


@pytest.fixture(scope="module")
def csv_project(tmp_path_factory) -> Path:
    root = make_handmade_project(tmp_path_factory.mktemp("csv"), ["RX4", "RW5", "TAH"],
                                 layout="csv")
    build(root)
    return root


def test_a_fresh_build_records_what_each_notebook_read_in_its_executed_notebook(csv_project):
    executed = nbformat.read(csv_project / "outputs" / "notebooks" / "trust" / "RW5.ipynb", 4)
    reads = executed.metadata["lhs_reports"]["reads"]
    assert {(r["table"], r["organisation"]) for r in reads} == {("trusts", None),
                                                                ("activity_monthly", "RW5")}
    assert {name for r in reads for name in r["files"]} == {"trusts.csv", "activity_monthly.csv"}
    assert all(r["folder"] == "data" for r in reads)  # relative to the project


def test_nothing_changed_means_nothing_runs(csv_project):
    assert set(plan(csv_project).values()) == {"skip"}


def test_no_page_shows_the_hash_of_nothing_as_its_data_fingerprint(csv_project):
    for page in (csv_project / "outputs" / "_site").rglob("*.html"):
        text = page.read_text()
        assert "e3b0c44298fc" not in text, page
    manifest = json.loads((csv_project / "outputs" / "run-manifest.json").read_text())
    fingerprints = {job["job"]: job["data_fingerprint"] for job in manifest["jobs"]}
    # The trusts read the same two files; the page across trusts also read the parameter files.
    assert fingerprints["trust/RX4"] == fingerprints["trust/RW5"] != fingerprints["across/all"]
    assert all(fingerprints.values())


def test_editing_one_value_in_a_shared_csv_reruns_every_job_that_read_it_and_shows_it(tmp_path):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    build(root)
    path = root / "data" / "activity_monthly.csv"
    frame = pd.read_csv(path)
    frame.loc[frame["trust_code"] == "RW5", "admissions"] = 31
    frame.to_csv(path, index=False)
    planned = plan(root)
    assert planned == {key: "run: data changed: data/activity_monthly.csv changed"
                       for key in ("trust/RX4", "trust/RW5", "across/all")}
    build(root)
    page = (root / "outputs" / "_site" / "trust" / "RW5.html").read_text()
    assert "Trust RW5 93" in page  # 31 * 3 months
    assert set(plan(root).values()) == {"skip"}


@pytest.fixture
def folder_project(tmp_path) -> Path:
    root = make_handmade_project(tmp_path, ["RX4", "RW5", "TAH"], layout="folders")
    build(root)
    return root


def test_a_per_trust_file_change_reruns_only_that_trust_and_the_page_across_trusts(
        folder_project):
    path = folder_project / "data" / "activity_monthly" / "RW5.parquet"
    write(monthly_rows("RW5", admissions=21), path)
    assert plan(folder_project) == {
        "trust/RX4": "skip", "trust/TAH": "skip",
        "trust/RW5": "run: data changed: data/activity_monthly/RW5.parquet changed",
        "across/all": "run: data changed: data/activity_monthly/RW5.parquet changed"}


def test_a_trust_file_removed_or_added_reruns_the_jobs_whose_lookup_it_answers(folder_project):
    (folder_project / "data" / "activity_monthly" / "TAH.parquet").unlink()
    planned = plan(folder_project)
    assert planned["across/all"] == "run: data changed: data/activity_monthly/TAH.parquet removed"
    assert planned["trust/TAH"].startswith("run: data changed")
    assert planned["trust/RX4"] == planned["trust/RW5"] == "skip"
    # A new trust's rows come with its row in the trusts table (check refuses them without).
    write(trusts_table(["RX4", "RW5", "TAH", "RXT"]), folder_project / "data" / "trusts.csv")
    write(monthly_rows("RXT"), folder_project / "data" / "activity_monthly" / "RXT.parquet")
    assert "RXT.parquet added" in plan(folder_project)["across/all"]


def test_a_file_that_would_now_answer_a_lookup_reruns_the_jobs(folder_project):
    # trusts.parquet takes precedence over the trusts.csv every job read.
    write(trusts_table(["RX4", "RW5", "TAH"]), folder_project / "data" / "trusts.parquet")
    planned = plan(folder_project)
    assert all(reason.startswith("run: data changed") and "trusts.parquet added" in reason
               for key, reason in planned.items() if key.startswith("trust/"))


def test_a_changed_data_dir_reruns_that_job_only(folder_project):
    moved = folder_project / "data2"
    moved.mkdir()
    for item in (folder_project / "data").iterdir():
        target = moved / item.name
        target.symlink_to(item, target_is_directory=item.is_dir())
    params = folder_project / "params" / "trusts" / "RW5.yaml"
    params.write_text(params.read_text() + "data_dir: data2\n")
    planned = plan(folder_project)
    assert planned["trust/RW5"] == "run: parameters changed"
    assert planned["trust/RX4"] == "skip"


def test_a_trusts_own_target_is_what_the_cross_trust_page_reads_and_a_change_reruns_it(
        folder_project):
    assert organisation_settings(folder_project)["RW5"].targets == {"crisis_24h": 75.0}
    params = folder_project / "params" / "trusts" / "RW5.yaml"
    params.write_text(params.read_text().replace("crisis_24h: 75", "crisis_24h: 90"))
    planned = plan(folder_project)
    assert planned["across/all"] == "run: data changed: params/trusts/RW5.yaml changed"
    assert planned["trust/RW5"] == "run: parameters changed"
    assert planned["trust/RX4"] == "skip"
    build(folder_project)
    results = pd.read_parquet(folder_project / "outputs" / "results.parquet")
    targets = results.loc[(results["family"] == "across") & (results["name"] == "targets"),
                          "value"].iloc[0]
    assert json.loads(targets)["RW5"] == {"crisis_24h": 90.0}


def test_a_new_trust_parameter_file_reruns_the_cross_trust_page(folder_project):
    (folder_project / "params" / "trusts" / "RXT.yaml").write_text(
        "trust_code: RXT\ntrust_name: Trust RXT\n")
    planned = plan(folder_project)
    assert planned["across/all"] == "run: data changed: params/trusts/RXT.yaml added"
    assert planned["trust/RXT"] == "run: never built"


def test_declared_inputs_are_checked_and_rerun_their_jobs(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv",
                        inputs='    inputs: ["extra/{trust_cod}.txt"]\n')
    assert main(["--project", str(root), "check"]) == 2
    error = capsys.readouterr().err
    assert "'{trust_cod}'" in error and "did you mean '{trust_code}'?" in error
    assert "Traceback" not in error
    reports = root / "params" / "reports.yaml"
    reports.write_text(reports.read_text().replace("{trust_cod}", "{trust_code}"))
    (root / "data" / "extra").mkdir()
    (root / "data" / "extra" / "RX4.txt").write_text("lookup v1\n")
    build(root)
    (root / "data" / "extra" / "RX4.txt").write_text("lookup v2\n")
    (root / "data" / "extra" / "RW5.txt").write_text("new\n")
    planned = plan(root)
    assert planned["trust/RX4"] == "run: data changed: data/extra/RX4.txt changed"
    assert planned["trust/RW5"] == "run: data changed: data/extra/RW5.txt added"
    assert planned["across/all"] == "skip"


def test_cross_trust_files_may_not_hold_copies_of_a_trusts_settings(folder_project, capsys):
    (folder_project / "params" / "across" / "all.yaml").write_text(
        "title: All\nchange_months: {RW5: '2024-02'}\n")
    assert main(["--project", str(folder_project), "check"]) == 2
    error = capsys.readouterr().err
    assert "'change_months' belongs in each trust's own parameter file" in error
    assert "all.yaml" in error
