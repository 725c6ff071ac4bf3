"""Which shard of a build runs which job: ``lhs-reports build --shard K/N``.

In CI a large project's build is split across N machines. Each machine plans the whole build and
executes only its own shard's jobs; a final job gathers their outputs and renders the site once
(:mod:`lhs_reports.engine.gather`). No machine talks to another, so every machine must compute
the same assignment from the same inputs. It therefore depends only on the job keys and the
durations the cache manifest recorded (CI restores the same cache on every shard), never on
which jobs a machine would run or skip: a job up to date on one machine belongs to the same
shard as on every other.

The assignment is the *longest processing time first* rule (Graham, 1969) over N machines:
jobs sorted longest first (ties by key) each go to the shard with the least work so far (ties to
the lowest shard). A job with no recorded duration counts as the median of the recorded ones.

No report notebook reads another job's outputs: the pages across trusts read every trust's
*data* and parameter files (recorded as reads, so they rebuild when those change), and the
results of all jobs are combined only when the site is rendered, after the gather. So jobs
need no ordering between shards.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lhs_reports.errors import ParameterError

__all__ = ["DEFAULT_SECONDS", "Shard", "assign_shards", "assignment_digest", "parse_shard"]

#: Seconds a job with no recorded duration counts for when no job has one.
DEFAULT_SECONDS = 60.0

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (both counted from 1, as ``--shard 2/3`` writes them)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def folder_name(self) -> str:
        """The shard's outputs folder under ``outputs/shards/``, e.g. ``2-of-3``."""
        return f"{self.index}-of-{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` as a :class:`Shard`; anything else (``0/3``, ``4/3``, ``2``) is an error.

    Examples
    --------
    >>> parse_shard("2/3")
    Shard(index=2, count=3)
    >>> parse_shard("4/3")
    Traceback (most recent call last):
    ...
    lhs_reports.errors.ParameterError: '4/3': K must be from 1 to N
      key: --shard
      fix: number the shards 1/3, 2/3 and 3/3, one per machine
    """
    found = _SHARD.fullmatch(text)
    if found is None:
        raise ParameterError(f"'{text}' is not of the form K/N", field="--shard",
                             hint="give this machine's shard and the number of shards, "
                             "e.g. --shard 2/3")
    index, count = int(found[1]), int(found[2])
    if count < 1 or not 1 <= index <= count:
        raise ParameterError(f"'{text}': K must be from 1 to N", field="--shard",
                             hint="number the shards "
                             + (", ".join(f"{k}/{count}" for k in range(1, count))
                                + f" and {count}/{count}" if count > 1 else "1/1")
                             + ", one per machine")
    return Shard(index, count)


def assign_shards(keys: Iterable[str], durations: Mapping[str, float], count: int
                  ) -> dict[str, int]:
    """``{job key: shard (1 to count)}``, balanced by the last build's ``durations``.

    The same keys and durations give the same assignment, whatever order the keys come in.

    Examples
    --------
    >>> assign_shards(["a/1", "a/2", "a/3", "b/all"], {"b/all": 9.0, "a/1": 3.0}, 2)
    {'a/1': 1, 'a/2': 2, 'a/3': 2, 'b/all': 1}
    """
    unique = sorted(set(keys))
    known = [float(durations[k]) for k in unique if k in durations]
    default = statistics.median(known) if known else DEFAULT_SECONDS
    expected = {key: float(durations.get(key, default)) for key in unique}
    loads = [0.0] * count
    assigned = {}
    for key in sorted(unique, key=lambda k: (-expected[k], k)):
        shard = min(range(count), key=lambda s: (loads[s], s))
        loads[shard] += expected[key]
        assigned[key] = shard + 1
    return dict(sorted(assigned.items()))


def assignment_digest(assignment: Mapping[str, int]) -> str:
    """A short digest of a whole assignment: shards that disagree on it were planned from
    different inputs or caches, and their outputs cannot be gathered into one site.

    Examples
    --------
    >>> assignment_digest({"a/1": 1}) == assignment_digest({"a/1": 1})
    True
    """
    text = json.dumps(dict(sorted(assignment.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
