"""Building small demo projects for integration tests."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from lhs_reports.data.synthetic import trust_profiles

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The stand-in ``quarto`` executable (tests/fake_quarto/quarto).
FAKE_QUARTO = Path(__file__).parent / "fake_quarto"


def put_fake_quarto_first(patch: pytest.MonkeyPatch, shim: Path) -> None:
    """Put the stand-in Quarto first on PATH, with no mode or log set.

    The stand-in runs ``/usr/bin/env python3``: ``shim`` (an empty folder) gets a ``python3``
    that is this interpreter, which has PyYAML."""
    (shim / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shim / "python3").chmod(0o755)
    patch.setenv("PATH", os.pathsep.join([str(FAKE_QUARTO), str(shim),
                                          os.environ.get("PATH", "")]))
    patch.delenv("FAKE_QUARTO_MODE", raising=False)
    patch.delenv("FAKE_QUARTO_LOG", raising=False)

def make_project(root: Path, n_trusts: int = 2, *, extra_params: dict[str, str] | None = None
                 ) -> Path:
    """Copy the repository's site sources into ``root`` with ``n_trusts`` demo trusts (the
    notebooks and methods pages are the packaged ones)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy(REPO_ROOT / name, root / name)
    params = root / "params"
    (params / "trusts").mkdir(parents=True)
    for folder in ("case_studies", "cross_trust"):
        shutil.copytree(REPO_ROOT / "params" / folder, params / folder)
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["data"]["demo"]["n_trusts"] = n_trusts
    (params / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    for profile in trust_profiles(n_trusts):
        (params / "trusts" / f"{profile.code}.yaml").write_text(
            yaml.safe_dump({"trust_code": profile.code, "trust_name": profile.name,
                            "period_end": "2025-03"}))
    for name, text in (extra_params or {}).items():
        (params / "trusts" / name).write_text(text)
    return root
