"""Directly standardised rates for every group of a long table, bands matched by label.

Private: the public name is re-exported by :mod:`lhs_reports.stats.standardise`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lhs_reports.errors import DataError
from lhs_reports.stats._common import (
    as_numeric,
    check_confidence,
    check_multiplier,
    require,
    require_values,
)
from lhs_reports.stats._dsr import (
    NONINDEPENDENT,
    check_weights,
    dsr_frame,
    dsr_row,
    esp2013,
    first_row,
)

__all__ = ["directly_standardised_rates"]


def _group_name(key: tuple[Any, ...]) -> str:
    return ", ".join(map(str, key))


def _band_positions(bands: np.ndarray, rows: pd.Index, labels: pd.Index,
                    key: tuple[Any, ...], age_band: str, population: str) -> np.ndarray:
    """Position in the standard of each row's band, checking every band is present."""
    positions = labels.get_indexer(pd.Index(bands))
    if (positions < 0).any():
        bad = positions < 0
        raise DataError(
            f"age band {bands[bad][0]!r} in group {_group_name(key)} is not a band of the "
            f"standard ({', '.join(map(str, labels))})",
            field=age_band, row=first_row(rows, bad),
            hint="label bands exactly as the standard does, or pass standard= as a Series "
                 "indexed by your labels",
        )
    present = set(positions.tolist())
    missing = [label for i, label in enumerate(labels) if i not in present]
    if missing:
        raise DataError(
            f"group {_group_name(key)} has no population for age band {missing[0]!r}",
            field=population,
            hint="add a row for every band of the standard (count 0 or NaN if no events)",
        )
    return positions


def _band_populations(positions: np.ndarray, populations: np.ndarray, labels: pd.Index,
                      key: tuple[Any, ...], population: str) -> np.ndarray:
    """One population per band of the standard (event-frequency rows must agree)."""
    out = np.full(len(labels), np.nan)
    for pos, pop in zip(positions, populations, strict=True):
        if not np.isnan(out[pos]) and out[pos] != pop:
            raise DataError(
                f"group {_group_name(key)} has two populations for age band {labels[pos]!r}",
                field=population,
                hint="repeat the same population on every event-frequency row of a band")
        out[pos] = pop
    return out


