"""Your own data, as it arrives: files in any order, codes in any case, short series.

Every table here is written by hand in the test (tests/handmade.py), never by the demo
generator. Builds with these data are in tests/test_messy_build.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lhs_reports.data import load_table, load_trust_data
from lhs_reports.data.dictionary import AGE_BANDS, ETHNIC_GROUPS

from .handmade import (
    activity_by_group_rows,
    monthly_rows,
    population_rows,
    trusts_table,
    write,
)

#: Age bands as a file listed them when the pyramid put "5-9" between "45-49" and "50-54".
SHUFFLED_BANDS = ["45-49", "5-9", "50-54", "0-4", *[b for b in reversed(AGE_BANDS)
                                                    if b not in ("45-49", "5-9", "50-54", "0-4")]]
SHUFFLED_GROUPS = ["White", "Other", "Asian", "Mixed", "Black"]


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory):
    """Two trusts whose population and activity files list age bands and ethnic groups out of
    the dictionary's order, and the same data in order, for comparison."""
    folders = {}
    for name, bands, groups in (("shuffled", SHUFFLED_BANDS, SHUFFLED_GROUPS),
                                ("ordered", None, None)):
        folder = tmp_path_factory.mktemp(name)
        population = pd.concat([population_rows(code, bands=bands, groups=groups)
                                for code in ("RX4", "RW5")], ignore_index=True)
        write(trusts_table(["RX4", "RW5"]), folder / "trusts.csv")
        write(population, folder / "population.csv")
        write(activity_by_group_rows(population), folder / "activity_by_group.csv")
        write(pd.concat([monthly_rows(c, months=12) for c in ("RX4", "RW5")]),
              folder / "activity_monthly.csv")
        folders[name] = folder
    return folders


# -- 1. age bands in the dictionary's order, never the file's --------------------------------


def test_the_file_really_lists_age_bands_out_of_order(shuffled):
    text = pd.read_csv(shuffled["shuffled"] / "population.csv")
    assert list(dict.fromkeys(text["age_band"]))[:3] == ["45-49", "5-9", "50-54"]


def test_age_bands_and_ethnic_groups_load_as_ordered_categoricals_in_the_dictionary_order(
        shuffled):
    population = load_table(shuffled["shuffled"], "population")
    for column, order in (("age_band", AGE_BANDS), ("ethnic_group", ETHNIC_GROUPS)):
        dtype = population[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
        assert list(dtype.categories) == list(order)
    assert population.sort_values("age_band")["age_band"].iloc[[0, -1]].tolist() == ["0-4",
                                                                                      "90+"]


def test_the_population_pyramid_runs_youngest_to_oldest_whatever_the_file_order(shuffled):
    from lhs_reports.plots.population import population_pyramid, pyramid_alt_text, pyramid_data

    population = load_trust_data(shuffled["shuffled"], "RX4").population
    assert list(dict.fromkeys(pyramid_data(population)["age_band"])) == list(AGE_BANDS)
    chart = population_pyramid(population)
    assert list(chart.data["age_band"].cat.categories) == list(AGE_BANDS)
    # The same picture and words from the shuffled file as from the ordered one.
    ordered = load_trust_data(shuffled["ordered"], "RX4").population
    pd.testing.assert_frame_equal(pyramid_data(population), pyramid_data(ordered))
    assert pyramid_alt_text(population) == pyramid_alt_text(ordered)


def test_a_pyramid_of_plain_text_bands_in_file_order_is_ordered_too():
    from lhs_reports.plots.population import pyramid_data

    frame = population_rows("RX4", bands=SHUFFLED_BANDS).astype({"age_band": object})
    assert list(dict.fromkeys(pyramid_data(frame)["age_band"])) == list(AGE_BANDS)


def test_segments_and_the_population_mix_follow_the_dictionary_and_the_numbers_do_not_move(
        shuffled):
    from lhs_reports.data.dictionary import GROUP_MEASURES
    from lhs_reports.reports import needs_comparison as peer
    from lhs_reports.reports import needs_inequality as gaps

    results = {}
    for name, folder in shuffled.items():
        peers = peer.load_peer_data(folder)
        population, by_group = peers.of("RW5")
        rates = gaps.rates_by_segment(population, by_group, segment="ethnic_group",
                                      measures=GROUP_MEASURES)
        mix = peer.population_mix(peers, "RW5")
        results[name] = (rates, mix, peer.rate_comparison(peers, "RW5"),
                         peer.standardised_ratios(peers, "admissions"))
        assert list(dict.fromkeys(rates["ethnic_group"])) == list(ETHNIC_GROUPS)
        ethnic = mix.loc[mix["segment"] == "Ethnic group", "group"].tolist()
        assert ethnic == list(ETHNIC_GROUPS)
    for shuffled_result, ordered_result in zip(results["shuffled"], results["ordered"],
                                               strict=True):
        pd.testing.assert_frame_equal(shuffled_result, ordered_result, check_categorical=False)


# -- 2. codes in any case, reported in upper case ----------------------------------------------


def test_a_lower_case_code_in_a_parameter_file_is_read_in_upper_case(tmp_path):
    from lhs_reports.params import load_parameters

    path = tmp_path / "rx4.yaml"
    path.write_text("trust_code: ' rx4'\ntrust_name: Trust RX4\n")
    assert load_parameters(path).trust_code == "RX4"


def test_lower_case_codes_in_the_data_are_read_in_upper_case_and_match(tmp_path):
    write(trusts_table(["rx4", "Rw5"]), tmp_path / "trusts.csv")
    write(pd.concat([monthly_rows("rx4"), monthly_rows("RW5")]), tmp_path / "activity_monthly.csv")
    population = population_rows("rw5")
    write(population, tmp_path / "population.csv")
    write(activity_by_group_rows(population), tmp_path / "activity_by_group.csv")
    assert load_table(tmp_path, "trusts")["trust_code"].tolist() == ["RX4", "RW5"]
    assert set(load_table(tmp_path, "activity_monthly")["trust_code"]) == {"RX4", "RW5"}
    for asked in ("RX4", "rx4"):
        mine = load_table(tmp_path, "activity_monthly", organisation=asked)
        assert set(mine["trust_code"]) == {"RX4"} and len(mine) == 3
    data = load_trust_data(tmp_path, "rw5")
    assert data.trust_code == "RW5" and data.trust_name == "Trust Rw5" and len(data.monthly) == 3
    assert set(data.population["trust_code"]) == set(data.by_group["trust_code"]) == {"RW5"}


def test_a_per_organisation_file_named_in_lower_case_is_that_organisation_s(tmp_path):
    write(trusts_table(["RX4", "RW5"]), tmp_path / "trusts.csv")
    write(monthly_rows("rx4"), tmp_path / "activity_monthly" / "rx4.csv")
    write(monthly_rows("RW5"), tmp_path / "activity_monthly" / "RW5.csv")
    mine = load_table(tmp_path, "activity_monthly", organisation="RX4")
    assert set(mine["trust_code"]) == {"RX4"} and len(mine) == 3
    assert len(load_table(tmp_path, "activity_monthly")) == 6


def test_the_same_month_under_two_cases_of_one_code_is_a_duplicate(tmp_path):
    from lhs_reports.errors import DataError

    write(pd.concat([monthly_rows("rx4"), monthly_rows("RX4")]), tmp_path / "activity_monthly.csv")
    with pytest.raises(DataError, match="duplicate rows"):
        load_table(tmp_path, "activity_monthly")
