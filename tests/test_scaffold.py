"""`lhs-reports new trust`, `new case-study` and `new report`: validated files, never an
overwrite, nothing written when a check fails; a new report family's test fails until its
notebook records a result, and the family builds into the site."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

from lhs_reports import report_scaffold
from lhs_reports.cli import main
from lhs_reports.engine.plan import load_project, plan_jobs
from lhs_reports.engine.trial import run_one
from lhs_reports.errors import BuildError, ParameterError
from lhs_reports.params import (
    CaseStudyParameters,
    TrustParameters,
    load_catalogue,
    load_parameters,
)

from .handmade import build_site, make_handmade_project, trusts_table, varied_monthly, write


def test_a_new_trust_file_is_written_validated_and_in_upper_case(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    (root / "params" / "trusts" / "RW5.yaml").unlink()
    name = "St Mary's: Mental Health # Trust"  # YAML-special characters round-trip
    assert main(["--project", str(root), "new", "trust", "rw5", "--name", name]) == 0
    path = root / "params" / "trusts" / "RW5.yaml"
    params = load_parameters(path, "trust")
    assert (params.trust_code, params.trust_name) == ("RW5", name)
    assert "Written" in capsys.readouterr().out
    assert main(["--project", str(root), "check"]) == 0


def test_an_existing_file_is_never_overwritten(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    path = root / "params" / "trusts" / "RX4.yaml"
    before = path.read_bytes()
    assert main(["--project", str(root), "new", "trust", "RX4", "--name", "Other"]) == 2
    error = capsys.readouterr().err
    assert "RX4.yaml exists already" in error and "Traceback" not in error
    assert path.read_bytes() == before


def test_a_code_that_is_not_a_code_or_not_in_the_data_is_refused(tmp_path, capsys):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    assert main(["--project", str(root), "new", "trust", "R-X", "--name", "N"]) == 2
    assert "trust_code" in capsys.readouterr().err
    assert main(["--project", str(root), "new", "trust", "RW6", "--name", "N"]) == 2
    error = capsys.readouterr().err
    assert "has no trust 'RW6'" in error and "did you mean RW5" in error
    assert not (root / "params" / "trusts" / "RW6.yaml").exists()


def test_the_written_file_says_what_else_can_be_set(tmp_path):
    root = make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")
    (root / "params" / "trusts" / "RW5.yaml").unlink()
    assert main(["--project", str(root), "new", "trust", "RW5", "--name", "N",
                 "--period-end", "2024-03"]) == 0
    text = Path(root / "params" / "trusts" / "RW5.yaml").read_text()
    assert yaml.safe_load(text) == {"trust_code": "RW5", "trust_name": "N",
                                    "period_end": "2024-03"}
    assert "# targets:" in text and "# missing_months" in text


# --- lhs-reports new report, new case-study ------------------------------------------------

REPORT = ("new", "report", "waiting_times", "--title", "Waiting times", "--description",
          "How long people wait: from referral to first contact.")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def own_project(tmp_path: Path, *, data: bool = True) -> Path:
    """``lhs-reports init`` (a project for real data), one trust's hand-made data, its file."""
    root = tmp_path / "mytrusts"
    assert run("init", str(root))[0] == 0
    if data:
        write(trusts_table(["RX4"]).drop(columns="synthetic"), root / "data" / "trusts.csv")
        write(varied_monthly("RX4", 15), root / "data" / "activity_monthly.csv")
        status, _, err = run("--project", str(root), "new", "trust", "RX4", "--name",
                             "Riverside NHS Trust")
        assert status == 0, err
    return root


