"""One build of a project at a time, and no debris from builds that were killed.

Two builds of one project (two CI jobs, an analyst and a scheduled job) would share the outputs
folder: executed notebooks, the cache manifest and the published site. :func:`project_lock`
lets one in; the second stops at once with the package's own error, naming the running build's
process and start time. The lock is an advisory ``flock`` on ``outputs/.build.lock``: the
operating system releases it when its process dies, however it dies, so a build that was
killed never blocks the next one. The next build then says that it took over the lock, and
:func:`remove_leftovers` clears the temporary files the killed build left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lhs_reports.errors import BuildError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an exclusive create stands in for flock
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".build.lock"
#: Where each build stages its site (one folder per build, removed when the build ends).
STAGING = "staging"


def _holder(text: str) -> dict[str, object]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _describe(holder: dict[str, object]) -> str:
    return (f"PID {holder.get('pid', '?')} on {holder.get('host', '?')}, "
            f"started {holder.get('started', '?')}")


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def project_lock(outputs: Path, *, notice: object = None) -> Iterator[None]:
    """Hold the project's build lock for the ``with`` block.

    Raises :class:`BuildError` when another build holds it. ``notice`` is a callable given one
    line of text when a lock left by a dead build is taken over (default: standard error).
    """
    say = notice if callable(notice) else (lambda text: print(text, file=sys.stderr))
    check_writable(outputs)
    path = outputs / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    if fcntl is None:  # pragma: no cover
        with _exclusive_file(path, me, say):
            yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.pread(fd, 4096, 0).decode(errors="replace"))
            raise BuildError(
                f"another build of this project is running ({_describe(holder)})",
                path=path,
                hint="wait for it to finish (or stop it); two builds at once would publish a "
                "mix of both",
            ) from None
        previous = _holder(os.pread(fd, 4096, 0).decode(errors="replace"))
        if previous:
            say(f"notice: took over the build lock left by a build that is no longer running "
                f"({_describe(previous)}); clearing what it left behind")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _exclusive_file(path: Path, me: dict[str, object], say: object
                    ) -> Iterator[None]:  # pragma: no cover - platforms without flock
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        holder = _holder(path.read_text(errors="replace"))
        if _alive(holder.get("pid")):
            raise BuildError(f"another build of this project is running ({_describe(holder)})",
                             path=path, hint="wait for it to finish (or stop it)") from None
        say(f"notice: took over a stale build lock ({_describe(holder)})")  # type: ignore[operator]
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(me))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def check_writable(folder: Path) -> None:
    """Stop with a clear error, before any job runs, when ``folder`` cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BuildError(f"cannot write to {folder}: {exc.strerror or exc}", path=folder,
                         hint="make the folder writable by this user (or build a copy of the "
                         "project in a folder you can write to)") from None


def remove_leftovers(outputs: Path) -> list[Path]:
    """Remove the temporary files and folders a killed build left in ``outputs``.

    Only names this package creates: staging folders, half-written notebooks
    (``notebooks/<family>/.<id>.<pid>.<thread>.ipynb``), atomic-write temporaries (``.<name>.*``
    beside the file), and a half-swapped site. Call it holding :func:`project_lock`.
    """
    found: list[Path] = []
    found += [p for p in (outputs / STAGING, outputs / ".site_src", outputs / "quarto-old")
              if p.exists()]
    found += [p for p in outputs.glob("notebooks/*/.*.ipynb")]
    found += [p for p in outputs.glob(".*") if p.name not in (LOCK_NAME, ".cache")]
    found += [p for p in (outputs / ".cache").glob(".manifest.*")]
    found += [p for p in (outputs / ".cache").glob("*.tmp")]
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return found
