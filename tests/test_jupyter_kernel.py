"""The named ``lhs-reports`` kernel: where `lhs-reports kernel install` writes it, what it runs,
that Jupyter finds it, that installing again replaces it, and that the notebooks ask for it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from lhs_reports.cli import main
from lhs_reports.jupyter_kernel import (
    KERNEL_NAME,
    NOTEBOOK_KERNELSPEC,
    default_display_name,
    install_kernel,
)
from lhs_reports.packaged import PACKAGED_NOTEBOOKS, packaged_notebooks
from lhs_reports.scaffold import new_notebook

from .helpers import make_project


def kernel_json(folder: Path) -> dict:
    return json.loads((folder / "kernel.json").read_text())


def test_the_kernel_runs_this_environments_python_with_ipykernel(tmp_path):
    kernel = install_kernel(scope="prefix", prefix=tmp_path)
    assert kernel.path == tmp_path / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec = kernel_json(kernel.path)
    assert spec["argv"][0] == sys.executable
    assert spec["argv"][-4:] == ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert spec["language"] == "python"
    version = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    assert spec["display_name"] == f"lhs-reports ({version}, {sys.prefix})"
    assert not kernel.found  # a prefix not on JUPYTER_PATH


def test_jupyter_finds_the_kernel_on_its_path(tmp_path, monkeypatch):
    kernel = install_kernel(scope="prefix", prefix=tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert Path(spec.resource_dir) == kernel.path
    assert spec.argv[0] == sys.executable


def test_installing_again_replaces_the_kernel(tmp_path):
    install_kernel(scope="prefix", prefix=tmp_path, display_name="old name")
    kernel = install_kernel(scope="prefix", prefix=tmp_path, display_name="new name")
    assert kernel_json(kernel.path)["display_name"] == "new name"
    assert [p.name for p in kernel.path.parent.iterdir()] == [KERNEL_NAME]


def test_the_default_goes_into_this_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    kernel = install_kernel()
    assert kernel.path == tmp_path / "share" / "jupyter" / "kernels" / KERNEL_NAME
    assert kernel.display_name == default_display_name(str(tmp_path))


def test_user_puts_it_in_the_users_jupyter_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert main(["kernel", "install", "--user"]) == 0
    assert (tmp_path / "data" / "kernels" / KERNEL_NAME / "kernel.json").is_file()
    printed = capsys.readouterr().out
    assert f"written to {tmp_path / 'data' / 'kernels' / KERNEL_NAME}" in printed
    assert "JUPYTER_PATH" not in printed  # Jupyter looks there already


def test_a_prefix_off_jupyters_path_says_how_to_add_it(tmp_path, capsys):
    assert main(["kernel", "install", "--prefix", str(tmp_path), "--name", "lhs-north",
                 "--display-name", "North reports"]) == 0
    assert kernel_json(tmp_path / "share" / "jupyter" / "kernels" / "lhs-north")[
        "display_name"] == "North reports"
    printed = capsys.readouterr().out
    assert f"add {tmp_path / 'share' / 'jupyter'} to JUPYTER_PATH" in printed
    assert "choose 'North reports'" in printed  # the notebooks ask for lhs-reports


def test_a_name_jupyter_refuses_is_an_error_with_the_fix(tmp_path, capsys):
    assert main(["kernel", "install", "--prefix", str(tmp_path), "--name", "My Kernel"]) == 2
    err = capsys.readouterr().err
    assert "'My Kernel' is not a valid kernel name" in err
    assert "fix: use lower-case letters" in err
    assert not (tmp_path / "share").exists()


def test_user_and_prefix_together_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["kernel", "install", "--user", "--prefix", str(tmp_path)])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_folder_that_cannot_be_written_is_an_error_with_the_fix(tmp_path, capsys):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the prefix's folder should be")
    assert main(["kernel", "install", "--prefix", str(blocked)]) == 2
    assert "fix: install it for yourself with --user" in capsys.readouterr().err


@pytest.mark.parametrize("name", packaged_notebooks())
def test_every_packaged_notebook_asks_for_the_named_kernel(name):
    notebook = nbformat.read(PACKAGED_NOTEBOOKS / name, as_version=4)
    assert notebook.metadata.kernelspec == NOTEBOOK_KERNELSPEC


def test_a_projects_own_copy_asks_for_the_named_kernel_too(tmp_path):
    copy = new_notebook(make_project(tmp_path / "p"), "crisis_flow")
    assert nbformat.read(copy, as_version=4).metadata.kernelspec["name"] == KERNEL_NAME
