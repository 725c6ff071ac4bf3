"""HTML documents to PDF files with WeasyPrint, cached and, for many, in parallel.

Each PDF is cached under a digest of its HTML, the package's code and WeasyPrint's version:
a rebuild that changes one organisation's data makes that organisation's pack again and copies
the others (making one takes seconds, copying one milliseconds). Nothing is fetched while a
document is laid out: only ``data:`` URIs are allowed, so a page can neither reach the network
nor read a local file into a pack.

Every PDF carries the HTML it was made from as an attachment (:data:`SOURCE_NAME`): text
extracted from a PDF has lost its tables, so the audit reads the attached source to check
their counts (:mod:`lhs_reports.audit.pdf`), and a reader gets the same content as HTML.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import lhs_reports
from lhs_reports.engine.cache import code_digest
from lhs_reports.errors import RenderError

__all__ = ["SOURCE_NAME", "PackFailure", "PackRun", "html_to_pdf", "pdf_key", "render_pdfs"]

#: The name of the attachment holding the HTML a PDF was made from.
SOURCE_NAME = "source.html"
#: Below this many PDFs to make, one process makes them all: a worker spends ~2 s importing
#: WeasyPrint before its first page.
PARALLEL_FROM = 4


class PackFailure(Exception):
    """A document WeasyPrint could not turn into a PDF: its target and the reason."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(target, reason)
        self.target, self.reason = target, reason

    def error(self, name: str, site: Path) -> RenderError:
        return RenderError(
            f"the PDF board pack of {name} could not be made: {self.reason}",
            path=site / self.target,
            hint="the site was not published and the previous one stays; check that "
            "WeasyPrint and its system libraries (Pango) are installed (`python -m weasyprint "
            "--info`), or set `site: {board_packs: false}` in params/reports.yaml to publish "
            "the site without packs")


@dataclass(frozen=True)
class PackRun:
    """What :func:`render_pdfs` did: the PDFs it made (with seconds each) and those it copied
    from the cache, by path in the site."""

    made: dict[str, float] = field(default_factory=dict)
    reused: tuple[str, ...] = ()


def pdf_key(html: str, code: str) -> str:
    """The cache key of the PDF made from ``html`` by the code whose digest is ``code``.

    Examples
    --------
    >>> pdf_key("<p>a</p>", "v1") == pdf_key("<p>a</p>", "v1") != pdf_key("<p>b</p>", "v1")
    True
    """
    digest = hashlib.sha256(code.encode())
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document with everything inline: tagged, its source attached.

    Examples
    --------
    >>> html_to_pdf("<p>Hello</p>")[:5]
    b'%PDF-'
    """
    # Imported here: importing WeasyPrint takes ~2 s, paid only by builds that make a PDF.
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    source = Attachment(string=html, name=SOURCE_NAME, url_fetcher=fetcher,
                        description="The HTML this PDF was made from")
    # Tagged (headings, tables, alt text in a structure tree) for screen readers: it costs
    # no noticeable time.
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf(attachments=[source],
                                                                  pdf_tags=True))


def _code_version() -> str:
    try:
        weasyprint = metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        weasyprint = "absent"
    return f"{code_digest()} weasyprint {weasyprint}"


def render_pdfs(documents: Mapping[str, str], out_dir: Path, *, cache_dir: Path,
                workers: int = 1) -> PackRun:
    """Write the PDF of each HTML document (``{path in out_dir: html}``) into ``out_dir``.

    PDFs are taken from ``cache_dir`` when cached; the others are made (by up to ``workers``
    processes when there are at least :data:`PARALLEL_FROM`) and cached. Cached PDFs no
    document of this call needs are removed, so the cache holds one build's PDFs.

    Raises
    ------
    PackFailure
        For the first document that could not be made.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    code = _code_version()
    keys = {target: pdf_key(html, code) for target, html in documents.items()}
    todo = {target: html for target, html in documents.items()
            if not (cache_dir / f"{keys[target]}.pdf").is_file()}
    if workers > 1 and len(todo) >= PARALLEL_FROM:
        made = _make_in_processes(todo, keys, cache_dir, workers)
    else:
        made = _make(todo, keys, cache_dir)
    for target, key in keys.items():
        destination = out_dir / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache_dir / f"{key}.pdf", destination)
    wanted = {f"{key}.pdf" for key in keys.values()}
    for stale in cache_dir.glob("*.pdf"):
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)
    return PackRun(made, tuple(target for target in documents if target not in made))


def _make(documents: Mapping[str, str], keys: Mapping[str, str], cache_dir: Path
          ) -> dict[str, float]:
    """Make and cache each PDF in this process; seconds each."""
    seconds = {}
    for target, html in documents.items():
        start = time.perf_counter()
        try:
            pdf = html_to_pdf(html)
        except Exception as exc:  # WeasyPrint raises many kinds: each means no pack
            raise PackFailure(target, f"{type(exc).__name__}: {exc}") from exc
        # Written beside, then renamed: a cached PDF is always whole.
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".part", delete=False) as part:
            part.write(pdf)
        os.replace(part.name, cache_dir / f"{keys[target]}.pdf")
        seconds[target] = time.perf_counter() - start
    return seconds


def _make_in_processes(documents: Mapping[str, str], keys: Mapping[str, str],
                       cache_dir: Path, workers: int) -> dict[str, float]:
    """Share the documents among ``workers`` fresh interpreters (``python -m`` this module),
    as the built-in renderer shares pages: forking this threaded process is unsafe."""
    package_parent = str(Path(lhs_reports.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)}
    targets = list(documents)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=cache_dir) as tmp:
        running = []
        for start in range(min(workers, len(targets))):
            share = Path(tmp) / f"share-{start}.pickle"
            mine = {t: documents[t] for t in targets[start::workers]}
            share.write_bytes(pickle.dumps((mine, {t: keys[t] for t in mine}, cache_dir)))
            running.append((share, subprocess.Popen(
                [sys.executable, "-m", "lhs_reports.site.pdf", str(share)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
        for share, process in running:
            stderr = process.communicate()[1]
            report = share.with_suffix(".json")
            if not report.is_file():
                last = next((line for line in reversed(stderr.splitlines()) if line.strip()),
                            "")
                raise PackFailure(next(iter(pickle.loads(share.read_bytes())[0]), ""),
                                  f"a PDF worker stopped (exit {process.returncode}): {last}")
            outcome = json.loads(report.read_text())
            if outcome.get("failure"):
                raise PackFailure(*outcome["failure"])
            seconds.update(outcome["made"])
    return seconds


def _worker(share: Path) -> None:
    """Make a share of PDFs; say what was made, or which failed, in ``share``'s ``.json``."""
    documents, keys, cache_dir = pickle.loads(share.read_bytes())
    outcome: dict[str, object]
    try:
        outcome = {"made": _make(documents, keys, cache_dir), "failure": None}
    except PackFailure as failure:
        outcome = {"made": {}, "failure": [failure.target, failure.reason]}
    share.with_suffix(".json").write_text(json.dumps(outcome))


if __name__ == "__main__":  # a PDF worker: python -m lhs_reports.site.pdf SHARE
    _worker(Path(sys.argv[1]))
