"""Build progress: a bar on a terminal, plain log lines in CI (``CI=true``) or when piped."""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any

from lhs_reports.engine.outcome import JobResult


class Progress:
    """Reports each finished job; ``plain`` forces log lines instead of a bar."""

    def __init__(self, total: int, *, skipped: int = 0, plain: bool | None = None,
                 stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.counts = {"ok": 0, "failed": 0, "timeout": 0, "skipped": skipped}
        self.started = time.perf_counter()
        if plain is None:
            plain = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or \
                not self.stream.isatty()
        self.plain = plain
        self._bar: Any = None
        if not plain and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, unit="report", dynamic_ncols=True)
            self._bar.set_postfix(self._postfix())

    def _postfix(self) -> dict[str, int]:
        return {"failed": self.counts["failed"] + self.counts["timeout"],
                "skipped": self.counts["skipped"]}

    def update(self, result: JobResult) -> None:
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        done = sum(v for k, v in self.counts.items() if k != "skipped")
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(self._postfix())
            if not result.ok:
                self._bar.write(f"FAILED {result.key}: {result.error}", file=self.stream)
            return
        elapsed = time.perf_counter() - self.started
        eta = elapsed / done * (self.total - done) if done else 0.0
        line = (f"[{done}/{self.total}] {result.status:<7} {result.key} "
                f"({result.duration:.1f} s, ETA {eta:.0f} s)")
        if result.error:
            line += f": {result.error}"
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
