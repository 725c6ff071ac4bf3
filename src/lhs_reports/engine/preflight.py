"""Everything a build can find wrong before any kernel starts: folders, data, their settings.

``lhs-reports check`` runs these after the parameter files are validated (``--params-only``
skips the data), and ``plan`` and ``build`` run them too, so a bad file stops the build with
the file, column, row and fix, and no job runs and no page changes. Checking the data reads
every table once (seconds at trust scale); its verdict, with each organisation's latest month
(where a period left out of a parameter file ends), is remembered by the content of every file
and parameter it depends on, so an unchanged project is not read again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lhs_reports.data.dictionary import EXAMPLE_CODES, TABLES
from lhs_reports.data.extract_manifest import with_origin
from lhs_reports.data.fingerprint import file_hash
from lhs_reports.data.layout import table_files
from lhs_reports.data.scan import active
from lhs_reports.engine.cache import code_digest
from lhs_reports.engine.periods import job_data_dir
from lhs_reports.engine.plan import Job, Project
from lhs_reports.errors import DataError, ParameterError
from lhs_reports.params import CATALOGUE_PATH

#: Where the last data check's verdict is remembered.
CHECKED = Path(".cache") / "data-checked"


_data_dir = job_data_dir


def check_data_folders(project: Project, jobs: Sequence[Job]) -> None:
    """Every data folder the jobs will read exists and can be read."""
    for folder in sorted({_data_dir(project, job) for job in jobs}):
        if folder == project.data_dir and project.uses_demo_data:
            continue  # generated on demand by ensure_data
        where = next(j for j in jobs if _data_dir(project, j) == folder)
        named_in = (where.params_path if folder != project.data_dir
                    else project.root / CATALOGUE_PATH)
        if not folder.is_dir():
            raise DataError(f"the data folder {folder} does not exist", path=named_in,
                            field="data_dir" if folder != project.data_dir
                            else "data.dir" if project.catalogue.data.dir else "data.source",
                            hint="point it at the folder holding your tables (see About the "
                            "data), relative to the project root")
        if not os.access(folder, os.R_OK | os.X_OK):
            raise DataError(f"the data folder {folder} cannot be read by this user",
                            path=named_in, hint="give this user read access to the folder")


def _verdict_key(project: Project, jobs: Sequence[Job]) -> str:
    digest = hashlib.sha256(code_digest().encode())
    digest.update(json.dumps(project.catalogue.data.model_dump(), sort_keys=True).encode())
    scan = active()  # in a plan: each file stat-ed once, hashed only when it changed
    content = scan.hash if scan is not None else file_hash
    for folder in sorted({_data_dir(project, job) for job in jobs}):
        for name in TABLES:
            for path in table_files(folder, name):
                digest.update(f"{path}:{content(path)}\n".encode())
    for job in sorted(jobs, key=lambda j: j.key):
        digest.update(json.dumps([job.key, job.parameters], sort_keys=True,
                                 default=str).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class DataCheck:
    """What checking the data found besides errors."""

    #: Adjustments made while reading, such as end-of-month dates read as their month.
    notices: list[str] = field(default_factory=list)
    #: Each data folder's latest month (YYYY-MM) by organisation, from the monthly activity.
    latest: dict[Path, dict[str, str]] = field(default_factory=dict)


def check_data(project: Project, jobs: Sequence[Job], *,
               say: Callable[[str], None] | None = None) -> DataCheck:
    """Validate every table the jobs' data folders hold, and the settings that refer to them.

    Notices are given to ``say`` (default: standard error). Raises :class:`DataError` or
    :class:`ParameterError` at the first problem.
    """
    check_data_folders(project, jobs)
    key = _verdict_key(project, jobs)
    remembered = project.outputs / CHECKED
    if (known := _remembered(remembered, key)) is not None:
        return known
    notices: list[str] = []
    latest: dict[Path, dict[str, str]] = {}
    for folder in sorted({_data_dir(project, job) for job in jobs}):
        folder_jobs = [job for job in jobs if _data_dir(project, job) == folder]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                latest[folder] = _check_folder(folder, folder_jobs,
                                               start=project.catalogue.data.start,
                                               release=project.catalogue.data.release)
            except DataError as error:  # a database's extract: name the table or query
                raise with_origin(error, folder) from None
        notices += list(dict.fromkeys(str(w.message) for w in caught
                                      if w.category.__name__ == "DataWarning"))
    for notice in notices:
        (say or _stderr)(f"notice: {notice}")
    # Here: the site package loads nbformat and jsonschema (seconds), which a check of
    # unchanged data (remembered above) never needs.
    from lhs_reports.site.publish import write_text_atomic

    write_text_atomic(remembered, json.dumps(
        {"key": key, "latest": {str(f): months for f, months in latest.items()}}))
    return DataCheck(notices, latest)


def _remembered(path: Path, key: str) -> DataCheck | None:
    """The last check's findings when nothing it depends on changed (its notices were given
    then), else None."""
    try:
        verdict = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(verdict, dict) or verdict.get("key") != key:
        return None
    return DataCheck([], {Path(f): dict(months) for f, months in verdict["latest"].items()})


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def _check_folder(folder: Path, jobs: Sequence[Job], *, start: str | None = None,
                  release: str | None = None) -> dict[str, str]:
    """Check one data folder; return each organisation's latest month of monthly activity."""
    # Imported here: pandas and pandera are needed only when there are data to check.
    from lhs_reports.data.loaders import load_table
    from lhs_reports.data.membership import refuse_unlisted_trusts, warn_trusts_without_rows
    from lhs_reports.data.rows import latest_months, month_gaps

    declared = {str(job.parameters.get("trust_code")): set(job.parameters.get("missing_months")
                                                           or [])
                for job in jobs if job.parameters.get("trust_code")}
    latest: dict[str, str] = {}
    frames = {}
    for name, table in TABLES.items():
        if not table_files(folder, name):
            continue
        frame = frames[name] = load_table(folder, name)
        _refuse_template_rows(folder, name, frame)
        if table.month_column is not None:
            _check_coverage(folder, name, frame, start, release)
        for organisation, months in month_gaps(frame, table).items():
            undeclared = [m for m in months if m not in declared.get(organisation, set())]
            if undeclared:
                shown = ", ".join(undeclared[:6]) + (" ..." if len(undeclared) > 6 else "")
                raise DataError(
                    f"table '{name}' has no rows for {organisation} in {shown}: a monthly "
                    "series may not skip months",
                    path=table_files(folder, name, organisation)[0],
                    field=table.month_column,
                    hint=f"add the missing month(s), or declare them in {organisation}'s "
                    f"parameter file as missing_months: [{', '.join(undeclared[:3])}] (shown "
                    "as gaps on its pages)")
        if name == "activity_monthly":
            latest = latest_months(frame, table)
    refuse_unlisted_trusts(folder, frames)
    warn_trusts_without_rows(folder, frames, [
        (str(job.parameters["trust_code"]).upper(), job.params_path, job.family.table_names)
        for job in jobs if job.parameters.get("trust_code")])
    _check_period_ends(jobs, latest)
    return latest


