"""Parameter files and the report catalogue, validated with pydantic.

``params/reports.yaml`` is the catalogue: the site's settings, where the data live, and the
report families, each with a notebook and a glob of parameter files. Each parameter file is one
parameter set (one trust, team, area or case study). Unknown or mistyped keys are errors naming
the file and the key, with the nearest accepted key as a hint: papermill alone would only warn
and silently render the notebook's default trust.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lhs_reports.data import reads
from lhs_reports.data.dictionary import ORGANISATION_CODE, TABLES
from lhs_reports.data.locations import PROJECT_MARKER, find_project_root
from lhs_reports.data.scan import active
from lhs_reports.data.source import is_database_url
from lhs_reports.errors import ParameterError, shorten
from lhs_reports.packaged import resolve_notebook
from lhs_reports.parameter_yaml import read_yaml

CATALOGUE_PATH = PROJECT_MARKER
_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _month(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return text


def _optional_month(value: Any) -> str | None:
    """A month, or None when left out (or empty): the period is then the data's latest."""
    return None if value is None or value == "" else _month(value)


#: What a parameter file leaves out of ``period_end`` means, said once for every model.
LATEST_IN_THE_DATA = ("Last month reported (YYYY-MM). Leave it out to report to the latest "
                      "month in the data")


def _refuse_unknown(kind: str, names: Iterable[str], known: Iterable[str], listed: str
                    ) -> None:
    """A validator's error for the first of ``names`` not in ``known``, with the nearest.

    Examples
    --------
    >>> _refuse_unknown("table", ["trust"], ["trusts", "population"], "tables are")
    Traceback (most recent call last):
    ...
    ValueError: unknown table 'trust' (did you mean 'trusts'?); tables are trusts, population
    """
    known = list(known)
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            raise ValueError(f"unknown {kind} {name!r}"
                             + (f" (did you mean {close[0]!r}?)" if close else "")
                             + f"; {listed} {', '.join(known)}")


class TrustParameters(_Strict):
    """Parameters for a per-trust report (one file per trust under ``params/trusts/``)."""

    trust_code: Annotated[str, Field(pattern=ORGANISATION_CODE,
                                     description="Organisation code, e.g. SYN01 (any case: "
                                     "read as upper case)")]
    trust_name: Annotated[str, Field(min_length=1, max_length=200)]
    period_end: Annotated[
        str | None,
        Field(description=f"{LATEST_IN_THE_DATA} (this organisation's latest month)"),
    ] = None
    change_month: Annotated[
        str | None,
        Field(description="Month a service change took effect (YYYY-MM): SPC limits are "
              "recalculated from it"),
    ] = None
    targets: Annotated[
        dict[str, float],
        Field(description="Targets by flow indicator id, e.g. followup_72h: 80 (percent)"),
    ] = {}
    missing_months: Annotated[
        list[str],
        Field(description="Months with no data at all for this organisation (YYYY-MM): "
              "allowed as gaps in its monthly series, shown as gaps on its pages"),
    ] = []
    data_dir: Annotated[str, Field(description="Data folder; empty means the project's (the "
                                   "catalogue's data.dir)")] = ""

    _check_month = field_validator("period_end", mode="before")(_optional_month)

    @field_validator("trust_code", mode="before")
    @classmethod
    def _upper_case(cls, value: Any) -> Any:
        # Codes are case-insensitive (ODS writes them in capitals): rx4 is RX4, everywhere.
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("missing_months", mode="before")
    @classmethod
    def _check_missing(cls, value: Any) -> Any:
        return [_month(month) for month in value] if isinstance(value, list) else value

    @field_validator("change_month", mode="before")
    @classmethod
    def _check_change(cls, value: Any) -> Any:
        return None if value is None else _month(value)

    @field_validator("targets")
    @classmethod
    def _known_indicators(cls, targets: dict[str, float]) -> dict[str, float]:
        from lhs_reports.reports.flow_indicators import INDICATORS_BY_ID

        _refuse_unknown("indicator", targets, INDICATORS_BY_ID, "indicators are")
        return targets


