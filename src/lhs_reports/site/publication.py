"""This publication in the results history: the new history, the What's new page and feed.

:func:`publication_history` reads nothing: given the previous history (read with
:func:`~lhs_reports.site.history.read_history` before the site is modelled), it adds this build's
headline results. :func:`with_whats_new` adds to a site model the What's new page, its feed and
the history itself as files of the site, so the history is written only when the site is
published, and the previous site's file is never changed in place.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path

from lhs_reports.data.rows import DataWarning
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job, Project
from lhs_reports.site.changes import Change, changes_between, is_signal
from lhs_reports.site.feed import whats_new_feed
from lhs_reports.site.history import (
    HISTORY_FILE,
    History,
    headline_results,
    history_json,
    history_source,
    job_records,
    next_history,
    organisation_names,
    read_history,
)
from lhs_reports.site.pages import NavItem, Page, SiteFile, SiteModel
from lhs_reports.site.whats_new import (
    FEED_FILE,
    PAGE_NAME,
    organisation_section,
    whats_new_markdown,
)

__all__ = ["family_titles", "latest_changes", "organisation_sections", "previous_history",
           "publication_history", "with_whats_new"]

#: The navigation bar's name for the page.
NAV_TEXT = "What's new"


def previous_history(project: Project, given: Path | None = None) -> History:
    """The previous publication's history (see
    :func:`~lhs_reports.site.history.history_source` for where it is looked for).

    A file named (``--history``, :data:`~lhs_reports.site.history.HISTORY_ENV`) that is not
    there is a first publication too, with a notice: in CI it means the download failed."""
    source = history_source(project.site_dir, given)
    if not source.is_file() and source != project.site_dir / HISTORY_FILE:
        warnings.warn(f"no previous results history at {source}: this publication starts a "
                      "new history", DataWarning, stacklevel=2)
    return read_history(source)


def publication_history(project: Project, jobs: Sequence[Job], results: Sequence[JobResult],
                        previous: History, site: SiteModel) -> History:
    """``previous`` with this build's headline results, from the report pages of ``site``."""
    reports = [page.name for page in site.pages if page.kind == "notebook"]
    found = headline_results(jobs, job_records(results, project.outputs), reports)
    return next_history(previous, found, organisation_names(jobs), earlier=is_signal)


def latest_changes(history: History) -> tuple[Change, ...]:
    """What changed at the latest publication (nothing at the first)."""
    if history.latest is None or history.previous is None:
        return ()
    return changes_between(history.previous, history.latest)


def family_titles(project: Project) -> dict[str, str]:
    """``{family id: title}``, for the names of the reports changes link to."""
    return {family.id: family.title for family in project.catalogue.families}


def organisation_sections(history: History, project: Project,
                          jobs: Sequence[Job]) -> dict[str, str]:
    """``{code: the What's new section of the organisation's page}`` for every organisation
    the jobs are about (see :func:`~lhs_reports.site.whats_new.organisation_section`)."""
    titles = family_titles(project)
    return {code: organisation_section(history, code, family_titles=titles)
            for code in organisation_names(jobs)}


def with_whats_new(site: SiteModel, project: Project, history: History) -> SiteModel:
    """``site`` with the What's new page (last in the navigation), its Atom feed and the
    results history as files at the site root."""
    titles = family_titles(project)
    page = Page(PAGE_NAME, NAV_TEXT, "markdown",
                whats_new_markdown(history, family_titles=titles),
                provenance=site.provenance, section=PAGE_NAME,
                document_title="What's new since the last publication")
    feed = whats_new_feed(history, site_title=site.title, site_url=project.catalogue.site.url,
                          family_titles=titles)
    files = (SiteFile(HISTORY_FILE, history_json(history).encode("utf-8")),
             SiteFile(FEED_FILE, feed))
    return dataclasses.replace(site, pages=(*site.pages, page),
                               nav=(*site.nav, NavItem(NAV_TEXT, f"{PAGE_NAME}.html")),
                               files=(*site.files, *files))
