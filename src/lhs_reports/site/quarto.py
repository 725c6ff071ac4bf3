"""Rendering the site with the Quarto CLI (``quarto render``, as a subprocess).

A build stages a complete Quarto website project (see :mod:`lhs_reports.site.quarto_stage`)
and runs ``quarto render`` on it. Three things make that trustworthy:

- **Never a hidden folder.** Quarto skips every input whose absolute path has a component
  starting with a dot (``kSkipHidden`` in Quarto's ``src/core/path.ts``; quarto-dev/quarto-cli
  #3186): it renders nothing, says nothing and exits 0. A staging folder with such a component
  (``outputs/.site_src``, or a project under ``~/.something/``) is swapped for a fresh
  temporary folder, and every expected page must exist afterwards.
- **Quarto's own error.** Its first ``ERROR`` lines, not the stack trace printed after them
  (:mod:`lhs_reports.site.quarto_run`).
- **Only what changed.** With a ``state_dir`` (``outputs/quarto/``), the last published render
  is kept as a Quarto project with its ``_site``; the next build copies it, renders only the
  pages whose content changed (``quarto render page1 page2 ...``) and removes pages that are
  gone. A change to ``_quarto.yml``, the theme or the Quarto version renders everything. The
  state only moves forward when the caller calls :meth:`QuartoRender.commit`, after it has
  audited and published the site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lhs_reports.errors import RenderError
from lhs_reports.site.pages import SiteModel, list_pages, missing_pages, write_site_files
from lhs_reports.site.quarto_run import PageProgress, render_timeout, run_quarto
from lhs_reports.site.quarto_stage import (
    BANNER_INCLUDE,
    QUARTO_CONFIG,
    script_files,
    stage,
    staged_config,
    staged_files,
    write_files,
)
from lhs_reports.site.quarto_state import (
    RenderPlan,
    config_digest,
    load_state,
    plan_render,
    remove_outputs,
    remove_pages,
    save_state,
)
from lhs_reports.site.table_regions import wrap_tables_in_site

__all__ = ["BANNER_INCLUDE", "QUARTO_CONFIG", "QuartoRender", "hidden_component",
           "quarto_available", "render_quarto", "stage", "staged_config"]

#: Inside the staging folder: the Quarto project that rendered, and the site to publish.
PROJECT = "quarto"
SITE = "site"


def quarto_available() -> bool:
    """True when the ``quarto`` CLI is on PATH."""
    return shutil.which("quarto") is not None


def hidden_component(path: Path) -> str | None:
    """The first component of ``path``'s absolute form that starts with a dot, if any.

    Symbolic links are checked both ways: as written and resolved (Quarto resolves the
    project folder).

    Examples
    --------
    >>> hidden_component(Path("/home/ana/.cache/lhs/outputs/staging"))
    '.cache'
    >>> hidden_component(Path("/srv/lhs/outputs/staging/20250101")) is None
    True
    """
    for form in (Path(os.path.abspath(path)), Path(path).resolve()):
        hidden = next((part for part in form.parts
                       if part.startswith(".") and part not in {".", ".."}), None)
        if hidden is not None:
            return hidden
    return None


@dataclass
class QuartoRender:
    """What :func:`render_quarto` made.

    ``site_dir`` is the rendered site, for the caller to audit and publish (moving it is
    fine). ``project_dir`` is the Quarto project that rendered it, with its own ``_site``.
    ``rendered`` lists the pages Quarto rendered this time (every page when ``full``).
    """

    site_dir: Path
    project_dir: Path
    state_dir: Path | None
    full: bool
    rendered: tuple[str, ...]
    reason: str
    committed: bool = field(default=False, init=False)

    def commit(self) -> None:
        """Keep this render as the starting point of the next build (after publishing).

        Replaces ``state_dir`` with ``project_dir``. Without a ``state_dir`` it does nothing.
        """
        if self.state_dir is None or self.committed:
            return
        retired = self.state_dir.with_name(self.state_dir.name + "-old")
        if retired.exists():
            shutil.rmtree(retired)
        if self.state_dir.exists():
            self.state_dir.rename(retired)
        self.state_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.project_dir), self.state_dir)
        if retired.exists():
            shutil.rmtree(retired)
        self.committed = True


def render_quarto(site: SiteModel, project_root: Path, stage_dir: Path, *,
                  state_dir: Path | None = None, timeout: float | None = None,
                  progress: bool = True) -> QuartoRender:
    """Stage the site and run ``quarto render``; every page of ``site`` exists afterwards.

    Parameters
    ----------
    site
        The pages to render.
    project_root
        The project, for its ``_quarto.yml`` and ``templates/``.
    stage_dir
        A folder for this build (created if missing; its ``quarto/`` and ``site/`` are
        replaced). Rendering happens in a temporary folder instead if its path has a hidden
        component, since Quarto would skip every page.
    state_dir
        Where the last published render is kept between builds (``outputs/quarto``); with
        it, only changed pages are rendered. The caller must call
        :meth:`QuartoRender.commit` once the site is published.
    timeout
        Seconds for ``quarto render``; by default 60 s plus 30 s for each page rendered.
    progress
        Report each page as Quarto renders it (stderr: a bar on a terminal, else lines).

    Raises
    ------
    RenderError
        Quarto is missing, fails (with its first error lines), runs out of time, or leaves a
        page unrendered.
    """
    if not quarto_available():
        raise RenderError("the quarto CLI is not on PATH",
                          hint="install Quarto (quarto.org) or use --renderer builtin")
    config, pages = staged_files(site, project_root)
    digest = config_digest(config, _quarto_version())
    stage_dir.mkdir(parents=True, exist_ok=True)
    for leftover in (stage_dir / PROJECT, stage_dir / SITE):
        if leftover.exists():
            shutil.rmtree(leftover)
    work = _render_folder(stage_dir)
    previous = load_state(state_dir) if state_dir is not None else None
    plan = plan_render(previous, digest, pages)
    try:
        if not plan.full:
            assert state_dir is not None
            shutil.copytree(state_dir, work, symlinks=True, dirs_exist_ok=True)
            remove_pages(work, plan.removed)
            remove_outputs(work, plan.render)
        write_files(work, config + pages)
        if plan.render:
            _run(work, plan, timeout, progress)
        _check_pages(work, site)
        save_state(work, digest, pages)
        if work != stage_dir / PROJECT:
            shutil.move(str(work), stage_dir / PROJECT)
    finally:
        if work != stage_dir / PROJECT and work.exists():
            shutil.rmtree(work, ignore_errors=True)
    project_dir = stage_dir / PROJECT
    shutil.copytree(project_dir / "_site", stage_dir / SITE)
    # Reflow at 320 px: wide tables scroll in their own region (the built-in renderer does the
    # same); on the published copy only, so the kept render stays Quarto's own output.
    wrap_tables_in_site(stage_dir / SITE)
    # The downloads are staged as project resources too (so links to them resolve while
    # Quarto renders), but the published copy must not depend on Quarto copying them.
    write_site_files(site, stage_dir / SITE)
    write_files(stage_dir / SITE, script_files(site))  # the same for the package's scripts
    return QuartoRender(stage_dir / SITE, project_dir, state_dir, plan.full, plan.render,
                        plan.reason)


def _render_folder(stage_dir: Path) -> Path:
    """``stage_dir/quarto``, or a new temporary folder when Quarto would skip that path."""
    wanted = stage_dir / PROJECT
    hidden = hidden_component(wanted)
    if hidden is None:
        wanted.mkdir()
        return wanted
    work = Path(tempfile.mkdtemp(prefix="lhs-reports-quarto-"))
    if hidden_component(work) is not None:
        shutil.rmtree(work)
        raise RenderError(
            f"cannot stage the site for Quarto: both {stage_dir} and the temporary folder "
            f"{work.parent} have a folder starting with '.' in their path, and Quarto skips "
            "every page under such a folder",
            path=stage_dir, hint="set TMPDIR to a folder whose path has no '.' folder, or "
            "move the project out of the hidden folder")
    print(f"lhs-reports: the staging folder {stage_dir} is inside a hidden folder "
          f"({hidden}), which Quarto would skip; rendering in {work} instead",
          file=sys.stderr, flush=True)
    return work


def _run(work: Path, plan: RenderPlan, timeout: float | None, progress: bool) -> None:
    count = len(plan.render)
    reporter = PageProgress(count) if progress else None
    files = [] if plan.full else list(plan.render)
    try:
        run_quarto(["render", *files, "--no-execute"], work,
                   timeout=timeout if timeout is not None else render_timeout(count),
                   on_page=reporter.page if reporter is not None else None, named=files)
    finally:
        if reporter is not None:
            reporter.close()


def _check_pages(work: Path, site: SiteModel) -> None:
    """Every page of ``site`` exists in the rendered ``_site`` and is not empty."""
    missing = missing_pages(site, work / "_site")
    if missing:
        raise RenderError(
            f"quarto render finished but {len(missing)} of {len(site.pages)} pages are "
            f"missing or empty: {list_pages(missing)}", path=work,
            hint="Quarto skips files under a folder whose name starts with '.' or '_' and "
            "files it does not recognise; check the Quarto output above")


def _quarto_version() -> str:
    """``quarto --version`` (a new Quarto can render every page differently)."""
    try:
        done = subprocess.run(["quarto", "--version"], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"
