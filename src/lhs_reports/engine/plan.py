"""From the catalogue to a list of jobs, validated before any kernel starts."""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lhs_reports.data.source import OUTPUTS, data_folder
from lhs_reports.errors import ParameterError, shorten
from lhs_reports.packaged import ProjectFile, resolve_notebook
from lhs_reports.params import (
    CATALOGUE_PATH,
    Catalogue,
    ReportFamily,
    iter_parameter_sets,
    load_catalogue,
)


@dataclass(frozen=True)
class Project:
    """A project root and its validated catalogue."""

    root: Path
    catalogue: Catalogue

    @property
    def outputs(self) -> Path:
        return self.root / OUTPUTS

    @property
    def site_dir(self) -> Path:
        return self.outputs / "_site"

    @cached_property
    def data_dir(self) -> Path:
        """The data folder the catalogue names, the local extract of its database, or the demo
        data folder."""
        return data_folder(self.root, self.catalogue.data.location)

    @property
    def uses_demo_data(self) -> bool:
        return not self.catalogue.data.location


def load_project(root: str | Path = ".") -> Project:
    """Load the project at ``root`` (validates ``params/reports.yaml``)."""
    root = Path(root).resolve()
    return Project(root, load_catalogue(root))


@dataclass(frozen=True)
class Job:
    """One notebook execution: a report family for one parameter set."""

    family: ReportFamily
    param_id: str
    params_path: Path
    notebook: Path
    parameters: dict[str, Any] = field(hash=False)
    output: Path

    @property
    def key(self) -> str:
        return f"{self.family.id}/{self.param_id}"

    @property
    def failed_output(self) -> Path:
        return self.output.with_name(f"{self.param_id}.failed.ipynb")

    @property
    def title(self) -> str:
        name = (self.parameters.get("trust_name") or self.parameters.get("title")
                or self.param_id)
        return str(name)


def family_notebook(project: Project, family: ReportFamily) -> ProjectFile:
    """The notebook a family runs: the project's own copy, else the packaged one."""
    return resolve_notebook(project.root, family.notebook, family=family.id)


def notebook_lines(project: Project, families: list[str] | None = None) -> list[str]:
    """One line per family switched on (of ``families``, when given): which notebook it runs,
    e.g. ``needs_assessment: notebook needs_assessment.ipynb from lhs-reports 0.1.0
    (packaged)``."""
    return [f"{family.id}: notebook {family_notebook(project, family).describe()}"
            for family in project.catalogue.families
            if family.enabled and (not families or family.id in families)]


def notebook_parameters(notebook: Path, cache_dir: Path | None = None
                        ) -> dict[str, dict[str, Any]]:
    """The parameters declared in the notebook's ``parameters`` cell (name -> info).

    From papermill's ``inspect_notebook``, remembered per notebook content in ``cache_dir`` so
    that a build with nothing to do need not import papermill and nbformat.
    """
    cached = None
    if cache_dir is not None:
        digest = hashlib.sha256(notebook.read_bytes()).hexdigest()[:20]
        cached = cache_dir / f"parameters-{digest}.json"
        if cached.is_file():
            try:
                return dict(json.loads(cached.read_text()))
            except ValueError:
                pass
    import papermill

    declared = dict(papermill.inspect_notebook(str(notebook)))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(declared, default=str))
        tmp.replace(cached)
    return declared


def parameter_type(info: dict[str, Any]) -> str:
    """The declared type, from an annotation or else from the default value.

    ``info`` is one parameter as papermill's ``inspect_notebook`` describes it.

    Examples
    --------
    >>> parameter_type({"inferred_type_name": "int", "default": "3"})
    'int'
    >>> parameter_type({"inferred_type_name": "None", "default": '"SYN01"'})
    'str'
    >>> parameter_type({"inferred_type_name": "None", "default": "None"})
    'optional'
    """
    annotated = info.get("inferred_type_name")
    if annotated and annotated != "None":
        return str(annotated)
    try:
        value = ast.literal_eval(str(info.get("default")))
    except (ValueError, SyntaxError):
        return "any"
    return "optional" if value is None else type(value).__name__


def _check_against_notebook(job_params: dict[str, Any], declared: dict[str, dict[str, Any]],
                            params_path: Path, notebook: Path) -> None:
    """Every parameter a file may set must be declared in the notebook's parameters cell.

    papermill alone only warns about an undeclared parameter and runs with the default, which
    would silently render the notebook's default trust.
    """
    for key in job_params:
        if key not in declared:
            # Only now: describing every declared parameter for every job cost a plan seconds.
            accepted = ", ".join(f"{name} ({parameter_type(info)})"
                                 for name, info in declared.items())
            raise ParameterError(
                f"parameter '{key}' is not declared in {notebook.name}'s parameters cell",
                path=params_path,
                field=key,
                hint=f"add '{key} = ...' to the notebook's parameters cell; it accepts: "
                f"{accepted}",
            )


