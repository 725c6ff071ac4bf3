"""The slope and relative index of inequality for one set of quantiles (PHE ``phe_sii``).

Private: the public names are re-exported by :mod:`lhs_reports.stats.inequality`, whose
docstring lists where we follow PHE and where we deviate, with references.
"""

from __future__ import annotations

import warnings
from typing import Any, Final, Literal, get_args

import numpy as np
import pandas as pd
from scipy import special as _special

from lhs_reports.errors import DataError
from lhs_reports.stats._common import Numeric, align, check_confidence, require, z_for

__all__ = [
    "COLUMNS",
    "IncompleteQuantilesWarning",
    "ManyQuantilesWarning",
    "ValueType",
    "slope_index_of_inequality",
]

ValueType = Literal["normal", "rate", "proportion"]

#: Fewest and most quantiles accepted (PHE: error outside 5-100).
MIN_QUANTILES: Final = 5
MAX_QUANTILES: Final = 100
#: Above this many quantiles small numbers can make the SII unstable (PHE warns).
STABLE_QUANTILES: Final = 10
#: The smallest simulation PHE allows.
MIN_REPETITIONS: Final = 1000
#: Supplied confidence limits are read at this level to give a standard error (PHE).
SUPPLIED_CI_LEVEL: Final = 0.95
#: Simulated repetitions drawn at a time (bounds memory for 100 quantiles x 100,000 draws).
_CHUNK: Final = 20_000

COLUMNS: Final = ("sii", "sii_lower_ci", "sii_upper_ci", "rii", "rii_lower_ci", "rii_upper_ci",
                  "intercept", "confidence", "method", "repetitions", "seed")


class ManyQuantilesWarning(UserWarning):
    """More than 10 quantiles: small numbers in each can make the SII unstable."""


class IncompleteQuantilesWarning(UserWarning):
    """Groups without a complete set of quantiles were dropped (no SII can be computed)."""


def _link(values: np.ndarray, value_type: ValueType) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == "rate":
            return np.log(values)
        if value_type == "proportion":
            return np.log(values / (1 - values))
    return values


def _inverse(eta: np.ndarray, value_type: ValueType) -> np.ndarray:
    if value_type == "rate":
        return np.exp(eta)
    if value_type == "proportion":
        return _special.expit(eta)
    return eta


