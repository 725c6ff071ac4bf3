"""Shared fixtures: paths to the repository and to the shared statistics reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The anchors' reference data live beside the repository in ``shared/reference`` (not copied
#: into the project). Tests reading them skip in a user's clone where it is absent.
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"shared reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR
