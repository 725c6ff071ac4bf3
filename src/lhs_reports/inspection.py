"""What a report notebook accepts: ``lhs-reports inspect NOTEBOOK``.

The parameters are the ones papermill infers from the notebook's cell tagged ``parameters``
(``papermill.inspect_notebook``): one ``name: type = default  # help`` a line, the type hint and
the comment optional. The build checks parameter files against the same inference, so what
``inspect`` lists is exactly what a parameter file may set.

papermill's inference reads the cell line by line with a pattern, and silently passes over a
line it cannot read (a type hint written ``str | None``, say). Such a parameter can still be
injected, but the build refuses any parameter file that sets it, so :func:`inspect_notebook`
reports it as an error naming the line.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import papermill

from lhs_reports.engine.plan import family_notebook, load_project, parameter_type
from lhs_reports.errors import ParameterError, shorten
from lhs_reports.packaged import PACKAGED_NOTEBOOKS, packaged_notebooks
from lhs_reports.params import CATALOGUE_PATH

__all__ = ["NotebookParameter", "find_notebook", "inspect_notebook", "parameters_json",
           "parameters_table"]

PARAMETERS_TAG = "parameters"

#: Characters of a default shown in the table (``--json`` gives it whole).
DEFAULT_WIDTH = 40


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's ``parameters`` cell.

    ``type`` is the type hint, else the type of the default (``optional`` for ``None``, ``any``
    when the default is an expression); ``default`` is the default's source text.
    """

    name: str
    type: str
    default: str
    help: str


def find_notebook(root: str | os.PathLike[str], name: str) -> Path:
    """The notebook ``name`` means: a path to a notebook; else, by name (``crisis_flow`` or
    ``crisis_flow.ipynb``), the project's own ``notebooks/`` copy, else the packaged notebook;
    else the notebook of the catalogue's report family with that id (``case_studies``).

    Raises
    ------
    ParameterError
        Nothing of that name, naming the packaged notebooks and the nearest name.

    Examples
    --------
    >>> find_notebook(".", "crisis_flow").name
    'crisis_flow.ipynb'
    """
    root = Path(root)
    given = Path(name)
    if given.is_file():
        return given
    file_name = given.name.removesuffix(".ipynb") + ".ipynb"
    for candidate in (root / "notebooks" / file_name, PACKAGED_NOTEBOOKS / file_name):
        if candidate.is_file():
            return candidate
    families = _family_notebooks(root)
    if name in families:
        return families[name]
    known = sorted({n.removesuffix(".ipynb") for n in packaged_notebooks()} | set(families))
    close = difflib.get_close_matches(given.name.removesuffix(".ipynb"), known, n=1)
    raise ParameterError(f"no notebook called {shorten(name, 80)}", field="NOTEBOOK",
                         hint=(f"did you mean {close[0]}? " if close else "")
                         + "give a path to a .ipynb file, or one of " + ", ".join(known))


def _family_notebooks(root: Path) -> dict[str, Path]:
    """The notebook each report family of the project runs (none outside a project)."""
    if not (root / CATALOGUE_PATH).is_file():
        return {}
    project = load_project(root)
    return {f.id: family_notebook(project, f).path for f in project.catalogue.families}


def inspect_notebook(path: str | os.PathLike[str]) -> list[NotebookParameter]:
    """The parameters of the notebook at ``path``, in the order its ``parameters`` cell sets
    them, as papermill infers them.

    Raises
    ------
    ParameterError
        The file is not a notebook, has no cell tagged ``parameters``, or sets a parameter on a
        line papermill cannot read.

    Examples
    --------
    >>> [p.name for p in inspect_notebook(PACKAGED_NOTEBOOKS / "flow_variation.ipynb")]
    ['title', 'period_end', 'data_dir']
    """
    path = Path(path)
    cell = _parameters_cell(path)
    inferred = papermill.inspect_notebook(str(path))
    _check_all_inferred(path, cell.source, set(inferred))
    return [NotebookParameter(info["name"], parameter_type(info), str(info["default"]),
                              str(info["help"]))
            for info in inferred.values()]


def _parameters_cell(path: Path) -> nbformat.NotebookNode:
    """The notebook's first cell tagged ``parameters`` (the one papermill reads)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.reader.NotJSONError) as exc:
        raise ParameterError(f"{path.name} cannot be read as a notebook: {exc}", path=path,
                             hint="give a Jupyter notebook (.ipynb) file") from None
    for cell in notebook.cells:
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ParameterError(
        f"{path.name} has no cell tagged '{PARAMETERS_TAG}', so papermill cannot tell its "
        "parameters", path=path,
        hint="put the defaults (one `name = value  # what it means` a line) in one code cell "
        f"and tag it '{PARAMETERS_TAG}' (JupyterLab: the Property Inspector's Cell Tags)")


def _check_all_inferred(path: Path, source: str, inferred: set[str]) -> None:
    """Every name the parameters cell assigns must be one papermill inferred."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"the parameters cell of {path.name} is not valid Python: "
                             f"{exc.msg}", path=path, row=exc.lineno,
                             hint="fix the cell; it must run on its own") from None
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in inferred:
                    raise ParameterError(
                        f"papermill cannot read parameter '{target.id}' in {path.name}'s "
                        "parameters cell, so a parameter file may not set it", path=path,
                        field=target.id, row=f"line {node.lineno} of the cell",
                        hint="write one `name: type = value  # help` a line; papermill reads "
                        "no `X | None` type hint: write `Optional[X]` or leave the hint out")


def parameters_table(parameters: list[NotebookParameter]) -> str:
    """A plain-text table: name, type, default (cut to :data:`DEFAULT_WIDTH`), help.

    Examples
    --------
    >>> print(parameters_table([NotebookParameter("months", "int", "12", "months shown")]))
    name    type  default  help
    months  int   12       months shown
    """
    rows = [("name", "type", "default", "help")]
    for p in parameters:
        default = " ".join(p.default.split())  # a default written over several lines
        if len(default) > DEFAULT_WIDTH:
            default = default[:DEFAULT_WIDTH - 3] + "..."
        rows.append((p.name, p.type, default, p.help))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                                row[3]]).rstrip() for row in rows)


def parameters_json(parameters: list[NotebookParameter]) -> str:
    """The parameters as a JSON list of objects (name, type, default, help), for machines."""
    return json.dumps([asdict(p) for p in parameters], indent=2)
