"""The incremental site: a rebuild renders and audits only the pages whose inputs changed.

A hand-made project of three trusts (hand-written executed notebooks and records, no kernel)
is rendered with the built-in renderer; the pages rendered are observed by wrapping the
renderer's page function, and the site is compared file by file with a full render.
"""

from __future__ import annotations

import filecmp
import hashlib
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

import lhs_reports.site as site_module
import lhs_reports.site.builtin as builtin
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job, load_project, plan_jobs
from lhs_reports.errors import AuditError
from lhs_reports.site import SiteRender, render_site_report
from lhs_reports.site.provenance import BUILD_TIME

from .handmade import make_handmade_project

CODES = ["RX4", "TAH", "RW5"]
#: One build time for every render here, so a full render can be compared byte for byte.
FROZEN = "2026-12-07 09:30 UTC"


def _executed(job: Job, text: str) -> None:
    """An executed notebook for ``job`` whose one output says ``text``."""
    notebook = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(...)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {job.title}"), code]
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    job.output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, job.output)


def _results(jobs: list[Job], signals: dict[str, str]) -> list[JobResult]:
    """Each job records one SPC signal: common cause unless ``signals`` says otherwise."""
    return [JobResult(job.key, "ok", 1.0, records=[
        {"name": "crisis_24h_variation", "value": signals.get(job.param_id, "common_cause"),
         "unit": "", "label": ""}]) for job in jobs]


