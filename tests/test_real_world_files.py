"""Files as a warehouse or Excel writes them, read as they are meant or refused with a fix.

Every file here is written by hand in the test (its bytes, where the bytes are the point):
a byte-order mark, CRLF line endings, rows and columns Excel left empty, counts with thousands
separators, headers in another case, a Windows-1252 file with accented names, months as NHS
publications write them, and Parquet written with other tools' types.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.data import load_table
from lhs_reports.data.rows import DataWarning
from lhs_reports.errors import DataError

from .handmade import make_handmade_project, monthly_rows, trusts_table, varied_monthly

HEADER = ("trust_code,month,referrals,crisis_contacts,crisis_contacts_24h,admissions,"
          "occupied_bed_days,discharges,followups_72h,readmissions_30d,out_of_area_bed_days,"
          "delayed_discharge_days,mha_detentions")
ROWS = ("RX4,2024-04,412,156,118,38,1150,36,29,8,0,124,22",
        "RX4,2024-05,388,143,97,31,987,33,27,10,45,96,19")


def _monthly(folder: Path, data: bytes) -> pd.DataFrame:
    (folder / "activity_monthly.csv").write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # these files need no notice
        return load_table(folder, "activity_monthly")


def _refused(folder: Path, text: str) -> DataError:
    (folder / "activity_monthly.csv").write_text(text)
    with pytest.raises(DataError) as caught:
        load_table(folder, "activity_monthly")
    return caught.value


def _months_read(frame: pd.DataFrame) -> list[str]:
    return frame["month"].dt.strftime("%Y-%m").tolist()


# -- the bytes Excel writes ------------------------------------------------------------------


def test_a_csv_saved_by_excel_with_a_bom_crlf_and_a_trailing_empty_line_reads_as_plain(
        tmp_path):
    excel = ("\ufeff" + "\r\n".join((HEADER, *ROWS)) + "\r\n\r\n").encode("utf-8")
    frame = _monthly(tmp_path, excel)
    assert list(frame.columns[:2]) == ["trust_code", "month"]
    assert _months_read(frame) == ["2024-04", "2024-05"]
    assert frame["referrals"].tolist() == [412, 388]


def test_rows_and_columns_excel_left_empty_are_dropped_and_rows_keep_their_numbers(tmp_path):
    text = "\r\n".join((HEADER + ",,", *(r + ",," for r in ROWS), ",,,,,,,,,,,,,,",
                        ",,,,,,,,,,,,,,")) + "\r\n"
    frame = _monthly(tmp_path, text.encode())
    assert len(frame) == 2
    assert not any(str(c).startswith("Unnamed") for c in frame.columns)
    bad = text.replace("RX4,2024-05,388", "RX4,2024-05,-3")
    assert "row: 2" in str(_refused(tmp_path, bad))


def test_a_windows_1252_file_with_accented_names_is_read_with_a_notice(tmp_path):
    names = ("Ysbyty Athrofaol Cymru Café", "Hôpital & Santé NHS Trust")
    frame = trusts_table(["RX4", "RW5"]).assign(trust_name=list(names))
    (tmp_path / "trusts.csv").write_bytes(frame.to_csv(index=False).encode("cp1252"))
    with pytest.warns(DataWarning, match="trusts.csv is not UTF-8.*Windows-1252"):
        trusts = load_table(tmp_path, "trusts")
    assert trusts["trust_name"].tolist() == list(names)


def test_a_welsh_name_in_utf8_is_read_without_a_notice(tmp_path):
    frame = trusts_table(["RX4"]).assign(trust_name="Bwrdd Iechyd Prifysgol Betsi Cadwaladr ŵŷ")
    (tmp_path / "trusts.csv").write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert load_table(tmp_path, "trusts")["trust_name"].iloc[0].endswith("ŵŷ")


# -- headers and extra columns ---------------------------------------------------------------


def test_headers_in_another_case_or_spacing_are_read_as_the_dictionary_s(tmp_path):
    header = HEADER.replace("trust_code", "Trust_Code").replace(",month,", ", Month ,") \
        .replace("occupied_bed_days", "Occupied Bed Days")
    frame = _monthly(tmp_path, "\n".join((header, *ROWS)).encode())
    assert {"trust_code", "month", "occupied_bed_days"} <= set(frame.columns)
    assert frame["occupied_bed_days"].tolist() == [1150, 987]


def test_a_header_that_matches_exactly_wins_over_one_in_another_case(tmp_path):
    text = "\n".join((HEADER + ",Month", *(r + ",January" for r in ROWS)))
    frame = _monthly(tmp_path, text.encode())
    assert _months_read(frame) == ["2024-04", "2024-05"]
    assert frame["Month"].tolist() == ["January", "January"]


def test_extra_columns_the_dictionary_does_not_know_are_kept_and_not_an_error(tmp_path):
    text = "\n".join((HEADER + ",provider_name,notes", *(r + ",Northern,checked" for r in ROWS)))
    assert _monthly(tmp_path, text.encode())["notes"].tolist() == ["checked", "checked"]


# -- counts ----------------------------------------------------------------------------------


def test_counts_with_thousands_separators_in_quotes_are_read_as_numbers(tmp_path):
    rows = [ROWS[0].replace(",1150,", ',"1,150",'), ROWS[1].replace(",987,", ',"1,234,567",')]
    frame = _monthly(tmp_path, "\n".join((HEADER, *rows)).encode())
    assert frame["occupied_bed_days"].tolist() == [1150, 1234567]
    assert frame["occupied_bed_days"].dtype == "int64"


@pytest.mark.parametrize("value", ['"12,5"', '"1,23"', '"1,2345"'])
def test_a_comma_that_is_not_a_thousands_separator_is_refused_naming_the_cell(tmp_path, value):
    rows = [ROWS[0], ROWS[1].replace(",987,", f",{value},")]
    error = _refused(tmp_path, "\n".join((HEADER, *rows)))
    assert error.field == "occupied_bed_days" and error.row == 2
    assert "not a thousands separator" in str(error)


def test_a_fractional_count_is_refused_not_truncated(tmp_path):
    error = _refused(tmp_path, "\n".join((HEADER, ROWS[0], ROWS[1].replace(",987,", ",987.5,"))))
    assert (error.field, error.row) == ("occupied_bed_days", 2)
    assert "not a whole number (value: 987.5)" in str(error)


def test_counts_written_as_whole_floats_are_read_as_counts(tmp_path):
    frame = _monthly(tmp_path, "\n".join((HEADER, ROWS[0].replace(",1150,", ",1150.0,"),
                                          ROWS[1])).encode())
    assert frame["occupied_bed_days"].tolist() == [1150, 987]


# -- months as publications write them -------------------------------------------------------


@pytest.mark.parametrize("april", ["2024-04", "2024/04", "April 2024", "april 2024", "Apr-24",
                                   "APR-24", "Apr 2024", "Apr-2024", "2024-04-01",
                                   "2024-04-01T00:00:00", "2024-04-01 00:00:00", "01/04/2024",
                                   "1/4/2024", "01-04-2024", "01/04/2024 00:00"])
def test_april_2024_as_nhs_files_write_it_is_read_as_april_2024(tmp_path, april):
    rows = [ROWS[0].replace("2024-04", april), ROWS[1].replace("2024-05", "2024-05-01")]
    frame = _monthly(tmp_path, "\n".join((HEADER, *rows)).encode())
    assert _months_read(frame) == ["2024-04", "2024-05"]


def test_an_excel_serial_number_is_refused_naming_the_date_it_stands_for(tmp_path):
    error = _refused(tmp_path, "\n".join((HEADER, ROWS[0].replace("2024-04", "45383"), ROWS[1])))
    assert (error.field, error.row) == ("month", 1)
    assert "45383" in str(error).splitlines()[0]
    assert "Excel date serial number (45383 is 2024-04-01)" in str(error)


def test_an_unreadable_month_lists_the_ways_a_month_may_be_written(tmp_path):
    error = _refused(tmp_path, "\n".join((HEADER, ROWS[0].replace("2024-04", "Q1 2024/25"),
                                          ROWS[1])))
    assert "'Q1 2024/25'" in str(error)
    assert "2024-04, April 2024, Apr-24, 2024-04-01, 01/04/2024" in str(error)


def test_a_us_order_date_among_uk_dates_is_refused_saying_dates_are_read_day_first(tmp_path):
    rows = [ROWS[0].replace("2024-04", "01/03/2024"), ROWS[1].replace("2024-05", "04/01/2024")]
    error = _refused(tmp_path, "\n".join((HEADER, *rows)))
    assert (error.field, error.row) == ("month", 2)
    assert "middle of a month (2024-01-04)" in str(error)
    assert "read day first (DD/MM/YYYY" in str(error)


# -- Parquet written by other tools ----------------------------------------------------------


def _frames() -> dict[str, pd.DataFrame]:
    frame = varied_monthly("RX4", 3, end="2024-06-01")
    counts = [c for c in frame.columns if c not in ("trust_code", "month")]
    return {
        "int32 counts": frame.astype(dict.fromkeys(counts, "int32")),
        "nullable Int64 counts": frame.astype(dict.fromkeys(counts, "Int64")),
        "string[pyarrow] codes": frame.astype({"trust_code": "string[pyarrow]"}),
        "categorical codes": frame.astype({"trust_code": "category"}),
        "date32 months": frame.assign(month=frame["month"].dt.date),
        "text months": frame.assign(month=frame["month"].dt.strftime("%Y-%m")),
        "microsecond months": frame.assign(month=frame["month"].astype("datetime64[us]")),
        "UTC timestamp months": frame.assign(month=frame["month"].dt.tz_localize("UTC")),
    }


@pytest.mark.parametrize("kind", list(_frames()))
def test_parquet_with_other_tools_types_reads_as_the_dictionary_s(tmp_path, kind):
    _frames()[kind].to_parquet(tmp_path / "activity_monthly.parquet", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read quietly: no notice, no pandas warning
        frame = load_table(tmp_path, "activity_monthly", organisation="RX4")
    assert _months_read(frame) == ["2024-04", "2024-05", "2024-06"]
    assert frame["referrals"].dtype == "int64"
    assert frame["trust_code"].tolist() == ["RX4"] * 3


def test_a_trust_s_rows_are_picked_by_a_code_column_headed_in_another_case(tmp_path):
    other = "RW5" + ROWS[0][3:]
    (tmp_path / "activity_monthly.csv").write_text(
        "\n".join((HEADER.replace("trust_code", "Trust Code"), *ROWS, other)))
    frame = load_table(tmp_path, "activity_monthly", organisation="rx4")
    assert frame["trust_code"].tolist() == ["RX4", "RX4"]


def test_a_row_after_an_empty_row_is_named_by_its_number_in_the_file(tmp_path):
    text = "\n".join((HEADER, ROWS[0], ",,,,,,,,,,,,", ROWS[1].replace(",388,", ",-3,")))
    error = _refused(tmp_path, text)
    assert (error.field, error.row) == ("referrals", 3)
    starred = "\n".join((HEADER, ROWS[0], ",,,,,,,,,,,,", ROWS[1].replace(",388,", ",*,")))
    error = _refused(tmp_path, starred)
    assert (error.field, error.row) == ("referrals", 3)


# -- whose rows: the trusts table, the parameter files and the data agree ---------------------


@pytest.fixture
def two_trusts(tmp_path) -> Path:
    return make_handmade_project(tmp_path, ["RX4", "RW5"], layout="csv")


def test_check_refuses_rows_for_a_trust_missing_from_the_trusts_table(two_trusts, capsys):
    monthly = pd.read_csv(two_trusts / "data" / "activity_monthly.csv")
    typo = monthly_rows("RX04").assign(month=lambda f: f["month"].dt.strftime("%Y-%m-%d"))
    pd.concat([monthly, typo]).to_csv(two_trusts / "data" / "activity_monthly.csv", index=False)
    assert main(["--project", str(two_trusts), "check"]) == 2
    err = capsys.readouterr().err
    assert "table 'activity_monthly' has rows for RX04, which is not in the trusts table" in err
    assert "row: 7" in err and "the trusts table has RW5, RX4" in err


def test_check_names_a_trust_with_a_parameter_file_but_no_rows_in_a_notice(two_trusts, capsys):
    trusts_table(["RX4", "RW5", "TAH"]).to_csv(two_trusts / "data" / "trusts.csv", index=False)
    (two_trusts / "params" / "trusts" / "TAH.yaml").write_text(
        "trust_code: TAH\ntrust_name: Trust TAH\nperiod_end: 2024-03\n")
    assert main(["--project", str(two_trusts), "check"]) == 0
    err = capsys.readouterr().err
    assert ("notice: TAH has a parameter file but no rows in table 'activity_monthly' "
            "(activity_monthly.csv): its reports that read it will fail") in err
    assert "remove params/trusts/TAH.yaml" in err


def test_the_cli_tells_a_data_notice_in_one_line_not_as_a_python_warning(two_trusts, capsys):
    frame = trusts_table(["RX4", "RW5"]).assign(trust_name=["Café Trust", "Hôpital Trust"])
    (two_trusts / "data" / "trusts.csv").write_bytes(frame.to_csv(index=False).encode("cp1252"))
    (two_trusts / "params" / "trusts" / "RW5.yaml").unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(two_trusts)
        assert main(["--project", str(two_trusts), "new", "trust", "RW5", "--name",
                     "Hôpital Trust"]) == 0
    err = capsys.readouterr().err
    assert "notice: trusts.csv is not UTF-8" in err
    assert "DataWarning" not in err and ".py:" not in err


def test_an_unquoted_comma_in_a_value_is_refused_naming_the_line_and_the_fix(tmp_path):
    (tmp_path / "trusts.csv").write_text("trust_code,trust_name,region\nRX4,A,North\n"
                                         "RW5,B,North, West\n")
    with pytest.raises(DataError) as caught:
        load_table(tmp_path, "trusts")
    assert "line 3 has 4 cells, the header 3" in str(caught.value)
    assert caught.value.row == 2 and "double quotes" in str(caught.value)


def test_a_missing_column_message_shows_the_file_s_own_columns(tmp_path):
    error = _refused(tmp_path, "\n".join((HEADER.replace("trust_code", "Provider Code"), *ROWS)))
    assert "missing column(s): trust_code" in str(error)
    assert "this file's columns are 'Provider Code, month, referrals" in str(error)


def test_sex_and_ethnic_group_in_another_case_are_read_in_the_dictionary_s_spelling(tmp_path):
    from .handmade import population_rows

    population = population_rows("RX4")
    population["sex"] = population["sex"].str.upper()
    population["ethnic_group"] = population["ethnic_group"].str.lower() + " "
    population.to_csv(tmp_path / "population.csv", index=False)
    frame = load_table(tmp_path, "population")
    assert set(frame["sex"]) == {"Female", "Male"}
    assert list(frame["ethnic_group"].cat.categories) == ["Asian", "Black", "Mixed", "White",
                                                          "Other"]
    assert frame["ethnic_group"].notna().all()
