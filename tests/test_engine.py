"""The build engine: executors, incremental builds, failure isolation, results, progress."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.data.synthetic import write_demo_data
from lhs_reports.engine.build import plan_build, run_build
from lhs_reports.engine.cache import MANIFEST, Manifest
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

PROBE = '''\
import os, time
import matplotlib.pyplot as plt
from lhs_reports.data import load_trust_data
from lhs_reports.results import record
# Another trust's state must never be visible here.
assert not plt.get_fignums(), f"figures left open: {plt.get_fignums()}"
assert "leaked" not in globals()
if trust_code == "SYN03":
    leaked = True
    plt.figure()
    plt.rcParams["lines.linewidth"] = 7
if trust_code == "CRASH":
    os._exit(1)
if trust_code == "HANG":
    time.sleep(600)
if trust_code == "FAIL":
    raise ValueError("this report is broken")
if trust_code == "WAIT":
    # Holds its worker until the test creates the file (a worker to kill mid-build).
    import pathlib
    release = pathlib.Path(data_dir) / "release-WAIT"
    pathlib.Path(data_dir, "started-WAIT").touch()
    while not release.exists():
        time.sleep(0.2)
    trust_code = "SYN01"
data = load_trust_data(data_dir, trust_code)
record("admissions", int(data.monthly["admissions"].sum()), unit="count")
record("trust", trust_name)
print(trust_name, int(data.monthly["admissions"].sum()))
'''


def write_probe_notebook(path: Path, parameters: str, source: str) -> Path:
    """A two-cell notebook: a ``parameters`` cell and ``source``, with fixed cell ids (the same
    notebook in every test project)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell, nbformat.v4.new_code_cell(source)]
    for number, each in enumerate(notebook.cells):
        each.id = f"probe-{number}"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)
    return path


def write_probe_project(root: Path, codes: list[str], n_trusts: int = 4, *,
                        data: Path | None = None) -> Path:
    """A project of the cheap probe notebook, one parameter file per code in ``codes``.

    Its demo data (``n_trusts`` trusts) are written to ``data/`` in the project, or to
    ``data`` (an absolute folder anywhere, as a cluster's shared data would be).
    """
    data = data or root / "data"
    (root / "params" / "trusts").mkdir(parents=True)
    write_probe_notebook(root / "notebooks" / "probe.ipynb",
                         'trust_code = "SYN01"\ntrust_name = "x"\nperiod_end = "2025-03"\n'
                         'change_month = None\ntargets = {}\ndata_dir = ""', PROBE)
    (root / "params" / "reports.yaml").write_text(
        "site: {title: Probe}\n"
        f"data: {{dir: '{'data' if data == root / 'data' else data}', "
        f"demo: {{n_trusts: {n_trusts}}}}}\n"
        "families:\n"
        "  - id: probe\n    title: Probe\n    notebook: notebooks/probe.ipynb\n"
        "    parameters: params/trusts/*.yaml\n")
    for code in codes:
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: Trust {code}\n")
    write_demo_data(data, n_trusts)
    return root


