"""`lhs-reports inspect NOTEBOOK`: a notebook's parameters as papermill infers them (name, type,
default, help comment), on the packaged notebooks and on notebooks written here by hand."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from lhs_reports.cli import main
from lhs_reports.engine.plan import notebook_parameters
from lhs_reports.errors import ParameterError
from lhs_reports.inspection import find_notebook, inspect_notebook
from lhs_reports.packaged import PACKAGED_NOTEBOOKS, packaged_notebooks

from .helpers import make_project

HAND_WRITTEN = '''\
# Defaults for a trust; a parameter file overrides them.
trust_code: str = "RX4"  # the organisation's ODS code
months: int = 24  # months shown on the charts
threshold: float = 0.5
region = None  # an NHS region, or None for England
targets = {
    "crisis_24h": 75.0,
}
'''


def hand_written(folder: Path, source: str = HAND_WRITTEN, *, tag: str = "parameters") -> Path:
    """A notebook written here, not by lhs-reports: a markdown cell, the parameters, a use."""
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(source)
    parameters.metadata["tags"] = [tag]
    notebook.cells = [nbformat.v4.new_markdown_cell("# A team's own report"), parameters,
                      nbformat.v4.new_code_cell("print(trust_code)")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = folder / "own_report.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_hand_written_notebooks_parameters_carry_type_default_and_help(tmp_path):
    found = {p.name: p for p in inspect_notebook(hand_written(tmp_path))}
    assert list(found) == ["trust_code", "months", "threshold", "region", "targets"]
    assert (found["trust_code"].type, found["trust_code"].default, found["trust_code"].help) \
        == ("str", '"RX4"', "the organisation's ODS code")
    assert (found["months"].type, found["months"].default) == ("int", "24")
    assert (found["threshold"].type, found["threshold"].help) == ("float", "")
    # No type hint: the type of the default ("optional" for None), as `check` describes it.
    assert (found["region"].type, found["region"].help) == ("optional", "an NHS region, or None "
                                                            "for England")
    assert found["targets"].type == "dict"


def test_the_table_lists_one_parameter_a_line(tmp_path, capsys):
    path = hand_written(tmp_path)
    assert main(["inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Parameters of {path}:"
    assert lines[2].split() == ["name", "type", "default", "help"]
    assert lines[3].split(maxsplit=3) == ["trust_code", "str", '"RX4"',
                                          "the organisation's ODS code"]
    assert lines[5].split() == ["threshold", "float", "0.5"]
    assert len(lines) == 3 + 5


def test_json_gives_every_field_whole(tmp_path, capsys):
    assert main(["inspect", str(hand_written(tmp_path)), "--json"]) == 0
    parameters = json.loads(capsys.readouterr().out)
    assert parameters[0] == {"name": "trust_code", "type": "str", "default": '"RX4"',
                             "help": "the organisation's ODS code"}
    # A default over several lines, as papermill joins it.
    assert parameters[-1]["default"] == '{"crisis_24h": 75.0,}'


@pytest.mark.parametrize("name", packaged_notebooks())
def test_a_packaged_notebook_lists_what_the_build_checks_parameter_files_against(name):
    path = PACKAGED_NOTEBOOKS / name
    listed = inspect_notebook(path)
    assert [p.name for p in listed] == list(notebook_parameters(path))
    assert "data_dir" in {p.name for p in listed}


def test_a_packaged_notebook_is_found_by_name_with_its_help_comments(capsys):
    assert main(["inspect", "crisis_flow"]) == 0
    out = capsys.readouterr().out
    assert f"Parameters of {PACKAGED_NOTEBOOKS / 'crisis_flow.ipynb'}:" in out
    period = next(line for line in out.splitlines() if line.startswith("period_end"))
    assert period.split(maxsplit=3) == ["period_end", "optional", "None", "last month reported "
                                        "(YYYY-MM); None: the latest month in the data"]


def test_a_name_means_the_projects_own_copy_first_then_a_family(tmp_path):
    root = make_project(tmp_path / "p")
    assert find_notebook(root, "crisis_flow") == PACKAGED_NOTEBOOKS / "crisis_flow.ipynb"
    assert find_notebook(root, "case_studies") == PACKAGED_NOTEBOOKS / "case_study.ipynb"
    own = root / "notebooks" / "crisis_flow.ipynb"
    own.parent.mkdir()
    own.write_bytes((PACKAGED_NOTEBOOKS / "crisis_flow.ipynb").read_bytes())
    assert find_notebook(root, "crisis_flow.ipynb") == own


def test_an_unknown_name_suggests_the_nearest(capsys):
    assert main(["inspect", "crisis_flo"]) == 2
    err = capsys.readouterr().err
    assert "error: no notebook called 'crisis_flo'" in err
    assert "fix: did you mean crisis_flow?" in err


def test_a_notebook_without_a_parameters_cell_names_the_file_and_the_fix(tmp_path, capsys):
    path = hand_written(tmp_path, tag="setup")
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "own_report.ipynb has no cell tagged 'parameters'" in err
    assert f"file: {path}" in err
    assert "fix: put the defaults" in err and "tag it 'parameters'" in err
    assert "Traceback" not in err


def test_a_parameter_papermill_cannot_read_is_named_with_its_line(tmp_path):
    path = hand_written(tmp_path, 'trust_code = "RX4"\nperiod_end: str | None = None  # YYYY-MM\n')
    with pytest.raises(ParameterError) as error:
        inspect_notebook(path)
    assert "papermill cannot read parameter 'period_end'" in str(error.value)
    assert error.value.row == "line 2 of the cell"
    assert "Optional[X]" in error.value.hint


def test_a_file_that_is_not_a_notebook_is_an_error(tmp_path, capsys):
    path = tmp_path / "notes.ipynb"
    path.write_text("not json")
    assert main(["inspect", str(path)]) == 2
    assert "notes.ipynb cannot be read as a notebook" in capsys.readouterr().err


def test_a_new_reports_typed_parameters_cell_is_listed_with_its_hints(tmp_path, capsys):
    root = tmp_path / "demo"
    assert main(["init", str(root), "--demo"]) == 0
    assert main(["--project", str(root), "new", "report", "waiting_times",
                 "--title", "Waiting times"]) == 0
    capsys.readouterr()
    assert main(["--project", str(root), "inspect", "waiting_times", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["period_end"]["type"] == "Optional[str]"
    assert listed["targets"]["type"] == "dict[str, float]"
    assert listed["trust_code"]["help"].startswith("Organisation code")