class Renders:
    """The names of the pages the built-in renderer rendered (not copied) in each render."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __call__(self, original: Any) -> Any:
        def spy(site: Any, indices: list[int], *args: Any) -> None:
            self.names.update(site.pages[i].name for i in indices)
            original(site, indices, *args)
        return spy


@pytest.fixture
def frozen_clock(monkeypatch) -> None:
    made = site_module.build_provenance

    def provenance(root: Path) -> dict[str, str]:
        return {**made(root), BUILD_TIME: FROZEN}

    monkeypatch.setattr(site_module, "build_provenance", provenance)


@pytest.fixture
def renders(monkeypatch) -> Renders:
    spy = Renders()
    monkeypatch.setattr(builtin, "_render_pages", spy(builtin._render_pages))
    return spy


@pytest.fixture
def handmade(tmp_path) -> tuple[Any, list[Job]]:
    root = make_handmade_project(tmp_path / "project", CODES, layout="csv")
    catalogue = root / "params" / "reports.yaml"
    catalogue.write_text(catalogue.read_text().replace(
        "site: {title: Probe, synthetic: false}",
        "site: {title: Probe, synthetic: false, board_packs: false}"))
    project = load_project(root)
    jobs = plan_jobs(project)
    for job in jobs:
        _executed(job, f"{job.title}: 60 admissions")
    return project, jobs


def _render(project: Any, jobs: list[Job], signals: dict[str, str] | None = None, *,
            cache: bool = True) -> SiteRender:
    return render_site_report(project, jobs, _results(jobs, signals or {}),
                              renderer="builtin", render_cache=cache)


def _same_files(first: Path, second: Path) -> list[str]:
    """Files that differ, or are in only one of the two folders."""
    names = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    names |= {p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()}
    return sorted(name for name in names
                  if not ((first / name).is_file() and (second / name).is_file()
                          and filecmp.cmp(first / name, second / name, shallow=False)))


def test_one_trust_s_new_notebook_renders_its_page_again_and_nothing_else(
        handmade, renders, frozen_clock):
    project, jobs = handmade
    first = _render(project, jobs)
    assert first.pages_reused == 0 and first.pages_rendered == len(renders.names) > 8
    every_page = set(renders.names)
    assert _render(project, jobs).unchanged  # nothing changed: nothing rendered or audited

    renders.names.clear()
    _executed(next(j for j in jobs if j.key == "trust/RX4"), "RX4 now: 61 admissions")
    second = _render(project, jobs)
    assert renders.names == {"trust/RX4"}
    assert (second.pages_rendered, second.pages_reused) == (1, len(every_page) - 1)
    assert 0 < second.files_audited < second.files_reused  # the new page and the index
    assert "RX4 now" in (project.site_dir / "trust" / "RX4.html").read_text()


def test_a_trust_s_new_figures_render_only_the_pages_that_show_them(
        handmade, renders, frozen_clock):
    project, jobs = handmade
    first = _render(project, jobs)
    _render(project, jobs, {"RX4": "concern_low"})  # the first publication with a history
    renders.names.clear()
    third = _render(project, jobs, {"RX4": "improvement_high"})
    # RX4's page lists its change and What's new the publication's; the other organisations'
    # pages say "no change" as before, and no report page shows the records (their notebooks
    # are the same).
    assert renders.names == {"trusts/RX4", "whats-new"}
    assert "special cause improvement" in (project.site_dir / "trusts" / "RX4.html").read_text()
    assert third.pages_rendered == 2 and third.pages_reused == first.pages_rendered - 2


def test_a_new_organisation_renders_its_pages_and_the_listings_not_the_others(
        handmade, renders, frozen_clock):
    project, jobs = handmade
    _render(project, jobs)
    _render(project, jobs, {"TAH": "concern_low"})  # the first publication with a history
    (project.root / "params" / "trusts" / "RY2.yaml").write_text(
        "trust_code: RY2\ntrust_name: Trust RY2\nperiod_end: 2024-03\n")
    project = load_project(project.root)
    jobs = plan_jobs(project)
    _executed(next(j for j in jobs if j.key == "trust/RY2"), "RY2: 40 admissions")
    renders.names.clear()
    _render(project, jobs, {"TAH": "concern_low"})
    assert {"trust/RY2", "trusts/RY2", "trust/index", "trusts/index"} <= renders.names
    # TAH's page said what changed at the last publication, so it changes too.
    assert not renders.names & {"trust/RX4", "trust/TAH", "trusts/RW5", "across/all"}


def test_a_new_template_renders_every_page_again(handmade, renders, frozen_clock):
    project, jobs = handmade
    first = _render(project, jobs)
    templates = project.root / "templates"
    templates.mkdir()
    package = Path(builtin.__file__).parent / "templates" / "page.html.j2"
    (templates / "page.html.j2").write_text(
        package.read_text().replace("Built with lhs-reports.", "Built here."))
    renders.names.clear()
    second = _render(project, jobs)
    assert second.pages_reused == 0
    assert second.pages_rendered == first.pages_rendered == len(renders.names)
    assert "Built here." in (project.site_dir / "trust" / "TAH.html").read_text()


def test_the_incremental_site_is_byte_for_byte_a_full_render(handmade, frozen_clock):
    project, jobs = handmade
    _render(project, jobs)
    _executed(next(j for j in jobs if j.key == "trust/TAH"), "TAH now: 70 admissions")
    incremental = _render(project, jobs, {"RW5": "concern_high"})
    assert incremental.pages_reused
    kept = project.root / "incremental-site"
    shutil.copytree(project.site_dir, kept)
    full = _render(project, jobs, {"RW5": "concern_high"}, cache=False)
    assert full.pages_reused == 0 and full.files_reused == 0
    assert _same_files(kept, project.site_dir) == []


def test_a_changed_page_that_discloses_fails_the_audit_and_the_site_stays(
        handmade, frozen_clock):
    project, jobs = handmade
    _render(project, jobs)
    before = (project.site_dir / "trust" / "RX4.html").read_bytes()
    _executed(next(j for j in jobs if j.key == "trust/RX4"), "Patient 943 476 5919")
    with pytest.raises(AuditError, match="NHS-number-like"):
        _render(project, jobs)
    assert (project.site_dir / "trust" / "RX4.html").read_bytes() == before
    # The page's render was kept, but no clean verdict: the next build audits it again.
    with pytest.raises(AuditError, match="NHS-number-like"):
        _render(project, jobs)


def test_a_corrupt_cache_entry_is_rendered_again_and_a_forged_one_is_audited(
        handmade, renders, frozen_clock):
    project, jobs = handmade
    _render(project, jobs)
    entries = sorted((project.outputs / ".cache" / "pages").iterdir())
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # cut short
    kept = project.root / "kept"
    shutil.copytree(project.site_dir, kept)
    renders.names.clear()
    _executed(next(j for j in jobs if j.key == "trust/RX4"), "RX4 now: 61 admissions")
    again = _render(project, jobs)
    assert again.pages_rendered == len(renders.names) == 2  # RX4's and the cut one
    # An entry whose bytes are intact but new (written by anything but this renderer) is
    # not trusted for its contents: the audit reads every page whose bytes it has not passed.
    entry = next(e for e in sorted((project.outputs / ".cache" / "pages").iterdir())
                 if b"RX4 now" in e.read_bytes())
    magic, _, page = entry.read_bytes().split(b"\n", 2)
    page = page.replace(b"RX4 now: 61", b"Patient 943 476 5919")
    entry.write_bytes(magic + b"\n" + hashlib.sha256(page).hexdigest().encode() + b"\n" + page)
    (project.outputs / ".cache" / "site-key").unlink()
    with pytest.raises(AuditError, match="NHS-number-like"):
        _render(project, jobs)


def test_no_render_cache_is_a_build_and_render_option_and_the_summary_counts_pages(capsys):
    from lhs_reports.cli import _summary
    from lhs_reports.cli_parser import build_parser
    from lhs_reports.engine.build import BuildReport

    parser = build_parser()
    assert parser.parse_args(["build"]).render_cache
    assert not parser.parse_args(["build", "--no-render-cache"]).render_cache
    assert not parser.parse_args(["render", "--no-render-cache"]).render_cache
    report = BuildReport([], [], site_render=SiteRender(Path("_site"), 2, 40, 5, 120))
    _summary(report)
    assert "Site: 2 pages rendered, 40 reused; audit read 5 files, reused 120 verdicts" in (
        capsys.readouterr().out)


def test_board_packs_convert_a_report_again_only_when_its_notebook_changed(tmp_path, handmade):
    from lhs_reports.site.builtin import page_bodies
    from lhs_reports.site.model import Page
    from lhs_reports.site.page_cache import PageCache

    _, jobs = handmade
    job = jobs[0]
    converted: list[str] = []
    convert = page_bodies()

    def body_of(page: Page) -> str:
        converted.append(page.name)
        return convert(page)

    page = Page(job.key, job.title, "notebook", notebook=job.output)
    cache = PageCache(tmp_path / "bodies")
    first = cache.bodies(body_of)(page)
    # Another build: a new cache object over the same folder.
    assert PageCache(tmp_path / "bodies").bodies(body_of)(page) == first
    assert converted == [job.key]
    _executed(job, "a new output")
    assert "a new output" in PageCache(tmp_path / "bodies").bodies(body_of)(page)
    assert converted == [job.key, job.key]
