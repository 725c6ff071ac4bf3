"""The data contract: templates from the dictionary, the synthetic flag read from the data, the
About the data page, and hand-written text that depends on the data."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from lhs_reports.audit import scan_site
from lhs_reports.cli import EXIT_USER_ERROR, main
from lhs_reports.data.dictionary import EXAMPLE_CODES, ORGANISATION_CODE, TABLES
from lhs_reports.data.loaders import load_table
from lhs_reports.data.months import MONTH_FORMATS, normalise_months
from lhs_reports.data.origin import data_are_synthetic
from lhs_reports.data.sources import MHSDS_SOURCES
from lhs_reports.data.templates import template_csv, write_templates
from lhs_reports.errors import ParameterError, RenderError
from lhs_reports.params import Catalogue, ReportFamily
from lhs_reports.site.about_data import about_data_markdown
from lhs_reports.site.conditional import resolve_conditions

# -- templates ---------------------------------------------------------------------------------


def test_every_column_has_two_example_values():
    for table in TABLES.values():
        for column in table.columns:
            assert column.examples is not None and len(column.examples) == 2, \
                f"{table.name}.{column.name}"


def test_each_template_s_two_example_rows_form_a_valid_table(tmp_path):
    write_templates(tmp_path)
    for name, table in TABLES.items():
        frame = load_table(tmp_path, name)
        assert len(frame) == 2, name
        assert list(frame.columns) == table.column_names


def test_example_organisation_codes_fit_the_code_pattern_and_say_they_are_examples():
    for code in EXAMPLE_CODES:
        assert re.fullmatch(ORGANISATION_CODE, code) and "EXAMPLE" in code
    for name in TABLES:
        codes = pd.read_csv(pd.io.common.StringIO(template_csv(name)))
        if "trust_code" in codes:
            assert set(codes["trust_code"]) <= set(EXAMPLE_CODES), name


def test_the_templates_pass_the_site_audit(tmp_path):
    site = tmp_path / "site"
    write_templates(site / "about-data" / "templates")
    (site / "index.html").write_text("<p>Templates</p>")
    audit = scan_site(site)
    assert audit.files == len(TABLES)
    assert audit.findings == ()


def test_data_template_writes_the_templates_and_refuses_to_overwrite(tmp_path, capsys):
    folder = tmp_path / "new"
    assert main(["data-template", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in TABLES)
    assert (folder / "trusts.csv").read_text() == template_csv("trusts")

    (folder / "trusts.csv").write_text("my own data\n")
    assert main(["data-template", str(folder)]) == EXIT_USER_ERROR
    error = capsys.readouterr().err
    assert "already exist" in error and "--force" in error
    assert (folder / "trusts.csv").read_text() == "my own data\n"  # nothing written

    assert main(["data-template", str(folder), "--force"]) == 0
    assert (folder / "trusts.csv").read_text() == template_csv("trusts")


# -- the months the page promises ---------------------------------------------------------------


@pytest.mark.parametrize(("how", "example"), MONTH_FORMATS)
def test_every_month_format_the_page_lists_is_read_as_its_month(how, example):
    frame = pd.DataFrame({"month": [example]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        months = normalise_months(frame, TABLES["activity_monthly"], None)["month"]
    assert months.iloc[0] == pd.Timestamp("2024-04-01"), how


# -- synthetic is a fact about the data ------------------------------------------------------


def _trusts(folder: Path, synthetic: list[int] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"trust_code": ["RX4", "RW5"], "trust_name": ["A", "B"],
                          "region": ["North", "North"]})
    if synthetic is not None:
        frame["synthetic"] = synthetic
    frame.to_csv(folder / "trusts.csv", index=False)
    return folder


def test_data_are_real_by_default_and_the_synthetic_column_may_be_left_out(tmp_path):
    folder = _trusts(tmp_path / "own", None)
    assert load_table(folder, "trusts")["synthetic"].tolist() == [0, 0]
    assert not data_are_synthetic(folder)
    assert not data_are_synthetic(tmp_path / "empty")


def test_any_synthetic_row_or_a_synthetic_manifest_makes_the_data_synthetic(tmp_path):
    assert data_are_synthetic(_trusts(tmp_path / "mixed", [0, 1]))
    assert not data_are_synthetic(_trusts(tmp_path / "real", [0, 0]))
    generated = _trusts(tmp_path / "generated", None)
    (generated / "manifest.json").write_text(json.dumps({"synthetic": True}))
    assert data_are_synthetic(generated)


def test_a_manifest_cannot_hide_synthetic_rows(tmp_path):
    folder = _trusts(tmp_path / "mixed", [1, 1])
    (folder / "manifest.json").write_text(json.dumps({"synthetic": False}))
    assert data_are_synthetic(folder)


# -- which families need which tables --------------------------------------------------------


def _family(**extra: object) -> dict[str, object]:
    return {"id": "f", "title": "F", "notebook": "n.ipynb", "parameters": "p/*.yaml", **extra}


def test_a_family_s_tables_default_by_schema_and_may_be_declared():
    assert ReportFamily(**_family()).table_names == (
        "trusts", "activity_monthly", "population", "activity_by_group")
    assert ReportFamily(**_family(schema="case_study")).table_names == ("case_study_series",)
    assert ReportFamily(**_family(tables=["lhs_survey"])).table_names == ("lhs_survey",)


def test_an_unknown_table_is_refused_with_the_nearest_name(tmp_path):
    from lhs_reports.params import load_catalogue

    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "reports.yaml").write_text(
        "families:\n  - {id: f, title: F, notebook: n.ipynb, parameters: 'p/*.yaml', "
        "tables: [trust]}\n")
    with pytest.raises(ParameterError, match="unknown table 'trust'.*did you mean 'trusts'"):
        load_catalogue(tmp_path)


def test_the_catalogue_s_synthetic_setting_defaults_to_real():
    assert Catalogue(families=[ReportFamily(**_family())]).site.synthetic is False


# -- About the data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def about() -> str:
    families = [ReportFamily(**_family(id="needs", title="Needs assessment")),
                ReportFamily(**_family(id="survey", title="Survey report",
                                       tables=["trusts", "lhs_survey"]))]
    return about_data_markdown(families, synthetic=False)


def _section(page: str, table: str) -> str:
    start = page.index(f"(`{table}`)")
    end = page.find("\n## ", start)
    return page[start:end if end != -1 else None]


def test_about_the_data_gives_every_table_s_files_layouts_and_template(about):
    for name, table in TABLES.items():
        section = _section(about, name)
        assert f"`{name}.parquet` or `{name}.csv`" in section
        assert f"a folder `{name}/`" in section and f"`{name}/<{table.key[0]}>.csv`" in section
        assert f"[{name}.csv](about-data/templates/{name}.csv)" in section


def test_about_the_data_lists_every_column_with_its_allowed_values_and_subsets(about):
    for name, table in TABLES.items():
        section = _section(about, name)
        for column in table.columns:
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| `{column.name}` |"))
            for value in column.allowed or ():
                assert f"`{value}`" in row, (name, column.name, value)
            if column.subset_of:
                assert f"at most `{column.subset_of}`" in row


def test_about_the_data_says_which_families_need_each_table(about):
    assert "**Needed by:** Needs assessment, Survey report." in _section(about, "trusts")
    assert "**Needed by:** Survey report." in _section(about, "lhs_survey")
    assert "**Needed by:** no report family of this site." in _section(about,
                                                                       "case_study_series")


def test_about_the_data_gives_months_missing_months_and_the_mhsds_mapping(about):
    for _, example in MONTH_FORMATS:
        assert f"`{example}`" in about
    assert "missing_months: [2024-02]" in about
    for source in MHSDS_SOURCES:
        assert f"| `{source.input}` | {source.provided} |" in about
    assert "check the current MHSDS metadata" in about
    assert "| `activity_monthly.readmissions_30d` | no |" in about


def test_every_monthly_activity_column_has_a_stated_source():
    mapped = {s.input for s in MHSDS_SOURCES}
    for column in TABLES["activity_monthly"].columns[2:]:
        assert f"activity_monthly.{column.name}" in mapped, column.name
    assert all(name in mapped or any(m.startswith(f"{name}.") for m in mapped)
               for name in TABLES)


def test_about_the_data_speaks_of_synthetic_data_only_for_synthetic_data(about):
    families = [ReportFamily(**_family())]
    assert "fictitious" in about_data_markdown(families, synthetic=True)
    text = about.replace("`synthetic`", "")  # the column of that name, not a claim
    assert "synthetic" not in text.lower() and "fictitious" not in text.lower()


# -- hand-written text that depends on the data ------------------------------------------------

PAGE = """Intro.

