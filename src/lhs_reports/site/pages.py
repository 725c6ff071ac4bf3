"""The site's pages, independent of the renderer: what exists, its title, its content.

Both renderers (Quarto and the built-in one) take the same list of
:class:`~lhs_reports.site.model.Page` objects and the same
:class:`~lhs_reports.site.model.SiteFile` downloads, so the site has the same structure
whichever renders it. Generated Markdown escapes every piece of text that came from a parameter
or data file.

Whether the site is labelled SYNTHETIC follows the data (:func:`site_is_synthetic`), and so does
the conditional text of hand-written pages (:mod:`lhs_reports.site.conditional`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import yaml

from lhs_reports.data.origin import data_are_synthetic
from lhs_reports.data.templates import SITE_FOLDER, template_files
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job, Project
from lhs_reports.packaged import site_file, site_files
from lhs_reports.site import organisations as at_a_glance
from lhs_reports.site.about_data import about_data_markdown
from lhs_reports.site.conditional import resolve_conditions
from lhs_reports.site.downloads import (
    HEADLINE_CSV,
    about_downloads_markdown,
    headline_link_markdown,
    headline_results_csv,
)
from lhs_reports.site.model import NavItem, Page, SiteFile, SiteModel
from lhs_reports.site.notebooks import page_downloads
from lhs_reports.site.provenance import publication_date
from lhs_reports.site.reference import reference_pages
from lhs_reports.site.whats_new import PAGE_NAME as WHATS_NEW
from lhs_reports.text import md_escape

#: Hand-written pages, in navigation order: the project's ``index.qmd`` (its home page), and
#: ``methods.qmd`` and ``methods/*.qmd``, the project's own or else the package's
#: (:mod:`lhs_reports.packaged`).
HANDWRITTEN = ("index.qmd", "methods.qmd")
#: The documentation's hub (guides and API reference): the project's own, else the package's.
GUIDES = "guides.qmd"
#: The accessibility statement every footer links: the project's own, else the package's.
ACCESSIBILITY = "accessibility.qmd"


def write_site_files(site: SiteModel, out_dir: Path) -> None:
    """Write the site's downloads into the rendered site ``out_dir`` (both renderers)."""
    for item in site.files:
        target = out_dir / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)


def site_is_synthetic(project: Project, jobs: Sequence[Job]) -> bool:
    """Whether every page is labelled SYNTHETIC: when any data folder this site's reports read
    (the catalogue's and any a parameter file names) holds synthetic data, or the catalogue's
    ``site.synthetic`` adds the label. The catalogue cannot remove it from synthetic data."""
    if project.catalogue.site.synthetic:
        return True
    folders = {project.data_dir} | {project.root / str(job.parameters["data_dir"])
                                    for job in jobs}
    return any(data_are_synthetic(folder) for folder in sorted(folders) if folder.is_dir())