Illustrates = Literal["full_lhs", "data", "technology", "learning_community", "improvement"]


class CaseStudyMeasure(_Strict):
    """The measure a case study's analysis shows over time (illustrative data)."""

    name: Annotated[str, Field(min_length=1)]
    unit: str = ""
    kind: Literal["proportion", "rate"]
    improvement: Literal["increase", "decrease"]
    change_month: str
    description: str = ""

    _check_month = field_validator("change_month", mode="before")(_month)


class CaseStudyParameters(_Strict):
    """One of the learning health system case studies (``params/case_studies/``)."""

    case_study_id: Annotated[str, Field(pattern=_ID)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(min_length=1)]
    illustrates: Annotated[list[Illustrates], Field(min_length=1)]
    measure: CaseStudyMeasure | None = None
    data_dir: str = ""


class CrossTrustParameters(_Strict):
    """A page comparing every trust (``params/cross_trust/``).

    Settings that belong to one trust (targets, change months, name) are read from that trust's
    own parameter file (:func:`organisation_settings`), never copied here.
    """

    title: Annotated[str, Field(min_length=1, max_length=200)]
    period_end: Annotated[
        str | None,
        Field(description=f"{LATEST_IN_THE_DATA} that every trust compared has"),
    ] = None
    data_dir: str = ""

    _check_month = field_validator("period_end", mode="before")(_optional_month)

    @model_validator(mode="before")
    @classmethod
    def _no_copies_of_trust_settings(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            for key in ("targets", "change_months"):
                if key in raw:
                    raise PydanticCustomError(
                        "trust_setting_copied",
                        f"'{key}' belongs in each trust's own parameter file (params/trusts/), "
                        "which cross-trust pages read: delete it here and set "
                        f"{'targets' if key == 'targets' else 'change_month'} in the trusts' "
                        "files")
        return raw


#: Parameter models by the name a family gives in the catalogue's ``schema`` key.
PARAMETER_MODELS: dict[str, type[_Strict]] = {
    "trust": TrustParameters,
    "case_study": CaseStudyParameters,
    "cross_trust": CrossTrustParameters,
}


class SiteSettings(_Strict):
    title: str = "Learning health system reports"
    subtitle: str = ""
    synthetic: bool = Field(
        False, description="Label every page SYNTHETIC even when the data do not say they are "
        "(e.g. hand-made test data). The label follows the data: synthetic data are labelled "
        "whatever this says, so it can add the label, never remove it")
    url: Annotated[str, Field(pattern=r"^(https?://\S+)?$")] = Field(
        "", description="The address the site is published at (https://...), for the links of "
        "the What's new feed (whats-new.xml); empty: the feed's links are relative to it")
    board_packs: bool = Field(
        True, description="Publish a PDF board pack per organisation (trusts/<code>.pdf: its "
        "page at a glance, then its reports); false leaves them out, e.g. where WeasyPrint's "
        "system libraries are not installed")


class DemoSettings(_Strict):
    n_trusts: Annotated[int, Field(ge=1, le=10_000)] = 8
    seed: int = 20240401


class TableQuery(_Strict):
    """A table of a database source given as a query (``{query: SELECT ...}``)."""

    query: Annotated[str, Field(min_length=1, description="SQL run in the database; its "
                                "result has the data dictionary's columns")]


class DataSettings(_Strict):
    dir: str = Field("", description="Data folder relative to the project; empty = demo data "
                     "(the older name of data.source for a folder)")
    source: str = Field("", description="Where the data are: a folder relative to the project, "
                        "or a SQLAlchemy database URL (duckdb:///data/warehouse.duckdb, "
                        "sqlite:///data/lhs.db, postgresql+psycopg://user:${PGPASSWORD}@host/db)"
                        "; empty = demo data")
    tables: dict[str, str | TableQuery] = Field(
        default_factory=dict, description="For a database source: the database table (or "
        "schema.table) or {query: SELECT ...} of each data dictionary table; a table left out "
        "is read from the database table of the same name, if there is one")
    demo: DemoSettings = DemoSettings()
    start: str | None = Field(None, description="First month the data cover (YYYY-MM): rows "
                              "dated earlier are refused")
    release: str | None = Field(None, description="Last month of the data's release (YYYY-MM): "
                                "rows dated later are refused")

    @field_validator("start", "release", mode="before")
    @classmethod
    def _check_months(cls, value: Any) -> Any:
        return None if value is None else _month(value)

    @field_validator("source")
    @classmethod
    def _one_place(cls, source: str, info: ValidationInfo) -> str:
        if source and info.data.get("dir"):
            raise ValueError("set data.source or data.dir, not both (data.dir is the older "
                             "name of data.source for a folder): delete data.dir")
        return source

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if tables and not is_database_url(info.data.get("source") or ""):
            raise ValueError("data.tables names a database's tables, but data.source is not a "
                             "database URL (duckdb:///data/warehouse.duckdb, ...): delete "
                             "data.tables for a folder, whose tables are files named after them")
        _refuse_unknown("table", tables, TABLES, "the data dictionary's tables are")
        for name, entry in tables.items():
            if isinstance(entry, str) and not entry.strip():
                raise ValueError(f"data.tables.{name} is empty: name a table or give a query")
        return tables

    @property
    def location(self) -> str:
        """``data.source``, else ``data.dir``: a folder, a database URL, or empty (demo)."""
        return self.source or self.dir

    @property
    def is_database(self) -> bool:
        """Whether the data come from a database (``data.source`` is a URL)."""
        return is_database_url(self.source)


#: The tables a family reads when its catalogue entry does not say, by parameter schema: what
#: the package's own per-trust, case-study and cross-trust notebooks read.
DEFAULT_TABLES: dict[str, tuple[str, ...]] = {
    "trust": ("trusts", "activity_monthly", "population", "activity_by_group"),
    "case_study": ("case_study_series",),
    "cross_trust": ("trusts", "activity_monthly"),
}


class ReportFamily(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    title: Annotated[str, Field(min_length=1)]
    description: str = ""
    notebook: str
    parameters: str = Field(description="Glob of parameter files, relative to the project")
    inputs: list[str] = Field(
        default_factory=list,
        description="Extra files a job depends on that the data layer does not see (globs "
        "relative to the data folder, with {parameter} placeholders); the build re-runs a job "
        "when they change. Files read through lhs_reports.data are recorded without this.",
    )
    schema_: Literal["trust", "case_study", "cross_trust"] = Field("trust", alias="schema")
    requires: str | None = Field(
        None, description="Run only for parameter files where this key is set (e.g. measure)")
    tables: list[str] | None = Field(
        None, description="The data dictionary's tables the family's notebook reads, e.g. "
        "[trusts, activity_monthly]: the 'About the data' page lists, per table, the families "
        "that need it, and where one is not in the data folder the family is skipped with one "
        "line in the build summary instead of failing every report. Left out: the schema's "
        "usual tables are listed on About the data, and nothing is required")
    enabled: bool = Field(True, description="false switches the family off: nothing is "
                          "planned or run for it and the site does not list it")

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables: list[str] | None) -> list[str] | None:
        _refuse_unknown("table", tables or [], TABLES, "the data dictionary's tables are")
        return tables

    @property
    def table_names(self) -> tuple[str, ...]:
        """The tables the family reads: as declared, else its schema's default."""
        return tuple(self.tables) if self.tables is not None else DEFAULT_TABLES[self.schema_]


class Catalogue(_Strict):
    site: SiteSettings = SiteSettings()
    data: DataSettings = DataSettings()
    families: Annotated[list[ReportFamily], Field(min_length=1)]

    @field_validator("families")
    @classmethod
    def _unique_ids(cls, families: list[ReportFamily]) -> list[ReportFamily]:
        seen: set[str] = set()
        for family in families:
            if family.id in seen:
                raise ValueError(f"family id {family.id!r} is used twice")
            seen.add(family.id)
        return families


def _accepted_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys accepted at ``loc`` (the error's location without its last part)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if isinstance(a, type)
                        and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return [f.alias or name for name, f in current.model_fields.items()]


def parameter_error(exc: ValidationError, model: type[BaseModel], path: Path) -> ParameterError:
    """Translate pydantic's first error into a :class:`ParameterError` with a fix."""
    # A mistyped key shows up as both "unknown" and "missing": name the typo, it is the cause.
    error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc) or None
    if error["type"] == "extra_forbidden":
        accepted = _accepted_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), accepted, n=1)
        hint = (f"did you mean '{close[0]}'? " if close else "") + \
            f"accepted keys: {', '.join(accepted)}"
        return ParameterError(f"unknown key '{loc[-1]}' in {path.name}", path=path, field=key,
                              hint=hint)
    if error["type"] == "missing":
        return ParameterError(f"required key '{key}' is missing from {path.name}", path=path,
                              field=key, hint=f"add '{loc[-1]}: ...' to the file")
    description = None
    if len(loc) == 1 and loc[0] in model.model_fields:
        description = model.model_fields[str(loc[0])].description
    return ParameterError(
        f"invalid value for '{key}' in {path.name}: {error['msg']} "
        f"(got {shorten(error.get('input'))})",
        path=path,
        field=key,
        hint=description or "correct the value",
    )


