"""Indirect standardisation: standardised ratios (SMR-type) and indirectly standardised rates.

Private: the public names are re-exported by :mod:`lhs_reports.stats.standardise`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import (
    align,
    as_numeric,
    check_confidence,
    check_multiplier,
    multiplier_label,
    require,
    require_values,
)
from lhs_reports.stats.rates import byar_interval, exact_poisson_interval

__all__ = ["indirectly_standardised_rate", "indirectly_standardised_ratio"]

#: Below this many observed events the exact (chi-squared) interval is used, else Byar's.
EXACT_BELOW = 10
_COLUMNS = ["value", "lower_ci", "upper_ci", "confidence", "method", "statistic", "observed",
            "expected"]


def _observed_expected(observed: Any, populations: Any, reference_counts: Any,
                       reference_populations: Any) -> tuple[float, float]:
    """O and E = Σ (reference count / reference population) × population, NaN treated as 0."""
    n, x_ref, n_ref = align((populations, "populations"), (reference_counts, "reference_counts"),
                            (reference_populations, "reference_populations"))
    require(n, n.values >= 0, "populations", "must not be negative",
            "populations are 0 or more")
    require(x_ref, x_ref.values >= 0, "reference_counts", "must not be negative",
            "counts are 0 or more")
    require(n_ref, ~np.isnan(n_ref.values) & (n_ref.values > 0), "reference_populations",
            "must be greater than 0", "every reference age band needs a population")
    if np.isnan(n_ref.values).any():
        position = int(np.flatnonzero(np.isnan(n_ref.values))[0])
        raise DataError("reference_populations has a missing value",
                        field="reference_populations",
                        row=n_ref.index[position] if n_ref.index is not None else position + 1,
                        hint="every reference age band needs a population")
    require_values(n, "populations", hint="give the group's population for each age band")
    require_values(x_ref, "reference_counts",
                   hint="give the reference events for each age band (0 where none)")
    o = as_numeric(observed, "observed")
    require(o, o.values >= 0, "observed", "must not be negative", "counts are 0 or more")
    require_values(o, "observed", hint="give the observed events per age band (0 where none) "
                   "or their total")
    if o.scalar:
        total = float(o.values[0])
    elif len(o.values) != len(n.values):
        raise DataError(
            f"observed has {len(o.values)} age bands but populations has {len(n.values)}",
            field="observed",
            hint="give observed counts per band, in the same order, or a single total")
    else:
        total = float(np.nansum(o.values))
    expected = float(np.sum(np.nan_to_num(x_ref.values / n_ref.values * n.values, nan=0.0)))
    if not expected > 0:
        raise DataError("the expected count is 0: every population or reference rate is 0",
                        field="populations",
                        hint="check the populations and reference counts are for these bands")
    return total, expected


def _indirect_frame(observed: float, expected: float, scale: float, confidence: float,
                    statistic: str) -> pd.DataFrame:
    level = check_confidence(confidence)
    if observed < EXACT_BELOW:
        lower, upper = exact_poisson_interval(observed, confidence=level)
        method = "Exact"
    else:
        lower, upper = byar_interval(observed, confidence=level)
        method = "Byar"
    frame = pd.DataFrame(
        {"value": [observed / expected * scale], "lower_ci": [lower / expected * scale],
         "upper_ci": [upper / expected * scale], "confidence": [level],
         "method": pd.Series([method], dtype=object),
         "statistic": pd.Series([statistic], dtype=object),
         "observed": [observed], "expected": [expected]},
        columns=_COLUMNS)
    return frame


def indirectly_standardised_ratio(observed: Any, populations: Any, reference_counts: Any,
                                  reference_populations: Any, *, confidence: float = 0.95,
                                  multiplier: float = 1) -> pd.DataFrame:
    """Indirectly standardised ratio (observed / expected, e.g. an SMR) with PHE's limits.

    Parameters
    ----------
    observed
        Observed events per age band (NaN treated as 0), or a single total.
    populations
        The group's population per age band (>= 0; NaN treated as 0).
    reference_counts, reference_populations
        The reference (e.g. England) events and population per band, in the same order
        (matched **by position**). Reference populations must be > 0; NaN counts are 0.
    confidence
        Two-sided level in [0.9, 1).
    multiplier
        1 for a ratio, 100 for the "ISR × 100" convention.

    Returns
    -------
    pandas.DataFrame
        One row: ``value`` (O/E × multiplier), ``lower_ci``, ``upper_ci``, ``confidence``,
        ``method`` (``"Exact"`` if O < 10, else ``"Byar"``), ``statistic``, ``observed``
        (O) and ``expected`` (E).

    Raises
    ------
    DataError
        Text that is not a number or an infinite value in any input (naming the band),
        negative counts or populations, observed counts, populations or reference counts
        that are all missing, missing or non-positive reference populations, inputs of
        different lengths, an expected count of 0, a bad confidence level or multiplier.
        An observed count of 0 is not an error: the ratio is 0 with exact limits.

    Notes
    -----
    E = Σ (x_ref,i / n_ref,i) nᵢ. The limits are the exact Poisson (chi-squared) limits for O
    when O < 10 and Byar's otherwise, divided by E (E is treated as fixed). Validated
    against PHEindicatormethods 2.1.0 ``testdata_DSR_ISR.xlsx`` (``testresults_ISR``) to 1e-9.

    References
    ----------
    Breslow NE, Day NE (1987), IARC vol. II; OHID PHEindicatormethods 2.1.0
    ``calculate_ISRatio``.

    Examples
    --------
    >>> row = indirectly_standardised_ratio([30, 20], [1000, 500], [2, 3], [100, 100],
    ...                                     multiplier=100).iloc[0]
    >>> float(row["expected"]), float(row["value"]), row["method"]
    (35.0, 142.857..., 'Byar')
    """
    scale = check_multiplier(multiplier)
    total, expected = _observed_expected(observed, populations, reference_counts,
                                         reference_populations)
    return _indirect_frame(total, expected, scale, confidence,
                           f"indirectly standardised ratio x {multiplier_label(scale)}")


def indirectly_standardised_rate(observed: Any, populations: Any, reference_counts: Any,
                                 reference_populations: Any, *, confidence: float = 0.95,
                                 multiplier: float = 100_000) -> pd.DataFrame:
    """Indirectly standardised rate: the standardised ratio times the reference crude rate.

    Parameters
    ----------
    observed, populations, reference_counts, reference_populations, confidence
        As :func:`indirectly_standardised_ratio`.
    multiplier
        Rate per this many people (default 100,000).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`indirectly_standardised_ratio`, with ``value`` and limits on
        the rate scale.

    Notes
    -----
    ISRate = O/E × ref_rate, ref_rate = Σx_ref/Σn_ref × multiplier; the limits are the
    ratio's limits times ref_rate. Validated against PHEindicatormethods 2.1.0
    ``testresults_ISR`` to 1e-9.

    References
    ----------
    OHID PHEindicatormethods 2.1.0 ``calculate_ISRate``.

    Examples
    --------
    >>> row = indirectly_standardised_rate([30, 20], [1000, 500], [2, 3], [100, 100]).iloc[0]
    >>> round(float(row["value"]), 6), row["statistic"]
    (3571.428571, 'indirectly standardised rate per 100,000')
    """
    scale = check_multiplier(multiplier)
    total, expected = _observed_expected(observed, populations, reference_counts,
                                         reference_populations)
    x_ref = as_numeric(reference_counts, "reference_counts").values
    n_ref = as_numeric(reference_populations, "reference_populations").values
    reference_rate = float(np.nansum(x_ref) / np.sum(n_ref) * scale)
    frame = _indirect_frame(total, expected, reference_rate, confidence,
                            f"indirectly standardised rate per {multiplier_label(scale)}")
    return frame
