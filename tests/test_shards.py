"""Sharded builds: `build --shard K/N` on several machines, `render` gathering their outputs.

A hand-made project (three trusts, a fourth whose report fails for want of data, and a page
across them: five jobs) is built once on one machine and once as three shards, each in its own
copy of the project with empty outputs (as on separate CI machines), gathered by `render` in a
fifth copy; both sites must be the same but for the build's times.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.engine.build import Plan
from lhs_reports.engine.gather import check_shards
from lhs_reports.engine.shard_folder import (
    ShardJob,
    ShardOutputs,
    read_shard,
    sibling_assignment,
)
from lhs_reports.engine.shards import Shard, assign_shards, parse_shard
from lhs_reports.errors import BuildError, ParameterError

from .handmade import make_handmade_project

TRUSTS = ["RX4", "RW5", "TAH"]
#: A trust with a parameter file and no data: its report fails (and says so on the site).
FAILING = "ZZ9"
JOBS = {"across/all", "trust/RX4", "trust/RW5", "trust/TAH", f"trust/{FAILING}"}


def run(root: Path, *argv: str) -> tuple[int, str]:
    """``lhs-reports --project ROOT ARGV...`` with ``root`` as the notebooks' project."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        patch.setenv(PROJECT_ENV, str(root))
        status = main(["--project", str(root), *argv])
    return status, out.getvalue()


# --- the assignment ----------------------------------------------------------------------------

keys = st.lists(st.from_regex(r"[a-z]{1,8}/[A-Z0-9]{1,5}", fullmatch=True), unique=True,
                max_size=40)


@given(keys=keys, seconds=st.lists(st.floats(0.1, 600), min_size=40, max_size=40),
       count=st.integers(1, 6), data=st.data())
def test_every_job_is_in_exactly_one_shard_whatever_order_the_jobs_come_in(keys, seconds,
                                                                          count, data):
    durations = dict(zip(keys[::2], seconds, strict=False))  # some jobs never timed
    assigned = assign_shards(keys, durations, count)
    assert set(assigned) == set(keys)
    assert set(assigned.values()) <= set(range(1, count + 1))
    shuffled = data.draw(st.permutations(keys))
    assert assign_shards(shuffled, dict(reversed(durations.items())), count) == assigned


@given(seconds=st.lists(st.floats(0.1, 600), min_size=1, max_size=40), count=st.integers(1, 6))
def test_shards_differ_in_expected_time_by_no_more_than_the_longest_job(seconds, count):
    durations = {f"trust/T{n:02d}": s for n, s in enumerate(seconds)}
    assigned = assign_shards(durations, durations, count)
    loads = [sum(s for k, s in durations.items() if assigned[k] == shard)
             for shard in range(1, count + 1)]
    assert max(loads) - min(loads) <= max(seconds) + 1e-9


def test_the_slowest_jobs_are_spread_and_unknown_jobs_count_as_the_median():
    durations = {"across/all": 100.0, "trust/A": 10.0, "trust/B": 10.0, "trust/C": 10.0}
    assigned = assign_shards([*durations, "trust/NEW"], durations, 2)
    assert assigned["across/all"] == 1
    assert {k for k, s in assigned.items() if s == 2} == {"trust/A", "trust/B", "trust/C",
                                                          "trust/NEW"}


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_a_shard_outside_one_to_n_is_refused_by_the_package_and_the_command(text, tmp_path):
    with pytest.raises(ParameterError, match="K/N|K must be"):
        parse_shard(text)
    with pytest.raises(SystemExit) as stopped, contextlib.redirect_stderr(io.StringIO()):
        main(["--project", str(tmp_path), "build", "--shard", text])
    assert stopped.value.code == 2


def test_a_shard_is_written_as_k_slash_n_and_read_back():
    assert parse_shard(" 2 / 3 ") == Shard(2, 3)
    assert str(Shard(2, 3)) == "2/3" and Shard(2, 3).folder_name == "2-of-3"


# --- one build against three shards gathered -------------------------------------------------


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """The project built on one machine (``one``), and as three shards (``shard1`` to
    ``shard3``, each a fresh copy) gathered by ``render`` in a fresh copy (``gathered``)."""
    base = tmp_path_factory.mktemp("shards")
    source = make_handmade_project(base / "source", TRUSTS, layout="csv")
    (source / "params" / "trusts" / f"{FAILING}.yaml").write_text(
        f"trust_code: {FAILING}\ntrust_name: Trust {FAILING}\nperiod_end: 2024-03\n")
    roots = {name: Path(shutil.copytree(source, base / name))
             for name in ("one", "shard1", "shard2", "shard3", "gathered")}
    status, printed = run(roots["one"], "build", "--renderer", "builtin", "--jobs", "1")
    assert status == 1, printed  # the failing report, and only it
    assert "4 ok" in printed and "1 failed" in printed
    for k in (1, 2, 3):
        status, printed = run(roots[f"shard{k}"], "build", "--shard", f"{k}/3", "--jobs", "1")
        assert status == (1 if f"trust/{FAILING} " in printed else 0), printed
        assert f"outputs in {roots[f'shard{k}'] / 'outputs' / 'shards' / f'{k}-of-3'}" in printed
        assert not (roots[f"shard{k}"] / "outputs" / "_site").exists()  # no site from a shard
    return roots