def load_catalogue(project: str | Path) -> Catalogue:
    """Load and validate ``params/reports.yaml`` from the project root."""
    path = Path(project) / CATALOGUE_PATH
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ParameterError(f"{path.name} must be a mapping of keys to values", path=path,
                             hint="start from the catalogue in the lhs-reports README")
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        raise parameter_error(exc, Catalogue, path) from None


def load_parameters(path: str | Path, schema: str = "trust") -> BaseModel:
    """Load and validate one parameter file against the family's model.

    In a build's scan (:mod:`lhs_reports.data.scan`) each file is read once, however many
    families and passes ask for it.
    """
    path = Path(path)
    scan = active()
    if scan is not None:
        return scan.memo(("parameters", str(path), schema),
                         lambda: _load_parameters(path, schema))
    return _load_parameters(path, schema)


def _load_parameters(path: Path, schema: str) -> BaseModel:
    model = PARAMETER_MODELS[schema]
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ParameterError(f"{path.name} must be a mapping of parameter names to values",
                             path=path, hint=f"e.g. {next(iter(model.model_fields))}: ...")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise parameter_error(exc, model, path) from None


def parameter_folder(family: ReportFamily) -> Path:
    """The folder of a family's parameter glob: the glob's part before any wildcard.

    Examples
    --------
    >>> parameter_folder(ReportFamily(id="t", title="T", notebook="n.ipynb",
    ...                               parameters="params/trusts/*.yaml")).as_posix()
    'params/trusts'
    """
    parts = Path(family.parameters).parts
    fixed = list(parts[:-1])
    for number, part in enumerate(fixed):
        if any(char in part for char in "*?["):
            fixed = fixed[:number]
            break
    return Path(*fixed) if fixed else Path(".")


