"""The range a measure can take, and clipping to it."""

from __future__ import annotations

import math

import pytest

from lhs_reports.errors import DataError
from lhs_reports.stats.bounds import clip_to_range, possible_range


def test_a_percentage_runs_from_0_to_100_and_a_proportion_to_its_scale():
    assert possible_range("proportion", multiplier=100) == (0.0, 100.0)
    assert possible_range("proportion", multiplier=1000) == (0.0, 1000.0)
    assert possible_range("proportion") == (0.0, 1.0)


@pytest.mark.parametrize("kind", ["rate", "ratio", "count"])
def test_counts_lengths_and_rates_are_never_negative_and_have_no_ceiling(kind):
    assert possible_range(kind, multiplier=100) == (0.0, math.inf)


def test_an_unknown_kind_or_a_bad_multiplier_is_a_data_error():
    with pytest.raises(DataError) as caught:
        possible_range("percentage")  # type: ignore[arg-type]
    assert caught.value.field == "kind"
    with pytest.raises(DataError) as caught:
        possible_range("proportion", multiplier=0)
    assert caught.value.field == "multiplier"


def test_clipping_moves_a_value_only_when_it_is_outside_the_range():
    assert clip_to_range(-0.1, (0.0, 100.0)) == (0.0, True)
    assert clip_to_range(100.0, (0.0, 100.0)) == (100.0, False)  # exactly on the bound
    assert clip_to_range(100.5, (0.0, 100.0)) == (100.0, True)
    assert clip_to_range(-5.0, (-math.inf, math.inf)) == (-5.0, False)