def directly_standardised_rates(frame: pd.DataFrame, *, count: str = "count",
                                population: str = "population", by: str | Sequence[str],
                                age_band: str = "age_band", standard: Any = None,
                                confidence: float = 0.95, multiplier: float = 100_000,
                                event_frequency: str | None = None) -> pd.DataFrame:
    """Directly standardised rates for every group of a long table (one row per band).

    Parameters
    ----------
    frame
        Long data: one row per group and age band (and event frequency, if given).
    count, population, age_band
        Column names. NaN counts are 0; populations must be present and > 0.
    by
        Column name(s) identifying a group (e.g. ``"area"`` or ``["area", "year"]``).
    standard
        ``None`` (ESP2013) or a Series indexed by band label: bands are matched **by label**,
        so row order does not matter and each group needs every band exactly once. An
        array-like of weights is matched **by position** within each group, as PHE does.
    confidence, multiplier
        As :func:`directly_standardised_rate`.
    event_frequency
        Optional column of event frequencies for **non-independent events** (people with
        repeat events; needs a Series standard). ``count`` is then the number of *people*
        with that many events in the band, and the variance is Σ_f f² var_f(DSR).

    Returns
    -------
    pandas.DataFrame
        One row per group, indexed by the group keys, with the columns of
        :func:`directly_standardised_rate`. An empty table gives an empty result.

    Raises
    ------
    DataError
        As :func:`directly_standardised_rate` (naming the column and the row label); also a
        table whose counts are all missing, a missing column, a band not in the
        standard, a band repeated in a group, or a group missing a band's population (naming
        the group and band).

    Notes
    -----
    Formulas as :func:`directly_standardised_rate`. For non-independent events (PHE 2.1.0
    ``independent_events = FALSE``) events per band are Σ_f f·x_f and the method is
    ``"Dobson, with confidence adjusted for non-independent events"``. Validated against
    PHEindicatormethods 2.1.0 ``testdata_DSR_ISR.xlsx`` (``testresults_DSR``) to 1e-9.

    References
    ----------
    Dobson AJ et al. (1991), doi:10.1002/sim.4780100317; OHID PHEindicatormethods 2.1.0
    ``calculate_dsr``.

    Examples
    --------
    >>> data = pd.DataFrame({"area": ["A", "A", "B", "B"], "band": ["young", "old"] * 2,
    ...                      "count": [6, 9, 12, 3], "population": [1000, 500, 1000, 500]})
    >>> std = pd.Series([2.0, 1.0], index=["young", "old"])
    >>> directly_standardised_rates(data, by="area", age_band="band", standard=std,
    ...                             multiplier=1000)[["value", "total_count", "reason"]]
          value  total_count  reason
    area
    A      10.0         15.0    None
    B      10.0         15.0    None
    """
    keys = [by] if isinstance(by, str) else list(by)
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    needed = [*keys, count, population] + ([age_band] if standard is None
                                           or isinstance(standard, pd.Series) else [])
    needed += [event_frequency] if event_frequency is not None else []
    for column in needed:
        if column not in frame.columns:
            raise DataError(f"column {column!r} is not in the data", field=column,
                            hint=f"columns are: {', '.join(map(str, frame.columns))}")
    weights_series = esp2013() if standard is None else standard
    by_label = isinstance(weights_series, pd.Series)
    if event_frequency is not None and not by_label:
        raise DataError("non-independent events need the standard as a Series indexed by "
                        "age band", field="standard", hint="e.g. standard=esp2013()")
    weights = check_weights(weights_series)
    x = as_numeric(frame[count], count)
    require(x, x.values >= 0, count, "must not be negative", "counts are 0 or more")
    if len(frame):  # an empty table gives an empty result; rows without any count do not
        require_values(x, count, hint="give a count per group and age band (0 where there "
                       "were no events)")
    n = as_numeric(frame[population], population)
    require(n, n.values > 0, population, "must be greater than 0",
            "every age band needs a population; merge empty bands into their neighbours")
    if np.isnan(n.values).any():
        raise DataError(f"{population} has a missing value", field=population,
                        row=first_row(frame.index, np.isnan(n.values)),
                        hint="every age band needs a population")
    freq = np.ones(len(frame))
    if event_frequency is not None:
        f = as_numeric(frame[event_frequency], event_frequency)
        require(f, f.values > 0, event_frequency, "must be greater than 0",
                "give the number of events each person had: 1, 2, 3, ...")
        if np.isnan(f.values).any():
            raise DataError(f"{event_frequency} has a missing value", field=event_frequency,
                            row=first_row(frame.index, np.isnan(f.values)))
        freq = f.values
    counts, pops, freqs = np.nan_to_num(x.values, nan=0.0), n.values, freq
    labels = pd.Index(weights_series.index) if by_label else None
    if labels is not None and labels.has_duplicates:
        raise DataError("the standard's age band labels are not unique", field="standard",
                        hint="give each band of the standard one label")
    method = "Dobson" if event_frequency is None else NONINDEPENDENT
    rows: list[dict[str, Any]] = []
    group_keys: list[tuple[Any, ...]] = []
    flat = frame.reset_index(drop=True)
    for key, group in flat.groupby(keys, sort=True, dropna=False):
        key_tuple = key if isinstance(key, tuple) else (key,)
        at = group.index.to_numpy()
        rows_of = frame.index[at]
        if labels is None:
            if len(at) != len(weights):
                raise DataError(
                    f"group {_group_name(key_tuple)} has {len(at)} rows but the standard "
                    f"has {len(weights)} bands", field="standard",
                    hint="give one row per band of the standard, in the standard's order")
            band_x, band_n, variance = counts[at], pops[at], None
        else:
            bands = group[age_band].to_numpy(object)
            if event_frequency is None and pd.Index(bands).has_duplicates:
                dup = pd.Index(bands).duplicated()
                raise DataError(
                    f"age band {bands[dup][0]!r} appears twice in group "
                    f"{_group_name(key_tuple)}", field=age_band, row=first_row(rows_of, dup),
                    hint="give one row per group and age band")
            where = _band_positions(bands, rows_of, labels, key_tuple, age_band, population)
            band_n = _band_populations(where, pops[at], labels, key_tuple, population)
            band_x = np.bincount(where, weights=counts[at] * freqs[at], minlength=len(labels))
            variance = None
            if event_frequency is not None:
                # Σ_f f² var_f(DSR), var_f = Σ_i x_if (w_i/n_i)² / (Σw)²  (PHE 2.1.0)
                share = (weights / band_n)[where]
                variance = float(np.sum(freqs[at] ** 2 * counts[at] * share**2)
                                 / weights.sum() ** 2)
        rows.append(dsr_row(band_x, band_n, weights, confidence=level, multiplier=scale,
                            variance=variance, method=method))
        group_keys.append(key_tuple)
    if len(keys) == 1:
        index = pd.Index([k[0] for k in group_keys], name=keys[0])
    else:
        index = pd.MultiIndex.from_arrays(
            [[k[i] for k in group_keys] for i in range(len(keys))], names=keys)
    return dsr_frame(rows, index=index)