def parameter_files(project: str | Path, family: ReportFamily) -> list[Path]:
    """The family's parameter files, sorted.

    None yet in an existing folder is not an error (a new project before its first
    ``lhs-reports new trust``; :func:`lhs_reports.engine.requirements.without_parameter_files`
    says so in one line); a glob whose folder does not exist is (a typo would otherwise build
    nothing).
    """
    project = Path(project)
    files = sorted(p for p in project.glob(family.parameters) if p.is_file())
    if not files and not (project / parameter_folder(family)).is_dir():
        raise ParameterError(
            f"no parameter files match '{family.parameters}' for family '{family.id}'",
            path=project / CATALOGUE_PATH, field=f"families.{family.id}.parameters",
            hint="check the glob, relative to the project root (its folder "
            f"{parameter_folder(family).as_posix()}/ does not exist)",
        )
    return files


def iter_parameter_sets(project: str | Path, catalogue: Catalogue
                        ) -> Iterator[tuple[ReportFamily, Path, BaseModel]]:
    """Every (family, parameter file, validated parameters) of the families switched on; stops
    at the first bad file."""
    project = Path(project)
    for family in catalogue.families:
        if not family.enabled:
            continue  # switched off: its files are not even read
        # The project's notebook, else the packaged one of that name; neither is an error.
        resolve_notebook(project, family.notebook, family=family.id)
        ids: dict[str, Path] = {}
        codes: dict[str, Path] = {}
        for path in parameter_files(project, family):
            if not re.fullmatch(_ID, path.stem):
                raise ParameterError(
                    f"parameter file name '{path.name}' cannot be used in a page address",
                    path=path, hint="use letters, digits, '-' and '_' only, e.g. SYN01.yaml",
                )
            # In any case: the pages' addresses, and --only, do not tell RX4 from rx4.
            if path.stem.casefold() in ids:
                raise ParameterError(f"two parameter files are both called '{path.stem}'",
                                     path=path, hint=f"rename one of "
                                     f"{ids[path.stem.casefold()]} and {path}")
            ids[path.stem.casefold()] = path
            params = load_parameters(path, family.schema_)
            code = getattr(params, "trust_code", None)
            if code is not None:
                if code in codes:
                    raise ParameterError(
                        f"two parameter files of family '{family.id}' are both for "
                        f"organisation '{code}'", path=path, field="trust_code",
                        hint=f"each organisation has one file: keep one of {codes[code]} and "
                        f"{path}")
                codes[code] = path
            if family.requires and getattr(params, family.requires, None) in (None, "", [], {}):
                continue
            yield family, path, params


