"""The order in which a build starts its jobs.

Workers take jobs from one queue in this order. Starting the slowest first (Graham's *longest
processing time first* rule) keeps a build from ending with one long report running on one core
while the other workers sit idle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar


class _Schedulable(Protocol):
    @property
    def key(self) -> str: ...  # "family/parameter set"


J = TypeVar("J", bound=_Schedulable)


def longest_first(jobs: Sequence[J], last_durations: Mapping[str, float]) -> list[J]:
    """``jobs`` in the order to start them.

    A job's expected time is how long it took in the last build (``last_durations``, by job
    key). Jobs with no such time come first, since they may be slow: among them, a family's
    only job (a page across every organisation, usually the slowest of a build) before the
    rest. Then the others, longest first. Ties keep the plan's order.

    Examples
    --------
    >>> from types import SimpleNamespace as Job
    >>> jobs = [Job(key=k) for k in ("trust/A", "trust/B", "trust/C", "all/variation")]
    >>> [j.key for j in longest_first(jobs, {})]
    ['all/variation', 'trust/A', 'trust/B', 'trust/C']
    >>> [j.key for j in longest_first(jobs, {"trust/A": 0.5, "trust/B": 2.0})]
    ['all/variation', 'trust/C', 'trust/B', 'trust/A']
    """
    def family(job: J) -> str:
        return job.key.split("/", 1)[0]

    family_sizes = Counter(family(job) for job in jobs)

    def order(job: J) -> tuple[bool, float, bool]:
        seconds = last_durations.get(job.key)
        if seconds is None:
            return (False, 0.0, family_sizes[family(job)] > 1)
        return (True, -seconds, False)

    return sorted(jobs, key=order)