def _check_inputs(family: ReportFamily, project: Project) -> None:
    """Each ``{placeholder}`` in a family's declared inputs must name one of its parameters."""
    from lhs_reports.engine.cache import placeholders
    from lhs_reports.params import PARAMETER_MODELS

    accepted = list(PARAMETER_MODELS[family.schema_].model_fields)
    for pattern in family.inputs:
        try:
            names = placeholders(pattern)
        except ValueError as exc:
            raise ParameterError(f"input pattern '{pattern}' of family '{family.id}' is not "
                                 f"valid: {exc}", path=project.root / CATALOGUE_PATH,
                                 field=f"families.{family.id}.inputs",
                                 hint="write placeholders as {parameter_name}; double a literal "
                                 "brace: {{ }}") from None
        for name in names:
            if name not in accepted:
                close = difflib.get_close_matches(name, accepted, n=1)
                raise ParameterError(
                    f"input pattern '{pattern}' of family '{family.id}' uses '{{{name}}}', "
                    "which is not one of its parameters",
                    path=project.root / CATALOGUE_PATH, field=f"families.{family.id}.inputs",
                    hint=(f"did you mean '{{{close[0]}}}'? " if close else "")
                    + f"placeholders can be: {', '.join(accepted)}")


def plan_jobs(project: Project, *, families: list[str] | None = None,
              only: list[str] | None = None) -> list[Job]:
    """One job per (family, parameter file), optionally limited to some families/ids; none for
    a family switched off (``enabled: false``).

    Every parameter file is validated against its family's model and the notebook's own
    ``parameters`` cell before anything runs. ``families`` and ``only`` match ids in any case
    (``--only rx4`` selects ``RX4.yaml``), as codes in the data and parameter files do.
    """
    known = {f.id.casefold(): f.id for f in project.catalogue.families}
    for wanted in families or []:
        if wanted.casefold() not in known:
            raise ParameterError(f"no report family '{wanted}'", field="--family",
                                 hint=f"families are: {', '.join(sorted(known.values()))}")
    if families:
        families = [known[wanted.casefold()] for wanted in families]
    only_ids = {wanted.casefold() for wanted in only or []}
    for family in project.catalogue.families:
        if family.enabled:
            _check_inputs(family, project)
    declared_cache: dict[Path, dict[str, dict[str, Any]]] = {}
    notebooks: dict[str, Path] = {}  # by family: looked up once, not once per job
    jobs = []
    for family, path, params in iter_parameter_sets(project.root, project.catalogue):
        if families and family.id not in families:
            continue
        if only and path.stem.casefold() not in only_ids:
            continue
        if family.id not in notebooks:
            notebooks[family.id] = family_notebook(project, family).path
        notebook = notebooks[family.id]
        if notebook not in declared_cache:
            declared_cache[notebook] = notebook_parameters(
                notebook, project.outputs / ".cache")
        values = params.model_dump()
        if not values.get("data_dir"):
            values["data_dir"] = str(project.data_dir)
        # Keys the file sets must be declared (a typo must not render the notebook's
        # default); defaults the file leaves out are injected for the notebooks that use them.
        _check_against_notebook({k: values[k] for k in params.model_fields_set},
                                declared_cache[notebook], path, notebook)
        jobs.append(
            Job(
                family=family,
                param_id=path.stem,
                params_path=path,
                notebook=notebook,
                parameters=values,
                output=project.outputs / "notebooks" / family.id / f"{path.stem}.ipynb",
            )
        )
    if only:
        _check_only(project, only, families, jobs)
    return jobs


def _check_only(project: Project, only: list[str], families: list[str] | None,
                jobs: list[Job]) -> None:
    """Every ``--only`` id must select a job: a typo must not build nothing and exit 0."""
    found = {job.param_id.casefold() for job in jobs}
    for wanted in only:
        if wanted.casefold() in found:
            continue
        every = sorted({p.stem for _, p, _ in iter_parameter_sets(project.root,
                                                                    project.catalogue)})
        folded = {stem.casefold(): stem for stem in every}
        close = [folded[match] for match in
                 difflib.get_close_matches(wanted.casefold(), list(folded), n=1)]
        where = f" in famil{'ies' if len(families or []) > 1 else 'y'} " \
            f"{', '.join(families)}" if families else ""
        raise ParameterError(
            f"--only {shorten(wanted, 40)} selects no report{where}", field="--only",
            hint=(f"did you mean {close[0]}? " if close else "")
            + f"parameter sets are: {', '.join(every[:20])}"
            + (f" and {len(every) - 20} more" if len(every) > 20 else ""))
