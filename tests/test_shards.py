"""Sharded builds: `build --shard K/N` on several machines, `render` gathering their outputs.

A hand-made project (three trusts and a page across them: four jobs) is built once on one
machine and once as three shards, each in its own copy of the project with empty outputs (as
on separate CI machines), gathered by `render` in a fifth copy; both sites must be the same but
for the build's times.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.engine.build import Plan
from lhs_reports.engine.gather import check_shards
from lhs_reports.engine.shard_folder import ShardJob, ShardOutputs, read_shard
from lhs_reports.engine.shards import Shard, assign_shards, parse_shard
from lhs_reports.errors import BuildError, ParameterError

from .handmade import make_handmade_project

TRUSTS = ["RX4", "RW5", "TAH"]
JOBS = {"across/all", "trust/RX4", "trust/RW5", "trust/TAH"}


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
    roots = {name: Path(shutil.copytree(source, base / name))
             for name in ("one", "shard1", "shard2", "shard3", "gathered")}
    status, printed = run(roots["one"], "build", "--renderer", "builtin", "--jobs", "1")
    assert status == 0, printed
    for k in (1, 2, 3):
        status, printed = run(roots[f"shard{k}"], "build", "--shard", f"{k}/3", "--jobs", "1")
        assert status == 0, printed
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
    assert status == 0, printed
    return builds["gathered"]


def test_each_shard_runs_its_own_jobs_and_together_they_run_every_job_once(builds):
    ran = {}
    for k in (1, 2, 3):
        shard = read_shard(shard_dir(builds, k))
        assert shard.shard == Shard(k, 3)
        for job in shard.jobs:
            assert job.result is not None and job.result.status == "ok", job
            family, name = job.key.split("/")
            assert (shard.folder / "notebooks" / family / f"{name}.ipynb").is_file()
            ran[job.key] = k
    assert set(ran) == JOBS and len(set(ran.values())) == 3


#: Text that differs between any two builds of the same inputs: when they ran, the id papermill
#: gives the cell it injects (random), and the feed entry's id (made from the time).
TIMES = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2}| UTC)?"
                   r"|\b\d{1,2} [A-Z][a-z]+ \d{4}\b|\b\d+(\.\d+)? s\b"
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


def test_the_gathered_site_has_the_same_pages_with_the_same_text(builds, gathered):
    one, shards = site_files(builds["one"]), site_files(gathered)
    assert sorted(shards) == sorted(one)
    different = [name for name in one if one[name] != shards[name]]
    assert not different, different
    assert any(name.startswith("trust/RW5") for name in one)


def test_the_gathered_results_are_the_one_builds(builds, gathered):
    def results(root: Path) -> pd.DataFrame:
        frame = pd.read_parquet(root / "outputs" / "results.parquet").drop(columns="built")
        return frame.sort_values(["family", "id", "name"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(results(gathered), results(builds["one"]))
    assert set(results(gathered)["id"]) == {*TRUSTS, "all"}


def test_the_gathered_run_manifest_is_the_one_builds_but_for_timings(builds, gathered):
    def manifest(root: Path) -> dict:
        found = json.loads((root / "outputs" / "run-manifest.json").read_text())
        for name in ("started", "finished_execution"):
            found.pop(name)
        for job in found["jobs"]:
            job.pop("duration")
        return found

    assert manifest(gathered) == manifest(builds["one"])


def test_a_rebuild_after_gathering_has_nothing_to_run(gathered):
    status, printed = run(gathered, "plan")
    assert status == 0, printed
    assert "0 to run, 4 to skip" in printed


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


def test_a_folder_of_shard_folders_counts_as_each_of_them(builds, tmp_path):
    downloads = tmp_path / "downloads"
    for k in (1, 2, 3):
        shutil.copytree(shard_dir(builds, k), downloads / f"shard-{k}")
    root = Path(shutil.copytree(builds["gathered"], tmp_path / "p", ignore=shutil.ignore_patterns(
        "outputs")))
    status, printed = run(root, "render", "--renderer", "builtin", "--from", str(downloads))
    assert status == 0, printed
    assert (root / "outputs" / "_site" / "trust" / "TAH.html").is_file()


def test_a_job_planned_from_other_inputs_or_not_planned_at_all_is_refused(builds):
    shard = read_shard(shard_dir(builds, 1))
    planned = [type("Item", (), {"job": type("J", (), {"key": job.key})(),
                                 "key": job.cache_key})() for job in shard.jobs]
    changed = ShardOutputs(shard.folder, Shard(1, 1), shard.assignment, "local", "", "",
                           tuple(ShardJob(j.key, "other", j.run, j.reason, j.result, j.entry)
                                 for j in shard.jobs))
    with pytest.raises(BuildError, match="from other inputs"):
        check_shards(Plan(planned), [changed])
    with pytest.raises(BuildError, match="does not plan"):
        check_shards(Plan(planned[1:]), [changed])
    with pytest.raises(BuildError, match="no shard outputs"):
        check_shards(Plan(planned), [])
