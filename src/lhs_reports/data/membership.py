"""Whose rows: every trust a table has rows for is in the trusts table (else an error), and
every trust with a parameter file has rows in each table its reports read (else a notice).

Both are checks across tables (or across a table and the parameter files), so ``lhs-reports
check`` makes them once all tables are read, before any report runs: a code mistyped in one
file (``RX04`` for ``RX4``) is refused with the file and the fix rather than a page across
trusts silently counting a nameless trust; a trust whose rows were left out of an extract is
named before the build, whose reports for it then fail on their own.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from lhs_reports.data.dictionary import TABLES
from lhs_reports.data.layout import table_files
from lhs_reports.data.rows import DataWarning
from lhs_reports.errors import DataError


def _by_trust(name: str) -> bool:
    owner = TABLES[name].owner
    return name != "trusts" and owner is not None and owner.name == "trust_code"


def refuse_unlisted_trusts(folder: Path, frames: Mapping[str, pd.DataFrame]) -> None:
    """Every ``trust_code`` with rows in a table is in the trusts table.

    Examples
    --------
    >>> trusts = pd.DataFrame({"trust_code": ["RX4"]})
    >>> monthly = pd.DataFrame({"trust_code": ["RX4", "RX04"]}, index=[0, 1])
    >>> refuse_unlisted_trusts(Path("data"), {"trusts": trusts, "activity_monthly": monthly})
    Traceback (most recent call last):
    ...
    lhs_reports.errors.DataError: table 'activity_monthly' has rows for RX04, which is not ...
      file: data/activity_monthly
      column: trust_code
      row: 2
      fix: add RX04 to the trusts table (its name and region), or check the code: the trusts ...
    """
    if "trusts" not in frames:
        return
    listed = set(frames["trusts"]["trust_code"].astype(str))
    for name, frame in frames.items():
        if not _by_trust(name):
            continue
        unlisted = ~frame["trust_code"].astype(str).isin(listed)
        if not unlisted.any():
            continue
        position = int(unlisted.to_numpy().argmax())
        code = str(frame["trust_code"].iloc[position])
        files = table_files(folder, name, code) or [folder / name]
        label = frame.index[position]
        one_file = len(table_files(folder, name)) <= 1 and pd.api.types.is_integer(label)
        raise DataError(
            f"table '{name}' has rows for {code}, which is not in the trusts table",
            path=files[0], field="trust_code", row=int(label) + 1 if one_file else None,
            hint=f"add {code} to the trusts table (its name and region), or check the code: "
            f"the trusts table has {', '.join(sorted(listed)[:8])}")


def warn_trusts_without_rows(folder: Path, frames: Mapping[str, pd.DataFrame],
                            needs: Iterable[tuple[str, Path, Iterable[str]]]) -> None:
    """A notice for each trust with a parameter file but no rows in a table its reports read.

    ``needs``: for each job, the trust's code, its parameter file and the tables it reads. Not
    an error: one trust's reports fail on their own in the build (each report is isolated),
    and the rest of the site is built; the notice says so before anything runs.
    """
    present = {name: set(frame["trust_code"].astype(str)) for name, frame in frames.items()
               if name == "trusts" or _by_trust(name)}
    said: set[tuple[str, str]] = set()
    for code, params_path, tables in needs:
        for name in tables:
            if name in present and code not in present[name] and (code, name) not in said:
                said.add((code, name))
                warnings.warn(
                    f"{code} has a parameter file but no rows in table '{name}' "
                    f"({_where(folder, name)}): its reports that read it will fail; add its "
                    "rows, or remove "
                    f"{params_path.parent.parent.name}/{params_path.parent.name}/"
                    f"{params_path.name} until its data are there", DataWarning, stacklevel=2)


def _where(folder: Path, name: str) -> str:
    files = table_files(folder, name)
    return files[0].name if len(files) == 1 else f"{name}/"