def demo_project(tmp_path: Path) -> Path:
    """``lhs-reports init --demo`` (its data are generated only when a build needs them)."""
    root = tmp_path / "demo"
    assert run("init", str(root), "--demo")[0] == 0
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_new_report_writes_a_typed_notebook_a_catalogue_entry_and_a_test(tmp_path):
    root = own_project(tmp_path, data=False)
    catalogue = root / "params" / "reports.yaml"
    before = catalogue.read_text()
    status, out, err = run("--project", str(root), *REPORT)
    assert status == 0, err
    assert "tests/test_waiting_times.py fails until it does" in out
    after = catalogue.read_text()
    # Appended: every comment and line of the analyst's catalogue kept as it was.
    assert after.startswith(before.rstrip("\n") + "\n\n  - id: waiting_times\n")
    family = next(f for f in load_catalogue(root).families if f.id == "waiting_times")
    assert (family.title, family.schema_, family.parameters, family.tables) == (
        "Waiting times", "trust", "params/trusts/*.yaml", ["trusts", "activity_monthly"])
    assert family.description == "How long people wait: from referral to first contact."
    declared = papermill.inspect_notebook(str(root / "notebooks" / "waiting_times.ipynb"))
    assert list(declared) == list(TrustParameters.model_fields)
    assert declared["period_end"]["inferred_type_name"] == "Optional[str]"
    assert declared["targets"]["inferred_type_name"] == "dict[str, float]"
    assert declared["trust_code"]["help"].startswith("Organisation code")
    assert declared["trust_code"]["default"] == '"RX4"'  # no trust yet: a placeholder
    notebook = nbformat.read(root / "notebooks" / "waiting_times.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "lhs-reports"  # JupyterLab's named kernel
    assert "records no result yet" in notebook.cells[0].source
    assert notebook.cells[0].metadata.tags == ["remove-cell"]  # for analysts, not readers
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "record(" not in code.replace("# ", "").split("YOUR ANALYSIS")[0].split(
        "import record")[1]  # imported for the analyst, never called
    assert 'load_table(folder, "activity_monthly", organisation=trust_code)' in code
    test = (root / "tests" / "test_waiting_times.py").read_text()
    assert 'run_one(PROJECT, "waiting_times"' in test
    compile(test, "test_waiting_times.py", "exec")


def test_the_new_familys_jobs_are_planned_and_its_defaults_are_the_first_trusts(tmp_path):
    root = own_project(tmp_path)
    assert run("--project", str(root), *REPORT)[0] == 0
    status, out, err = run("--project", str(root), "plan", "--family", "waiting_times")
    assert status == 0, err
    assert "waiting_times/RX4" in out and "waiting_times: notebook notebooks/waiting_times" \
        ".ipynb (this project)" in out
    declared = papermill.inspect_notebook(str(root / "notebooks" / "waiting_times.ipynb"))
    assert (declared["trust_code"]["default"], declared["trust_name"]["default"]) == (
        '"RX4"', '"Riverside NHS Trust"')
    assert run("--project", str(root), "check", "--params-only")[0] == 0


def test_a_new_report_per_case_study_in_the_demo_reads_the_case_studies(tmp_path):
    root = demo_project(tmp_path)
    status, _, err = run("--project", str(root), "new", "report", "huddle_outcomes", "--title",
                         "Huddle outcomes", "--per", "case_study")
    assert status == 0, err
    family = next(f for f in load_catalogue(root).families if f.id == "huddle_outcomes")
    assert (family.schema_, family.parameters, family.tables) == (
        "case_study", "params/case_studies/*.yaml", ["case_study_series"])
    declared = papermill.inspect_notebook(str(root / "notebooks" / "huddle_outcomes.ipynb"))
    assert list(declared) == list(CaseStudyParameters.model_fields)
    assert declared["measure"]["inferred_type_name"] == "Optional[dict]"
    assert declared["case_study_id"]["default"] == '"cfhealthhub"'  # the first file's
    notebook = nbformat.read(root / "notebooks" / "huddle_outcomes.ipynb", as_version=4)
    assert 'load_table(folder, "case_study_series", organisation=case_study_id)' in \
        notebook.cells[2].source
    jobs = plan_jobs(load_project(root), families=["huddle_outcomes"])
    assert len(jobs) == len(list((root / "params" / "case_studies").glob("*.yaml")))


@pytest.mark.parametrize(("name", "says"), [
    ("Waiting-Times", "e.g. waiting_times"),
    ("2waits", "e.g. report_2waits"),
    ("class", "e.g. class_report"),
    ("crisis_flow", "has a report family 'crisis_flow' already"),
    ("case_study", "notebook shipped with lhs-reports"),
    ("trusts", "one of the site's own pages"),
    ("a" * 51, "longer than 50 characters"),
])
def test_a_report_id_that_is_not_a_name_or_is_taken_is_refused_and_nothing_is_written(
        tmp_path, name, says):
    root = own_project(tmp_path, data=False)
    before = files_of(root)
    status, _, err = run("--project", str(root), "new", "report", name, "--title", "T")
    assert status == 2 and says in err, err
    assert name[:30] in err and "fix:" in err and "Traceback" not in err
    assert files_of(root) == before


@pytest.mark.parametrize("existing", ["notebooks/waiting_times.ipynb",
                                      "tests/test_waiting_times.py"])
def test_new_report_never_overwrites_and_writes_nothing_when_a_file_exists(tmp_path, existing):
    root = own_project(tmp_path, data=False)
    (root / existing).parent.mkdir(parents=True, exist_ok=True)
    (root / existing).write_text("mine")
    before = files_of(root)
    status, _, err = run("--project", str(root), *REPORT)
    assert status == 2 and f"{existing} exists already" in err, err
    assert files_of(root) == before


def test_a_second_new_report_of_the_same_id_is_refused(tmp_path):
    root = own_project(tmp_path, data=False)
    assert run("--project", str(root), *REPORT)[0] == 0
    before = files_of(root)
    status, _, err = run("--project", str(root), *REPORT)
    assert status == 2 and "family 'waiting_times' already" in err
    assert files_of(root) == before


def test_an_unknown_table_is_refused_naming_the_nearest(tmp_path):
    root = own_project(tmp_path, data=False)
    before = files_of(root)
    status, _, err = run("--project", str(root), *REPORT, "--tables", "trusts,activity_month")
    assert status == 2 and "'activity_month'" in err and "did you mean activity_monthly" in err
    assert files_of(root) == before


def test_the_entry_joins_the_families_list_wherever_it_is_in_the_catalogue(tmp_path):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    catalogue = root / "params" / "reports.yaml"
    text = catalogue.read_text()
    families = text[text.index("families:"):]
    # The families first, then a comment and the site's settings: the entry goes before both.
    reordered = ("# my catalogue\n" + families + "\n# the site\n"
                 + text[:text.index("families:")])
    catalogue.write_text(reordered)
    assert run("--project", str(root), *REPORT, "--per", "cross_trust")[0] == 0
    after = catalogue.read_text()
    assert after.index("- id: waiting_times") < after.index("# the site") < after.index("site:")
    entry = after[after.index("  - id: waiting_times"):after.index("# the site")]
    assert after.replace(entry, "") == reordered
    family = next(f for f in load_catalogue(root).families if f.id == "waiting_times")
    assert family.parameters == "params/across/*.yaml"  # where its cross-trust files are


def test_a_trial_run_of_a_family_with_nothing_to_run_says_why(tmp_path):
    root = own_project(tmp_path)  # no survey table: lhs_priorities is skipped
    with pytest.raises(BuildError, match="'lhs_priorities' has nothing to run: .*lhs_survey"):
        run_one(root, "lhs_priorities", output_dir=tmp_path / "trial")
    assert not (tmp_path / "trial").exists() and not (root / "outputs" / "notebooks").exists()


def test_a_catalogue_with_windows_line_endings_keeps_them(tmp_path):
    root = own_project(tmp_path, data=False)
    catalogue = root / "params" / "reports.yaml"
    catalogue.write_bytes(catalogue.read_bytes().replace(b"\n", b"\r\n"))
    assert run("--project", str(root), *REPORT)[0] == 0
    after = catalogue.read_bytes()
    assert b"\r\n  - id: waiting_times\r\n" in after and b"\n" not in after.replace(b"\r\n", b"")
    assert "waiting_times" in {f.id for f in load_catalogue(root).families}


def test_a_catalogue_whose_families_are_not_a_block_list_is_left_alone(tmp_path):
    root = own_project(tmp_path, data=False)
    catalogue = root / "params" / "reports.yaml"
    catalogue.write_text("families: [{id: a, title: A, notebook: notebooks/crisis_flow.ipynb, "
                         "parameters: params/trusts/*.yaml}]\n")
    before = files_of(root)
    status, _, err = run("--project", str(root), *REPORT)
    assert status == 2 and "no block list of families" in err
    assert files_of(root) == before


def test_everything_written_is_taken_back_when_the_written_catalogue_fails(tmp_path,
                                                                           monkeypatch):
    root = own_project(tmp_path, data=False)
    before = files_of(root)

    def fails(*args, **kwargs):
        raise ParameterError("the disk said no", hint="try again")

    monkeypatch.setattr(report_scaffold, "parameter_files", fails)
    with pytest.raises(ParameterError, match="the disk said no"):
        report_scaffold.new_report(root, "waiting_times", "Waiting times")
    assert files_of(root) == before


@pytest.mark.slow
@pytest.mark.notebook
def test_the_generated_test_fails_until_the_notebook_records_then_passes_and_it_builds(
        tmp_path):
    root = own_project(tmp_path)
    assert run("--project", str(root), *REPORT)[0] == 0

    def generated_test() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--basetemp={tmp_path / 'inner'}", "tests/test_waiting_times.py"],
            cwd=root, capture_output=True, text=True, timeout=600, check=False)

    first = generated_test()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "recorded no result" in first.stdout and "record(" in first.stdout
    path = root / "notebooks" / "waiting_times.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += ('\nrecord("admissions", int(activity_monthly["admissions"]'
                                  '.sum()), label="Admissions")')
    nbformat.write(notebook, path)
    second = generated_test()
    assert second.returncode == 0, second.stdout + second.stderr
    assert not (root / "outputs" / "notebooks").exists()  # a trial leaves the build's outputs

    status, out = build_site(root)
    assert status == 0, out
    page = (root / "outputs" / "_site" / "waiting_times" / "RX4.html").read_text()
    assert "Waiting times: Riverside NHS Trust" in page
    assert "How long people wait" in page and "YOUR ANALYSIS" not in page
    assert "records no result yet" not in page  # the analyst's note is not published
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    assert {j["job"]: j["status"] for j in manifest["jobs"]}["waiting_times/RX4"] == "ok"


