"""Layers import one way: cli -> engine/site -> params/data -> stats; stats is pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lhs_reports"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def package_imports(folder: str) -> dict[Path, set[str]]:
    return {p: {i for i in imports_of(p) if i.startswith("lhs_reports")}
            for p in (PACKAGE / folder).rglob("*.py")}


def test_stats_imports_nothing_from_the_package_but_stats_and_errors():
    for path, imported in package_imports("stats").items():
        allowed = ("lhs_reports.stats", "lhs_reports.errors")
        outside = {i for i in imported if not i.startswith(allowed)}
        assert not outside, f"{path.name} imports {outside}"


@pytest.mark.parametrize("module", ["matplotlib", "plotnine", "papermill", "nbformat", "pathlib"])
def test_stats_does_no_plotting_or_io(module):
    for path in (PACKAGE / "stats").rglob("*.py"):
        assert not any(i == module or i.startswith(module + ".") for i in imports_of(path)), path


@pytest.mark.parametrize("layer", ["data", "plots", "stats"])
def test_lower_layers_never_import_build_site_or_cli(layer):
    for path, imported in package_imports(layer).items():
        bad = {i for i in imported
               if i.startswith(("lhs_reports.engine", "lhs_reports.site", "lhs_reports.cli"))}
        assert not bad, f"{path} imports {bad}"


def test_no_module_grows_past_the_split_threshold():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) < 600, f"{path} is too long: split it"


#: Folder names that GitHub's standard Python ``.gitignore`` (github/gitignore, Python.gitignore)
#: ignores wherever they are: a package folder with one of these names vanishes from a fork
#: that adds the template.
PYTHON_GITIGNORE_FOLDERS = {"build", "develop-eggs", "dist", "downloads", "eggs", ".eggs", "lib",
                            "lib64", "parts", "sdist", "var", "wheels", "htmlcov", "cover",
                            "env", "venv", "ENV", "instance", "target"}


def test_no_source_folder_is_one_the_standard_python_gitignore_drops():
    root = PACKAGE.parents[1]
    source = [p for top in ("src", "tests", "benchmarks", "scripts") if (root / top).is_dir()
              for p in (root / top).rglob("*") if p.is_dir() and "node_modules" not in p.parts
              and "__pycache__" not in p.parts]
    dropped = {str(p.relative_to(root)) for p in source
               if p.name in PYTHON_GITIGNORE_FOLDERS and any(f.is_file() for f in p.rglob("*"))}
    assert not dropped, f"ignored by the standard Python .gitignore: {sorted(dropped)}"
