"""``lhs-reports render``: gather the shards' outputs and render the site once.

Each shard machine ran ``lhs-reports build --shard K/N`` and left its folder
(:mod:`lhs_reports.engine.shard_folder`). Here the build is planned again from the same inputs,
every planned job must come from exactly one shard, and each shard's jobs are brought into this
project's outputs as if they had run here: their cache manifest entries and their executed
notebooks. Then :func:`~lhs_reports.engine.build.publish_build`, the last step of every build,
writes ``results.parquet`` and ``run-manifest.json`` and renders, audits and publishes the site:
the same site a one-machine build makes (only timings differ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lhs_reports.engine.build import BuildReport, Plan, plan_build, publish_build
from lhs_reports.engine.cache import MANIFEST, Manifest
from lhs_reports.engine.lock import project_lock, remove_leftovers
from lhs_reports.engine.outcome import default_jobs
from lhs_reports.engine.plan import Project
from lhs_reports.engine.shard_folder import (
    SHARDS,
    ShardJob,
    ShardOutputs,
    find_shard_folders,
    job_files,
    read_shard,
)
from lhs_reports.errors import BuildError

__all__ = ["check_shards", "run_render"]

#: Jobs a message names before "and N more".
NAMED = 10

_ONE_BUILD = ("build every shard from the same commit with the same --shard count (and the same "
              "restored cache: the assignment uses its durations), then render again")


def run_render(project: Project, sources: Sequence[Path] = (), *, renderer: str = "auto",
               history_file: Path | None = None, jobs: int | None = None,
               render_cache: bool = True) -> BuildReport:
    """Gather the shard folders in ``sources`` (default: ``outputs/shards/``) into the
    project's outputs, then render, audit and publish the site as a build would.

    Raises :class:`BuildError` before anything is changed when a planned job has no shard's
    output, or more than one, or the shards were planned from other inputs.
    """
    from lhs_reports.site.publication import previous_history

    with project_lock(project.outputs):
        remove_leftovers(project.outputs)
        history = previous_history(project, history_file)
        folders = find_shard_folders(list(sources) or [project.outputs / SHARDS])
        shards = [read_shard(folder) for folder in folders]
        planned = plan_build(project)
        claims = check_shards(planned, shards)
        with Manifest(project.outputs / MANIFEST) as manifest:
            for item in planned:
                shard, job = claims[item.job.key]
                _bring_in(project.outputs, shard, job, job_files(item.job, project.outputs))
                if job.entry is None:
                    manifest.remove(item.job.key)
                else:
                    manifest.update(item.job.key, job.entry)
        # Each job as its shard planned it (ran, or why not), for the run manifest.
        gathered = Plan([dataclasses.replace(item, run=claims[item.job.key][1].run,
                                             reason=claims[item.job.key][1].reason)
                         for item in planned], not_run=planned.not_run,
                        skipped_families=planned.skipped_families,
                        skipped_jobs=planned.skipped_jobs)
        ran = [job.result for _, job in claims.values() if job.result is not None]
        return publish_build(
            project, gathered, ran, manifest,
            started=min(dt.datetime.fromisoformat(s.started) for s in shards),
            finished_execution=max(dt.datetime.fromisoformat(s.finished_execution)
                                   for s in shards),
            executor=", ".join(sorted({s.executor for s in shards})), renderer=renderer,
            workers=jobs or default_jobs(), history=history, rewrite_results=True,
            render_cache=render_cache)


def check_shards(planned: Plan, shards: Sequence[ShardOutputs]
                 ) -> dict[str, tuple[ShardOutputs, ShardJob]]:
    """``{job key: (its shard, the job there)}`` for every planned job.

    Raises :class:`BuildError` naming the jobs and the fix when the shards do not cover the
    plan exactly once: a job in no shard or in two, a job the plan does not have, a job planned
    from other inputs (another cache key), or shards of different builds.
    """
    if not shards:
        raise BuildError("no shard outputs to gather", hint=_ONE_BUILD)
    counts = sorted({s.shard.count for s in shards})
    if len(counts) > 1 or len({s.assignment for s in shards}) > 1:
        raise BuildError(
            "the shards were assigned their jobs differently: "
            + "; ".join(f"{s.folder} is shard {s.shard} (assignment {s.assignment})"
                        for s in shards), path=shards[0].folder, hint=_ONE_BUILD)
    planned_keys = {item.job.key: item.key for item in planned}
    claims: dict[str, list[tuple[ShardOutputs, ShardJob]]] = {}
    for shard in shards:
        for job in shard.jobs:
            claims.setdefault(job.key, []).append((shard, job))
    twice = {key: found for key, found in claims.items() if len(found) > 1}
    if twice:
        raise BuildError(
            f"{len(twice)} jobs are in the outputs of more than one shard: "
            + _listed([f"{key} ({' and '.join(f'{s.folder} as {s.shard}' for s, _ in found)})"
                       for key, found in sorted(twice.items())]),
            path=next(iter(twice.values()))[0][0].folder,
            hint="give each shard's folder once (a folder of shard folders counts as all of "
            "them); " + _ONE_BUILD)
    missing = sorted(set(planned_keys) - set(claims))
    if missing:
        present = sorted(s.shard.index for s in shards)
        absent = [f"{k}/{counts[0]}" for k in range(1, counts[0] + 1) if k not in present]
        raise BuildError(
            f"{len(missing)} planned jobs have no output from any shard: {_listed(missing)}",
            hint=(f"shard {', '.join(absent)} is missing: download its artifact or run "
                  f"`lhs-reports build --shard {absent[0]}`, then pass every shard's folder "
                  "with --from" if absent else _ONE_BUILD))
    unplanned = sorted(set(claims) - set(planned_keys))
    if unplanned:
        raise BuildError(f"the shards hold {len(unplanned)} jobs this project does not plan: "
                         f"{_listed(unplanned)}", path=claims[unplanned[0]][0][0].folder,
                         hint=_ONE_BUILD)
    other = sorted(key for key, [(_, job)] in claims.items() if job.cache_key != planned_keys[key])
    if other:
        raise BuildError(
            f"{len(other)} jobs were planned by their shard from other inputs than this "
            f"project's (notebook, parameters or lhs-reports version): {_listed(other)}",
            path=claims[other[0]][0][0].folder, hint=_ONE_BUILD)
    return {key: found[0] for key, found in claims.items()}


def _listed(keys: Sequence[str]) -> str:
    more = f" and {len(keys) - NAMED} more" if len(keys) > NAMED else ""
    return ", ".join(keys[:NAMED]) + more


def _bring_in(outputs: Path, shard: ShardOutputs, job: ShardJob, files: Sequence[Path]) -> None:
    """Make this project's files of one job those of its shard: copied (atomically) where the
    shard has them, removed where it has not (a job never built there has no notebook)."""
    for relative in files:
        source, target = shard.file(relative), outputs / relative
        if not source.is_file():
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
