"""The repository passes its own pre-commit hooks without any file changing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import REPO_ROOT

BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.is_file() else shutil.which(name)


@pytest.mark.slow
def test_pre_commit_passes_on_the_repository_and_changes_nothing():
    pre_commit = _tool("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (it is in the dev extra: make test installs it)")
    if not (REPO_ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: pre-commit runs on the files git tracks")
    # The hooks are local ones running the venv's tools (ruff, nbstripout, pre-commit-hooks).
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    before = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    done = subprocess.run([pre_commit, "run", "--all-files", "--show-diff-on-failure"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    after = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert after == before, "pre-commit changed files:\n" + after
