"""A shard's outputs as one folder: what ``build --shard K/N`` leaves for ``render`` to gather.

``outputs/shards/K-of-N/`` holds, for every job assigned to shard K (whether it ran this time,
was up to date or was not selected):

- ``shard.json``: the shard (``K/N``), the whole assignment (every job's shard) and its
  digest, when it ran and with which executor, and per job its plan (cache key, run or not,
  why), its result if it ran (status, duration, error, headline records, reads) and its cache
  manifest entry (the record a later build's plan reads, with the job's headline results);
  each distinct read is stored once under ``reads`` and named by its digest;
- ``notebooks/<family>/<id>.ipynb`` (and ``<id>.failed.ipynb``): the job's executed notebook
  (and its last failed run), the files the project's ``outputs/notebooks/`` holds for it.

The folder has no hidden files, so it uploads as a CI artifact as it is
(``actions/upload-artifact`` leaves hidden files out), and it is written in a temporary folder
and moved into place, so a shard killed part-way leaves the previous folder or none.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lhs_reports.engine.manifest import read_digest
from lhs_reports.engine.outcome import JobResult
from lhs_reports.engine.plan import Job
from lhs_reports.engine.shards import Shard, assignment_digest
from lhs_reports.errors import BuildError

__all__ = ["RECORD", "SHARDS", "ShardJob", "ShardOutputs", "find_shard_folders", "job_files",
           "read_shard", "sibling_assignment", "write_shard"]

#: Where a shard's folder is written, under the project's outputs.
SHARDS = Path("shards")
#: The record of a shard's jobs, in its folder.
RECORD = "shard.json"
#: Bumped when the record changes shape: a render refuses a shard of another format.
#: 2: each distinct read stored once (``reads``), jobs refer to them by digest.
FORMAT = 2


@dataclass(frozen=True)
class ShardJob:
    """One job of a shard: as planned there, its result if it ran, its manifest entry."""

    key: str
    cache_key: str
    run: bool
    reason: str
    result: JobResult | None
    entry: dict[str, Any] | None


@dataclass(frozen=True)
class ShardOutputs:
    """A shard's folder, read."""

    folder: Path
    shard: Shard
    assignment: str
    executor: str
    started: str
    finished_execution: str
    jobs: tuple[ShardJob, ...]

    def file(self, relative: Path) -> Path:
        """Where the shard holds an outputs file (``notebooks/family/id.ipynb``)."""
        return self.folder / relative


def job_files(job: Job, outputs: Path) -> list[Path]:
    """The files of ``job`` a shard carries, relative to the outputs folder."""
    return [path.relative_to(outputs) for path in (job.output, job.failed_output)]


