"""Your own data through a whole build: the project's own notebooks on hand-written data that
arrive as real data do (never the demo generator's).

- codes in lower case in the data, in a parameter file and in a per-trust file's name;
- age bands listed out of order in the population file;
- no ``period_end`` in any parameter file: every page ends at the data's latest month;
- a trust with eight months of data, left out of the comparisons across trusts with a note;
- no case-study series in the data: that family is skipped with one line, and the LHS
  priorities family is switched off in the catalogue; the build still exits 0.

Quick checks of the same rules on the probe project (tests/handmade.py) plan without running.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lhs_reports.cli import main
from lhs_reports.data.dictionary import AGE_BANDS

from .handmade import (
    activity_by_group_rows,
    build_site,
    make_handmade_project,
    population_rows,
    trusts_table,
    varied_monthly,
    write,
)
from .test_messy_data import SHUFFLED_BANDS

pytestmark = [pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: By code and name (the notebooks pass the trusts' names).
NOTE = re.compile(r"Left out of these comparisons: RW5 Westmoor \(8 months of data; the "
                  r"comparison needs 12\)\.")
SKIPPED = "case_studies: no case_study_series table in the data; skipped"
OFF = "lhs_priorities: switched off in params/reports.yaml (enabled: false); nothing runs"


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, int, str]:
    root = tmp_path_factory.mktemp("messy")
    for name in ("_quarto.yml", "index.qmd"):  # the notebooks and methods: the packaged ones
        shutil.copy(REPO_ROOT / name, root / name)
    params = root / "params"
    shutil.copytree(REPO_ROOT / "params" / "case_studies", params / "case_studies")
    (params / "trusts").mkdir()
    (params / "cross_trust").mkdir()
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["site"]["synthetic"] = False
    catalogue["data"] = {"dir": "data"}
    for family in catalogue["families"]:
        if family["id"] == "lhs_priorities":
            family["enabled"] = False
    (params / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    # No period_end anywhere; RX4's file and code in lower case.
    (params / "trusts" / "rx4.yaml").write_text("trust_code: rx4\ntrust_name: Riverside\n"
                                               "targets: {followup_72h: 80}\n")
    for code, name in (("TAH", "Tarnhill"), ("RXT", "Rowan Vale"), ("RW5", "Westmoor")):
        (params / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: {name}\n")
    (params / "cross_trust" / "all-trusts.yaml").write_text("title: All trusts\n")
    data = root / "data"
    write(trusts_table(["rx4", "TAH", "RXT", "RW5"]), data / "trusts.csv")
    monthly = data / "activity_monthly"
    write(varied_monthly("rx4", 24), monthly / "rx4.csv")
    write(varied_monthly("TAH", 24, seed=1), monthly / "TAH.csv")
    write(varied_monthly("RXT", 24, seed=2), monthly / "RXT.csv")
    write(varied_monthly("RW5", 8, seed=3), monthly / "RW5.csv")  # August 2024 on
    population = pd.concat([population_rows(code, bands=SHUFFLED_BANDS)
                            for code in ("rx4", "TAH", "RXT", "RW5")], ignore_index=True)
    write(population, data / "population.csv")
    write(activity_by_group_rows(population), data / "activity_by_group.csv")
    return (root, *build_site(root))


def page(root: Path, name: str) -> str:
    return (root / "outputs" / "_site" / name).read_text()


def test_the_build_succeeds_and_says_in_one_line_each_what_did_not_run(messy):
    root, status, out = messy
    assert status == 0, out
    assert SKIPPED in out and OFF in out
    assert out.count("case_studies") == 1  # one line, not one failure per case study
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    assert manifest["not_run"] == [OFF, SKIPPED]
    assert not [job for job in manifest["jobs"] if job["job"].startswith(("case_", "lhs_"))]


def test_families_that_did_not_run_are_not_on_the_site(messy):
    root, _, _ = messy
    home = page(root, "index.html")
    assert 'href="needs_assessment/index.html"' in home
    assert "case_studies/" not in home and "lhs_priorities/" not in home
    assert not (root / "outputs" / "_site" / "case_studies").exists()


def test_a_lower_case_code_is_read_and_shown_in_upper_case(messy):
    root, _, _ = messy
    flow = page(root, "crisis_flow/rx4.html")  # the page is named after the file
    assert "trust_code=RX4" in flow and "trust_code=rx4" not in flow
    assert "Riverside" in flow
    across = page(root, "flow_variation/all-trusts.html")
    assert "Riverside (RX4)" in across  # its own file's name, matched to the data's rx4 rows


def test_every_page_ends_at_the_latest_month_in_the_data(messy):
    root, _, _ = messy
    for name in ("crisis_flow/rx4.html", "crisis_flow/RW5.html", "needs_assessment/TAH.html",
                 "flow_variation/all-trusts.html"):
        assert "Reporting period to March 2025" in page(root, name), name
    manifest = json.loads((root / "outputs" / "run-manifest.json").read_text())
    assert {job["parameters"]["period_end"] for job in manifest["jobs"]} == {"2025-03"}


def test_the_population_pyramid_runs_youngest_to_oldest_on_the_page(messy):
    root, _, _ = messy
    html = page(root, "needs_assessment/TAH.html")
    pyramid = next(svg for svg in (base64.b64decode(m).decode()
                                   for m in re.findall(r'data:image/svg\+xml;base64,([^"]+)',
                                                       html))
                   if "Age band (years)" in svg)
    shown = [label for label in re.findall(r">\s*([0-9]+-[0-9]+|90\+)\s*<", pyramid)
             if label in AGE_BANDS]
    # Drawn bottom to top: the SVG lists the tick labels in the axis order.
    assert shown == list(AGE_BANDS), shown
    assert list(dict.fromkeys(pd.read_csv(root / "data" / "population.csv")["age_band"]))[:3] \
        == ["45-49", "5-9", "50-54"]


def test_the_short_trust_is_left_out_of_the_comparisons_with_a_note(messy):
    root, _, _ = messy
    across = page(root, "flow_variation/all-trusts.html")
    assert NOTE.search(across)
    assert "Westmoor (RW5)" in across  # still in the icon matrix, with too few points
    assert "Too few points for process limits" in across
    for name in ("needs_assessment/TAH.html", "needs_assessment/RW5.html"):
        assert NOTE.search(page(root, name)), name


def test_the_short_trust_s_own_pages_say_what_they_can_and_do_not_fail(messy):
    root, _, _ = messy
    needs = page(root, "needs_assessment/RW5.html")
    assert "Activity in the 8 months to March 2025 (the data start in August 2024)" in needs
    assert "Not compared (left out: see the note)" in needs
    assert "left out of the peer funnel" in needs
    assert "failed" not in page(root, "needs_assessment/index.html")
    assert "Too few points for process limits" in page(root, "crisis_flow/RW5.html")


# -- the same rules, planned on the probe project (no notebook runs) ----------------------------


@pytest.fixture
def probe(tmp_path) -> Path:
    return make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")


def _catalogue(root: Path, old: str, new: str) -> None:
    path = root / "params" / "reports.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_plan_says_a_family_whose_table_is_absent_is_skipped_and_exits_0(probe, capsys):
    _catalogue(probe, "    schema: cross_trust\n",
               "    schema: cross_trust\n    tables: [trusts, lhs_survey]\n")
    assert main(["--project", str(probe), "plan"]) == 0
    out = capsys.readouterr().out
    assert "across: no lhs_survey table in the data; skipped" in out
    assert "across/all" not in out and "2 to run, 0 to skip" in out
    assert main(["--project", str(probe), "check"]) == 0
    assert "across: no lhs_survey table in the data; skipped" in capsys.readouterr().out
    # Selecting another family: nothing said about this one.
    assert main(["--project", str(probe), "plan", "--family", "trust"]) == 0
    assert "across" not in capsys.readouterr().out


def test_a_table_absent_from_one_report_s_own_data_folder_is_said_for_that_report(probe,
                                                                                   capsys):
    _catalogue(probe, "    parameters: params/trusts/*.yaml\n",
               "    parameters: params/trusts/*.yaml\n    tables: [trusts, activity_monthly]\n")
    other = probe / "elsewhere"
    write(trusts_table(["RW5"]), other / "trusts.csv")
    trust = probe / "params" / "trusts" / "RW5.yaml"
    trust.write_text(trust.read_text() + "data_dir: elsewhere\n")
    assert main(["--project", str(probe), "plan"]) == 0
    out = capsys.readouterr().out
    assert "trust/RW5: no activity_monthly table in elsewhere; skipped" in out
    assert re.search(r"run\s+trust/RX4", out)


def test_a_family_switched_off_is_not_planned_and_plan_says_so(probe, capsys):
    _catalogue(probe, "    schema: cross_trust\n", "    schema: cross_trust\n    enabled: false\n")
    # Its files are not read either: a broken one does not stop the others.
    (probe / "params" / "across" / "all.yaml").write_text("title: [unclosed\n")
    assert main(["--project", str(probe), "plan"]) == 0
    out = capsys.readouterr().out
    assert "across: switched off in params/reports.yaml (enabled: false); nothing runs" in out
    assert "across/all" not in out
    assert main(["--project", str(probe), "plan", "--family", "across"]) == 0
    out = capsys.readouterr().out
    assert "nothing runs" in out and "0 to run, 2 to skip" in out  # the trusts: not selected


@pytest.mark.parametrize("enabled", [True, False])
def test_a_family_switched_off_is_not_listed_on_the_site_even_one_listed_without_reports(
        probe, enabled):
    from lhs_reports.engine.plan import load_project
    from lhs_reports.site.pages import site_model

    # A case-study family is listed even with no reports (each case study is described).
    (probe / "params" / "cases").mkdir()
    (probe / "params" / "cases" / "pincer.yaml").write_text(
        "case_study_id: pincer\ntitle: PINCER\nsummary: Safer prescribing.\n"
        "illustrates: [improvement]\n")
    path = probe / "params" / "reports.yaml"
    path.write_text(path.read_text() + (
        "  - id: cases\n    title: Case studies\n    notebook: notebooks/trust.ipynb\n"
        f"    parameters: params/cases/*.yaml\n    schema: case_study\n"
        f"    enabled: {str(enabled).lower()}\n"))
    site = site_model(load_project(probe), [], [], {"site built": "today"})
    listed = [item.href for item in site.nav if item.href.startswith("cases/")]
    assert listed == (["cases/index.html"] if enabled else [])
