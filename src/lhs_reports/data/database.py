"""Connecting to a database source and reading a table or query from it in chunks.

Every problem is a :class:`~lhs_reports.errors.DataError` naming the catalogue
(``params/reports.yaml``), the key (``data.source`` or ``data.tables.<name>``) and a fix: a
driver not installed, a database file that does not exist (SQLite would silently create an
empty one), a database that refuses the connection, a table that is not there, an error in a
query (the database's own message, first line). A password is never shown: URLs are printed
with it masked, and a database's message is cleaned of it.

Rows are streamed (``stream_results``) and handed over a chunk at a time, so reading never
holds more than one chunk of the source: aggregation belongs in the query (``GROUP BY
trust_code, month`` over a contact-level table runs in the database).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from lhs_reports.data.source import CATALOGUE_FILE, expand_variables
from lhs_reports.errors import DataError

#: Rows fetched from the database at a time.
CHUNK_ROWS = 100_000

#: How to install the driver a URL names, by the Python module that is missing.
DRIVER_INSTALL = {
    "psycopg": "pip install psycopg",
    "psycopg2": "pip install psycopg2-binary",
    "pyodbc": "pip install pyodbc, and Microsoft's ODBC Driver 18 for SQL Server",
    "pymssql": "pip install pymssql",
    "duckdb_engine": "pip install duckdb-engine",
    "duckdb": "pip install duckdb duckdb-engine",
    "MySQLdb": "pip install mysqlclient",
    "pymysql": "pip install pymysql",
    "oracledb": "pip install oracledb",
}

#: Database backends that live in one local file.
FILE_BACKENDS = ("sqlite", "duckdb")


@dataclass(frozen=True)
class Source:
    """One table's rows in the database: a table (or view) or a query, and where it is set."""

    #: The dictionary table it fills.
    table: str
    #: ``data.tables.<table>`` when the catalogue lists it, else ``data.source``.
    key: str
    #: A table or view name (``schema.name`` allowed), or None for a query.
    name: str | None = None
    query: str | None = None

    @property
    def described(self) -> str:
        """The table or query, in words (the query shortened to one line)."""
        if self.name is not None:
            return f"table {self.name}"
        text = " ".join(str(self.query).split())
        return f"query {text[:77] + '...' if len(text) > 80 else text}"

    def statement(self) -> sa.Executable:
        """What runs in the database: the table, or ``SELECT * FROM (<query>) AS q``."""
        if self.name is not None:
            schema, _, name = self.name.rpartition(".")
            return sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None))
        query = str(self.query).strip().rstrip(";")
        return sa.text(f"SELECT * FROM ({query}) AS q")


def database_url(text: str, root: Path) -> URL:
    """The URL of ``data.source``: ``${VARIABLES}`` filled in, and a SQLite or DuckDB file named
    relative to the project ``root`` (never the current directory), which must exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "warehouse.duckdb").write_bytes(b"")
    >>> database_url("duckdb:///warehouse.duckdb", root).database == str(root / "warehouse.duckdb")
    True
    >>> database_url("sqlite:///missing.db", root)
    Traceback (most recent call last):
    ...
    lhs_reports.errors.DataError: the database file .../missing.db does not exist
      file: params/reports.yaml
      column: data.source
      fix: check the path in data.source (relative to the project root:
      sqlite:///data/x.db), or create the database first
    """
    try:
        url = sa.engine.make_url(text.strip())
    except sa.exc.ArgumentError as exc:
        raise DataError(f"data.source is not a database URL that can be read: {exc}",
                        path=CATALOGUE_FILE, field="data.source",
                        hint="write it as dialect+driver://user:password@host/database, e.g. "
                        "duckdb:///data/warehouse.duckdb") from None
    url = url.set(
        username=url.username and expand_variables(url.username),
        password=url.password and expand_variables(str(url.password)),
        host=url.host and expand_variables(url.host),
        database=url.database and expand_variables(url.database),
        query={k: tuple(expand_variables(v) for v in value) if isinstance(value, tuple)
               else expand_variables(value) for k, value in url.query.items()},
    )
    if url.get_backend_name() in FILE_BACKENDS and url.database and \
            url.database != ":memory:" and not url.database.startswith("file:"):
        path = Path(url.database).expanduser()
        path = path if path.is_absolute() else root / path
        if not path.is_file():
            raise DataError(f"the database file {path} does not exist", path=CATALOGUE_FILE,
                            field="data.source",
                            hint="check the path in data.source (relative to the project root: "
                            f"{url.get_backend_name()}:///data/x.db), or create the database "
                            "first")
        url = url.set(database=str(path))
    return url


