"""The synthetic generator: deterministic, internally consistent, with the planted patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lhs_reports.data.dictionary import GROUP_MEASURES, TABLES
from lhs_reports.data.schemas import validate_table
from lhs_reports.data.synthetic import (
    OUTLIER_TRUST,
    SMALL_TRUST,
    STEP_CHANGE_MONTH,
    STEP_CHANGE_TRUST,
    TREND_TRUST,
    ensure_demo_data,
    generate,
    write_demo_data,
)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(8)


def test_the_same_seed_gives_identical_data():
    first, second = generate(3), generate(3)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_a_different_seed_gives_different_data():
    assert not generate(2, seed=1)["activity_monthly"].equals(
        generate(2, seed=2)["activity_monthly"])


def test_a_trusts_data_do_not_depend_on_how_many_trusts_are_generated():
    few = generate(2)["activity_monthly"]
    many = generate(10)["activity_monthly"]
    pd.testing.assert_frame_equal(few, many.loc[many["trust_code"].isin(["SYN01", "SYN02"])]
                                  .reset_index(drop=True))


def test_every_table_passes_its_schema(tables):
    for name, frame in tables.items():
        validate_table(frame, name)
        assert list(frame.columns) == TABLES[name].column_names


def test_there_are_at_least_36_months_per_trust_and_fictitious_names(tables):
    monthly = tables["activity_monthly"]
    assert (monthly.groupby("trust_code")["month"].nunique() >= 36).all()
    assert tables["trusts"]["trust_code"].str.fullmatch(r"SYN\d{2}").all()
    assert tables["trusts"]["trust_name"].str.contains("NHS").all()


def test_subsets_never_exceed_their_totals(tables):
    m = tables["activity_monthly"]
    assert (m["crisis_contacts_24h"] <= m["crisis_contacts"]).all()
    assert (m["followups_72h"] <= m["discharges"]).all()
    assert (m["readmissions_30d"] <= m["discharges"]).all()
    assert (m["mha_detentions"] <= m["admissions"]).all()


def test_population_breakdowns_add_up_to_the_trust_totals(tables):
    population = tables["population"]
    totals = population.groupby("trust_code")["population"].sum()
    for dimension in ("age_band", "sex", "imd_quintile", "ethnic_group"):
        by_dimension = population.groupby(["trust_code", dimension])["population"].sum()
        pd.testing.assert_series_equal(by_dimension.groupby("trust_code").sum(), totals)


def test_group_breakdown_adds_up_to_the_latest_twelve_months(tables):
    monthly = tables["activity_monthly"]
    latest = monthly.loc[monthly["month"] > monthly["month"].max() - pd.DateOffset(months=12)]
    expected = latest.groupby("trust_code")[list(GROUP_MEASURES)].sum()
    actual = tables["activity_by_group"].groupby("trust_code")[list(GROUP_MEASURES)].sum()
    pd.testing.assert_frame_equal(actual, expected)


def _trust(tables, code):
    m = tables["activity_monthly"]
    return m.loc[m["trust_code"] == code].reset_index(drop=True)


def test_the_step_change_trust_has_a_clear_jump_in_24_hour_access(tables):
    t = _trust(tables, STEP_CHANGE_TRUST)
    share = t["crisis_contacts_24h"] / t["crisis_contacts"]
    before, after = share[:STEP_CHANGE_MONTH], share[STEP_CHANGE_MONTH:]
    assert after.mean() - before.mean() > 0.1
    assert stats.ttest_ind(before, after).pvalue < 1e-6


def test_the_step_change_is_absent_in_an_in_control_trust(tables):
    t = _trust(tables, "SYN01")
    share = t["crisis_contacts_24h"] / t["crisis_contacts"]
    assert abs(share[STEP_CHANGE_MONTH:].mean() - share[:STEP_CHANGE_MONTH].mean()) < 0.03


def test_the_trend_trust_grows_steadily_and_others_do_not(tables):
    def monthly_growth(code):
        y = np.log(_trust(tables, code)["crisis_contacts"].to_numpy())
        return stats.linregress(np.arange(len(y)), y).slope

    assert monthly_growth(TREND_TRUST) == pytest.approx(0.01, abs=0.003)
    assert abs(monthly_growth("SYN01")) < 0.003


def test_the_outlier_trust_readmits_far_more_than_its_peers(tables):
    m = tables["activity_monthly"]
    totals = m.groupby("trust_code")[["readmissions_30d", "discharges"]].sum()
    share = totals["readmissions_30d"] / totals["discharges"]
    peers = share.drop(OUTLIER_TRUST)
    assert share[OUTLIER_TRUST] > peers.max() + 0.05


def test_the_small_trust_has_small_counts(tables):
    t = _trust(tables, SMALL_TRUST)
    pop = tables["population"].groupby("trust_code")["population"].sum()
    assert pop[SMALL_TRUST] < 100_000
    assert t["admissions"].median() < 10
    assert (t["readmissions_30d"].between(1, 7)).any()


def test_ensure_demo_data_writes_once_and_regenerates_when_settings_change(tmp_path):
    ensure_demo_data(tmp_path, 2)
    written = (tmp_path / "activity_monthly" / "SYN01.parquet").stat().st_mtime_ns
    ensure_demo_data(tmp_path, 2)
    assert (tmp_path / "activity_monthly" / "SYN01.parquet").stat().st_mtime_ns == written
    ensure_demo_data(tmp_path, 3)
    assert pd.read_parquet(tmp_path / "trusts.parquet").shape[0] == 3


def test_written_parquet_round_trips(tmp_path):
    write_demo_data(tmp_path, 2)
    frame = pd.read_parquet(tmp_path / "activity_monthly")
    pd.testing.assert_frame_equal(frame, generate(2)["activity_monthly"], check_dtype=False)


def test_each_trust_has_its_own_files_so_one_trusts_change_touches_only_its_files(tmp_path):
    write_demo_data(tmp_path, 3)
    for table in ("activity_monthly", "population", "activity_by_group"):
        assert sorted(p.name for p in (tmp_path / table).iterdir()) == [
            "SYN01.parquet", "SYN02.parquet", "SYN03.parquet"]
