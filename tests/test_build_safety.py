"""One build at a time, no debris from killed builds, never a missing or half-made site, and
problems with the folders a build writes or reads found before any job runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lhs_reports.cli import main
from lhs_reports.engine.build import run_build
from lhs_reports.engine.lock import LOCK_NAME, project_lock, remove_leftovers
from lhs_reports.engine.outcome import ExecutionSettings
from lhs_reports.engine.plan import load_project
from lhs_reports.errors import AuditError, BuildError, RenderError
from lhs_reports.site import builtin
from lhs_reports.site.publish import publish

from .handmade import make_handmade_project

SETTINGS = ExecutionSettings(cell_timeout=300, notebook_timeout=600)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_build_stops_naming_the_running_builds_pid_and_start(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    with project_lock(root / "outputs"):
        assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 2
    error = capsys.readouterr().err
    assert f"another build of this project is running (PID {os.getpid()}" in error
    assert "started 20" in error and "Traceback" not in error
    assert not (root / "outputs" / "_site").exists()


def test_a_lock_left_by_a_dead_build_is_taken_over_with_a_notice(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (outputs / LOCK_NAME).write_text(json.dumps({"pid": int(dead.stdout), "host": "h",
                                                 "started": "2026-01-01T00:00:00"}))
    notices: list[str] = []
    with project_lock(outputs, notice=notices.append):
        holder = json.loads((outputs / LOCK_NAME).read_text())
        assert holder["pid"] == os.getpid()
    assert len(notices) == 1 and f"PID {int(dead.stdout)}" in notices[0]
    assert (outputs / LOCK_NAME).read_text() == ""  # released, and says no one holds it


def test_a_lock_held_by_a_killed_process_is_released_by_the_system(tmp_path):
    outputs = tmp_path / "outputs"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path;"
         "from lhs_reports.engine.lock import project_lock\n"
         "with project_lock(Path(sys.argv[1])):\n"
         "    print('held', flush=True); time.sleep(600)", str(outputs)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildError, match=f"PID {holder.pid}"), project_lock(outputs):
            pass
    finally:
        holder.kill()
        holder.wait()
    notices: list[str] = []
    with project_lock(outputs, notice=notices.append):
        pass
    assert notices and f"PID {holder.pid}" in notices[0]


def test_leftovers_of_a_killed_build_are_removed_and_nothing_else(tmp_path):
    outputs = tmp_path / "outputs"
    keep = [outputs / "notebooks" / "needs" / "RX4.ipynb", outputs / "_site" / "index.html",
            outputs / ".cache" / "manifest.json", outputs / "results.parquet"]
    debris = [outputs / "notebooks" / "needs" / ".RX4.1234.5678.ipynb",
              outputs / "staging" / "build-1234-abc" / "_site" / "index.html",
              outputs / "._site.incoming" / "index.html", outputs / ".results.parquet.x1y2",
              outputs / ".cache" / ".manifest.k3j4", outputs / ".site_src" / "index.qmd"]
    for path in keep + debris:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    remove_leftovers(outputs)
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in debris)
    assert not (outputs / "staging").exists() and not (outputs / "._site.incoming").exists()


def test_an_outputs_folder_that_cannot_be_written_is_a_clear_error_before_any_job(tmp_path,
                                                                                    capsys):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    (root / "outputs").write_text("not a folder")
    assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 2
    error = capsys.readouterr().err
    assert "cannot write to" in error and "outputs" in error and "Traceback" not in error


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_a_read_only_outputs_folder_is_a_clear_error(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    (root / "outputs").mkdir()
    (root / "outputs").chmod(0o500)
    try:
        assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 2
    finally:
        (root / "outputs").chmod(0o700)
    assert "cannot write to" in capsys.readouterr().err


def test_publishing_swaps_the_whole_site_and_leaves_nothing_behind(tmp_path):
    site = tmp_path / "outputs" / "_site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("old")
    (site / "gone.html").write_text("old")
    new = tmp_path / "outputs" / "staging" / "new"
    new.mkdir(parents=True)
    (new / "index.html").write_text("new")
    publish(new, site)
    assert snapshot(site) == {"index.html": b"new"}
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["_site", "staging"]


def test_the_audit_fails_on_a_site_with_no_pages(tmp_path):
    (tmp_path / "site" / "site_libs").mkdir(parents=True)
    with pytest.raises(AuditError, match="no pages"):
        from lhs_reports.audit import audit_site

        audit_site(tmp_path / "site")


@pytest.mark.slow
def test_a_render_that_writes_no_pages_fails_and_the_last_good_site_stays(tmp_path,
                                                                          monkeypatch):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
              progress_plain=True)
    site = root / "outputs" / "_site"
    before = snapshot(site)
    key = (root / "outputs" / ".cache" / "site-key").read_text()
    assert "index.html" in before

    def renders_nothing(site_model, out_dir, **kwargs):
        out_dir.mkdir(parents=True)
        (out_dir / "index.html").write_text("<p>only the home page</p>")
        return out_dir

    monkeypatch.setattr(builtin, "render_builtin", renders_nothing)
    (root / "index.qmd").write_text("---\ntitle: Changed\n---\nA new home page.\n")
    with pytest.raises(RenderError, match=r"did not produce \d+ of the site's \d+ pages"):
        run_build(load_project(root), jobs=2, settings=SETTINGS, renderer="builtin",
                  progress_plain=True)
    assert snapshot(site) == before
    assert (root / "outputs" / ".cache" / "site-key").read_text() == key
    assert not any((root / "outputs" / "staging").iterdir())


@pytest.mark.slow
def test_two_builds_started_together_never_publish_a_broken_site(tmp_path):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    command = [sys.executable, "-m", "lhs_reports.cli", "--project", str(root), "build",
               "--renderer", "builtin", "--jobs", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    finished = [(run.wait(timeout=900), run.communicate()[1]) for run in runs]
    statuses = sorted(status for status, _ in finished)
    # Either they overlapped (one stops at once with exit 2) or one ran after the other.
    assert statuses in ([0, 0], [0, 2]), finished
    for status, error in finished:
        assert "Traceback" not in error
        if status == 2:
            assert "another build of this project is running" in error
    site = root / "outputs" / "_site"
    for page in ("index.html", "trust/index.html", "trust/RX4.html", "trust/RW5.html",
                 "across/all.html"):
        assert (site / page).stat().st_size > 0, page
    leftovers = [p for p in (root / "outputs").rglob(".*")
                 if p.name not in (LOCK_NAME, ".cache") and ".cache" not in p.parts]
    assert leftovers == []


@pytest.mark.parametrize("command", ["check", "plan", "build"])
def test_a_data_folder_that_does_not_exist_stops_everything_before_any_job(tmp_path, capsys,
                                                                           command):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    params = root / "params" / "trusts" / "RW5.yaml"
    params.write_text(params.read_text() + "data_dir: no/such/folder\n")
    assert main(["--project", str(root), command]) == 2
    error = capsys.readouterr().err
    assert "no/such/folder does not exist" in error and "RW5.yaml" in error
    assert "Traceback" not in error
    assert not (root / "outputs" / "notebooks").exists()