def masked(url: URL) -> str:
    """The URL with its password hidden, for messages and the extract's manifest.

    Examples
    --------
    >>> masked(sa.engine.make_url("postgresql+psycopg://me:s3cret@host/db"))
    'postgresql+psycopg://me:***@host/db'
    """
    return url.render_as_string(hide_password=True)


def first_line(exc: BaseException, url: URL) -> str:
    """The database's own message, first line, with any password removed."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    text = message[0] if message else type(exc).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def connect(url: URL) -> Engine:
    """An engine for ``url`` that has connected once (so a bad host or password shows here)."""
    # A DuckDB file opened read-only can be read while another process reads it too.
    arguments = {"read_only": True} if url.get_backend_name() == "duckdb" else {}
    try:
        engine = sa.create_engine(url, connect_args=arguments)
    except ModuleNotFoundError as exc:
        module = (exc.name or "").split(".")[0]
        install = DRIVER_INSTALL.get(module, f"pip install {module}")
        raise DataError(f"the database driver for {url.drivername} is not installed "
                        f"(no module {module!r})", path=CATALOGUE_FILE, field="data.source",
                        hint=f"{install}; then run the command again") from None
    except sa.exc.NoSuchModuleError:
        raise DataError(f"SQLAlchemy does not know the database kind {url.drivername!r}",
                        path=CATALOGUE_FILE, field="data.source",
                        hint="start the URL with a SQLAlchemy dialect: duckdb://, sqlite://, "
                        "postgresql+psycopg://, mssql+pyodbc://") from None
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        backend = url.get_backend_name()
        raise DataError(f"cannot connect to {masked(url)}: {first_line(exc, url)}",
                        path=CATALOGUE_FILE, field="data.source",
                        hint=f"check the file is a {backend} database that this user can read "
                        "(and that no program holds it open for writing)"
                        if backend in FILE_BACKENDS else "check the host, port, database name, "
                        "user and password (write a password as ${VARIABLE} and set it in the "
                        "environment)") from None
    return engine


def existing_tables(engine: Engine) -> dict[str, str]:
    """The tables and views of the default schema, by lower-case name."""
    inspector = sa.inspect(engine)
    names = [*inspector.get_table_names(), *inspector.get_view_names()]
    return {name.lower(): name for name in names}


def has_table(engine: Engine, name: str) -> bool:
    """Whether ``name`` (``schema.name`` allowed) is a table or view in the database."""
    schema, _, bare = name.rpartition(".")
    inspector = sa.inspect(engine)
    return inspector.has_table(bare, schema=schema or None) or \
        bare in inspector.get_view_names(schema=schema or None)


def read_chunks(engine: Engine, source: Source, url: URL, *, rows: int = CHUNK_ROWS
                ) -> Iterator[pd.DataFrame]:
    """The rows of ``source``, ``rows`` at a time (one empty frame with the columns when there
    are none). A SQL error names the catalogue key and quotes the database."""
    with engine.connect().execution_options(stream_results=True, yield_per=rows) as connection:
        try:
            result = connection.execute(source.statement())
            columns = list(result.keys())
            yielded = False
            for part in result.partitions(rows):
                yielded = True
                yield pd.DataFrame.from_records([tuple(row) for row in part], columns=columns)
            if not yielded:
                yield pd.DataFrame(columns=columns)
        except sa.exc.SQLAlchemyError as exc:
            raise DataError(f"the database could not run {source.key} ({source.described}): "
                            f"{first_line(exc, url)}", path=CATALOGUE_FILE, field=source.key,
                            hint="correct the SQL (try it in the database's own client first)"
                            if source.query is not None else "check the table's name and "
                            "that this user may read it") from None
