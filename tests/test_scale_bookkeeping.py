"""Planning and bookkeeping that grow with the jobs, not with jobs x organisations.

Each file is looked at (stat) and hashed at most once per plan however many jobs read it, and
not hashed at all when unchanged since the last build; an edited file re-runs exactly the jobs
that read it. The cache manifest is SQLite: a job's result is one row, a read shared by many
jobs is stored once, what was committed survives the process being killed, and the older
``manifest.json`` is imported. Counts, never timings (benchmarks/bench_scale.py times them).
"""

from __future__ import annotations

import collections
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from lhs_reports.data import fingerprint
from lhs_reports.data.reads import changes, table_read
from lhs_reports.data.scan import scanning
from lhs_reports.data.synthetic import organisation_code, organisation_name
from lhs_reports.engine.build import plan_build, run_build
from lhs_reports.engine.manifest import LEGACY_MANIFEST, MANIFEST, Manifest
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project
from lhs_reports.params import DemoSettings

from .handmade import make_handmade_project, monthly_rows, write

SETTINGS = ExecutionSettings(cell_timeout=300, notebook_timeout=600)
CODES = ["RX4", "RW5", "TAH"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A hand-made project (a folder of per-trust files), built once for real."""
    root = make_handmade_project(tmp_path_factory.mktemp("scale"), CODES, layout="folders")
    report = run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
                       progress_plain=True)
    assert not report.failed, [r.error for r in report.failed]
    return root


class Looks:
    """Counts, per path, the stats and content hashes of the process's file hash memo."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.stats: collections.Counter[str] = collections.Counter()
        self.hashes: collections.Counter[str] = collections.Counter()
        real_stamp, real_open = fingerprint.stamp, open

        def stamp(path: Path) -> fingerprint.Stamp:
            self.stats[str(path)] += 1
            return real_stamp(path)

        def counting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.hashes[str(path)] += 1
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(fingerprint, "stamp", stamp)
        monkeypatch.setattr(fingerprint, "open", counting_open, raising=False)
        # A fresh process's memo: what the last build kept is all that is known.
        monkeypatch.setattr(fingerprint.file_hash, "_seen", {})
        monkeypatch.setattr(fingerprint.file_hash, "_new", {})

    def clear(self) -> None:
        self.stats.clear()
        self.hashes.clear()


def _age(root: Path) -> None:
    """Date every data and parameter file an hour back: none is too recent for its hash to
    be kept between builds (a write in the same clock tick could otherwise go unseen)."""
    past = time.time() - 3600
    for folder in ("data", "params"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                os.utime(path, (past, past))


def _plan(root: Path) -> dict[str, str]:
    return {p.job.key: p.reason for p in plan_build(load_project(root))}


def test_a_plan_looks_at_each_file_once_and_hashes_only_what_changed(built, monkeypatch):
    _age(built)
    looks = Looks(monkeypatch)
    assert set(_plan(built).values()) == {"up to date"}
    # trusts.csv is read by every job, each trust's monthly file by its job and the page
    # across trusts: still one look and at most one hash each.
    assert looks.stats and max(looks.stats.values()) == 1, looks.stats
    assert max(looks.hashes.values()) == 1, looks.hashes
    assert str(built / "data" / "trusts.csv") in looks.hashes

    looks.clear()
    assert set(_plan(built).values()) == {"up to date"}
    assert max(looks.stats.values()) == 1
    assert not looks.hashes, "a plan with nothing changed hashed files again"

    edited = built / "data" / "activity_monthly" / "RW5.parquet"
    write(monthly_rows("RW5", admissions=31), edited)
    looks.clear()
    reasons = _plan(built)
    assert {key for key, reason in reasons.items() if reason != "up to date"} == {
        "trust/RW5", "across/all"}
    assert reasons["trust/RW5"] == "data changed: data/activity_monthly/RW5.parquet changed"
    assert list(looks.hashes) == [str(edited)]


def test_a_read_shared_by_many_jobs_is_checked_once_per_plan(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "population"
    for code in ("A1", "B2", "C3"):
        write(pd.DataFrame({"trust_code": [code], "population": [1]}), folder / f"{code}.csv")
    shared = table_read(tmp_path / "data", "population", None, sorted(folder.iterdir()),
                        root=tmp_path)
    looks = Looks(monkeypatch)
    with scanning():
        for _ in range(50):  # fifty jobs, one read object (as the manifest gives them)
            assert changes([shared], root=tmp_path) == []
        for _ in range(50):  # and equal reads as separate objects: each file still once
            assert changes([json.loads(json.dumps(shared))], root=tmp_path) == []
    assert sorted(looks.stats.values()) == [1, 1, 1]
    assert sorted(looks.hashes.values()) == [1, 1, 1]


def _entry(reads: list[dict], duration: float = 1.0) -> dict:
    return {"key": "k", "key_parts": {}, "status": "ok", "duration": duration, "records": [],
            "reads": reads, "reads_recorded": True}


def test_a_read_shared_by_many_jobs_is_stored_once(tmp_path):
    path = tmp_path / MANIFEST
    everyone = {"kind": "glob", "folder": "data", "pattern": "population/*",
                "files": {f"population/S{n}.csv": f"{n:064d}" for n in range(200)}}
    with Manifest(path) as manifest:
        for n in range(60):
            own = {"kind": "table", "folder": "data", "table": "population",
                   "organisation": f"S{n}", "files": {f"population/S{n}.csv": f"{n:064d}"}}
            # Each job's copy of the shared read, as results arriving from kernels are.
            manifest.update(f"needs/S{n}", _entry([own, json.loads(json.dumps(everyone))]))
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM jobs").fetchone() == (60,)
        assert connection.execute("SELECT COUNT(*) FROM reads").fetchone() == (61,)
    again = Manifest(path)
    assert again.entries["needs/S7"]["reads"][1] == everyone
    assert again.entries["needs/S7"]["reads"][1] is again.entries["needs/S8"]["reads"][1]
    assert len(again.entries["needs/S7"]["data_fingerprint"]) == 64


CRASH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from lhs_reports.engine.manifest import Manifest
    manifest = Manifest(Path(sys.argv[1]))
    for n in range(40):
        manifest.update(f"trust/T{n}", {"status": "ok", "duration": n, "reads": []})
    manifest.flush()
    print("flushed", flush=True)
    for n in range(40, 4000):  # still being written when the process is killed
        manifest.update(f"trust/T{n}", {"status": "ok", "duration": n, "reads": []})
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_what_the_manifest_wrote_survives_the_build_being_killed(tmp_path):
    path = tmp_path / MANIFEST
    done = subprocess.run([sys.executable, "-c", CRASH, str(path)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == -9 and "flushed" in done.stdout, done.stderr
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    manifest = Manifest(path)
    assert {f"trust/T{n}" for n in range(40)} <= set(manifest.entries)
    durations = manifest.durations()
    assert all(durations[key] == float(key.removeprefix("trust/T")) for key in durations)
    with manifest:  # and it takes new results
        manifest.update("trust/NEW", {"status": "ok", "duration": 1.0, "reads": []})
    assert Manifest(path).entries["trust/NEW"]["status"] == "ok"


def test_an_older_manifest_json_is_imported_once(tmp_path):
    path = tmp_path / MANIFEST
    read = {"kind": "table", "folder": "data", "table": "trusts", "organisation": None,
            "files": {"trusts.csv": "a" * 64}}
    jobs = {"trust/RX4": {**_entry([read], 2.0), "data_fingerprint": "f" * 64},
            "trust/RW5": {**_entry([dict(read)], 3.0), "data_fingerprint": "f" * 64}}
    path.parent.mkdir(parents=True)
    (path.parent / LEGACY_MANIFEST).write_text(json.dumps({"jobs": jobs}))
    manifest = Manifest(path)
    assert manifest.entries == jobs
    assert manifest.durations() == {"trust/RX4": 2.0, "trust/RW5": 3.0}
    assert not (path.parent / LEGACY_MANIFEST).exists()
    assert Manifest(path).entries == jobs
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM reads").fetchone() == (1,)


@pytest.mark.parametrize("content", [b"{not json", b"SQLite format 3\x00 but torn"])
def test_a_damaged_manifest_means_rebuild_not_crash(tmp_path, content):
    path = tmp_path / MANIFEST
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with Manifest(path) as manifest:
        assert manifest.entries == {}
        manifest.update("trust/RX4", {"status": "ok", "duration": 1.0, "reads": []})
    assert set(Manifest(path).entries) == {"trust/RX4"}


def test_the_demo_generator_names_ten_thousand_organisations_uniquely():
    codes = [organisation_code(n) for n in range(10_000)]
    names = [organisation_name(n) for n in range(10_000)]
    assert len(set(codes)) == len(set(names)) == 10_000
    assert len({code.upper() for code in codes}) == 10_000  # codes match in any case
    assert [organisation_code(n) for n in range(3)] == ["SYN01", "SYN02", "SYN03"]
    assert DemoSettings(n_trusts=10_000).n_trusts == 10_000
    with pytest.raises(ValidationError):
        DemoSettings(n_trusts=10_001)


def test_the_run_manifest_lists_each_distinct_read_once(built):
    manifest = json.loads((built / "outputs" / "run-manifest.json").read_text())
    jobs = {job["job"]: job for job in manifest["jobs"]}
    files = {key: {name for ref in job["data_read"] for name in manifest["reads"][ref]["files"]}
             for key, job in jobs.items()}
    assert files["trust/RW5"] == {"data/trusts.csv", "data/activity_monthly/RW5.parquet"}
    assert {f"data/activity_monthly/{code}.parquet" for code in CODES} <= files["across/all"]
    # Every trust's report looked up the trusts table the same way: one entry for all three.
    trusts = [ref for ref, read in manifest["reads"].items()
              if read["files"] == ["data/trusts.csv"]]
    assert len(trusts) == 1
    assert all(trusts[0] in jobs[f"trust/{code}"]["data_read"] for code in CODES)
