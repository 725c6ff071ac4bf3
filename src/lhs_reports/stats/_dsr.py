"""Directly standardised rates: ESP2013, Dobson's interval and the one-area DSR.

Private: the public names are re-exported by :mod:`lhs_reports.stats.standardise`.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources
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
from lhs_reports.stats.rates import byar_interval

__all__ = ["MIN_EVENTS", "directly_standardised_rate", "dobson_interval", "esp2013"]

#: A DSR is not calculated (NaN, with a ``reason``) when the total count is below this.
MIN_EVENTS = 10
SUPPRESSED = f"not calculated: fewer than {MIN_EVENTS} events"
DSR_COLUMNS = ["value", "lower_ci", "upper_ci", "confidence", "method", "statistic",
               "total_count", "reason"]
NONINDEPENDENT = "Dobson, with confidence adjusted for non-independent events"


@lru_cache(maxsize=1)
def _load_esp2013() -> pd.Series:
    text = resources.files("lhs_reports.stats.reference").joinpath("esp2013.csv").read_text()
    table = pd.read_csv(io.StringIO(text), comment="#", dtype={"age_band": str})
    return pd.Series(table["population"].to_numpy(float), name="population",
                     index=pd.Index(table["age_band"].to_numpy(object), name="age_band"))


def esp2013() -> pd.Series:
    """The European Standard Population 2013: 19 age bands summing to 100,000.

    Returns
    -------
    pandas.Series
        Named ``population``, indexed by band label (``age_band``): ``0-4``, ``5-9``, …,
        ``85-89``, ``90+``. A fresh copy each call (the file is read once).

    Notes
    -----
    Package data ``lhs_reports/stats/reference/esp2013.csv``, identical to
    PHEindicatormethods' ``esp2013``. It replaced the ESP 1976 (18 bands, 85+) for OHID
    indicators from 2013.

    References
    ----------
    Eurostat (2013). Revision of the European Standard Population: report of Eurostat's task
    force. ISBN 978-92-79-31094-2, doi:10.2785/11470

    Examples
    --------
    >>> esp = esp2013()
    >>> len(esp), float(esp.sum()), float(esp["90+"])
    (19, 100000.0, 1000.0)
    """
    return _load_esp2013().copy()


def dobson_interval(dsr: Any, variance: Any, total_count: Any, *,
                    confidence: float = 0.95) -> tuple[Any, Any]:
    """Dobson et al.'s interval for a weighted sum of Poisson counts, such as a DSR.

    Parameters
    ----------
    dsr
        The weighted sum (the directly standardised rate), on any scale.
    variance
        Its variance, on the same scale squared: Σ xᵢ wᵢ² for weights wᵢ.
    total_count
        The unweighted total count O = Σ xᵢ (> 0).
    confidence
        Two-sided level in [0.9, 1).

    Returns
    -------
    tuple
        ``(lower, upper)`` in the caller's shape (float, ndarray or Series).

    Notes
    -----
    limit = DSR + √(var/O) × (O_limit − O), where O_limit are PHE's Byar limits for the count O
    (:func:`~lhs_reports.stats.rates.byar_interval`). PHE uses it only when O >= 10 (see
    :func:`directly_standardised_rate`). The gamma interval of Fay and Feuer (1997), used by
    epitools and epiR, gives different limits for the same DSR.

    References
    ----------
    Dobson AJ et al. (1991). Stat Med 10:457-462. doi:10.1002/sim.4780100317

    Examples
    --------
    >>> lower, upper = dobson_interval(100.0, 400.0, 25)
    >>> round(lower, 4), round(upper, 4)
    (64.6971, 147.6258)
    """
    d, v, o = align((dsr, "dsr"), (variance, "variance"), (total_count, "total_count"))
    require(v, v.values >= 0, "variance", "must not be negative", "check the variance")
    require(o, o.values > 0, "total_count", "must be greater than 0",
            "a Dobson interval needs at least one event")
    byar_lo, byar_hi = byar_interval(o.values, confidence=confidence)
    scale = np.sqrt(v.values / o.values)
    lower = d.values + scale * (np.asarray(byar_lo) - o.values)
    upper = d.values + scale * (np.asarray(byar_hi) - o.values)
    return d.wrap(lower, "lower_ci"), d.wrap(upper, "upper_ci")


def dsr_row(counts: np.ndarray, populations: np.ndarray, weights: np.ndarray, *,
             confidence: float, multiplier: float, variance: float | None = None,
             method: str = "Dobson") -> dict[str, Any]:
    """One DSR from clean arrays (counts without NaN, populations > 0, weights >= 0)."""
    total_weight = weights.sum()
    total = float(counts.sum())
    row: dict[str, Any] = {"confidence": confidence, "method": method,
                           "statistic": f"DSR per {multiplier_label(multiplier)}",
                           "total_count": total, "reason": None}
    if total < MIN_EVENTS:
        row.update(value=np.nan, lower_ci=np.nan, upper_ci=np.nan, reason=SUPPRESSED)
        return row
    dsr = float(np.sum(counts * weights / populations) / total_weight)
    if variance is None:
        variance = float(np.sum(counts * (weights / populations) ** 2) / total_weight**2)
    lower, upper = dobson_interval(dsr, variance, total, confidence=confidence)
    row.update(value=dsr * multiplier, lower_ci=lower * multiplier, upper_ci=upper * multiplier)
    return row


def check_weights(standard: Any) -> np.ndarray:
    """The standard's weights as floats: none missing or negative, with a positive sum."""
    w = as_numeric(standard, "standard")
    require(w, w.values >= 0, "standard", "must not be negative",
            "a standard population has a non-negative weight per band")
    if np.isnan(w.values).any() or not w.values.sum() > 0:
        raise DataError("standard has missing values or sums to 0", field="standard",
                        hint="give a weight for every age band, e.g. the ESP2013 populations")
    return w.values


