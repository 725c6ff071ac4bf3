"""Properties of input checking across the public statistics (hypothesis).

For every public function taking numbers: finite, valid input of realistic size (counts up to
10^6, populations up to 10^8, values up to 10^6 in magnitude) never raises and never leaks a
numpy RuntimeWarning or any warning other than the package's documented statistical cautions;
the same input with ``inf`` or ``-inf`` (or text that is not a number) put into any one numeric
argument raises :class:`DataError` naming that argument and the 1-based row. These are
self-consistency checks of the package's own rules, not comparisons with published values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lhs_reports.errors import DataError
from lhs_reports.stats import (
    IncompleteQuantilesWarning,
    ManyQuantilesWarning,
    ShortBaselineWarning,
    TooFewAreasWarning,
    TooFewUsefulPointsWarning,
    assign_quantiles,
    benchmark_comparison,
    byar_interval,
    crude_rate,
    directly_standardised_rate,
    dobson_interval,
    exact_poisson_interval,
    funnel_limits,
    indirectly_standardised_ratio,
    mean_interval,
    overdispersed_funnel,
    proportion,
    proportion_funnel,
    rate_funnel,
    ratio_funnel,
    run_chart,
    segmented_regression,
    slope_index_of_inequality,
    wilson_interval,
    xmr,
)
from lhs_reports.stats.funnel import FunnelWarning

#: The package's statistical cautions: documented warnings, allowed on valid input.
CAUTIONS = (ShortBaselineWarning, TooFewAreasWarning, TooFewUsefulPointsWarning, FunnelWarning,
            ManyQuantilesWarning, IncompleteQuantilesWarning)

Draw = Callable[[st.SearchStrategy[Any]], Any]


def ints(draw: Draw, n: int, low: int, high: int) -> list[float]:
    return [float(v) for v in draw(st.lists(st.integers(low, high), min_size=n, max_size=n))]


def reals(draw: Draw, n: int, low: float, high: float) -> list[float]:
    return draw(st.lists(st.floats(low, high, allow_nan=False, allow_infinity=False),
                         min_size=n, max_size=n))


def parts(draw: Draw, n: int) -> dict[str, list[float]]:
    """Successes and trials with 0 <= successes <= trials."""
    trials = ints(draw, n, 1, 10**6)
    shares = reals(draw, n, 0.0, 1.0)
    return {"successes": [math.floor(s * t) for s, t in zip(shares, trials, strict=True)],
            "trials": trials}


def bounds(draw: Draw, n: int) -> dict[str, list[float]]:
    lower = reals(draw, n, -1e6, 1e6)
    widths = reals(draw, n, 0.0, 1e6)
    return {"lower_ci": lower, "upper_ci": [lo + w for lo, w in zip(lower, widths, strict=True)],
            "benchmark": reals(draw, n, -1e6, 1e6)}


def od_parts(draw: Draw, n: int) -> dict[str, list[float]]:
    pair = parts(draw, n)
    return {"numerator": pair["successes"], "denominator": pair["trials"]}


def non_constant(draw: Draw, n: int) -> dict[str, list[float]]:
    values = reals(draw, n, -1e3, 1e3)
    assume(np.ptp(values) > 0)
    return {"values": values}


@dataclass(frozen=True)
class Spec:
    """A public function, its per-row numeric arguments and how to draw valid ones."""

    name: str
    sizes: tuple[int, int]
    draw: Callable[[Draw, int], dict[str, list[float]]]
    call: Callable[..., Any]

    def __str__(self) -> str:
        return self.name


SPECS = [
    Spec("wilson_interval", (1, 20), parts, wilson_interval),
    Spec("proportion", (1, 20), parts, lambda **a: proportion(**a, multiplier=100)),
    Spec("crude_rate", (1, 20), lambda d, n: {"count": ints(d, n, 0, 10**5),
                                              "population": reals(d, n, 1.0, 1e8)}, crude_rate),
    Spec("exact_poisson_interval", (1, 20), lambda d, n: {"count": ints(d, n, 0, 10**6)},
         exact_poisson_interval),
    Spec("byar_interval", (1, 20), lambda d, n: {"count": ints(d, n, 0, 10**6)}, byar_interval),
    Spec("mean_interval", (2, 30), lambda d, n: {"values": reals(d, n, -1e6, 1e6)},
         mean_interval),
    Spec("benchmark_comparison", (1, 20), bounds, benchmark_comparison),
    Spec("dobson_interval", (1, 20), lambda d, n: {
        "dsr": reals(d, n, 0.0, 1e4), "variance": reals(d, n, 0.0, 1e4),
        "total_count": ints(d, n, 1, 10**5)}, dobson_interval),
    Spec("directly_standardised_rate", (1, 20), lambda d, n: {
        "counts": ints(d, n, 0, 1000), "populations": reals(d, n, 1.0, 1e6),
        "standard": reals(d, n, 1.0, 1e4)}, directly_standardised_rate),
    Spec("indirectly_standardised_ratio", (1, 20), lambda d, n: {
        "observed": ints(d, n, 0, 1000), "populations": reals(d, n, 1.0, 1e6),
        "reference_counts": ints(d, n, 1, 10**4),
        "reference_populations": reals(d, n, 1.0, 1e7)}, indirectly_standardised_ratio),
    Spec("proportion_funnel", (1, 20), parts, proportion_funnel),
    Spec("ratio_funnel", (1, 20), lambda d, n: {"observed": ints(d, n, 0, 1000),
                                                "expected": reals(d, n, 0.1, 1000.0)},
         ratio_funnel),
    Spec("rate_funnel", (1, 20), lambda d, n: {"count": ints(d, n, 0, 10**4),
                                               "population": reals(d, n, 1.0, 1e7)}, rate_funnel),
    Spec("funnel_limits", (1, 20), lambda d, n: {"denominators": reals(d, n, 0.1, 1e7)},
         lambda **a: funnel_limits(**a, target=1.0, statistic="ratio")),
    Spec("overdispersed_funnel", (2, 20), od_parts,
         lambda **a: overdispersed_funnel(**a, data_type="PR", grid_size=50)),
    Spec("xmr", (2, 30), lambda d, n: {"values": reals(d, n, -1e6, 1e6)}, xmr),
    Spec("run_chart", (2, 30), lambda d, n: {"values": reals(d, n, -1e6, 1e6)}, run_chart),
    Spec("segmented_regression_poisson", (8, 24), lambda d, n: {
        "values": ints(d, n, 1, 1000), "offset": reals(d, n, 1.0, 1e6)},
         lambda **a: segmented_regression(**a, intervention_at=len(a["values"]) // 2,
                                          family="poisson")),
    Spec("segmented_regression_gaussian", (8, 24), non_constant,
         lambda **a: segmented_regression(**a, intervention_at=len(a["values"]) // 2)),
    Spec("slope_index_of_inequality", (5, 10), lambda d, n: {
        "values": reals(d, n, 1.0, 1000.0), "populations": reals(d, n, 1.0, 1e6),
        "se": reals(d, n, 0.0, 10.0)},
         lambda **a: slope_index_of_inequality(**a, repetitions=1000)),
    Spec("assign_quantiles", (1, 30), lambda d, n: {"values": reals(d, n, -1e6, 1e6)},
         lambda **a: assign_quantiles(**a, n_quantiles=5)),
]

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def valid_input(data: st.DataObject, spec: Spec) -> dict[str, list[float]]:
    n = data.draw(st.integers(*spec.sizes), label="rows")
    return spec.draw(data.draw, n)


def spoilt(data: st.DataObject, spec: Spec, bad: st.SearchStrategy[Any]) -> tuple[Any, str, int]:
    """Valid input with one value of one numeric argument replaced; (input, argument, row)."""
    inputs = valid_input(data, spec)
    argument = data.draw(st.sampled_from(sorted(inputs)), label="argument")
    position = data.draw(st.integers(0, len(inputs[argument]) - 1), label="position")
    values: list[Any] = list(inputs[argument])
    values[position] = data.draw(bad, label="bad value")
    return {**inputs, argument: values}, argument, position + 1


@pytest.mark.parametrize("spec", SPECS, ids=str)
@PROPERTY
@given(data=st.data())
def test_finite_valid_input_never_raises_or_leaks_a_runtime_warning(spec, data):
    inputs = valid_input(data, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for caution in CAUTIONS:
            warnings.simplefilter("ignore", caution)
        spec.call(**inputs)


@pytest.mark.parametrize("spec", SPECS, ids=str)
@PROPERTY
@given(data=st.data())
def test_an_infinite_value_in_any_numeric_argument_is_a_data_error_naming_it_and_its_row(
        spec, data):
    inputs, argument, row = spoilt(data, spec, st.sampled_from([np.inf, -np.inf]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as caught:
            spec.call(**inputs)
    assert (caught.value.field, caught.value.row) == (argument, row)


@pytest.mark.parametrize("spec", SPECS, ids=str)
@PROPERTY
@given(data=st.data())
def test_text_in_any_numeric_argument_is_a_data_error_naming_it_and_its_row(spec, data):
    text = st.sampled_from(["n/a", "", "1,234", "twelve", "<5", "*"]) | st.text(
        alphabet=st.characters(categories=["L"]), min_size=1, max_size=60)
    inputs, argument, row = spoilt(data, spec, text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as caught:
            spec.call(**inputs)
    assert (caught.value.field, caught.value.row) == (argument, row)
    assert len(caught.value.message) < 160  # the value is cut to 40 characters