# --- new case-study ------------------------------------------------------------------------

CASE_STUDY = ("new", "case-study", "ward-huddles", "--title", "Ward huddles: daily",
              "--summary", "Daily huddles that review the ward's flow.", "--illustrates",
              "improvement, learning_community")


def test_a_new_case_study_is_written_validated_into_the_catalogues_folder(tmp_path):
    root = own_project(tmp_path, data=False)  # its case-study family is switched off
    status, out, err = run("--project", str(root), *CASE_STUDY)
    assert status == 0, err
    path = root / "params" / "case_studies" / "ward-huddles.yaml"
    params = load_parameters(path, "case_study")
    assert (params.case_study_id, params.title, params.illustrates, params.measure) == (
        "ward-huddles", "Ward huddles: daily", ["improvement", "learning_community"], None)
    assert "# measure:" in path.read_text() and "#   change_month:" in path.read_text()


def test_a_case_study_is_never_overwritten_and_its_slug_must_be_kebab_case(tmp_path):
    root = demo_project(tmp_path)
    pincer = root / "params" / "case_studies" / "pincer.yaml"
    before = pincer.read_bytes()
    status, _, err = run("--project", str(root), "new", "case-study", "pincer", "--title", "P",
                         "--summary", "S", "--illustrates", "data")
    assert status == 2 and "pincer.yaml exists already" in err and "Traceback" not in err
    assert pincer.read_bytes() == before
    status, _, err = run("--project", str(root), "new", "case-study", "Ward_Huddles",
                         "--title", "W", "--summary", "S", "--illustrates", "data")
    assert status == 2 and "'Ward_Huddles' is not lower-case kebab-case" in err
    assert "e.g. ward-huddles" in err
    status, _, err = run("--project", str(root), "new", "case-study", "ward-huddles",
                         "--title", "W", "--summary", "S", "--illustrates", "dat")
    assert status == 2 and "illustrates" in err and "Traceback" not in err
    assert not (root / "params" / "case_studies" / "ward-huddles.yaml").exists()


def test_new_case_study_needs_a_case_study_family(tmp_path):
    root = make_handmade_project(tmp_path, ["RX4"], layout="csv")
    status, _, err = run("--project", str(root), *CASE_STUDY)
    assert status == 2 and "no case-study report family" in err and "--per case_study" in err


@pytest.mark.parametrize("kind", ["report", "case-study"])
def test_the_new_subcommands_help_has_a_description_and_an_example(kind, capsys):
    with pytest.raises(SystemExit):
        main(["new", kind, "--help"])
    text = capsys.readouterr().out
    assert "Example:\n  lhs-reports new " + kind in text and "Never overwrites" in text
