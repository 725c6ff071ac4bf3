"""Rendering with Quarto: staging, errors, progress, incremental renders, the root config.

Most tests run the stand-in ``tests/fake_quarto/quarto`` (CI has no Quarto); those marked
``quarto`` need the real one on PATH and are skipped otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
import yaml

from lhs_reports.errors import RenderError
from lhs_reports.packaged import site_file
from lhs_reports.site.pages import NavItem, Page, SiteModel
from lhs_reports.site.quarto import hidden_component, quarto_available, render_quarto
from lhs_reports.site.quarto_run import quarto_error, run_quarto
from lhs_reports.site.quarto_stage import ROOT_GUARD, page_file, staged_config

from .helpers import REPO_ROOT, put_fake_quarto_first

real_quarto = pytest.mark.skipif(not quarto_available(), reason="the quarto CLI is not on PATH")


@pytest.fixture
def fake_quarto(tmp_path_factory, monkeypatch) -> Path:
    """The stand-in first on PATH; returns the file it logs each call to (JSON lines)."""
    shim = tmp_path_factory.mktemp("python-shim")
    put_fake_quarto_first(monkeypatch, shim)
    log = shim / "calls.jsonl"
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log


def calls(log: Path) -> list[list[str]]:
    """The argument lists of every ``quarto render`` so far."""
    if not log.is_file():
        return []
    return [c["argv"] for c in map(json.loads, log.read_text().splitlines())
            if c["argv"][:1] == ["render"]]


def report_notebook(path: Path, trust: str, value: int = 1) -> Path:
    """An executed report as our notebooks make them: the heading in an HTML output."""
    heading = nbformat.v4.new_output("display_data", data={
        "text/html": f'<h1 class="lhs-title">Crisis and acute flow: {trust}</h1>\n'
                     '<p class="lhs-period">Reporting period to 2025-03</p>',
        "text/plain": "heading"})
    table = nbformat.v4.new_output("display_data", data={
        "text/html": f"<table class='lhs-table'><tr><td>{value}</td></tr></table>",
        "text/plain": "table"})
    text = nbformat.v4.new_output("stream", name="stdout", text="done\n")
    record = nbformat.v4.new_output("display_data", data={
        "application/vnd.lhs-reports.result+json": {"name": "n", "value": value},
        "text/html": ""})
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("show_heading()", outputs=[heading, record, text, table]),
        nbformat.v4.new_markdown_cell(f"## Summary\n\nThe latest month shows {value}."),
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def demo_site(folder: Path, *, trusts: tuple[str, ...] = ("SYN01", "SYN02"),
              built: str = "2025-01-01 10:00 UTC") -> SiteModel:
    provenance = {"code version (git)": "abc123", "site built": built}
    pages = [Page("index", "Learning health system reports", "markdown", "Welcome.",
                  provenance=provenance)]
    listing = "\n".join(f"- [{t}]({t}.html)" for t in trusts)
    pages.append(Page("crisis_flow/index", "Crisis and acute flow", "markdown", listing,
                      provenance=provenance, document_title="Crisis and acute flow: all reports"))
    for trust in trusts:
        notebook = folder / "notebooks" / "crisis_flow" / f"{trust}.ipynb"
        if not notebook.is_file():
            report_notebook(notebook, f"{trust} NHS Trust")
        pages.append(Page(f"crisis_flow/{trust}", f"{trust} NHS Trust", "notebook",
                          notebook=notebook, provenance=provenance,
                          document_title=f"Crisis and acute flow: {trust} NHS Trust"))
    nav = (NavItem("Home", "index.html"), NavItem("Crisis and acute flow",
                                                  "crisis_flow/index.html"))
    return SiteModel("Learning health system reports", "", True, tuple(pages), nav, provenance)


def project_root(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "_quarto.yml", root / "_quarto.yml")  # the theme: the packaged one
    return root


# --- staging --------------------------------------------------------------------------------


def test_the_staged_config_drops_the_root_guard_and_render_list_and_keeps_the_theme_path():
    root = yaml.safe_load((REPO_ROOT / "_quarto.yml").read_text())
    site = SiteModel("Reports", "", True, (), (NavItem("Home", "index.html"),), {})
    staged = staged_config(root, site)
    assert staged["project"] == {"type": "website", "output-dir": "_site"}
    assert staged["format"]["html"]["theme"] == ["cosmo", "templates/theme.scss"]
    assert staged["format"]["html"]["include-before-body"][0] == "synthetic-banner.html"


def test_a_staged_report_has_no_html_output_for_quarto_to_add_require_js_for(tmp_path):
    site = demo_site(tmp_path)
    staged = page_file(site.pages[2], site)
    notebook = nbformat.reads(staged.content.decode(), as_version=4)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not any("text/html" in o.get("data", {}) for o in outputs)
    raw = [c.source for c in notebook.cells if "{=html}" in c.source]
    assert len(raw) == 2 and "<table class='lhs-table'>" in raw[1]  # no empty block
    assert [o.get("text") for o in outputs] == ["done\n"]


def test_a_staged_report_lifts_its_heading_into_the_title_and_names_itself(tmp_path):
    site = demo_site(tmp_path)
    notebook = nbformat.reads(page_file(site.pages[2], site).content.decode(), as_version=4)
    meta = yaml.safe_load(notebook.cells[0].source.strip().strip("-"))
    assert meta["title"] == r"Crisis and acute flow: SYN01 NHS Trust"
    assert meta["pagetitle"].replace("\\", "") == (
        "Crisis and acute flow: SYN01 NHS Trust | Learning health system reports")
    assert meta["title-prefix"] == ""
    assert not any("<h1" in c.source for c in notebook.cells)
    assert any('class="lhs-period"' in c.source for c in notebook.cells)


def test_a_page_digest_ignores_the_build_time_but_not_the_content(tmp_path):
    site = demo_site(tmp_path)
    later = demo_site(tmp_path, built="2025-02-01 10:00 UTC")
    first, again = page_file(site.pages[2], site), page_file(later.pages[2], later)
    assert first.content != again.content and first.digest == again.digest
    report_notebook(site.pages[2].notebook, "SYN01 NHS Trust", value=2)
    assert page_file(site.pages[2], site).digest != first.digest


def test_hidden_components_are_found_anywhere_in_the_absolute_path(tmp_path, monkeypatch):
    assert hidden_component(Path("/home/ana/.local/p/outputs/staging")) == ".local"
    assert hidden_component(Path("/srv/p/outputs/.site_src")) == ".site_src"
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".hidden").mkdir()
    monkeypatch.chdir(tmp_path / ".hidden")
    assert hidden_component(Path("outputs")) == ".hidden"


# --- rendering with the stand-in --------------------------------------------------------------


def test_the_stand_in_skips_a_hidden_project_silently_as_quarto_does(fake_quarto, tmp_path):
    project = tmp_path / ".cache" / "site"
    project.mkdir(parents=True)
    (project / "_quarto.yml").write_text("project:\n  output-dir: _site\n")
    (project / "index.qmd").write_text("---\ntitle: Home\n---\nHi\n")
    done = subprocess.run(["quarto", "render"], cwd=project, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (project / "_site").exists()


def test_a_project_under_a_hidden_folder_still_renders_every_page(fake_quarto, tmp_path,
                                                                  capsys):
    site = demo_site(tmp_path)
    stage_dir = tmp_path / ".lhs" / "outputs" / "staging"
    temporary = set(Path(tempfile.gettempdir()).glob("lhs-reports-quarto-*"))
    result = render_quarto(site, project_root(tmp_path), stage_dir)
    for page in site.pages:
        assert (result.site_dir / page.html_path).stat().st_size > 0, page.name
    [call] = calls(fake_quarto)
    assert hidden_component(Path(json.loads(fake_quarto.read_text().splitlines()[-1])["cwd"])) \
        is None
    assert call == ["render", "--no-execute"]
    assert "inside a hidden folder (.lhs)" in capsys.readouterr().err
    # What was rendered elsewhere is kept in the staging folder; the temporary one is gone.
    assert result.site_dir.parent == stage_dir and result.project_dir.parent == stage_dir
    assert set(Path(tempfile.gettempdir()).glob("lhs-reports-quarto-*")) == temporary


def test_pages_quarto_did_not_render_fail_the_render(fake_quarto, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_QUARTO_MODE", "nothing")
    site = demo_site(tmp_path)
    with pytest.raises(RenderError, match=r"4 of 4 pages are missing or empty: index\.html"):
        render_quarto(site, project_root(tmp_path), tmp_path / "staging")


def test_each_page_is_reported_as_quarto_renders_it(fake_quarto, tmp_path, capsys):
    render_quarto(demo_site(tmp_path), project_root(tmp_path), tmp_path / "staging")
    lines = re.findall(r"^quarto \[(\d)/4\] (\S+)$", capsys.readouterr().err, re.MULTILINE)
    assert [n for n, _ in lines] == ["1", "2", "3", "4"]
    assert {page for _, page in lines} == {"index.qmd", "crisis_flow/index.qmd",
                                           "crisis_flow/SYN01.ipynb", "crisis_flow/SYN02.ipynb"}


@pytest.mark.parametrize("mode", ["plain", "colour"])
def test_a_quarto_error_keeps_its_first_lines_without_colour_or_stack_trace(
        fake_quarto, tmp_path, monkeypatch, mode):
    if mode == "colour":
        monkeypatch.setenv("FAKE_QUARTO_MODE", "colour")
    (tmp_path / "_quarto.yml").write_text("project:\n  type: website\n")
    (tmp_path / "index.qmd").write_text("---\ntitle: [Home\nfoo: : :\n---\nHi\n")
    with pytest.raises(RenderError) as raised:
        run_quarto(["render", "--no-execute"], tmp_path, timeout=60)
    message = str(raised.value)
    assert "ERROR: YAMLException:" in message and "title: [Home" in message
    assert "\x1b" not in message
    assert "Stack trace" not in message and " at " not in message


def test_quarto_error_cuts_long_lines_and_falls_back_to_the_last_lines():
    long = "ERROR: " + "x" * 1000
    assert quarto_error([long]).endswith("[...]") and len(quarto_error([long])) < 320
    assert quarto_error(["[1/1] a.qmd", "pandoc: out of memory"]) == "pandoc: out of memory"


def test_a_hung_quarto_is_stopped_at_the_timeout(fake_quarto, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_QUARTO_MODE", "hang")
    with pytest.raises(RenderError, match="took longer than 1 s"):
        run_quarto(["render"], tmp_path, timeout=1)


# --- incremental renders --------------------------------------------------------------------


def test_only_changed_pages_are_rendered_and_only_after_a_commit(fake_quarto, tmp_path,
                                                                   capsys):
    root, state = project_root(tmp_path), tmp_path / "outputs" / "quarto"
    site = demo_site(tmp_path)
    first = render_quarto(site, root, tmp_path / "b1", state_dir=state)
    assert first.full and calls(fake_quarto)[-1] == ["render", "--no-execute"]
    first.commit()
    assert (state / "_site" / "crisis_flow" / "SYN02.html").is_file()

    # A later build: a new build time changes nothing a reader sees, so Quarto is not run.
    again = render_quarto(demo_site(tmp_path, built="later"), root, tmp_path / "b2",
                          state_dir=state)
    assert not again.full and again.rendered == () and len(calls(fake_quarto)) == 1
    assert (again.site_dir / "crisis_flow" / "SYN01.html").is_file()

    # One trust's report changed: only its page is rendered, into the kept site.
    report_notebook(tmp_path / "notebooks" / "crisis_flow" / "SYN01.ipynb", "SYN01 NHS Trust",
                    value=7)
    capsys.readouterr()
    changed = render_quarto(demo_site(tmp_path), root, tmp_path / "b3", state_dir=state)
    assert calls(fake_quarto)[-1] == ["render", "crisis_flow/SYN01.ipynb", "--no-execute"]
    assert "quarto [1/1] crisis_flow/SYN01.ipynb" in capsys.readouterr().err
    assert ">7<" in (changed.site_dir / "crisis_flow" / "SYN01.html").read_text()
    assert (changed.site_dir / "crisis_flow" / "SYN02.html").is_file()

    # Not committed (say the audit failed): the next build renders that page again.
    render_quarto(demo_site(tmp_path), root, tmp_path / "b4", state_dir=state).commit()
    assert calls(fake_quarto)[-1] == ["render", "crisis_flow/SYN01.ipynb", "--no-execute"]


def test_a_removed_report_goes_with_its_listing_entry(fake_quarto, tmp_path):
    root, state = project_root(tmp_path), tmp_path / "outputs" / "quarto"
    render_quarto(demo_site(tmp_path), root, tmp_path / "b1", state_dir=state).commit()
    (state / "_site" / "search.json").write_text(json.dumps(
        [{"href": "crisis_flow/SYN02.html#summary"}, {"href": "index.html"}]))
    result = render_quarto(demo_site(tmp_path, trusts=("SYN01",)), root, tmp_path / "b2",
                           state_dir=state)
    assert calls(fake_quarto)[-1] == ["render", "crisis_flow/index.qmd", "--no-execute"]
    assert not (result.site_dir / "crisis_flow" / "SYN02.html").exists()
    assert not (result.project_dir / "crisis_flow" / "SYN02.ipynb").exists()
    assert json.loads((result.site_dir / "search.json").read_text()) == [{"href": "index.html"}]


def test_most_pages_changed_is_one_full_render(fake_quarto, tmp_path):
    root, state = project_root(tmp_path), tmp_path / "outputs" / "quarto"
    render_quarto(demo_site(tmp_path), root, tmp_path / "b1", state_dir=state).commit()
    for trust in ("SYN01", "SYN02"):
        report_notebook(tmp_path / "notebooks" / "crisis_flow" / f"{trust}.ipynb",
                        f"{trust} NHS Trust", value=9)
    site = dataclasses.replace(demo_site(tmp_path), title="Renamed reports")
    result = render_quarto(site, root, tmp_path / "b2", state_dir=state)
    assert result.full and calls(fake_quarto)[-1] == ["render", "--no-execute"]


def test_a_theme_change_renders_everything(fake_quarto, tmp_path):
    root, state = project_root(tmp_path), tmp_path / "outputs" / "quarto"
    render_quarto(demo_site(tmp_path), root, tmp_path / "b1", state_dir=state).commit()
    # The project's own theme, the packaged one with one rule more, replaces the packaged one.
    packaged = site_file(root, "templates/theme.scss")
    assert packaged is not None and packaged.packaged
    (root / "templates").mkdir()
    (root / "templates" / "theme.scss").write_text(
        packaged.path.read_text() + "\n.lhs-new { color: red; }\n")
    result = render_quarto(demo_site(tmp_path), root, tmp_path / "b2", state_dir=state)
    assert result.full and calls(fake_quarto)[-1] == ["render", "--no-execute"]


def test_render_site_publishes_and_keeps_the_last_site_when_quarto_renders_nothing(
        fake_quarto, tmp_path, monkeypatch):
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site import render_site

    from .helpers import make_project

    root = make_project(tmp_path / "p", 1)
    project = load_project(root)
    site = render_site(project, [], [], renderer="quarto")
    assert (site / "index.html").is_file() and (root / "outputs" / "quarto" / "_site").is_dir()
    before = (site / "index.html").read_text()

    (root / "index.qmd").write_text("---\ntitle: Home\n---\nNew words.\n")
    monkeypatch.setenv("FAKE_QUARTO_MODE", "nothing")
    with pytest.raises(RenderError, match="missing or empty"):
        render_site(project, [], [], renderer="quarto")
    assert (site / "index.html").read_text() == before

    monkeypatch.delenv("FAKE_QUARTO_MODE")
    render_site(project, [], [], renderer="quarto")
    assert calls(fake_quarto)[-1] == ["render", "index.qmd", "--no-execute"]
    assert "New words." in (site / "index.html").read_text()


# --- the root _quarto.yml -------------------------------------------------------------------


def test_the_root_config_renders_nothing_but_the_home_page_and_not_into_outputs():
    config = yaml.safe_load((REPO_ROOT / "_quarto.yml").read_text())
    project = config["project"]
    assert project["pre-render"] == ROOT_GUARD and (REPO_ROOT / ROOT_GUARD).is_file()
    assert project["render"] == ["index.qmd"]
    assert not project["output-dir"].startswith("outputs")
    for theme in config["format"]["html"]["theme"]:
        assert theme == "cosmo" or site_file(REPO_ROOT, theme) is not None, theme
    theme_file = site_file(REPO_ROOT, "templates/theme.scss")
    assert theme_file is not None and theme_file.packaged
    assert "$web-font-path: false;" in theme_file.path.read_text()


@pytest.mark.quarto
@real_quarto
@pytest.mark.parametrize("command", [["render"], ["render", "index.qmd"],
                                     ["preview", "--no-browser", "--port", "4917"]])
def test_quarto_at_the_root_says_to_run_lhs_reports_build_and_touches_nothing(tmp_path, command):
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT, root, ignore=shutil.ignore_patterns(
        ".git", ".venv", "outputs", "data", "*.egg-info", "__pycache__", ".*_cache"))
    published = root / "outputs" / "_site" / "crisis_flow"
    published.mkdir(parents=True)
    (published / "SYN01.html").write_text("<html>published</html>")
    before = sorted(p for p in root.rglob("*") if ".quarto" not in p.parts)
    done = subprocess.run(["quarto", *command], cwd=root, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "lhs-reports build" in done.stdout + done.stderr
    after = sorted(p for p in root.rglob("*") if ".quarto" not in p.parts)
    assert after == before
    assert (published / "SYN01.html").read_text() == "<html>published</html>"


@pytest.mark.quarto
@real_quarto
def test_real_quarto_renders_a_hidden_staging_folder_and_its_error_is_first(tmp_path):
    site = demo_site(tmp_path)
    result = render_quarto(site, project_root(tmp_path), tmp_path / ".staging")
    for page in site.pages:
        assert (result.site_dir / page.html_path).stat().st_size > 0, page.name
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "_quarto.yml").write_text("project:\n  type: website\n")
    (tmp_path / "bad" / "index.qmd").write_text("---\ntitle: [Home\nfoo: : :\n---\nHi\n")
    with pytest.raises(RenderError) as raised:
        run_quarto(["render", "--no-execute"], tmp_path / "bad", timeout=300)
    assert "ERROR: YAMLException" in str(raised.value)
    assert "\x1b" not in str(raised.value) and "Stack trace" not in str(raised.value)



@pytest.mark.quarto
@real_quarto
def test_real_quarto_renders_only_the_changed_page_into_the_kept_site(tmp_path, capsys):
    root, state = project_root(tmp_path), tmp_path / "outputs" / "quarto"
    render_quarto(demo_site(tmp_path), root, tmp_path / "b1", state_dir=state).commit()
    report_notebook(tmp_path / "notebooks" / "crisis_flow" / "SYN01.ipynb", "SYN01 NHS Trust",
                    value=4242)
    capsys.readouterr()
    result = render_quarto(demo_site(tmp_path), root, tmp_path / "b2", state_dir=state)
    assert result.rendered == ("crisis_flow/SYN01.ipynb",) and not result.full
    assert "quarto [1/1] crisis_flow/SYN01.ipynb" in capsys.readouterr().err
    assert "4242" in (result.site_dir / "crisis_flow" / "SYN01.html").read_text()
    search = (result.site_dir / "search.json").read_text()
    assert "4242" in search and "crisis_flow/SYN02.html" in search
    for page in ("index.html", "crisis_flow/index.html", "crisis_flow/SYN02.html"):
        assert (result.site_dir / page).stat().st_size > 0, page
