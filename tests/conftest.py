"""Shared fixtures: paths to the repository and to the shared statistics reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

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
