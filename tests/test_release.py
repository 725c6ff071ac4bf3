"""Release hygiene: the changelog, the installed version and the lock file agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

import lhs_reports

from .helpers import REPO_ROOT

#: A released heading of Keep a Changelog: ``## [0.7.0] - 2026-12-07``.
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def _releases() -> list[tuple[str, str]]:
    return RELEASE.findall((REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))


def test_the_changelog_latest_release_is_the_installed_version():
    latest, _ = _releases()[0]
    assert latest == lhs_reports.__version__


def test_the_changelog_releases_run_newest_first_with_dates_that_do_not_go_back():
    releases = _releases()
    versions = [Version(v) for v, _ in releases]
    assert versions == sorted(versions, reverse=True)
    dates = [d for _, d in releases]
    assert dates == sorted(dates, reverse=True)
    assert "## [Unreleased]" in (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_version_comes_from_the_installed_metadata_not_a_second_string():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert lhs_reports.__version__ == pyproject["project"]["version"]
    source = (Path(lhs_reports.__file__)).read_text(encoding="utf-8")
    assert pyproject["project"]["version"] not in source


def test_the_command_prints_the_version():
    done = subprocess.run([sys.executable, "-m", "lhs_reports.cli", "--version"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"lhs-reports {lhs_reports.__version__}"


def _locked() -> dict[str, list[tuple[Version, str]]]:
    """Each package of requirements.lock with its pinned versions (one per marker)."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "# ":
            continue
        requirement = Requirement(line)
        (pin,) = requirement.specifier
        assert pin.operator == "==", f"requirements.lock: {line!r} is not an exact version"
        pins.setdefault(_name(requirement.name), []).append(
            (Version(pin.version), str(requirement.marker or "")))
    return pins


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_dependency_of_pyproject_at_a_version_it_accepts():
    """A dependency added to pyproject.toml without `make lock` fails here, naming it."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    locked = _locked()
    stale = []
    for text in wanted:
        requirement = Requirement(text)
        pins = locked.get(_name(requirement.name), [])
        if not pins or not all(requirement.specifier.contains(v) for v, _ in pins):
            stale.append(text)
    assert not stale, f"requirements.lock does not satisfy {stale}: run `make lock`"