def normalised(path: Path, root: Path) -> dict:
    """An executed notebook without what legitimately differs between runs (timings, paths)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected"  # papermill gives it a random id on every run
    papermill = notebook.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path",
                "environment_variables"):
        papermill.pop(key, None)
    notebook.metadata.pop("widgets", None)
    return json.loads(nbformat.writes(notebook).replace(str(root), "<project>"))


SETTINGS = ExecutionSettings(cell_timeout=120, notebook_timeout=120, retries=1)


@pytest.fixture(scope="module")
def executor_outputs(tmp_path_factory) -> dict[str, Path]:
    outputs = {}
    for executor in ("kernel", "local", "dask"):
        root = write_probe_project(tmp_path_factory.mktemp(executor), ["SYN01", "SYN02", "SYN03",
                                                                       "SYN04"])
        report = run_build(load_project(root), executor=executor, jobs=2, settings=SETTINGS,
                           renderer="builtin", progress_plain=True)
        assert not report.failed, [r.error for r in report.failed]
        outputs[executor] = root
    return outputs


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_executed_notebooks_are_identical_whichever_executor_ran_them(executor_outputs, executor):
    for code in ("SYN01", "SYN02", "SYN03", "SYN04"):
        relative = Path("outputs", "notebooks", "probe", f"{code}.ipynb")
        ours, papermills = executor_outputs[executor], executor_outputs["kernel"]
        assert normalised(ours / relative, ours) == normalised(papermills / relative,
                                                               papermills), code


def test_papermill_metadata_and_injected_parameters_are_present(executor_outputs):
    notebook = nbformat.read(
        executor_outputs["local"] / "outputs" / "notebooks" / "probe" / "SYN02.ipynb", 4)
    assert notebook.metadata.papermill.parameters["trust_code"] == "SYN02"
    assert "injected-parameters" in notebook.cells[1].metadata.tags
    assert [c.execution_count for c in notebook.cells if c.cell_type == "code"] == [1, 2, 3]


def test_a_leaky_notebook_does_not_leak_into_the_next_on_the_same_warm_worker(tmp_path):
    # One worker: SYN03 leaves a figure, a global and an rcParam behind; SYN04 asserts it sees none.
    root = write_probe_project(tmp_path, ["SYN03", "SYN04"])
    report = run_build(load_project(root), executor="local", jobs=1, settings=SETTINGS,
                       renderer="builtin", progress_plain=True)
    assert [r.status for r in report.results] == ["ok", "ok"]


CYCLE = """\
import builtins, weakref
class Cycle:
    pass
if trust_code in ("SYN01", "KEEP"):
    cycle = Cycle()
    cycle.me = cycle  # garbage only the cyclic collector can free
    builtins.lhs_probe = weakref.ref(cycle)
    if trust_code == "KEEP":
        builtins.lhs_kept = cycle  # lives on past the reset: frozen with the libraries
elif trust_code == "DROP":
    del builtins.lhs_kept
elif trust_code in ("SYN02", "CHECK"):
    assert builtins.lhs_probe() is None, "garbage from an earlier notebook is still alive"