def dsr_frame(rows: list[dict[str, Any]], index: pd.Index | None = None) -> pd.DataFrame:
    """Rows from :func:`dsr_row` as a frame; text columns stay ``object`` so None stays None."""
    frame = pd.DataFrame(rows, columns=DSR_COLUMNS, index=index)
    for column in ("method", "statistic", "reason"):
        frame[column] = pd.Series([r[column] for r in rows], index=frame.index, dtype=object)
    numeric = ["value", "lower_ci", "upper_ci", "confidence", "total_count"]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def first_row(index: pd.Index | None, mask: np.ndarray) -> Any:
    """The index label (or 1-based position) of the first True in ``mask``."""
    position = int(np.flatnonzero(mask)[0])
    return index[position] if index is not None else position + 1


def directly_standardised_rate(counts: Any, populations: Any, *, standard: Any = None,
                               confidence: float = 0.95,
                               multiplier: float = 100_000) -> pd.DataFrame:
    """Directly age-standardised rate with Dobson's confidence interval (PHE method).

    Parameters
    ----------
    counts
        Events per age band (array-like or Series). NaN counts are treated as 0, as PHE does.
    populations
        Population per age band, all > 0, in the same order as ``counts``.
    standard
        Standard population weights per band, matched **by position**. ``None`` (default)
        uses the 19-band ESP2013 (:func:`esp2013`); otherwise any array-like of weights, e.g.
        the 18-band ESP 1976.
    confidence
        Two-sided level in [0.9, 1).
    multiplier
        Rate per this many people (default 100,000).

    Returns
    -------
    pandas.DataFrame
        One row: ``value``, ``lower_ci``, ``upper_ci``, ``confidence``, ``method``
        (``"Dobson"``), ``statistic`` (e.g. ``"DSR per 100,000"``), ``total_count`` and
        ``reason``: ``None``, or ``"not calculated: fewer than 10 events"`` when the total
        count is below 10, in which case value and limits are NaN.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value in any input (naming the band),
        negative counts, counts that are all missing, populations that are missing or <= 0
        (naming the band), a number of bands different from the standard's, negative or
        missing weights, a bad confidence level or multiplier. All-zero counts are not an
        error: the DSR is not calculated (fewer than 10 events), as for any small count.

    Notes
    -----
    DSR = Σ(xᵢwᵢ/nᵢ)/Σwᵢ × multiplier, var = Σxᵢ(wᵢ/nᵢ)²/(Σwᵢ)², O = Σxᵢ; limits from
    :func:`dobson_interval`. Counts are assumed Poisson and events independent (see
    :func:`directly_standardised_rates` for repeat events). Validated against
    PHEindicatormethods 2.1.0 ``testdata_DSR_ISR.xlsx`` to 1e-9.

    References
    ----------
    Dobson AJ et al. (1991), doi:10.1002/sim.4780100317; Eurostat (2013),
    doi:10.2785/11470; OHID PHEindicatormethods 2.1.0 ``calculate_dsr``.

    Examples
    --------
    >>> row = directly_standardised_rate([10, 20], [1000, 1000], standard=[1, 1]).iloc[0]
    >>> float(row["value"]), row["method"], row["statistic"], row["reason"]
    (1500.0, 'Dobson', 'DSR per 100,000', None)
    """
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    x, n = align((counts, "counts"), (populations, "populations"))
    require(x, x.values >= 0, "counts", "must not be negative", "counts are 0 or more")
    require_values(x, "counts", hint="give a count for each age band (0 where there were no "
                   "events); missing counts are read as 0 only when some are given")
    require(n, n.values > 0, "populations", "must be greater than 0",
            "every age band needs a population; merge empty bands into their neighbours")
    if np.isnan(n.values).any():
        raise DataError("populations has a missing value", field="populations",
                        row=first_row(n.index, np.isnan(n.values)),
                        hint="every age band needs a population")
    weights = check_weights(esp2013() if standard is None else standard)
    if len(weights) != len(x.values):
        raise DataError(
            f"counts and populations have {len(x.values)} age bands but the standard has "
            f"{len(weights)}",
            field="counts" if standard is None else "standard",
            hint="give one count and population per band of the standard (ESP2013 has 19: "
                 "0-4, 5-9, ..., 85-89, 90+), or pass standard= with weights for your bands",
        )
    row = dsr_row(np.nan_to_num(x.values, nan=0.0), n.values, weights, confidence=level,
                  multiplier=scale)
    return dsr_frame([row])