::: {.content-visible when-meta="synthetic"}
Built from synthetic data.

::: {.callout-note}
A note inside.
:::
:::

::: {.content-hidden when-meta='synthetic'}
Built from the trusts' own records.
:::

```markdown
::: {.content-visible when-meta="synthetic"}
kept as code
```

::: {.callout-tip}
Always here.
:::
"""


def test_conditional_blocks_are_kept_or_dropped_for_the_data_and_others_pass_through():
    synthetic = resolve_conditions(PAGE, synthetic=True)
    real = resolve_conditions(PAGE, synthetic=False)
    assert "Built from synthetic data." in synthetic and "A note inside." in synthetic
    assert "own records" not in synthetic
    assert "synthetic data" not in real and "A note inside." not in real
    assert "Built from the trusts' own records." in real
    for text in (synthetic, real):
        assert "content-visible when-meta=\"synthetic\"}\nkept as code" in text
        assert "::: {.callout-tip}\nAlways here.\n:::" in text
        assert "content-hidden" not in text


def test_an_unclosed_conditional_block_names_the_page_and_line():
    with pytest.raises(RenderError, match="line 2 of index.qmd is never closed"):
        resolve_conditions("Intro\n::: {.content-visible when-meta=\"synthetic\"}\nx\n",
                           synthetic=True, source="index.qmd")
