"""`lhs-reports new trust`: a validated parameter file, never an overwrite, checked against data."""

from __future__ import annotations

from pathlib import Path

import yaml

from lhs_reports.cli import main
from lhs_reports.params import load_parameters

from .handmade import make_handmade_project


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