#: Organisations' parameter files read in this process, by path: (size, mtime, settings).
_settings_kept: dict[str, tuple[int, int, TrustParameters]] = {}


def _kept_settings(path: Path) -> TrustParameters:
    """One organisation's parameter file, read and validated once per process (a warm kernel
    runs many reports, each naming every organisation) while it is unchanged; each caller
    gets its own copy of the settings."""
    stat = path.stat()
    kept = _settings_kept.get(str(path))
    if kept is None or kept[:2] != (stat.st_size, stat.st_mtime_ns):
        params = load_parameters(path, "trust")
        assert isinstance(params, TrustParameters)
        kept = (stat.st_size, stat.st_mtime_ns, params)
        _settings_kept[str(path)] = kept
    return kept[2].model_copy(deep=True)


def organisation_settings(project: str | Path | None = None) -> dict[str, TrustParameters]:
    """Every organisation's own settings, by organisation code, from the parameter files of
    the catalogue's per-trust families: the one place a trust's name, targets and change month
    are kept, so a page across trusts says what each trust's own page says.

    The files are recorded as read (:mod:`lhs_reports.data.reads`), so a page that calls this
    is rebuilt when any trust's file changes, appears or disappears.

    ``organisation_settings()["SYN01"].targets`` gives SYN01's targets, e.g.
    ``{'crisis_24h': 75.0, 'followup_72h': 80.0}`` (tests/test_fingerprints.py runs it).
    """
    root = Path(project) if project is not None else find_project_root()
    catalogue = load_catalogue(root)
    reads.record_glob(root, CATALOGUE_PATH.as_posix(), [root / CATALOGUE_PATH])
    found: dict[str, tuple[Path, TrustParameters]] = {}
    for family in catalogue.families:
        if family.schema_ != "trust":
            continue
        files = parameter_files(root, family)
        reads.record_glob(root, family.parameters, files)
        for path in files:
            params = _kept_settings(path)
            seen = found.get(params.trust_code)
            if seen is not None and seen[0].resolve() != path.resolve():
                raise ParameterError(
                    f"two parameter files are both for organisation '{params.trust_code}'",
                    path=path, field="trust_code",
                    hint=f"keep one of {seen[0]} and {path}: each organisation has one file")
            found[params.trust_code] = (path, params)
    return {code: params for code, (path, params) in found.items()}