def _files_as_read(folder: Path, name: str) -> Iterator[tuple[Path, Any]]:
    """Each file of table ``name`` as it was read (headers matched to the dictionary), to find
    the file and row a person would look at once a check over the whole table has failed."""
    from lhs_reports.data.headers import normalise_headers
    from lhs_reports.data.loaders import read_table_file

    for path in table_files(folder, name):
        yield path, normalise_headers(read_table_file(path), TABLES[name])


def _refuse_template_rows(folder: Path, name: str, frame: Any) -> None:
    """A table still holding a data template's example rows (``EXAMPLE1``, from ``lhs-reports
    data-template``) is refused, naming the file and row: they would be published as data."""
    from lhs_reports.data.rows import file_row

    columns = [c.name for c in TABLES[name].columns if c.code and c.name in frame.columns]
    if not any(frame[c].isin(EXAMPLE_CODES).any() for c in columns):
        return
    for path, rows in _files_as_read(folder, name):
        for column in columns:
            if column not in rows.columns:
                continue
            found = rows[column].astype("string").str.strip().str.upper().isin(EXAMPLE_CODES)
            if bool(found.any()):
                position = int(found.to_numpy().argmax())
                raise DataError(
                    f"table '{name}' still holds the template's example row "
                    f"{rows[column].iloc[position]}", path=path, field=column,
                    row=file_row(rows, position),
                    hint="replace the template's example rows with your own data, or delete "
                    "the file if the reports you build do not need this table (About the data "
                    "says which families need it)")


def _check_coverage(folder: Path, name: str, frame: Any, start: str | None,
                    release: str | None) -> None:
    """No month before the data's declared start or after its release (the catalogue's
    ``data.start`` and ``data.release``), naming the file and row of the first one."""
    import pandas as pd

    from lhs_reports.data.months import normalise_months
    from lhs_reports.data.rows import file_row

    table = TABLES[name]
    column = str(table.month_column)
    months = frame[column].dt.strftime("%Y-%m")
    outside = ((months < start) if start else False) | ((months > release) if release else False)
    if not bool(pd.Series(outside).any()):
        return
    for path, frame in _files_as_read(folder, name):
        rows = normalise_months(frame, table, path)[column].dt.strftime("%Y-%m")
        bad = ((rows < start) if start else False) | ((rows > release) if release else False)
        if bool(pd.Series(bad).any()):
            position = int(pd.Series(bad).to_numpy().argmax())
            raise DataError(
                f"column '{column}' of table '{name}' has {rows.iloc[position]}, outside the "
                f"data's months ({start or 'any start'} to {release or 'now'})", path=path,
                field=column, row=file_row(frame, position),
                hint="remove or correct the row, or change data.start / data.release in "
                "params/reports.yaml")


def _check_period_ends(jobs: Sequence[Job], latest: dict[str, str]) -> None:
    """A report may not claim a period its data do not reach."""
    if not latest:
        return
    for job in jobs:
        period_end = job.parameters.get("period_end")
        code = job.parameters.get("trust_code")
        if not period_end:
            continue
        if code is not None:
            last = latest.get(str(code))
            if last is None or period_end <= last:
                continue  # an organisation missing from the data fails its own report
            subject = f"{code}'s data end in {last}"
        else:
            last = max(latest.values())
            if period_end <= last:
                continue
            subject = f"the latest month in the data is {last}"
        raise ParameterError(
            f"period_end {period_end} is later than the data: {subject}",
            path=job.params_path, field="period_end",
            hint=f"set period_end: {last} (or add the later months to the data)")