def shard_dir(builds: dict[str, Path], k: int) -> Path:
    return builds[f"shard{k}"] / "outputs" / "shards" / f"{k}-of-3"


@pytest.fixture(scope="module")
def gathered(builds) -> Path:
    status, printed = run(builds["gathered"], "render", "--renderer", "builtin",
                          *(arg for k in (1, 2, 3) for arg in ("--from", str(shard_dir(builds,
                                                                                         k)))))
    assert status == 1, printed  # as the one build: a report failed
    assert f"trust/{FAILING}" in printed and "1 failed" in printed
    return builds["gathered"]


@pytest.mark.slow
def test_each_shard_runs_its_own_jobs_and_together_they_run_every_job_once(builds):
    ran = {}
    for k in (1, 2, 3):
        shard = read_shard(shard_dir(builds, k))
        assert shard.shard == Shard(k, 3)
        for job in shard.jobs:
            assert job.result is not None, job
            family, name = job.key.split("/")
            if name == FAILING:
                assert job.result.status == "failed"
                assert (shard.folder / "notebooks" / family / f"{name}.failed.ipynb").is_file()
            else:
                assert job.result.status == "ok", job
                assert (shard.folder / "notebooks" / family / f"{name}.ipynb").is_file()
            ran[job.key] = k
    assert set(ran) == JOBS and len(set(ran.values())) == 3


#: Text that differs between any two builds of the same inputs: when they ran, the id papermill
#: gives the cell it injects (random), and the feed entry's id (made from the time).
TIMES = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2}| UTC)?"
                   r"|\b\d{1,2} [A-Z][a-z]+ \d{4}\b|\b\d{2}:\d{2} UTC\b|\b\d+(\.\d+)? s\b"
                   r"|cell-id=[0-9a-f-]+|urn:uuid:[0-9a-f-]+")
#: Files whose bytes hold times in a form not worth decoding (PDF metadata, compressed search
#: fragments): their names must match, not their content.
OPAQUE = {".pdf", ".png", ".svg"}
#: The search index, whose files are named by a digest of their content (times included):
#: only how many there are must match.
SEARCH_INDEX = "site_libs/pagefind/"


def site_files(root: Path) -> dict[str, str | None]:
    site = root / "outputs" / "_site"
    found: dict[str, str | None] = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(site).as_posix()
        if name.startswith(SEARCH_INDEX):
            found[f"{SEARCH_INDEX}{len(found)}{path.suffix}"] = None
            continue
        found[name] = None if path.suffix in OPAQUE else TIMES.sub(
            "<time>", path.read_text(errors="replace"))
    return found


@pytest.mark.slow
def test_the_gathered_site_has_the_same_pages_with_the_same_text(builds, gathered):
    one, shards = site_files(builds["one"]), site_files(gathered)
    assert sorted(shards) == sorted(one)
    different = [name for name in one if one[name] != shards[name]]
    assert not different, different
    assert any(name.startswith("trust/RW5") for name in one)
    assert "failed" in (shards[f"trust/{FAILING}.html"] or "")


