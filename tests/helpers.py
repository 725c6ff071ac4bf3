"""Building small demo projects for integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import yaml

from lhs_reports.data.synthetic import trust_profiles

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Report families whose demo pages fail the site audit today, left out of the test projects
#: whose builds must publish a site. lhs_priorities: its table shows exact percentages beside
#: respondent counts rounded to 5, which give back counts of 1 to 7 people (3.9 % of 75 is 3).
#: tests/test_audit.py::test_the_demo_site_passes_its_own_audit (xfail, strict) builds them and
#: starts passing, so failing, when that is fixed: then empty this.
FAILING_AUDIT: tuple[str, ...] = ("lhs_priorities",)


def make_project(root: Path, n_trusts: int = 2, *, extra_params: dict[str, str] | None = None,
                 without: Iterable[str] = ()) -> Path:
    """Copy the repository's site sources into ``root`` with ``n_trusts`` demo trusts, and
    every report family of the catalogue but those named in ``without``."""
    for name in ("notebooks", "templates"):
        shutil.copytree(REPO_ROOT / name, root / name)
    for name in ("_quarto.yml", "index.qmd", "methods.qmd"):
        shutil.copy(REPO_ROOT / name, root / name)
    params = root / "params"
    (params / "trusts").mkdir(parents=True)
    for folder in ("case_studies", "cross_trust"):
        shutil.copytree(REPO_ROOT / "params" / folder, params / folder)
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["data"]["demo"]["n_trusts"] = n_trusts
    left_out = set(without)
    catalogue["families"] = [f for f in catalogue["families"] if f["id"] not in left_out]
    (params / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    for profile in trust_profiles(n_trusts):
        (params / "trusts" / f"{profile.code}.yaml").write_text(
            yaml.safe_dump({"trust_code": profile.code, "trust_name": profile.name,
                            "period_end": "2025-03"}))
    for name, text in (extra_params or {}).items():
        (params / "trusts" / name).write_text(text)
    return root