def _design(populations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weighted design: columns sqrt(a) and b*sqrt(a); b = cumulative population midpoint."""
    share = populations / populations.sum()
    midpoint = np.cumsum(share) - share / 2
    root = np.sqrt(share)
    return np.column_stack([root, midpoint * root]), root


def _statistics(b0: Any, b1: Any, value_type: ValueType, transform: bool,
                multiplier: float) -> tuple[Any, Any, Any]:
    """SII, RII and the (back-transformed) intercept from the coefficients."""
    if transform:
        low, high = _inverse(b0, value_type), _inverse(b0 + b1, value_type)
    else:
        low, high = b0, b0 + b1
    with np.errstate(divide="ignore", invalid="ignore"):
        rii = high / low
        if multiplier < 0:
            rii = 1 / rii
    return (high - low) * multiplier, rii, low


def _simulate(centre: np.ndarray, se: np.ndarray, design: np.ndarray, root: np.ndarray, *,
              value_type: ValueType, transform: bool, multiplier: float, confidence: float,
              repetitions: int, seed: int | None) -> tuple[float, float, float, float]:
    rng = np.random.default_rng(seed)
    projection = np.linalg.solve(design.T @ design, design.T)  # (X'X)^-1 X'
    sii = np.empty(repetitions)
    rii = np.empty(repetitions)
    for start in range(0, repetitions, _CHUNK):
        stop = min(start + _CHUNK, repetitions)
        draws = rng.normal(centre, se, size=(stop - start, len(centre)))
        if not transform:
            draws = _inverse(draws, value_type)
        coef = (draws * root) @ projection.T
        sii[start:stop], rii[start:stop], _ = _statistics(coef[:, 0], coef[:, 1], value_type,
                                                          transform, multiplier)
    upper_level = confidence + (1 - confidence) / 2
    # PHE's positions in the sorted draws (1-based, R's round-half-even = Python's round).
    lower_at = min(max(round(repetitions * (1 - upper_level)), 1), repetitions) - 1
    upper_at = min(max(round(repetitions * upper_level), 1), repetitions) - 1
    sii.sort()
    rii.sort()
    return sii[lower_at], sii[upper_at], rii[lower_at], rii[upper_at]


def _check_options(value_type: Any, transform: Any, multiplier: Any, repetitions: Any,
                   seed: Any) -> None:
    if value_type not in get_args(ValueType):
        raise DataError(f"value_type must be 'normal', 'rate' or 'proportion', got "
                        f"{value_type!r}", field="value_type",
                        hint="'rate' for rates (log scale), 'proportion' for 0-1 proportions")
    if not isinstance(transform, (bool, np.bool_)):
        raise DataError(f"transform must be True or False, got {transform!r}", field="transform")
    if transform and value_type == "normal":
        raise DataError("transform=True needs value_type 'rate' or 'proportion'",
                        field="transform", hint="only rates (log) and proportions (logit) "
                        "are fitted on a transformed scale")
    if (isinstance(multiplier, bool) or not isinstance(multiplier, (int, float, np.number))
            or not np.isfinite(multiplier) or multiplier == 0):
        raise DataError(f"multiplier must be a non-zero number, got {multiplier!r}",
                        field="multiplier", hint="e.g. 100 for percentages; -1 to read a "
                        "'higher is better' indicator as a gap")
    if (isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer))
            or repetitions < MIN_REPETITIONS):
        raise DataError(f"repetitions must be a whole number of at least {MIN_REPETITIONS:,}, "
                        f"got {repetitions!r}", field="repetitions",
                        hint="the default 100,000 gives stable confidence limits")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise DataError(f"seed must be a whole number or None, got {seed!r}", field="seed")


def _check_scale(x: Numeric, name: str, value_type: ValueType, strict: bool) -> None:
    """Rates must be positive and proportions in [0, 1]; open intervals on a log/logit scale."""
    v = x.values
    if value_type == "proportion":
        require(x, (v >= 0) & (v <= 1), name, "must be a proportion between 0 and 1",
                "give proportions as fractions (0.25, not 25)")
        if strict:
            require(x, (v > 0) & (v < 1), name, "must be strictly between 0 and 1 on the "
                    "logit scale", "a proportion of exactly 0 or 1 has no logit; use "
                    "value_type='normal' or no confidence limits")
    elif value_type == "rate":
        require(x, v >= 0, name, "must not be negative", "rates are 0 or more")
        if strict:
            require(x, v > 0, name, "must be greater than 0 on the log scale",
                    "a rate of 0 has no log; use value_type='normal' or no confidence limits")


def _complete(x: Numeric, name: str, hint: str) -> None:
    missing = np.isnan(x.values)
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise DataError(f"{name} has a missing value", field=name,
                        row=x.index[position] if x.index is not None else position + 1,
                        hint=hint)


def _standard_errors(se: Numeric | None, lower: Numeric | None, upper: Numeric | None,
                     value_type: ValueType) -> np.ndarray | None:
    """Standard errors on the simulation (link) scale, or None when none can be had."""
    if se is not None:
        _complete(se, "se", "give a standard error for every quantile")
        require(se, se.values >= 0, "se", "must not be negative", "standard errors are >= 0")
        return se.values
    if lower is None or upper is None:
        return None
    for ci, name in ((lower, "lower_ci"), (upper, "upper_ci")):
        _complete(ci, name, "give both 95% confidence limits for every quantile")
        _check_scale(ci, name, value_type, strict=True)
    require(lower, lower.values <= upper.values, "lower_ci", "must not exceed upper_ci",
            "check the lower and upper confidence-limit columns are not swapped")
    return (_link(upper.values, value_type) - _link(lower.values, value_type)) / (
        2 * z_for(SUPPLIED_CI_LEVEL))


def slope_index_of_inequality(
    values: Any,
    populations: Any,
    *,
    se: Any = None,
    lower_ci: Any = None,
    upper_ci: Any = None,
    value_type: ValueType = "normal",
    transform: bool = False,
    multiplier: float = 1,
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Slope and relative index of inequality across quantiles of deprivation (PHE method).

    Parameters
    ----------
    values
        The indicator in each quantile, **ordered from most to least deprived** (quantile 1 =
        most deprived). 5 to 100 quantiles. Rates must be >= 0; proportions in [0, 1] (as
        fractions).
    populations
        Population of each quantile, > 0.
    se
        Standard error of each value, on the log scale for rates and the logit scale for
        proportions. Used in preference to ``lower_ci``/``upper_ci``.
    lower_ci, upper_ci
        The values' **95%** confidence limits (always read at 95%, whatever ``confidence``),
        used to derive the standard error when ``se`` is not given. Without either, the SII's
        confidence limits are NaN.
    value_type
        ``"normal"`` (e.g. life expectancy), ``"rate"`` (simulated on the log scale) or
        ``"proportion"`` (logit scale).
    transform
        Fit the regression on the log (rates) or logit (proportions) scale and back-transform;
        only for ``"rate"`` and ``"proportion"``.
    multiplier
        Scales the SII (100 for percentage points). A negative multiplier also inverts the
        RII: use -1 when higher values are better and the SII should read as a gap.
    confidence
        Two-sided level of the SII's simulated interval, a fraction in [0.9, 1).
    repetitions
        Simulated repetitions (>= 1,000).
    seed
        Seed for :func:`numpy.random.default_rng`; fixed by default so results are reproducible.
        ``None`` draws fresh entropy.

    Returns
    -------
    pandas.DataFrame
        One row: ``sii``, ``sii_lower_ci``, ``sii_upper_ci``, ``rii``, ``rii_lower_ci``,
        ``rii_upper_ci``, ``intercept`` (the fitted value at the most deprived end, rank 0, on
        the indicator's scale, without the multiplier), ``confidence``, ``method``,
        ``repetitions``, ``seed``.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value in any input, a missing value or
        population (naming the argument and row), populations <= 0, rates < 0 or proportions
        outside [0, 1] (strictly inside on a log/logit scale), fewer than 5 or more than 100
        quantiles, inputs of different lengths, one confidence limit without the other, a bad
        option.

    Warns
    -----
    ManyQuantilesWarning
        More than 10 quantiles.

    Notes
    -----
    Values that are all equal give SII 0 and RII 1 (no gradient); when the fitted value at
    the most deprived end is 0 (e.g. every value 0) the RII is NaN, with no warning.

    With aᵢ = popᵢ/Σpop and bᵢ the cumulative population midpoint (Σ_{j<i} aⱼ + aᵢ/2), fit
    √a·y = β₀√a + β₁·b√a by least squares with no intercept (population-weighted regression of
    y on b). SII = multiplier × β₁ and RII = (β₀ + β₁)/β₀, so a positive SII means values rise
    from the most to the least deprived. With ``transform=True`` y is log/logit(value) and
    SII = (g⁻¹(β₀ + β₁) − g⁻¹(β₀)) × multiplier, RII = g⁻¹(β₀ + β₁)/g⁻¹(β₀).

    The interval: draw each quantile's value from N(value, se) (on the log/logit scale for
    rates and proportions, back-transformed unless ``transform``), refit, and take the sorted
    draws at positions round(R(1 − c′)) and round(R·c′), c′ = c + (1 − c)/2, as PHE does.
    se from limits = (U − L)/(2z), z = Φ⁻¹(0.975) = 1.959964 (PHE's ``qnorm(0.975)``), on the
    log/logit scale for rates and proportions.

    Point estimates are validated against every row of PHEindicatormethods' ``testdata_SII``
    workbook to 1e-9 (normal, rate, proportion, transformed, negative multipliers, quintiles)
    and against statsmodels WLS; intervals to within 5% of the workbook's simulated limits.

    Examples
    --------
    >>> result = slope_index_of_inequality([70, 72, 75, 77, 80], [100, 100, 100, 100, 100])
    >>> float(result["sii"].iloc[0]), round(float(result["rii"].iloc[0]), 6)
    (12.5, 1.182349)
    >>> float(result["sii_lower_ci"].iloc[0])  # no standard errors: no interval
    nan
    >>> with_ci = slope_index_of_inequality([70, 72, 75, 77, 80], [100] * 5, se=[1] * 5,
    ...                                     repetitions=10_000)
    >>> row = with_ci.iloc[0]
    >>> bool(row["sii_lower_ci"] < row["sii"] < row["sii_upper_ci"]), float(row["confidence"])
    (True, 0.95)
    """
    _check_options(value_type, transform, multiplier, repetitions, seed)
    level = check_confidence(confidence)
    given = [(values, "values"), (populations, "populations")]
    given += [(arg, name) for arg, name in ((se, "se"), (lower_ci, "lower_ci"),
                                            (upper_ci, "upper_ci")) if arg is not None]
    coerced = dict(zip([name for _, name in given], align(*given), strict=True))
    y, pop = coerced["values"], coerced["populations"]
    k = len(y.values)
    if not MIN_QUANTILES <= k <= MAX_QUANTILES:
        raise DataError(f"the SII needs {MIN_QUANTILES} to {MAX_QUANTILES} quantiles, got {k}",
                        field="values", hint="give one row per quantile (e.g. 10 deprivation "
                        "deciles or 5 quintiles)")
    if k > STABLE_QUANTILES:
        warnings.warn(f"{k} quantiles: small numbers in each can make the SII unstable",
                      ManyQuantilesWarning, stacklevel=2)
    _complete(pop, "populations", "every quantile needs a population greater than 0")
    require(pop, pop.values > 0, "populations", "must be greater than 0",
            "every quantile needs a population greater than 0")
    _complete(y, "values", "every quantile needs a value; drop the area or impute it")
    if (lower_ci is None) != (upper_ci is None):
        missing = "upper_ci" if upper_ci is None else "lower_ci"
        raise DataError(f"{missing} is missing: give both confidence limits (or se)",
                        field=missing, hint="pass lower_ci and upper_ci together")
    se_link = _standard_errors(coerced.get("se"), coerced.get("lower_ci"),
                               coerced.get("upper_ci"), value_type)
    _check_scale(y, "values", value_type, strict=transform or se_link is not None)

    design, root = _design(pop.values)
    response = _link(y.values, value_type) if transform else y.values
    (b0, b1), *_ = np.linalg.lstsq(design, root * response, rcond=None)
    sii, rii, intercept = _statistics(b0, b1, value_type, transform, multiplier)

    method = "PHE SII: population-weighted regression on cumulative population rank"
    if transform:
        method += f", fitted on the {'log' if value_type == 'rate' else 'logit'} scale"
    if se_link is None:
        limits = (np.nan,) * 4
        method += "; no CI (no standard errors or confidence limits)"
    else:
        limits = _simulate(_link(y.values, value_type), se_link, design, root,
                           value_type=value_type, transform=transform, multiplier=multiplier,
                           confidence=level, repetitions=int(repetitions), seed=seed)
        method += f"; CI by simulation ({int(repetitions):,} repetitions)"
    row = (float(sii), limits[0], limits[1], float(rii), limits[2], limits[3], float(intercept),
           level, method, int(repetitions), None if seed is None else int(seed))
    return pd.DataFrame([row], columns=list(COLUMNS))