@pytest.mark.slow
def test_the_gathered_results_are_the_one_builds(builds, gathered):
    def results(root: Path) -> pd.DataFrame:
        frame = pd.read_parquet(root / "outputs" / "results.parquet").drop(columns="built")
        return frame.sort_values(["family", "id", "name"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(results(gathered), results(builds["one"]))
    assert set(results(gathered)["id"]) == {*TRUSTS, "all"}  # none from the failed report


@pytest.mark.slow
def test_the_gathered_run_manifest_is_the_one_builds_but_for_timings(builds, gathered):
    def manifest(root: Path) -> dict:
        found = json.loads((root / "outputs" / "run-manifest.json").read_text())
        for name in ("started", "finished_execution"):
            found.pop(name)
        for job in found["jobs"]:
            job.pop("duration")
        return found

    assert manifest(gathered) == manifest(builds["one"])


@pytest.mark.slow
def test_a_rebuild_after_gathering_runs_only_the_failed_report(gathered):
    status, printed = run(gathered, "plan")
    assert status == 0, printed
    assert re.search(rf"run\s+trust/{FAILING}\s+failed last time", printed)
    assert "1 to run, 4 to skip" in printed


@pytest.mark.slow
def test_a_missing_shard_stops_the_render_naming_its_jobs_and_the_fix(builds, tmp_path):
    root = Path(shutil.copytree(builds["gathered"], tmp_path / "p", ignore=shutil.ignore_patterns(
        "outputs")))
    missing = {job.key for job in read_shard(shard_dir(builds, 2)).jobs}
    status, printed = run(root, "render", "--from", str(shard_dir(builds, 1)), "--from",
                          str(shard_dir(builds, 3)))
    assert status == 2
    assert "have no output from any shard" in printed
    assert all(key in printed for key in missing)
    assert "shard 2/3 is missing" in printed and "lhs-reports build --shard 2/3" in printed
    assert not (root / "outputs" / "_site").exists()


@pytest.mark.slow
def test_a_shard_given_twice_stops_the_render_naming_the_jobs(builds, tmp_path):
    root = Path(shutil.copytree(builds["gathered"], tmp_path / "p", ignore=shutil.ignore_patterns(
        "outputs")))
    twice = sorted(job.key for job in read_shard(shard_dir(builds, 1)).jobs)
    sources = [shard_dir(builds, k) for k in (1, 2, 3)]
    copy = Path(shutil.copytree(sources[0], tmp_path / "downloads" / "shard-1-again"))
    status, printed = run(root, "render", *(a for s in [*sources, copy]
                                            for a in ("--from", str(s))))
    assert status == 2
    assert "in the outputs of more than one shard" in printed
    assert all(key in printed for key in twice)
    assert "give each shard's folder once" in printed


@pytest.mark.slow
def test_a_folder_of_shard_folders_counts_as_each_of_them(builds, tmp_path):
    downloads = tmp_path / "downloads"
    for k in (1, 2, 3):
        shutil.copytree(shard_dir(builds, k), downloads / f"shard-{k}")
    root = Path(shutil.copytree(builds["gathered"], tmp_path / "p", ignore=shutil.ignore_patterns(
        "outputs")))
    status, printed = run(root, "render", "--renderer", "builtin", "--from", str(downloads))
    assert status == 1 and "1 failed" in printed, printed  # the failing report
    assert (root / "outputs" / "_site" / "trust" / "TAH.html").is_file()


@pytest.mark.slow
def test_a_job_planned_from_other_inputs_or_not_planned_at_all_is_refused(builds):
    shard = read_shard(shard_dir(builds, 1))
    # What check_shards reads of a planned job: its key and its cache key.
    planned = [SimpleNamespace(job=SimpleNamespace(key=job.key), key=job.cache_key)
               for job in shard.jobs]
    changed = ShardOutputs(shard.folder, Shard(1, 1), shard.assignment, "local", "", "",
                           tuple(ShardJob(j.key, "other", j.run, j.reason, j.result, j.entry)
                                 for j in shard.jobs))
    with pytest.raises(BuildError, match="from other inputs"):
        check_shards(Plan(planned), [changed])
    with pytest.raises(BuildError, match="does not plan"):
        check_shards(Plan(planned[1:]), [changed])
    with pytest.raises(BuildError, match="no shard outputs"):
        check_shards(Plan(planned), [])


@pytest.mark.slow
def test_shards_built_one_after_another_on_one_machine_share_one_assignment(builds, tmp_path):
    """Shard 1's run recorded durations that would balance the jobs differently; shard 2, run
    after it in the same project, keeps shard 1's assignment, and `render` with no --from
    gathers outputs/shards."""
    root = Path(shutil.copytree(builds["shard1"], tmp_path / "p"))
    first = json.loads((shard_dir(builds, 1) / "shard.json").read_text())["assigned"]
    status, printed = run(root, "build", "--shard", "2/3", "--jobs", "1")
    assert status == 1, printed  # shard 2 has the failing report
    second = json.loads((root / "outputs" / "shards" / "2-of-3" / "shard.json").read_text())
    assert second["assigned"] == first
    shutil.copytree(shard_dir(builds, 3), root / "outputs" / "shards" / "3-of-3")
    status, printed = run(root, "render", "--renderer", "builtin")
    assert status == 1 and "1 failed" in printed, printed
    assert (root / "outputs" / "_site" / "trust" / "RW5.html").is_file()


def test_a_sibling_shards_assignment_is_reused_only_for_the_same_jobs_and_count(tmp_path):
    folder = tmp_path / "shards" / "1-of-2"
    folder.mkdir(parents=True)
    (folder / "shard.json").write_text(json.dumps({"assigned": {"a/1": 2, "a/2": 1}}))
    assert sibling_assignment(tmp_path, 2, ["a/1", "a/2"]) == {"a/1": 2, "a/2": 1}
    assert sibling_assignment(tmp_path, 2, ["a/1", "a/2", "a/3"]) is None
    assert sibling_assignment(tmp_path, 3, ["a/1", "a/2"]) is None
