"""Loading data: bad files stop with the file, column, row and a fix."""

from __future__ import annotations

import pandas as pd
import pytest

from lhs_reports.data import load_table, load_trust_data
from lhs_reports.data.synthetic import write_demo_data
from lhs_reports.errors import DataError


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_demo_data(tmp_path_factory.mktemp("demo"), 2)


def test_a_trust_is_loaded_with_its_own_rows_and_its_peers(data_dir):
    data = load_trust_data(data_dir, "SYN02")
    assert set(data.monthly["trust_code"]) == {"SYN02"}
    assert set(load_table(data_dir, "activity_monthly")["trust_code"]) == {"SYN01", "SYN02"}
    assert data.trust_name == "Eastvale Partnership NHS Foundation Trust"
    assert data.synthetic
    assert data.monthly["month"].is_monotonic_increasing


def test_an_unknown_trust_lists_the_trusts_available(data_dir):
    with pytest.raises(DataError, match="SYN99") as caught:
        load_trust_data(data_dir, "SYN99")
    assert "SYN01, SYN02" in caught.value.hint


def test_a_csv_table_is_read_when_there_is_no_parquet(tmp_path, data_dir):
    frame = pd.read_parquet(data_dir / "trusts.parquet")
    frame.to_csv(tmp_path / "trusts.csv", index=False)
    assert load_table(tmp_path, "trusts").equals(load_table(data_dir, "trusts"))


def test_a_table_may_be_one_file_or_a_folder_of_per_organisation_files(tmp_path, data_dir):
    whole = load_table(data_dir, "activity_monthly")
    whole.to_parquet(tmp_path / "activity_monthly.parquet")
    pd.testing.assert_frame_equal(load_table(tmp_path, "activity_monthly"), whole)
    one = load_table(data_dir, "activity_monthly", organisation="SYN02")
    assert set(one["trust_code"]) == {"SYN02"}
    assert len(one) == len(whole) // 2


def test_a_negative_count_names_file_column_and_row(tmp_path, data_dir):
    frame = load_table(data_dir, "activity_monthly")
    frame.loc[4, "admissions"] = -1
    frame.to_csv(tmp_path / "activity_monthly.csv", index=False)
    with pytest.raises(DataError) as caught:
        load_table(tmp_path, "activity_monthly")
    error = caught.value
    assert error.path.endswith("activity_monthly.csv")
    assert error.field == "admissions"
    assert error.row == 5
    assert "0 or more" in error.message


def test_a_missing_column_is_named(tmp_path, data_dir):
    frame = pd.read_parquet(data_dir / "trusts.parquet").drop(columns="trust_name")
    frame.to_csv(tmp_path / "trusts.csv", index=False)
    with pytest.raises(DataError, match="missing column") as caught:
        load_table(tmp_path, "trusts")
    assert caught.value.field == "trust_name"


def test_text_in_a_count_column_is_a_type_error(tmp_path, data_dir):
    frame = load_table(data_dir, "activity_monthly").astype({"referrals": object})
    frame.loc[0, "referrals"] = "twelve"
    frame.to_csv(tmp_path / "activity_monthly.csv", index=False)
    with pytest.raises(DataError) as caught:
        load_table(tmp_path, "activity_monthly")
    assert caught.value.field == "referrals"


def test_a_value_outside_the_allowed_set_lists_the_allowed_values(tmp_path, data_dir):
    frame = load_table(data_dir, "population", organisation="SYN01").reset_index(drop=True)
    frame.loc[2, "sex"] = "F"
    (tmp_path / "population").mkdir()
    frame.to_parquet(tmp_path / "population" / "SYN01.parquet")
    with pytest.raises(DataError) as caught:
        load_table(tmp_path, "population")
    assert caught.value.row == 3
    assert "Female, Male" in caught.value.hint


def test_duplicate_keys_are_an_error(tmp_path, data_dir):
    frame = pd.read_parquet(data_dir / "trusts.parquet")
    pd.concat([frame, frame.iloc[[0]]]).to_csv(tmp_path / "trusts.csv", index=False)
    with pytest.raises(DataError, match="duplicate"):
        load_table(tmp_path, "trusts")


def test_a_missing_table_says_which(tmp_path):
    with pytest.raises(DataError, match="'trusts' not found"):
        load_table(tmp_path, "trusts")


def test_a_bad_row_in_one_of_many_files_names_that_file_and_its_row(tmp_path, data_dir):
    folder = tmp_path / "activity_monthly"
    folder.mkdir()
    for code in ("SYN01", "SYN02"):
        part = pd.read_parquet(data_dir / "activity_monthly" / f"{code}.parquet")
        if code == "SYN02":
            part.loc[6, "discharges"] = -3
        part.to_parquet(folder / f"{code}.parquet")
    with pytest.raises(DataError) as caught:
        load_table(tmp_path, "activity_monthly")
    assert caught.value.path.endswith("SYN02.parquet")
    assert (caught.value.field, caught.value.row) == ("discharges", 7)


def test_a_key_repeated_across_files_is_an_error(tmp_path, data_dir):
    folder = tmp_path / "activity_monthly"
    folder.mkdir()
    part = pd.read_parquet(data_dir / "activity_monthly" / "SYN01.parquet")
    part.to_parquet(folder / "SYN01.parquet")
    part.to_parquet(folder / "SYN01-copy.parquet")
    with pytest.raises(DataError, match="duplicate|SYN01-copy's file .* has rows for 'SYN01'"):
        load_table(tmp_path, "activity_monthly")


def test_a_reloaded_table_reflects_a_changed_file_and_callers_cannot_spoil_it(tmp_path, data_dir):
    import os

    path = tmp_path / "trusts.parquet"
    pd.read_parquet(data_dir / "trusts.parquet").to_parquet(path)
    first = load_table(tmp_path, "trusts")
    first.loc[0, "trust_name"] = "Changed by a careless caller"
    assert load_table(tmp_path, "trusts").loc[0, "trust_name"] != first.loc[0, "trust_name"]
    renamed = pd.read_parquet(path)
    renamed.loc[0, "trust_name"] = "Renamed Trust"
    renamed.to_parquet(path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_table(tmp_path, "trusts").loc[0, "trust_name"] == "Renamed Trust"
