"""Shared fixtures: paths to the repository and to the shared statistics reference data."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV

from .helpers import make_project

#: On CI (``CI`` set, as `.ci/run` is), property tests draw the same examples every run, so a
#: submission's result does not depend on the luck of the draw; locally they explore afresh
#: each run, which is where new counterexamples are found (and then kept as explicit cases).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The anchors' reference data live beside the repository in ``shared/reference`` (not copied
#: into the project). Tests reading them skip in a user's clone where it is absent.
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"shared reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


@dataclass(frozen=True)
class DemoBuild:
    """A build of the demo: its project, exit status and what it printed."""

    root: Path
    status: int
    printed: str

    @property
    def site(self) -> Path:
        return self.root / "outputs" / "_site"


@pytest.fixture(scope="session")
def demo_two_trusts(tmp_path_factory) -> DemoBuild:
    """The demo for two trusts built once with the built-in renderer, for the tests that read
    a whole demo site (its audit, the browser's checks). Read it; build a copy to change it."""
    root = make_project(tmp_path_factory.mktemp("demo-two-trusts"), 2)
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        patch.setenv(PROJECT_ENV, str(root))
        status = main(["--project", str(root), "build", "--renderer", "builtin"])
    return DemoBuild(root, status, out.getvalue() + err.getvalue())
