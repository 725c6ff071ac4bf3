"""Figures every organisation's report of a family needs, computed once, not once per report.

A :class:`SharedStep` is a pure function of the data folder and a few parameters common to a
family's reports (``period_end``, say) that returns small tables ("parts"): the all-trust age
profile, every trust's standardised ratios, the all-organisation survey agreement. A report
asks for them with :func:`shared_parts`:

- in a build, the build computed them once before any report ran
  (:mod:`lhs_reports.engine.shared_steps`) and wrote each part as a Parquet file in the folder
  ``$LHS_REPORTS_SHARED`` names; the report reads those files, recorded as read like any data
  file, so it re-runs only when a part it read changed, not when any organisation's data did;
- anywhere else (JupyterLab, nbval, a notebook run by hand), the kernel computes them itself,
  once per kernel: remembered with what they read, and computed again only when one of those
  files changed (by path, size and modification time), as :func:`~lhs_reports.data.load_table`
  keeps tables. Every report using them is recorded as having read those files.

Either way a report gets the same numbers; each call hands out views of the kept tables (no
data copied; pandas copies on write, so a report that changes one changes only its own).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lhs_reports.data import reads
from lhs_reports.data.loaders import view_of

#: The folder of a build's shared figures, set in the environment of the build's kernels.
SHARED_ENV = "LHS_REPORTS_SHARED"
#: Where a project's shared figures live, under its outputs folder.
SHARED_DIR = Path(".cache") / "shared"
#: Each part of a step's output, in its folder: ``<part>.parquet``.
PART_SUFFIX = ".parquet"


@dataclass(frozen=True)
class SharedStep:
    """Figures shared by every report of the families running ``notebooks``.

    ``compute(data_dir, **parameters)`` returns the parts by name (``parts`` lists them);
    ``parameters`` are the job parameters besides ``data_dir`` the figures depend on (all of
    a family's reports with the same values share one computation).
    """

    name: str
    notebooks: tuple[str, ...]
    parameters: tuple[str, ...]
    parts: tuple[str, ...]
    compute: Callable[..., dict[str, pd.DataFrame]]


def step_values(step: SharedStep, data_dir: str | Path,
                parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The values a step's figures depend on: the data folder (absolute) and its parameters.

    Examples
    --------
    >>> step = SharedStep("s", ("nb",), ("period_end",), ("p",), lambda data_dir: {})
    >>> step_values(step, "/data", {"period_end": "2025-03", "trust_code": "RX4"})
    {'data_dir': '/data', 'period_end': '2025-03'}
    """
    values: dict[str, Any] = {"data_dir": str(Path(data_dir).resolve())}
    values.update({name: parameters.get(name) for name in step.parameters})
    return values


def instance_name(step: SharedStep, values: Mapping[str, Any]) -> str:
    """The folder name of one computation of ``step`` (``values`` from :func:`step_values`):
    the same in the build and in its kernels.

    Examples
    --------
    >>> step = SharedStep("needs_peers", ("nb",), (), ("p",), lambda data_dir: {})
    >>> instance_name(step, {"data_dir": "/data"})
    'needs_peers-...'
    """
    digest = hashlib.sha256(json.dumps(dict(values), sort_keys=True, default=str).encode())
    return f"{step.name}-{digest.hexdigest()[:16]}"


def shared_parts(step: SharedStep, data_dir: str | Path, **parameters: Any
                 ) -> dict[str, pd.DataFrame]:
    """``step``'s parts for the data in ``data_dir``: the build's, when it computed them, else
    computed in this kernel (once while their inputs are unchanged). Recorded as read."""
    values = step_values(step, data_dir, parameters)
    built = _built_folder(step, values)
    if built is not None:
        files = [built / f"{part}{PART_SUFFIX}" for part in step.parts]
        reads.record_glob(built, f"*{PART_SUFFIX}", reads.glob_files(built, f"*{PART_SUFFIX}"))
        return {part: view_of(_read_part(*_stamp(path))) for part, path
                in zip(step.parts, files, strict=True)}
    return {part: view_of(table) for part, table in _computed_parts(step, values).items()}


def _built_folder(step: SharedStep, values: Mapping[str, Any]) -> Path | None:
    """The build's folder of this computation, when the build made it (every part there)."""
    where = os.environ.get(SHARED_ENV)
    if not where:
        return None
    folder = Path(where) / instance_name(step, values)
    if all((folder / f"{part}{PART_SUFFIX}").is_file() for part in step.parts):
        return folder
    return None


def _stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


_parts_kept: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}


def _read_part(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """A part file, read once per kernel while it is unchanged."""
    kept = _parts_kept.get(path)
    if kept is None or kept[0] != (mtime_ns, size):
        kept = ((mtime_ns, size), pd.read_parquet(path))
        _parts_kept[path] = kept
    return kept[1]


@dataclass(frozen=True)
class _Computed:
    """Parts computed in this kernel, what they read, and those files' stamps then."""

    parts: dict[str, pd.DataFrame]
    read: list[dict[str, Any]]
    stamps: tuple[tuple[str, int, int], ...]


_computed: dict[str, _Computed] = {}


def _stamps(recorded: list[dict[str, Any]]) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every file the lookups find now."""
    return tuple(_stamp(path) for read in recorded for path in reads.current_files(read))


def _computed_parts(step: SharedStep, values: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The parts computed here, kept while no file they read changed."""
    key = instance_name(step, values)
    kept = _computed.get(key)
    if kept is not None:
        try:
            fresh = _stamps(kept.read) == kept.stamps
        except OSError:
            fresh = False
        if fresh:
            reads.replay(kept.read)
            return kept.parts
    parts, read = compute_parts(step, Path(values["data_dir"]), values)
    _computed[key] = _Computed(parts, read, _stamps(read))
    return parts


def compute_parts(step: SharedStep, data_dir: Path, values: Mapping[str, Any]
                  ) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Compute ``step``'s parts now (``values`` from :func:`step_values`) and the lookups the
    computation made: what the build runs for a shared step."""
    arguments = {name: value for name, value in values.items() if name != "data_dir"}
    with reads.recording() as read:
        parts = step.compute(Path(data_dir), **arguments)
    missing = set(step.parts) - set(parts)
    if missing:
        raise ValueError(f"shared step {step.name} did not return {', '.join(sorted(missing))}")
    return {part: parts[part] for part in step.parts}, list(read)
