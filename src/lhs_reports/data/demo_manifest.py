"""What a folder of demo data says it holds: a light check, so a build with nothing to do does
not import the generator (and numpy/pandas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Bump when the generator's output changes, so demo data and cached builds are refreshed.
GENERATOR_VERSION = "2"
DEFAULT_SEED = 20240401
DEFAULT_N_TRUSTS = 8
DEFAULT_N_MONTHS = 48  # April 2021 - March 2025
MANIFEST_NAME = "manifest.json"


def expected_manifest(n_trusts: int, seed: int, n_months: int) -> dict[str, Any]:
    return {
        "synthetic": True,
        "generator": "lhs_reports.data.synthetic",
        "generator_version": GENERATOR_VERSION,
        "n_trusts": n_trusts,
        "seed": seed,
        "n_months": n_months,
    }


def is_current(directory: Path, n_trusts: int, seed: int, n_months: int,
               tables: list[str]) -> bool:
    """True when ``directory`` holds exactly this generation of the demo data, complete."""
    try:
        current = json.loads((directory / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return False
    if current != expected_manifest(n_trusts, seed, n_months):
        return False
    return all((directory / f"{name}.parquet").is_file()
               or any((directory / name).glob("*.parquet")) for name in tables)