"""


def test_a_notebooks_garbage_is_collected_before_the_next_one_runs(tmp_path):
    # The reset between notebooks freezes what survives it (to speed up later collections):
    # a notebook's own reference cycles must be freed first, not frozen for the kernel's life,
    # and what was frozen must still be freed once it becomes garbage.
    from lhs_reports.engine.execute import kernel_environment
    from lhs_reports.engine.kernels import WarmKernel

    root = write_probe_project(tmp_path, ["SYN01"])
    notebook = nbformat.read(root / "notebooks" / "probe.ipynb", as_version=4)
    notebook.cells[1].source = CYCLE
    nbformat.write(notebook, root / "notebooks" / "cycle.ipynb")
    kernel = WarmKernel(cwd=root, env=kernel_environment(root))
    try:
        # A notebook's own cycles are freed at its reset. A cycle that outlived its notebook
        # (frozen) and was dropped later is freed within 20 notebooks.
        for code in ["SYN01", "SYN02", "KEEP", "DROP"] + ["FILL"] * 20 + ["CHECK"]:
            kernel.execute(root / "notebooks" / "cycle.ipynb", tmp_path / "out.ipynb",
                           {"trust_code": code})
    finally:
        kernel.stop()
    assert kernel.starts == 1


def test_a_warm_worker_is_replaced_after_its_notebook_quota_or_memory_ceiling(tmp_path):
    from lhs_reports.engine.execute import kernel_environment
    from lhs_reports.engine.kernels import WarmKernel

    root = write_probe_project(tmp_path, ["SYN01"])
    notebook = root / "notebooks" / "probe.ipynb"
    parameters = {"trust_code": "SYN01", "trust_name": "Trust SYN01"}

    def run(kernel: WarmKernel, times: int) -> list[int]:
        starts = []
        try:
            for number in range(times):
                kernel.execute(notebook, tmp_path / f"out{number}.ipynb", parameters)
                starts.append(kernel.starts)
        finally:
            kernel.stop()
        return starts

    by_count = WarmKernel(cwd=root, env=kernel_environment(root), max_notebooks=2,
                          max_memory_mb=None)
    assert run(by_count, 3) == [1, 1, 2]
    # Any real kernel holds more than 1 MiB: replaced after every notebook.
    by_memory = WarmKernel(cwd=root, env=kernel_environment(root), max_memory_mb=1)
    assert run(by_memory, 2) == [1, 2]
    assert by_memory.peak_mb > 100


def test_cli_rejects_nonpositive_worker_limits(capsys):
    for option in ("--jobs", "--recycle-after", "--recycle-memory", "--notebook-timeout",
                   "--kernel-timeout"):
        with pytest.raises(SystemExit) as exit_:
            main(["build", option, "0"])
        assert exit_.value.code == 2
        assert "must be more than 0" in capsys.readouterr().err


def test_results_are_collected_into_a_tidy_table(executor_outputs):
    table = pd.read_parquet(executor_outputs["local"] / "outputs" / "results.parquet")
    assert set(table["id"]) == {"SYN01", "SYN02", "SYN03", "SYN04"}
    admissions = table.loc[table["name"] == "admissions"].set_index("id")["numeric_value"]
    monthly = pd.read_parquet(executor_outputs["local"] / "data" / "activity_monthly")
    expected = monthly.groupby("trust_code")["admissions"].sum().astype(float)
    pd.testing.assert_series_equal(admissions.sort_index(), expected, check_names=False)


def test_the_run_manifest_records_versions_parameters_fingerprints_and_timings(executor_outputs):
    manifest = json.loads((executor_outputs["local"] / "outputs" / "run-manifest.json").read_text())
    assert manifest["packages"]["papermill"] != "not installed"
    assert {"git", "python", "executor", "jobs"} <= set(manifest)
    job = manifest["jobs"][0]
    assert job["parameters"]["trust_code"] == "SYN01"
    assert len(job["data_fingerprint"]) == 64 and job["duration"] > 0


def test_a_rebuild_with_no_change_runs_nothing(tmp_path):
    root = write_probe_project(tmp_path, ["SYN01", "SYN02"])
    run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
              progress_plain=True)
    planned = plan_build(load_project(root))
    assert [p.reason for p in planned] == ["up to date", "up to date"]
    report = run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
                       progress_plain=True)
    assert [r.status for r in report.results] == ["skipped", "skipped"]


def test_changing_one_trusts_data_reruns_exactly_that_trusts_job(tmp_path):
    root = write_probe_project(tmp_path, ["SYN01", "SYN02", "SYN03"])
    run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
              progress_plain=True)
    path = root / "data" / "activity_monthly" / "SYN02.parquet"
    frame = pd.read_parquet(path)
    frame.loc[0, "admissions"] += 1
    frame.to_parquet(path)
    planned = {p.job.param_id: p for p in plan_build(load_project(root))}
    assert {k: p.run for k, p in planned.items()} == {"SYN01": False, "SYN02": True,
                                                      "SYN03": False}
    assert planned["SYN02"].reason == "data changed: data/activity_monthly/SYN02.parquet changed"


def test_changing_the_notebook_or_forcing_reruns_everything(tmp_path):
    root = write_probe_project(tmp_path, ["SYN01", "SYN02"])
    run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
              progress_plain=True)
    assert all(p.run for p in plan_build(load_project(root), force=True))
    notebook = root / "notebooks" / "probe.ipynb"
    nb = nbformat.read(notebook, 4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, notebook)
    assert all(p.run for p in plan_build(load_project(root)))


def test_the_job_slowest_last_time_starts_first(tmp_path, capsys):
    root = write_probe_project(tmp_path, ["SYN01", "SYN02", "SYN03"])
    manifest = Manifest(root / "outputs" / MANIFEST)
    for code, seconds in (("SYN01", 0.5), ("SYN02", 9.0), ("SYN03", 2.0)):
        manifest.update(f"probe/{code}", {"key": None, "status": "ok", "duration": seconds})
    report = run_build(load_project(root), jobs=1, settings=SETTINGS, renderer="builtin",
                       progress_plain=True)
    assert [r.key for r in report.results] == ["probe/SYN01", "probe/SYN02", "probe/SYN03"]
    started = [line.split()[2] for line in capsys.readouterr().err.splitlines()
               if line.startswith("[")]
    assert started == ["probe/SYN02", "probe/SYN03", "probe/SYN01"]


def test_crashing_hanging_and_failing_notebooks_do_not_stop_the_good_ones(tmp_path, capsys):
    root = write_probe_project(tmp_path, ["SYN01", "CRASH", "HANG", "FAIL", "SYN02"])
    status = main(["--project", str(root), "build", "--renderer", "builtin", "--jobs", "2",
                   "--notebook-timeout", "8", "--cell-timeout", "60"])
    assert status == 1
    manifest = Manifest(root / "outputs" / MANIFEST).entries
    assert manifest["probe/SYN01"]["status"] == "ok"
    assert manifest["probe/SYN02"]["status"] == "ok"
    assert manifest["probe/HANG"]["status"] == "timeout"
    assert manifest["probe/FAIL"]["status"] == "failed"
    assert manifest["probe/FAIL"]["attempts"] == 1  # a notebook's own error is never retried
    assert manifest["probe/CRASH"]["status"] == "failed"
    assert manifest["probe/CRASH"]["attempts"] == 2  # a dead kernel is retried once
    notebooks = root / "outputs" / "notebooks" / "probe"
    assert (notebooks / "FAIL.failed.ipynb").is_file()
    # A notebook stopped part-way is kept as far as it got, for debugging.
    hung = nbformat.read(notebooks / "HANG.failed.ipynb", 4)
    assert hung.cells[-1].metadata.papermill.duration > 7  # stopped at the 8 s limit
    summary = capsys.readouterr().out
    assert "ValueError: this report is broken" in summary
    page = (root / "outputs" / "_site" / "probe" / "FAIL.html").read_text()
    assert "could not be built" in page and "this report is broken" in page
    # The failures are retried next time; the good ones are not.
    planned = {p.job.param_id: p.run for p in plan_build(load_project(root))}
    assert planned == {"SYN01": False, "SYN02": False, "CRASH": True, "HANG": True,
                       "FAIL": True}


def test_a_corrupt_cache_manifest_means_rebuild_not_crash(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    assert Manifest(path).entries == {}


def test_ci_mode_prints_plain_progress_lines(tmp_path, monkeypatch, capsys):
    root = write_probe_project(tmp_path, ["SYN01"])
    monkeypatch.setenv("CI", "true")
    assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 0
    assert "[1/1] ok" in capsys.readouterr().err


def test_cli_plan_says_what_would_run_and_why(tmp_path, capsys):
    root = write_probe_project(tmp_path, ["SYN01"])
    assert main(["--project", str(root), "plan"]) == 0
    assert "run   probe/SYN01  never built" in capsys.readouterr().out


def test_the_repository_demo_plan_lists_every_trust(tmp_path):
    from .helpers import make_project

    root = make_project(tmp_path, 3)
    planned = plan_build(load_project(root))
    keys = [p.job.key for p in planned]
    for family in ("needs_assessment", "crisis_flow", "lhs_priorities"):
        assert [k for k in keys if k.startswith(family)] == [
            f"{family}/SYN0{i}" for i in (1, 2, 3)]