def write_shard(outputs: Path, shard: Shard, jobs: Sequence[tuple[Job, str, bool, str]],
                results: Mapping[str, JobResult], entries: Mapping[str, dict[str, Any]], *,
                assignment: Mapping[str, int], executor: str, started: str,
                finished_execution: str) -> Path:
    """Write shard ``shard``'s folder under ``outputs/shards/`` and return it.

    ``jobs`` are the shard's ``(job, cache key, run, reason)``; ``results`` the results of those
    that ran, by key; ``entries`` the cache manifest's entries; ``assignment`` every job's
    shard.
    """
    target = outputs / SHARDS / shard.folder_name
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{shard.folder_name}.", dir=target.parent))
    try:
        records = []
        packer = _ReadPacker()
        for job, cache_key, run, reason in jobs:
            for relative in job_files(job, outputs):
                if (outputs / relative).is_file():
                    (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(outputs / relative, staging / relative)
            result = results.get(job.key)
            records.append({"key": job.key, "cache_key": cache_key, "run": run,
                            "reason": reason,
                            "result": packer.pack(_result_record(result)),
                            "manifest": packer.pack(entries.get(job.key))})
        record = {"format": FORMAT, "shard": str(shard),
                  "assignment": assignment_digest(assignment),
                  "assigned": dict(sorted(assignment.items())), "executor": executor,
                  "started": started, "finished_execution": finished_execution,
                  "jobs": records, "reads": packer.reads}
        (staging / RECORD).write_text(json.dumps(record, indent=1, default=str))
        old = None
        if target.exists():
            old = target.with_name(f".{shard.folder_name}.old-{os.getpid()}")
            os.rename(target, old)
        os.rename(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _result_record(result: JobResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    # Not dataclasses.asdict: it would deep-copy every read the job made.
    return {field.name: getattr(result, field.name) for field in dataclasses.fields(result)}


class _ReadPacker:
    """Each distinct read once, by digest: a shard of thousands of jobs that all read the same
    thousands of files stores that read once."""

    def __init__(self) -> None:
        self.reads: dict[str, dict[str, Any]] = {}
        self._known: dict[int, tuple[dict[str, Any], str]] = {}

    def pack(self, record: dict[str, Any] | None) -> dict[str, Any] | None:
        """``record`` with its ``reads`` as digests into :attr:`reads`."""
        if record is None or record.get("reads") is None:
            return record
        digests = []
        for read in record["reads"]:
            known = self._known.get(id(read))
            if known is None or known[0] is not read:
                known = self._known[id(read)] = (read, read_digest(read))
                self.reads.setdefault(known[1], read)
            digests.append(known[1])
        return {**record, "reads": digests}


def _unpack(record: dict[str, Any] | None, reads: dict[str, dict[str, Any]]
            ) -> dict[str, Any] | None:
    if record is None or record.get("reads") is None:
        return record
    return {**record, "reads": [reads[digest] for digest in record["reads"]]}


def read_shard(folder: Path) -> ShardOutputs:
    """Read the shard folder ``folder`` (holding ``shard.json``).

    Raises :class:`BuildError` naming the file when it is not a shard record of this format.
    """
    path = folder / RECORD
    try:
        record = json.loads(path.read_text())
        if record.get("format") != FORMAT:
            raise ValueError(f"format {record.get('format')!r}, not {FORMAT}")
        index, count = (int(n) for n in str(record["shard"]).split("/"))
        reads = record["reads"]
        jobs = tuple(
            ShardJob(item["key"], item["cache_key"], bool(item["run"]), item["reason"],
                     JobResult(**_unpack(item["result"], reads)) if item["result"] else None,
                     _unpack(item["manifest"], reads))
            for item in record["jobs"])
        return ShardOutputs(folder, Shard(index, count), record["assignment"],
                            record["executor"], record["started"],
                            record["finished_execution"], jobs)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"{path} is not the record of a shard's outputs ({error})",
                         path=path, hint="pass folders written by `lhs-reports build --shard "
                         "K/N` (outputs/shards/K-of-N), as the shards' artifacts download, "
                         "with the same lhs-reports version") from None


def sibling_assignment(outputs: Path, count: int, keys: Collection[str]) -> dict[str, int] | None:
    """The assignment of another shard of ``count`` built in these ``outputs`` for exactly
    these job ``keys``, if there is one.

    Several shards built one after another on one machine must share one assignment, though
    each run records new durations in the cache manifest that the next would balance by.
    """
    for path in sorted((outputs / SHARDS).glob(f"*-of-{count}/{RECORD}")):
        try:
            assigned = json.loads(path.read_text()).get("assigned") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if set(assigned) == set(keys) and set(assigned.values()) <= set(range(1, count + 1)):
            return {key: int(shard) for key, shard in assigned.items()}
    return None


def find_shard_folders(sources: Sequence[Path]) -> list[Path]:
    """The shard folders in ``sources``: each is a shard's folder (holding ``shard.json``) or
    a folder of them (as ``actions/download-artifact`` lays out several artifacts).

    Raises :class:`BuildError` for a source that is neither.
    """
    found = []
    for source in sources:
        if (source / RECORD).is_file():
            found.append(source)
            continue
        inside = sorted(p.parent for p in source.glob(f"*/{RECORD}")) if source.is_dir() else []
        if not inside:
            raise BuildError(
                f"no shard outputs in {source}" + ("" if source.exists() else " (not found)"),
                path=source, hint=f"give a folder holding {RECORD} (written by `lhs-reports "
                "build --shard K/N` as outputs/shards/K-of-N), or a folder of such folders")
        found.extend(inside)
    return found
