"""Generating the site's pages and rendering them with Quarto or the built-in renderer."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Literal

from lhs_reports.audit import AuditMemo, check_site
from lhs_reports.disclosure import NHS_DIGITAL_SDC
from lhs_reports.engine.cache import code_digest, file_hash
from lhs_reports.engine.lock import STAGING
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job, Project
from lhs_reports.errors import RenderError
from lhs_reports.packaged import site_files
from lhs_reports.site.history import History
from lhs_reports.site.organisations import SECTION as ORGANISATIONS
from lhs_reports.site.page_cache import PageCache
from lhs_reports.site.pages import (
    SiteModel,
    list_pages,
    missing_files,
    missing_pages,
    published_sentence,
    site_model,
)
from lhs_reports.site.provenance import BUILD_TIME, build_provenance
from lhs_reports.site.publication import (
    organisation_sections,
    previous_history,
    publication_history,
    with_whats_new,
)
from lhs_reports.site.publish import publish, write_text_atomic
from lhs_reports.site.quarto import quarto_available

Renderer = Literal["auto", "quarto", "builtin"]

__all__ = ["Renderer", "SiteModel", "SiteRender", "check_every_page", "choose_renderer",
           "render_site", "render_site_report", "site_model"]


@dataclasses.dataclass(frozen=True)
class SiteRender:
    """What one render of the site did: pages rendered and copied unchanged from the page
    cache (None with Quarto, which keeps its own), files the audit read and those whose
    clean verdict it reused; ``unchanged`` when nothing a reader would see had changed, so
    nothing was rendered or audited and the published site stayed."""

    path: Path
    pages_rendered: int | None = None
    pages_reused: int | None = None
    files_audited: int = 0
    files_reused: int = 0
    unchanged: bool = False

    @property
    def line(self) -> str:
        """One line for the build's summary.

        Examples
        --------
        >>> SiteRender(Path("_site"), 3, 40, 12, 150).line
        'Site: 3 pages rendered, 40 reused; audit read 12 files, reused 150 verdicts'
        >>> SiteRender(Path("_site"), unchanged=True).line
        'Site: unchanged (nothing rendered or audited)'
        """
        if self.unchanged:
            return "Site: unchanged (nothing rendered or audited)"
        pages = (f"{self.pages_rendered} pages rendered, {self.pages_reused} reused"
                 if self.pages_rendered is not None else "pages rendered by Quarto")
        return (f"Site: {pages}; audit read {self.files_audited} files, "
                f"reused {self.files_reused} verdicts")


def choose_renderer(renderer: Renderer) -> Literal["quarto", "builtin"]:
    """``auto`` means Quarto when ``quarto`` is on PATH, else the built-in renderer."""
    if renderer == "auto":
        return "quarto" if quarto_available() else "builtin"
    return renderer


def render_site(project: Project, jobs: Sequence[Job], results: Sequence[JobResult], *,
                renderer: Renderer = "auto",
                job_provenance: dict[str, dict[str, str]] | None = None,
                workers: int = 1, leave_out: Collection[str] = (),
                not_built: Mapping[str, str] | None = None,
                history: History | None = None, render_cache: bool = True) -> Path:
    """Generate every page, render, audit, and publish to ``outputs/_site``; returns it.

    :func:`render_site_report` does the work and says what it rendered and audited.
    """
    return render_site_report(project, jobs, results, renderer=renderer,
                              job_provenance=job_provenance, workers=workers,
                              leave_out=leave_out, not_built=not_built, history=history,
                              render_cache=render_cache).path


def render_site_report(project: Project, jobs: Sequence[Job], results: Sequence[JobResult],
                       *, renderer: Renderer = "auto",
                       job_provenance: dict[str, dict[str, str]] | None = None,
                       workers: int = 1, leave_out: Collection[str] = (),
                       not_built: Mapping[str, str] | None = None,
                       history: History | None = None,
                       render_cache: bool = True) -> SiteRender:
    """Generate every page, render, audit, and publish to ``outputs/_site``.

    ``history`` is the previous publication's results history; when not given it is read from
    where :func:`~lhs_reports.site.history.history_source` says (before the site is modelled).

    The published site is replaced in one step and only after the audit passed, so a failed
    render or audit leaves the previous site in place. Families in ``leave_out`` (skipped for
    want of their tables) are not on the site, nor are families switched off; the
    organisation pages say why a report in ``not_built`` (job key to reason) is missing. Each
    organisation's PDF board pack is made from the model (unless the catalogue's
    ``site.board_packs`` is false) and audited with the pages.

    Only what changed is rendered and read again: the built-in renderer copies a page whose
    inputs are unchanged from its page cache (:mod:`lhs_reports.site.page_cache`, in
    ``outputs/.cache/pages``), and the audit does not read again a file whose exact bytes
    passed the same audit before (:class:`~lhs_reports.audit.AuditMemo`, in
    ``outputs/.cache/audit``). ``render_cache=False`` renders and audits every page (and
    refreshes both caches).
    """
    previous = history if history is not None else previous_history(project)
    provenance = build_provenance(project.root)
    site = site_model(project, jobs, results, provenance, job_provenance or {},
                      leave_out=leave_out, not_built=not_built)
    history_now = publication_history(project, jobs, results, previous, site)
    if any(page.section == ORGANISATIONS for page in site.pages):
        # Imported here: it loads the built-in renderer (nbconvert), which a Quarto build
        # without organisations does not need.
        from lhs_reports.site.board_pack import board_packs

        packs = ([pack.code for pack in board_packs(site, jobs)]
                 if project.catalogue.site.board_packs else [])
        # Modelled again now that each organisation's changes and packs are known (they are
        # read from the first model's report pages); the model is cheap beside the render.
        site = site_model(project, jobs, results, provenance, job_provenance or {},
                          leave_out=leave_out, not_built=not_built,
                          organisation_changes=organisation_sections(history_now, project,
                                                                     jobs),
                          board_packs=packs)
    site = with_whats_new(site, project, history_now)
    chosen = choose_renderer(renderer)
    key = site_key(site, project, chosen)
    cache_dir = project.outputs / ".cache"
    key_file = cache_dir / "site-key"
    if (render_cache and project.site_dir.is_dir() and key_file.is_file()
            and key_file.read_text() == key):
        # nothing a reader would see has changed
        return SiteRender(project.site_dir, unchanged=True)
    pages = PageCache(cache_dir / "pages", reuse=render_cache)
    # The page bodies the board packs are made from, so that a pack converts again only the
    # reports whose notebooks changed.
    bodies = PageCache(cache_dir / "bodies", reuse=render_cache)
    # The audit's identity: its code, its rule, and the PDF reader and Python it runs on.
    salt = (f"{code_digest()}:{NHS_DIGITAL_SDC!r}:pypdf {metadata.version('pypdf')}:"
            f"{platform.python_version()}")
    memo = AuditMemo(cache_dir / "audit", salt=salt, reuse=render_cache)
    # A folder of this build's own (no other build's files, no leading dot: Quarto skips
    # hidden paths), removed whatever happens.
    staging_root = project.outputs / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    stage_dir = Path(tempfile.mkdtemp(prefix=f"build-{os.getpid()}-", dir=staging_root))
    try:
        if chosen == "quarto":
            from lhs_reports.site.quarto import render_quarto

            quarto = render_quarto(site, project.root, stage_dir,
                                   state_dir=project.outputs / "quarto")
            rendered = quarto.site_dir
        else:
            from lhs_reports.site.builtin import render_builtin

            rendered = render_builtin(site, stage_dir / "_site",
                                      project_templates=project.root / "templates",
                                      workers=workers, cache=pages)
        if project.catalogue.site.board_packs:
            from lhs_reports.site.board_pack import write_board_packs

            # From the model, not the rendered HTML: the same packs whichever renderer ran.
            write_board_packs(site, jobs, rendered, cache_dir=project.outputs / ".cache" /
                              "board-packs", workers=workers,
                              project_templates=project.root / "templates", bodies=bodies)
        check_every_page(site, rendered, renderer=chosen)
        audit = check_site(rendered, memo=memo)
        published = publish(rendered, project.site_dir)
        if chosen == "quarto":
            quarto.commit()  # the next build renders only what changed since this one
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    # Only a complete, audited, published site is remembered as current.
    write_text_atomic(key_file, key)
    memo.prune()  # what is no longer on the site
    bodies.prune()
    if chosen != "quarto":
        pages.prune()
    return SiteRender(published,
                      pages_rendered=pages.rendered if chosen != "quarto" else None,
                      pages_reused=pages.reused if chosen != "quarto" else None,
                      files_audited=audit.read, files_reused=audit.reused)


def check_every_page(site: SiteModel, rendered: Path, *, renderer: str) -> None:
    """Every page of ``site`` must exist in ``rendered`` and not be empty, and every download
    must be there as generated.

    Raises :class:`RenderError` naming the missing pages: a renderer that exits cleanly having
    written nothing (Quarto skips hidden folders without a word) must never replace a site.
    """
    missing = missing_pages(site, rendered) + missing_files(site, rendered)
    if missing:
        raise RenderError(
            f"the {renderer} renderer did not produce {len(missing)} of the site's "
            f"{len(site.pages) + len(site.files)} pages and files: {list_pages(missing)}",
            path=rendered,
            hint="the published site was left as it was; see the renderer's output above, or "
            "try --renderer builtin",
        )


def site_key(site: SiteModel, project: Project, renderer: str) -> str:
    """A digest of everything the rendered site depends on, except the build time."""
    model = dataclasses.asdict(site)
    # The build time, and the date it puts on the home page, do not by themselves make a new
    # publication: the site published last keeps its date.
    published = published_sentence(site.provenance)
    model["provenance"].pop(BUILD_TIME, None)
    for page in model["pages"]:
        page["provenance"].pop(BUILD_TIME, None)
        page["markdown"] = page["markdown"].replace(published, "")
        if page["notebook"] is not None:
            page["notebook"] = file_hash(page["notebook"])
    # templates/ as the renderers see it: the project's files and the package's theme.
    sources = {item.name: item.path for item in site_files(project.root, "templates")}
    if (project.root / "_quarto.yml").is_file():
        sources["_quarto.yml"] = project.root / "_quarto.yml"
    payload = {
        "model": model,
        "sources": {name: file_hash(path) for name, path in sorted(sources.items())},
        "renderer": renderer,
        "board_packs": project.catalogue.site.board_packs,
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
