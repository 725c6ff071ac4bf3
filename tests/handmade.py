"""A small project with hand-written data (never the demo generator's) for build tests.

Two report families of probe notebooks: ``trust`` (one job per trust, reading its own monthly
rows and the trusts table) and ``across`` (one page reading every trust's rows and their own
parameter files), on real-looking ODS codes and data written here, as CSV or Parquet, one file
per table or a folder of per-trust files. The trusts table says the data are real
(``synthetic`` 0), and the catalogue does not add the SYNTHETIC label.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from lhs_reports.cli import main
from lhs_reports.data.dictionary import TABLES
from lhs_reports.data.locations import PROJECT_ENV

from .helpers import REPO_ROOT

PER_TRUST = '''
from lhs_reports.data import load_table, resolve_data_dir
from lhs_reports.results import record
folder = resolve_data_dir(data_dir)
name = load_table(folder, "trusts").set_index("trust_code").loc[trust_code, "trust_name"]
mine = load_table(folder, "activity_monthly", organisation=trust_code)
record("admissions", int(mine["admissions"].sum()))
print(name, int(mine["admissions"].sum()))
'''

ACROSS = '''
import json
from lhs_reports.data import load_table, resolve_data_dir
from lhs_reports.params import organisation_settings
from lhs_reports.results import record
everyone = load_table(resolve_data_dir(data_dir), "activity_monthly")
settings = organisation_settings()
record("codes", ",".join(sorted(everyone["trust_code"].unique())))
record("targets", json.dumps({code: s.targets for code, s in sorted(settings.items())}))
print("Trusts compared:", ", ".join(sorted(everyone["trust_code"].unique())))
'''


def _notebook(path: Path, parameters: str, code: str) -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell, nbformat.v4.new_code_cell(code)]
    for number, each in enumerate(notebook.cells):
        each.id = f"{path.stem}-{number}"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)


def monthly_rows(code: str, months: int = 3, admissions: int = 20) -> pd.DataFrame:
    """Valid monthly activity for one trust, every count column filled by hand."""
    counts = [c.name for c in TABLES["activity_monthly"].columns
              if c.name not in ("trust_code", "month")]
    frame = pd.DataFrame({"trust_code": code,
                          "month": pd.date_range("2024-01-01", periods=months, freq="MS")})
    for name in counts:
        frame[name] = 10
    frame["referrals"] = frame["crisis_contacts"] = frame["discharges"] = 40
    frame["admissions"] = admissions
    return frame


def varied_monthly(code: str, months: int, *, end: str = "2025-03-01", seed: int = 0
                   ) -> pd.DataFrame:
    """Monthly activity with month-to-month variation, every count written by hand."""
    frame = pd.DataFrame({"trust_code": code,
                          "month": pd.date_range(end=end, periods=months, freq="MS")})
    wobble = pd.Series([(7 * i + 3 * seed) % 11 for i in range(months)])
    counts = {name: 30 + wobble for name in (c.name for c in TABLES["activity_monthly"].columns)
              if name not in ("trust_code", "month")}
    counts.update({
        "referrals": 400 + 5 * wobble, "crisis_contacts": 200 + 3 * wobble,
        "crisis_contacts_24h": 140 + 2 * wobble, "admissions": 60 + wobble,
        "occupied_bed_days": 1800 + 20 * wobble, "discharges": 58 + wobble,
        "followups_72h": 40 + (wobble % 7), "readmissions_30d": 5 + (wobble % 4),
    })
    for name, values in counts.items():
        frame[name] = values.to_numpy()
    return frame


def trusts_table(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"trust_code": codes, "trust_name": [f"Trust {c}" for c in codes],
                         "region": "North", "synthetic": 0})


def write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def make_handmade_project(root: Path, codes: list[str], *, layout: str, inputs: str = "",
                          handwritten: bool = False) -> Path:
    """A project with a per-trust and a cross-trust probe family and hand-written data.

    ``layout``: ``csv`` (one CSV per table) or ``folders`` (a folder of per-trust Parquet
    files for the monthly table, a CSV for the trusts). ``handwritten``: with the repository's
    home page (``index.qmd``; the methods pages are the packaged ones either way), whose text
    depends on the data.
    """
    (root / "notebooks").mkdir(parents=True)
    (root / "params" / "trusts").mkdir(parents=True)
    (root / "params" / "across").mkdir(parents=True)
    _notebook(root / "notebooks" / "trust.ipynb",
              'trust_code = "RX4"\ntrust_name = "x"\nperiod_end = "2024-03"\n'
              'change_month = None\ntargets = {}\nmissing_months = []\ndata_dir = ""', PER_TRUST)
    _notebook(root / "notebooks" / "across.ipynb",
              'title = "All"\nperiod_end = "2024-03"\ndata_dir = ""', ACROSS)
    (root / "params" / "reports.yaml").write_text(
        "site: {title: Probe, synthetic: false}\n"
        "data: {dir: data}\n"
        "families:\n"
        "  - id: trust\n    title: Per trust\n    notebook: notebooks/trust.ipynb\n"
        f"    parameters: params/trusts/*.yaml\n{inputs}"
        "  - id: across\n    title: Across\n    notebook: notebooks/across.ipynb\n"
        "    parameters: params/across/*.yaml\n    schema: cross_trust\n")
    (root / "params" / "across" / "all.yaml").write_text("title: All trusts\nperiod_end: 2024-03\n")
    for code in codes:
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: Trust {code}\nperiod_end: 2024-03\n"
            "targets: {crisis_24h: 75}\n")
    if handwritten:
        shutil.copy(REPO_ROOT / "index.qmd", root / "index.qmd")
    data = root / "data"
    write(trusts_table(codes), data / "trusts.csv")
    monthly = [monthly_rows(code) for code in codes]
    if layout == "csv":
        write(pd.concat(monthly, ignore_index=True), data / "activity_monthly.csv")
    else:
        for code, frame in zip(codes, monthly, strict=True):
            write(frame, data / "activity_monthly" / f"{code}.parquet")
    return root


def population_rows(code: str, *, bands: list[str] | None = None,
                    groups: list[str] | None = None) -> pd.DataFrame:
    """A trust's residents by age band, sex, deprivation quintile and ethnic group, written by
    hand (every combination), listing the age bands in ``bands`` order and the ethnic groups in
    ``groups`` order (the dictionary's when not given): a file's order, not the dictionary's."""
    from lhs_reports.data.dictionary import AGE_BANDS, ETHNIC_GROUPS, IMD_QUINTILES, SEXES

    rows = []
    for band in bands or list(AGE_BANDS):
        for sex in SEXES:
            for quintile in IMD_QUINTILES:
                for group in groups or list(ETHNIC_GROUPS):
                    # More residents in younger bands and in more deprived quintiles.
                    residents = 400 - 15 * AGE_BANDS.index(band) + 20 * (5 - quintile)
                    rows.append((code, band, sex, quintile, group, residents))
    return pd.DataFrame(rows, columns=["trust_code", "age_band", "sex", "imd_quintile",
                                       "ethnic_group", "population"])


def activity_by_group_rows(population: pd.DataFrame) -> pd.DataFrame:
    """Latest-year events for each population row: a fixed share of its residents."""
    frame = population.drop(columns="population").copy()
    residents = population["population"]
    frame["referrals"] = residents // 8
    frame["crisis_contacts"] = residents // 12
    frame["admissions"] = residents // 40
    frame["mha_detentions"] = residents // 60
    return frame


def build_site(root: Path) -> tuple[int, str]:
    """``lhs-reports build --renderer builtin`` in ``root``, as its own project: the exit
    status and what the command printed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["--project", str(root), "build", "--renderer", "builtin"])
    return status, out.getvalue()


#: The trusts of :func:`flow_history_project`, code to name.
HISTORY_TRUSTS = {"RX4": "Riverside NHS Trust", "RW5": "Southmoor NHS Trust", "TAH": "Tarnhill"}


def flow_history_project(root: Path) -> Path:
    """Crisis and acute flow (the package's notebook) for three trusts with varied data, to be
    built again after :func:`write_flow_months` changes one trust's months."""
    params = root / "params"
    (params / "trusts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "index.qmd", root / "index.qmd")
    catalogue = yaml.safe_load((REPO_ROOT / "params" / "reports.yaml").read_text())
    catalogue["site"]["synthetic"] = False
    catalogue["data"] = {"dir": "data"}
    catalogue["families"] = [f for f in catalogue["families"] if f["id"] == "crisis_flow"]
    (params / "reports.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False))
    for code, name in HISTORY_TRUSTS.items():
        (params / "trusts" / f"{code}.yaml").write_text(
            f"trust_code: {code}\ntrust_name: {name}\n")
    trusts = trusts_table(list(HISTORY_TRUSTS))
    trusts["trust_name"] = list(HISTORY_TRUSTS.values())
    write(trusts, root / "data" / "trusts.csv")
    write_flow_months(root, shift=0)
    return root


def write_flow_months(root: Path, *, shift: int) -> None:
    """Every trust's months; Southmoor's last eight with ``shift`` crisis contacts seen within
    24 hours (a fall of 40 a month is a run below the mean: special cause concern)."""
    southmoor = varied_monthly("RW5", 24, seed=3)
    southmoor.loc[southmoor.index[-8:], "crisis_contacts_24h"] += shift
    frames = [varied_monthly("RX4", 24), southmoor, varied_monthly("TAH", 24, seed=1)]
    write(pd.concat(frames, ignore_index=True), root / "data" / "activity_monthly.csv")
