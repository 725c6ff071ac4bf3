"""What the catalogue's ``data.source`` names: a folder, or a database (no heavy imports: the
catalogue is validated with it on every command).

A value with a URL scheme (``duckdb:///data/warehouse.duckdb``, ``sqlite:///data/x.db``,
``postgresql+psycopg://user:${PGPASSWORD}@host/db``) is a SQLAlchemy database URL; anything else
is a folder relative to the project. A database is read into a local *extract*, a folder of
Parquet files under the project's outputs (:mod:`lhs_reports.data.extract`), so every reader
of the data works on a folder whichever the source.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lhs_reports.data.locations import DEMO_DATA_DIR, PROJECT_MARKER
from lhs_reports.errors import DataError

#: Where a database source's extract lives, relative to the project's outputs folder.
EXTRACT_FOLDER = Path("data") / "extract"

#: A project's outputs folder (executed notebooks, the site, a database's extract).
OUTPUTS = Path("outputs")

#: The catalogue file and key every message about a database source names.
CATALOGUE_FILE = PROJECT_MARKER.as_posix()

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def is_database_url(text: str) -> bool:
    """Whether ``data.source`` names a database (a URL with a scheme), not a folder.

    Examples
    --------
    >>> is_database_url("duckdb:///data/warehouse.duckdb")
    True
    >>> is_database_url("postgresql+psycopg://user:${PGPASSWORD}@db.example/lhs")
    True
    >>> is_database_url("data/own"), is_database_url(r"C:\\\\data\\\\own"), is_database_url("")
    (False, False, False)
    """
    return bool(_SCHEME.match(text.strip()))


def data_folder(root: Path, location: str) -> Path:
    """The folder a project's reports read, given the catalogue's ``data.source`` (or
    ``data.dir``): the folder it names, a database's local extract, or the demo data folder.

    The one rule for the build (:attr:`lhs_reports.engine.plan.Project.data_dir`) and for a
    notebook run by hand with an empty ``data_dir``.

    Examples
    --------
    >>> root = Path("/srv/project")
    >>> [data_folder(root, s).relative_to(root).as_posix()
    ...  for s in ("data", "duckdb:///warehouse.duckdb", "")]
    ['data', 'outputs/data/extract', 'data/demo']
    """
    if is_database_url(location):
        return root / OUTPUTS / EXTRACT_FOLDER
    return root / location if location else root / DEMO_DATA_DIR


def expand_variables(text: str, *, field: str = "data.source") -> str:
    """``text`` with every ``${NAME}`` replaced by the environment variable ``NAME``, so that a
    password need not be written in the catalogue.

    Examples
    --------
    >>> os.environ["LHS_DOC_PASSWORD"] = "s3cret"
    >>> expand_variables("postgresql+psycopg://me:${LHS_DOC_PASSWORD}@host/db")
    'postgresql+psycopg://me:s3cret@host/db'
    >>> expand_variables("${LHS_DOC_UNSET}")
    Traceback (most recent call last):
    ...
    lhs_reports.errors.DataError: data.source uses ${LHS_DOC_UNSET}, which is not set
      file: params/reports.yaml
      column: data.source
      fix: set the environment variable LHS_DOC_UNSET before running lhs-reports
      (e.g. export LHS_DOC_UNSET=...), or write the value in the URL
    """
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataError(f"{field} uses ${{{name}}}, which is not set", path=CATALOGUE_FILE,
                            field=field,
                            hint=f"set the environment variable {name} before running "
                            f"lhs-reports (e.g. export {name}=...), or write the value in the "
                            "URL")
        return os.environ[name]

    return _VARIABLE.sub(value, text)
