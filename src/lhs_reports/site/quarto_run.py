"""Running ``quarto render`` as a subprocess: progress, its first error, a page-scaled timeout.

Quarto prints one progress line per page (``[ 3/44] crisis_flow/SYN01.ipynb``) and, when it
fails, its error first (``ERROR: ...`` and a few lines of detail) then a ``Stack trace:`` of
dozens of lines. So the error a user needs is at the *start* of the failure output, not at its
end; :func:`quarto_error` keeps exactly that part.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from lhs_reports.errors import RenderError

#: Seconds allowed for starting Quarto and for each page it renders (~1.4 s CPU a page with
#: Quarto 1.10, so this leaves room for a busy machine without hiding a hung render for long).
TIMEOUT_BASE = 60.0
TIMEOUT_PER_PAGE = 30.0
#: Longest error line kept (a YAML error can quote a whole base64 image).
MAX_LINE = 300
#: Most error lines kept.
MAX_ERROR_LINES = 20

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_PROGRESS = re.compile(r"^\[\s*(\d+)/(\d+)\]\s+(\S.*?)\s*$")
_STACK_START = re.compile(r"^(Stack trace:|\s+at\s)")


def render_timeout(pages: int) -> float:
    """Seconds to allow ``quarto render`` for ``pages`` pages.

    Examples
    --------
    >>> render_timeout(44)
    1380.0
    """
    return TIMEOUT_BASE + TIMEOUT_PER_PAGE * max(pages, 1)


def strip_ansi(text: str) -> str:
    r"""``text`` without terminal colour codes (Quarto colours errors red even when piped).

    Examples
    --------
    >>> strip_ansi("\x1b[91mERROR: bad\x1b[39m")
    'ERROR: bad'
    """
    return _ANSI.sub("", text)


def progress_page(line: str) -> tuple[int, int, str] | None:
    """``(done, total, file)`` when ``line`` is one of Quarto's per-page progress lines.

    Examples
    --------
    >>> progress_page("[ 3/44] crisis_flow/SYN01.ipynb")
    (3, 44, 'crisis_flow/SYN01.ipynb')
    >>> progress_page("Output created: _site/index.html") is None
    True
    """
    match = _PROGRESS.match(line.strip())
    return (int(match[1]), int(match[2]), match[3]) if match else None


def quarto_error(lines: Sequence[str]) -> str:
    """Quarto's own error message from its output: the first ``ERROR`` up to the stack trace.

    Long lines are cut and blank lines dropped. With no ``ERROR`` line (Quarto killed, or an
    error from a tool it ran), the last few lines are the best there is.

    Examples
    --------
    >>> quarto_error(["[1/2] a.qmd", "ERROR: YAMLException: bad (3:1)", "", " 3 | x: : :",
    ...               "Stack trace:", "    at generateError (js-yaml.mjs:1289:10)"])
    'ERROR: YAMLException: bad (3:1)\\n 3 | x: : :'
    """
    clean = [strip_ansi(line).rstrip() for line in lines]
    start = next((i for i, line in enumerate(clean) if line.lstrip().startswith("ERROR")), None)
    if start is None:
        kept = [line for line in clean if line.strip() and progress_page(line) is None][-5:]
    else:
        kept = []
        for line in clean[start:]:
            if _STACK_START.match(line):
                break
            if line.strip():
                kept.append(line)
    kept = kept[:MAX_ERROR_LINES]
    return "\n".join(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " [...]"
                     for line in kept)


class PageProgress:
    """Reports Quarto's per-page progress: a bar on a terminal, else one line per page."""

    def __init__(self, total: int, *, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self._bar: Any = None
        plain = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or \
            not self.stream.isatty()
        if not plain and total > 1:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, unit="page", desc="quarto",
                             dynamic_ncols=True)

    def page(self, done: int, total: int, name: str) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(name, refresh=True)
        else:
            print(f"quarto [{done}/{total}] {name}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_quarto(args: Sequence[str], project_dir: Path, *, timeout: float,
               on_page: Callable[[int, int, str], None] | None = None,
               named: Sequence[str] = ()) -> list[str]:
    """Run ``quarto ARGS`` in ``project_dir``; its output lines, or a :class:`RenderError`.

    Colour is turned off (``NO_COLOR``) and stripped anyway; each page is passed to
    ``on_page`` as Quarto starts it, so a long render is never silent. On timeout Quarto and
    the tools it started (pandoc, sass) are stopped together.

    ``named`` lists the files given on the command line, if any: Quarto then renders them one
    at a time, in that order, without its ``[ 1/44]`` lines, but starts each with a line
    ``pandoc`` (the options it passes to pandoc follow, indented).
    """
    env = {**os.environ, "NO_COLOR": "1"}
    # Its own process group, so that a timeout stops pandoc and deno too.
    process = subprocess.Popen(["quarto", *args], cwd=project_dir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, errors="replace",
                               start_new_session=True)
    lines: list[str] = []
    last_page = ""
    started = 0

    def read() -> None:
        nonlocal last_page, started
        assert process.stdout is not None
        for raw in process.stdout:
            # Quarto starts progress lines with a carriage return.
            for line in strip_ansi(raw).replace("\r", "\n").splitlines():
                lines.append(line)
                page = progress_page(line)
                if page is None and named and line.rstrip() == "pandoc" \
                        and started < len(named):
                    started += 1
                    page = (started, len(named), named[started - 1])
                if page is not None:
                    last_page = page[2]
                    if on_page is not None:
                        on_page(*page)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        reader.join(5)
        raise RenderError(
            f"quarto render took longer than {timeout:.0f} s"
            + (f" (last page started: {last_page})" if last_page else ""),
            path=project_dir, hint="look for a very large page, or use --renderer builtin",
        ) from None
    reader.join()
    if code != 0:
        where = f" while rendering {last_page}" if last_page else ""
        raise RenderError(f"quarto render failed (exit {code}){where}:\n{quarto_error(lines)}",
                          path=project_dir,
                          hint="fix the page or setting named above, or use --renderer builtin")
    return lines


def _stop(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (AttributeError, ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
