"""``lhs-reports init DIR [--demo]``: a new project, written in one step.

A project for one's own data (the default) holds the catalogue (``data.dir: data``, the per-trust
and cross-trust families, ``site.synthetic: false``), the cross-trust page's parameter file, an
example trust file the build does not read (``params/examples/trust.yaml``), an empty
``params/trusts/`` for ``lhs-reports new trust``, a ``data/`` folder with a README, the site's
``_quarto.yml``, home page and root guard, a ``.gitignore`` that keeps the data out of git, a
README of the steps, and the CI workflow that builds and publishes the site
(``.github/workflows/reports.yml``, the same file as the lhs-reports repository's) with the
``requirements.txt`` it installs lhs-reports from (:func:`lhs_reports_requirement`). No trust
parameter files and no notebooks: the report notebooks and the methods pages ship with
lhs-reports (:mod:`lhs_reports.packaged`), and a project overrides one by having its own file of
that name.

``--demo`` writes the demonstration instead: the demo catalogue (synthetic data generated on
demand), the eight demo trusts, the case studies and the cross-trust page, exactly as the
lhs-reports repository holds them (a test keeps the two the same).

The files live in the package under ``project_template/``: ``common/`` for both kinds,
``real/`` and ``demo/`` for each. They are written into a temporary folder beside ``DIR`` and
moved into place, so an interrupted ``init`` leaves no half-made project.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import tempfile
from pathlib import Path

import lhs_reports
from lhs_reports.errors import ParameterError

__all__ = ["TEMPLATE", "init_project", "lhs_reports_requirement", "project_files"]

#: The files ``init`` writes, laid out as in a project.
TEMPLATE = Path(__file__).resolve().parent / "project_template"
#: Files and folders stored without their leading dot (package data globs skip hidden files).
_DOTTED = {"gitignore": ".gitignore", "github": ".github"}

_REQUIREMENTS = """\
# What CI installs (.github/workflows/reports.yml: pip install -r requirements.txt): the
# lhs-reports that wrote this project. Change it here to upgrade; the next build re-runs every
# report once, since the code they ran changed.
"""
_NOT_REACHABLE = """\
# This lhs-reports was installed from a folder on the machine that ran `lhs-reports init`,
# which CI cannot reach: if this version is not on your package index, name where CI gets it,
# e.g. lhs-reports @ git+https://github.com/YOUR-ORG/lhs-reports@v{version}
"""


def lhs_reports_requirement(direct_url: str | None = None,
                            version: str = lhs_reports.__version__) -> str:
    """The requirement a new project's CI installs lhs-reports by: this lhs-reports.

    Where it was installed from a repository or an archive at a URL (pip's record of it,
    ``direct_url.json``, PEP 610), that URL at the installed commit; otherwise this version from
    the package index, with a comment when it came from a local folder. ``direct_url`` defaults
    to the installed package's record.

    Examples
    --------
    >>> print(lhs_reports_requirement('{"url": "https://github.com/nhs-x/lhs-reports", '
    ...       '"vcs_info": {"vcs": "git", "commit_id": "4f1c2e9"}}'), end="")
    lhs-reports @ git+https://github.com/nhs-x/lhs-reports@4f1c2e9
    >>> print(lhs_reports_requirement('{"url": "file:///home/me/lhs-reports", '
    ...       '"dir_info": {"editable": true}}', "0.1.0").splitlines()[-1])
    lhs-reports==0.1.0
    """
    if direct_url is None:
        try:
            direct_url = importlib.metadata.distribution("lhs-reports").read_text(
                "direct_url.json")
        except importlib.metadata.PackageNotFoundError:
            direct_url = None
    info = json.loads(direct_url) if direct_url else {}
    url = str(info.get("url", ""))
    if url.startswith(("https://", "http://")):
        vcs = info.get("vcs_info")
        if vcs:
            return f"lhs-reports @ {vcs['vcs']}+{url}@{vcs['commit_id']}\n"
        return f"lhs-reports @ {url}\n"
    local = _NOT_REACHABLE.format(version=version) if url.startswith("file:") else ""
    return f"{local}lhs-reports=={version}\n"


def _stored_name(name: str) -> str:
    """A template file's name in a project: its first folder or name dotted if stored without."""
    first, _, rest = name.partition("/")
    first = _DOTTED.get(first, first)
    return f"{first}/{rest}" if rest else first


def project_files(*, demo: bool = False) -> dict[str, bytes]:
    """Every file ``init`` writes, by path relative to the project, with its content.

    Examples
    --------
    >>> files = project_files()
    >>> "params/reports.yaml" in files and ".gitignore" in files
    True
    >>> ".github/workflows/reports.yml" in files and "requirements.txt" in files
    True
    >>> any(name.startswith("params/trusts/SYN") for name in files)
    False
    >>> len([n for n in project_files(demo=True) if n.startswith("params/trusts/")])
    8
    """
    files: dict[str, bytes] = {}
    for part in ("common", "demo" if demo else "real"):
        base = TEMPLATE / part
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[_stored_name(path.relative_to(base).as_posix())] = path.read_bytes()
    files["requirements.txt"] = (_REQUIREMENTS + lhs_reports_requirement()).encode()
    return dict(sorted(files.items()))


def _refuse_unless_empty(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise ParameterError(f"{target} exists and is not a folder", path=target, field="DIR",
                             hint="choose a new folder name for the project")
    if target.is_dir() and any(target.iterdir()):
        raise ParameterError(
            f"{target} exists and is not empty", path=target, field="DIR",
            hint="choose a new folder name (init creates it), or run it in an empty folder; "
            "init never writes over files")


def init_project(target: str | os.PathLike[str], *, demo: bool = False) -> list[Path]:
    """Write a new project into ``target`` (a new or empty folder) and return its files.

    Raises :class:`ParameterError` when ``target`` exists and is not an empty folder.
    ``init_project("mytrusts")`` writes ``mytrusts/params/reports.yaml`` and the rest
    (tests/test_init.py runs it).
    """
    target = Path(target).absolute()
    _refuse_unless_empty(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    files = project_files(demo=demo)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name or 'project'}.init-",
                                    dir=target.parent))
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        if not target.exists():
            os.rename(staging, target)  # the whole project appears at once
        else:
            # An empty folder (perhaps the current one, which must not be replaced under the
            # shell standing in it): its entries move in one by one.
            for entry in sorted(staging.iterdir()):
                os.rename(entry, target / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / name for name in files]
