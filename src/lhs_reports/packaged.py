"""Files a project takes from lhs-reports unless it has its own: the report notebooks, the
site's methods pages and its theme.

A catalogue's ``notebook: notebooks/needs_assessment.ipynb`` means the project's own file when
it exists (the project overrides the package's copy) and otherwise the notebook of the same file
name shipped inside lhs-reports, so a ``pip install lhs-reports`` user has every report without
copying a notebook. The site's hand-written methods pages (``methods.qmd``, ``methods/*.qmd``) and
its theme (``templates/theme.scss``) follow the same rule: a project file of the same path wins.

This is the one place those names are resolved: the plan, the cache key, ``check`` and both
renderers all ask here. Only the standard library is imported (it runs on every plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lhs_reports import __version__
from lhs_reports.data.locations import PROJECT_MARKER
from lhs_reports.errors import ParameterError

__all__ = ["PACKAGED_NOTEBOOKS", "PACKAGED_SITE", "ProjectFile", "packaged_notebooks",
           "resolve_notebook", "site_file", "site_files"]

_PACKAGE = Path(__file__).resolve().parent
#: The report notebooks shipped with lhs-reports.
PACKAGED_NOTEBOOKS = _PACKAGE / "notebooks"
#: The site's hand-written files shipped with lhs-reports, laid out as in a project.
PACKAGED_SITE = _PACKAGE / "site" / "handwritten"


@dataclass(frozen=True)
class ProjectFile:
    """A file as a project names it (``name``, relative to the project) and the one used.

    Examples
    --------
    >>> own = ProjectFile("notebooks/crisis_flow.ipynb", Path("/p/notebooks/crisis_flow.ipynb"),
    ...                   packaged=False)
    >>> own.describe()
    'notebooks/crisis_flow.ipynb (this project)'
    >>> own.origin
    'project:notebooks/crisis_flow.ipynb'
    """

    name: str
    path: Path
    packaged: bool

    @property
    def origin(self) -> str:
        """Where the file comes from, independent of where either is installed: part of a
        report's cache key, so a project's copy and the package's are never confused."""
        return f"{'packaged' if self.packaged else 'project'}:{self.name}"

    def describe(self) -> str:
        """One phrase saying which copy is used (``lhs-reports plan`` prints it)."""
        if self.packaged:
            return f"{self.path.name} from lhs-reports {__version__} (packaged)"
        return f"{self.name} (this project)"


def packaged_notebooks() -> list[str]:
    """The file names of the notebooks shipped with lhs-reports.

    Examples
    --------
    >>> "needs_assessment.ipynb" in packaged_notebooks()
    True
    """
    return sorted(p.name for p in PACKAGED_NOTEBOOKS.glob("*.ipynb"))


def is_packaged(path: Path) -> bool:
    """Whether ``path`` is one of the package's own files (not a project's)."""
    try:
        path.resolve().relative_to(_PACKAGE)
    except ValueError:
        return False
    return True


def resolve_notebook(root: Path, name: str, *, family: str) -> ProjectFile:
    """The notebook a family's ``notebook: name`` means: the project's file, else the packaged
    notebook of the same file name.

    Raises :class:`ParameterError` naming the catalogue's key when neither exists, listing the
    packaged notebooks.
    """
    own = root / name
    if own.is_file():
        return ProjectFile(Path(name).as_posix(), own, packaged=False)
    shipped = PACKAGED_NOTEBOOKS / Path(name).name
    if shipped.suffix == ".ipynb" and shipped.is_file():
        return ProjectFile(Path(name).as_posix(), shipped, packaged=True)
    raise ParameterError(
        f"notebook {name} for family '{family}' does not exist, and lhs-reports has no "
        f"packaged notebook called {Path(name).name}",
        path=root / PROJECT_MARKER, field=f"families.{family}.notebook",
        hint="check the path, relative to the project root; the packaged notebooks are "
        + ", ".join(f"notebooks/{n}" for n in packaged_notebooks()))


def site_file(root: Path, name: str) -> ProjectFile | None:
    """The project's hand-written site file ``name`` (e.g. ``methods.qmd``), else the packaged
    one of that name, else None."""
    for path, packaged in ((root / name, False), (PACKAGED_SITE / name, True)):
        if path.is_file():
            return ProjectFile(Path(name).as_posix(), path, packaged=packaged)
    return None


def site_files(root: Path, folder: str, suffixes: frozenset[str] | set[str] | None = None
               ) -> list[ProjectFile]:
    """Every file under ``folder`` (e.g. ``methods``) of the project and of the package, the
    project's winning where both have one of the same path; sorted by name.

    Examples
    --------
    >>> import tempfile
    >>> [f.name for f in site_files(Path(tempfile.mkdtemp()), "methods")][:2]
    ['methods/disclosure.qmd', 'methods/funnel.qmd']
    """
    found: dict[str, ProjectFile] = {}
    for base, packaged in ((PACKAGED_SITE, True), (root, False)):
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and (suffixes is None or path.suffix in suffixes):
                name = path.relative_to(base).as_posix()
                found[name] = ProjectFile(name, path, packaged=packaged)
    return [found[name] for name in sorted(found)]
