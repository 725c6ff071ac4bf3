"""What a job is allowed (settings) and what became of it (result): light, importable anywhere."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


def default_jobs() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


@dataclass(frozen=True)
class ExecutionSettings:
    """Limits and policies shared by every executor.

    ``kernel_timeout`` bounds starting a kernel and importing the libraries in it; the notebook's
    own limits (``cell_timeout``, ``notebook_timeout``) start only once its kernel is ready.
    """

    cell_timeout: float | None = 600
    notebook_timeout: float | None = 1800
    #: Seconds a kernel may take to start and warm up (14 s were seen on a busy 2-core machine).
    kernel_timeout: float = 120
    retries: int = 1
    max_notebooks_per_worker: int = 100
    max_worker_memory_mb: float | None = 2048
    #: Seconds to reach a Dask scheduler (``--connect-timeout``), each step of it.
    connect_timeout: float = 30


@dataclass(frozen=True)
class JobResult:
    """What happened to one job."""

    key: str
    status: str  # "ok" | "failed" | "timeout" | "skipped"
    duration: float
    error: str | None = None
    attempts: int = 1
    worker: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    #: What the notebook read (:mod:`lhs_reports.data.reads`); None when it could not say.
    reads: list[dict[str, Any]] | None = None
    #: Dask workers lost (died or disconnected) while running this job; each loss is an
    #: attempt, counted in ``attempts``.
    lost_workers: int = 0

    @property
    def ok(self) -> bool:
        return self.status in {"ok", "skipped"}
