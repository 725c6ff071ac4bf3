"""Parameter files and the catalogue: good files load, bad ones stop with file, key and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lhs_reports.cli import main
from lhs_reports.engine.plan import load_project, plan_jobs
from lhs_reports.errors import ParameterError
from lhs_reports.params import TrustParameters, load_catalogue, load_parameters

from .conftest import REPO_ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's catalogue and two trusts' parameter files (the notebooks are
    the packaged ones)."""
    (tmp_path / "params" / "trusts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "params" / "reports.yaml", tmp_path / "params" / "reports.yaml")
    for folder in ("case_studies", "cross_trust"):
        shutil.copytree(REPO_ROOT / "params" / folder, tmp_path / "params" / folder)
    for code in ("SYN01", "SYN02"):
        shutil.copy(REPO_ROOT / "params" / "trusts" / f"{code}.yaml",
                    tmp_path / "params" / "trusts" / f"{code}.yaml")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_repository_catalogue_and_every_parameter_file_are_valid():
    project = load_project(REPO_ROOT)
    jobs = plan_jobs(project)
    trusts = {f"SYN{i:02d}" for i in range(1, 9)}
    for family in ("needs_assessment", "crisis_flow", "lhs_priorities"):
        assert {j.param_id for j in jobs if j.family.id == family} == trusts
    # Only the case studies with a measure get an analysis job.
    assert {j.param_id for j in jobs if j.family.id == "case_studies"} == {
        "flow-coaching-academy", "hipqip", "pincer", "precept2"}
    assert len(list((REPO_ROOT / "params" / "case_studies").glob("*.yaml"))) == 16


def test_a_good_trust_file_loads_with_defaults(tmp_path):
    path = write(tmp_path / "t.yaml", "trust_code: ABC\ntrust_name: A trust\n")
    params = load_parameters(path)
    assert isinstance(params, TrustParameters)
    assert params.period_end is None  # the latest month in the data, filled in by the plan


def test_a_yaml_date_is_accepted_as_a_month(tmp_path):
    path = write(tmp_path / "t.yaml", "trust_code: ABC\ntrust_name: A\nperiod_end: 2024-06-01\n")
    assert load_parameters(path).period_end == "2024-06"


def test_a_mistyped_key_is_an_error_naming_file_key_and_the_nearest_accepted_key(tmp_path):
    path = write(tmp_path / "t.yaml", "trust_code: ABC\ntrust_nmae: A trust\n")
    with pytest.raises(ParameterError) as caught:
        load_parameters(path)
    error = caught.value
    assert error.path == str(path)
    assert error.field == "trust_nmae"
    assert "did you mean 'trust_name'" in error.hint


def test_a_missing_required_key_is_an_error(tmp_path):
    path = write(tmp_path / "t.yaml", "trust_code: ABC\n")
    with pytest.raises(ParameterError, match="required key 'trust_name'"):
        load_parameters(path)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("trust_code: abc!\ntrust_name: A\n", "trust_code"),
        ("trust_code: ABC\ntrust_name: A\nperiod_end: March 2025\n", "period_end"),
        ("trust_code: ABC\ntrust_name: A\nperiod_end: 2025-13\n", "period_end"),
        ("trust_code: ABC\ntrust_name: ''\n", "trust_name"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_key(tmp_path, text, field):
    with pytest.raises(ParameterError) as caught:
        load_parameters(write(tmp_path / "t.yaml", text))
    assert caught.value.field == field


def test_invalid_yaml_is_an_error_with_the_line(tmp_path):
    path = write(tmp_path / "t.yaml", "trust_code: ABC\ntrust_name: [unclosed\n")
    with pytest.raises(ParameterError, match="not valid YAML") as caught:
        load_parameters(path)
    assert caught.value.row is not None


def test_a_file_that_is_not_a_mapping_is_an_error(tmp_path):
    with pytest.raises(ParameterError, match="mapping"):
        load_parameters(write(tmp_path / "t.yaml", "- a\n- b\n"))


def test_an_unknown_catalogue_key_inside_a_family_names_the_path(project):
    catalogue = project / "params" / "reports.yaml"
    catalogue.write_text(catalogue.read_text().replace("schema: trust", "shema: trust"))
    with pytest.raises(ParameterError) as caught:
        load_catalogue(project)
    assert caught.value.field == "families.0.shema"
    assert "schema" in caught.value.hint


def test_a_parameter_the_notebook_does_not_declare_is_an_error_before_anything_runs(project):
    # Papermill alone would only warn and render the default trust.
    from lhs_reports import params as params_module

    class Extended(TrustParameters):
        comparator: str = "SYN02"

    original = params_module.PARAMETER_MODELS["trust"]
    params_module.PARAMETER_MODELS["trust"] = Extended
    trust = project / "params" / "trusts" / "SYN01.yaml"
    trust.write_text(trust.read_text() + "comparator: SYN03\n")
    try:
        with pytest.raises(ParameterError, match="not declared") as caught:
            plan_jobs(load_project(project))
    finally:
        params_module.PARAMETER_MODELS["trust"] = original
    assert caught.value.field == "comparator"
    assert "trust_code (str)" in caught.value.hint


def test_a_default_the_file_leaves_out_need_not_be_declared_by_every_notebook(project):
    # missing_months is new in TrustParameters; notebooks that do not use it still plan.
    jobs = plan_jobs(load_project(project))
    assert all(job.parameters["missing_months"] == [] for job in jobs
               if job.family.schema_ == "trust")


def test_a_notebook_neither_the_project_nor_the_package_has_is_an_error(project):
    catalogue = project / "params" / "reports.yaml"
    catalogue.write_text(catalogue.read_text().replace("notebooks/needs_assessment.ipynb",
                                                       "notebooks/needs.ipynb"))
    with pytest.raises(ParameterError, match="does not exist") as caught:
        plan_jobs(load_project(project))
    assert "no packaged notebook called needs.ipynb" in caught.value.message
    assert "notebooks/needs_assessment.ipynb" in (caught.value.hint or "")


def test_a_glob_matching_nothing_is_an_error(project):
    shutil.rmtree(project / "params" / "trusts")
    with pytest.raises(ParameterError, match="no parameter files match"):
        plan_jobs(load_project(project))


def test_cli_check_passes_on_good_files(project, capsys):
    assert main(["--project", str(project), "check"]) == 0
    assert "OK (parameters and data): 7 parameter files, 11 jobs" in capsys.readouterr().out


def test_cli_check_prints_the_first_problem_without_traceback_and_exits_2(project, capsys):
    write(project / "params" / "trusts" / "SYN02.yaml", "trust_code: SYN02\ntrust_nme: B\n")
    assert main(["--project", str(project), "check"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'trust_nme'" in err
    assert "SYN02.yaml" in err
    assert "Traceback" not in err