def html_title(page: Page, site_title: str) -> str:
    """The page's ``<title>``: its document title, then the site's (once, on the home page).

    Both renderers use it, so a page has the same title whichever rendered it.

    Examples
    --------
    >>> page = Page("crisis_flow/SYN03", "Southmoor NHS Trust", "notebook",
    ...             document_title="Crisis and acute flow: Southmoor NHS Trust")
    >>> html_title(page, "LHS reports")
    'Crisis and acute flow: Southmoor NHS Trust | LHS reports'
    >>> html_title(Page("index", "LHS reports", "markdown"), "LHS reports")
    'LHS reports'
    """
    own = page.document_title or page.title
    return own if own == site_title else f"{own} | {site_title}"


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split a ``.qmd`` file into its YAML front matter and body.

    Examples
    --------
    >>> split_front_matter("---\\ntitle: Home\\n---\\nHello")
    ({'title': 'Home'}, 'Hello')
    """
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) == 2:
            meta = yaml.safe_load(parts[0].removeprefix("---")) or {}
            return dict(meta), parts[1].lstrip("-").lstrip("\n")
    return {}, text


def _family_listing(project: Project, family_id: str, jobs: Sequence[Job],
                    results: dict[str, JobResult]) -> str:
    family = next(f for f in project.catalogue.families if f.id == family_id)
    lines = [md_escape(family.description), "", "| Report | Status |", "|---|---|"]
    for job in jobs:
        result = results.get(job.key)
        status = "failed: see the report page" if result and not result.ok else "ready"
        lines.append(f"| [{md_escape(job.title)}]({job.param_id}.html) | {status} |")
    return "\n".join(lines) + "\n"


ILLUSTRATES_LABELS = {
    "full_lhs": "full learning health system",
    "data": "data",
    "technology": "technology",
    "learning_community": "learning community",
    "improvement": "improvement",
}


def _case_study_listing(project: Project, family_id: str, jobs: Sequence[Job],
                        results: dict[str, JobResult]) -> str:
    """Every case study (with or without an analysis), tagged with what it illustrates."""
    from lhs_reports.params import load_parameters, parameter_files

    family = next(f for f in project.catalogue.families if f.id == family_id)
    analysed = {j.param_id: j for j in jobs}
    lines = [md_escape(family.description), "",
             "| Case study | Illustrates | Summary | Analysis |", "|---|---|---|---|"]
    for path in parameter_files(project.root, family):
        params = load_parameters(path, family.schema_)
        tags = ", ".join(ILLUSTRATES_LABELS[t] for t in getattr(params, "illustrates", []))
        job = analysed.get(path.stem)
        if job is None:
            analysis = "description only"
        elif (result := results.get(job.key)) is not None and not result.ok:
            analysis = f"[failed]({job.param_id}.html)"
        else:
            analysis = f"[illustrative analysis]({job.param_id}.html)"
        title = md_escape(getattr(params, "title", path.stem))
        summary = md_escape(" ".join(str(getattr(params, "summary", "")).split()))
        lines.append(f"| {title} | {md_escape(tags)} | {summary} | {analysis} |")
    return "\n".join(lines) + "\n"


def _failed_page(job: Job, result: JobResult) -> str:
    return (
        f"This report could not be built in the latest run.\n\n"
        f"**Reason:** {md_escape(result.error or 'unknown error')}\n\n"
        "The analyst can open the failed notebook in "
        f"`outputs/notebooks/{job.family.id}/{job.param_id}.failed.ipynb` to see where it "
        "stopped. Earlier versions of this report are not shown, so that a stale page is never "
        "mistaken for a current one.\n"
    )


def published_sentence(provenance: Mapping[str, str]) -> str:
    """The home page's date of publication, from the build's provenance.

    Examples
    --------
    >>> published_sentence({"site built": "2026-12-07 09:30 UTC"})
    'Published 7 December 2026.'
    """
    return f"Published {publication_date(provenance)}."


def site_model(project: Project, jobs: Sequence[Job], results: Sequence[JobResult],
               provenance: dict[str, str],
               job_provenance: dict[str, dict[str, str]] | None = None, *,
               leave_out: Collection[str] = (), not_built: Mapping[str, str] | None = None,
               organisation_changes: Mapping[str, str] | None = None,
               board_packs: Collection[str] = ()) -> SiteModel:
    """Every page of the site for this build's jobs and their results; a family switched off
    or in ``leave_out`` (skipped: its tables are not in the data) is not listed.

    Each organisation with per-trust reports has a page at a glance
    (:mod:`lhs_reports.site.organisations`), saying why a report is missing (``not_built``:
    job key to reason, for jobs skipped for want of a table), with the section "What's new
    since the last publication" from ``organisation_changes`` (by organisation code) when
    given, and a link to its PDF board pack when its code is in ``board_packs``."""
    by_key = {r.key: r for r in results}
    synthetic = site_is_synthetic(project, jobs)
    pages: list[Page] = []
    nav = [NavItem("Home", "index.html")]
    report_lines = []
    for family in project.catalogue.families:
        if not family.enabled or family.id in leave_out:
            continue
        family_jobs = [j for j in jobs if j.family.id == family.id]
        listing = _case_study_listing if family.schema_ == "case_study" else _family_listing
        if not family_jobs and listing is _family_listing:
            continue
        nav.append(NavItem(family.title, f"{family.id}/index.html"))
        report_lines.append(f"- [{md_escape(family.title)}]({family.id}/index.html): "
                            f"{len(family_jobs)} report{'' if len(family_jobs) == 1 else 's'}")
        pages.append(Page(f"{family.id}/index", family.title, "markdown",
                          listing(project, family.id, family_jobs, by_key),
                          provenance=provenance, section=family.id,
                          document_title=f"{family.title}: all reports"))
        for job in family_jobs:
            result = by_key.get(job.key)
            page_provenance = {**provenance, **(job_provenance or {}).get(job.key, {}),
                               "parameters": _describe(job.parameters)}
            report = f"{family.title}: {job.title}"
            if result is not None and not result.ok:
                pages.append(Page(f"{family.id}/{job.param_id}", f"{job.title} (failed)",
                                  "markdown", _failed_page(job, result),
                                  provenance=page_provenance, section=family.id,
                                  document_title=f"{report} (failed)"))
            elif job.output.is_file():
                pages.append(Page(f"{family.id}/{job.param_id}", job.title, "notebook",
                                  notebook=job.output, provenance=page_provenance,
                                  section=family.id, document_title=report))

    headline = headline_results_csv(jobs, results)
    index_meta, index_body = _read_handwritten(project, "index.qmd", synthetic)
    # The date a board member looks for first, and what changed since the last time.
    index_body = (index_body.rstrip() + f"\n\n{published_sentence(provenance)} "
                  f"[What's new since the last publication]({WHATS_NEW}.html).\n")
    orgs = at_a_glance.organisations(project, jobs)
    organisation_pages = at_a_glance.organisation_pages(
        project, jobs, results, provenance, leave_out=leave_out, not_built=not_built,
        orgs=orgs, changes_html=organisation_changes, board_packs=board_packs)
    if organisation_pages:
        # Before the reports: a board member comes for one organisation.
        pages += organisation_pages
        nav.insert(1, NavItem("Organisations", f"{at_a_glance.SECTION}/index.html"))
        index_body += ("\n## Organisations\n\n" + at_a_glance.organisation_search_html(orgs)
                       + "\n")
    index_body += "\n## Reports\n\n" + "\n".join(report_lines) + "\n"
    index_body += f"\n{headline_link_markdown(headline)}.\n"
    title = str(index_meta.get("title") or project.catalogue.site.title)
    pages.insert(0, Page("index", title, "markdown", index_body, provenance=provenance))
    methods_meta, methods_body = _read_handwritten(project, "methods.qmd", synthetic)
    if methods_body:
        pages.append(Page("methods", str(methods_meta.get("title", "Methods")), "markdown",
                          methods_body, provenance=provenance, section="methods"))
        nav.append(NavItem("Methods", "methods.html"))
    # One hand-written page per statistic family, under methods/ (the package's, and the
    # project's own, which replace those of the same name).
    pages += _handwritten_folder(project, "methods", "Methods", synthetic, provenance)
    guides_meta, guides_body = _read_handwritten(project, GUIDES, synthetic)
    if guides_body:
        # The analysts' documentation: the guides, and the API reference made from the
        # docstrings of the package this build ran, so it never lags the code.
        pages.append(Page("guides", str(guides_meta.get("title", "Documentation")),
                          "markdown", guides_body, provenance=provenance, section="guides"))
        pages += _handwritten_folder(project, "guides", "Guide", synthetic, provenance)
        pages += reference_pages(provenance)
        nav.append(NavItem("Documentation", "guides.html"))
    pages.append(Page("about-data", "About the data", "markdown",
                      about_data_markdown(project.catalogue.families, synthetic=synthetic)
                      + "\n" + about_downloads_markdown(headline),
                      provenance=provenance, section="about-data"))
    nav.append(NavItem("About the data", "about-data.html"))
    # Linked from every page's footer rather than the navigation bar.
    meta, body = _read_handwritten(project, ACCESSIBILITY, synthetic)
    if body:
        pages.append(Page("accessibility", str(meta.get("title", "Accessibility statement")),
                          "markdown", body, provenance=provenance, section="accessibility"))
    # The data templates About the data links to, from the same dictionary as the schemas.
    files = tuple(SiteFile(f"{SITE_FOLDER}/{name}", text.encode("utf-8"))
                  for name, text in template_files().items())
    # The data behind every table and chart, beside its page, and the headline results.
    files += tuple(SiteFile(path, content) for page in pages if page.notebook is not None
                   for path, content in page_downloads(page.notebook, page.name).items())
    files += (SiteFile(HEADLINE_CSV, headline),)
    site = project.catalogue.site
    return SiteModel(site.title, site.subtitle, synthetic, tuple(pages), tuple(nav),
                     provenance, files)


def _handwritten_folder(project: Project, folder: str, label: str, synthetic: bool,
                        provenance: dict[str, str]) -> list[Page]:
    """A page per ``.qmd`` file of ``folder`` itself (its index page links them)."""
    pages = []
    for item in site_files(project.root, folder, {".qmd"}):
        if "/" in item.name.removeprefix(f"{folder}/"):
            continue
        meta, body = _read_handwritten(project, item.name, synthetic)
        stem = Path(item.name).stem
        title = str(meta.get("title", stem))
        pages.append(Page(f"{folder}/{stem}", title, "markdown", body,
                          provenance=provenance, section=folder,
                          document_title=f"{label}: {title}"))
    return pages


def _read_handwritten(project: Project, name: str, synthetic: bool
                      ) -> tuple[dict[str, object], str]:
    found = site_file(project.root, name)
    if found is None:
        return {}, ""
    meta, body = split_front_matter(found.path.read_text(encoding="utf-8"))
    return meta, resolve_conditions(body, synthetic=synthetic, source=name)


def _describe(parameters: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items() if k != "data_dir")


def missing_pages(site: SiteModel, rendered: Path) -> list[str]:
    """The pages of ``site`` (``html_path``) that ``rendered`` lacks or holds empty."""
    return [page.html_path for page in site.pages
            if not (rendered / page.html_path).is_file()
            or (rendered / page.html_path).stat().st_size == 0]


def missing_files(site: SiteModel, rendered: Path) -> list[str]:
    """The downloads of ``site`` that ``rendered`` lacks or holds with other content."""
    return [item.path for item in site.files
            if not (rendered / item.path).is_file()
            or (rendered / item.path).read_bytes() != item.content]


def list_pages(paths: Sequence[str], shown: int = 5) -> str:
    """``a.html, b.html and 3 more``: a list of pages cut for a message.

    Examples
    --------
    >>> list_pages(["a.html", "b.html", "c.html"], shown=2)
    'a.html, b.html and 1 more'
    """
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more
