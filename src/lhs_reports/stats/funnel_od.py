"""Overdispersed funnel plots (Spiegelhalter 2005), following FunnelPlotR 0.6.0.

:func:`overdispersed_funnel` turns each organisation into a z-score on a variance-stabilising
scale, trims the extremes (winsorises, or truncates for the SHMI method), estimates the
dispersion ratio φ and the between-organisation variance τ² (DerSimonian-Laird), and widens
the limits by an additive random effect. It is re-exported by :mod:`lhs_reports.stats.funnel`.

Where we follow FunnelPlotR 0.6.0 and where we deviate (also on the site's funnel methods
page):

- Everything in the pipeline (``R/funnel_plot.R``, ``R/od_adjustment.R``,
  ``R/calculate_limits.R``, ``R/outliers_func.R`` at 9020d497), including its hard-coded
  z = 1.959964 and 3.090232 (not Φ⁻¹(0.975), Φ⁻¹(0.999)), the 2-decimal rounding of SHMI
  expected counts, R's type-7 quantiles and average ranks, and inclusive outlier comparisons.
- **Deviation, CQC standardised ratios:** FunnelPlotR leaves the adjusted limits on the
  square-root scale, 1 ∓ z√(1/(4E) + τ²) (issue #33, open). We square them back to the ratio
  scale, (1 ∓ z√(1/(4E) + τ²))², with the lower limit 0 where 1 − z√(…) < 0.
- Proportions: FunnelPlotR zeroes a lower limit above the next grid point's (and sets an upper
  limit below the next one's to 1) where sin² turns back. We use the grid-free form of the
  same fix: the angle is clamped to [0, π/2] before squaring.
- A zero count under the SHMI log transform has an infinite z-score; FunnelPlotR then returns
  an infinite φ. We leave such z-scores out of φ and τ² with a :class:`FunnelWarning`.
- Fewer than two organisations left to estimate φ: unadjusted limits, with a warning.

References
----------
.. [1] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
   24:1185-1202. doi:10.1002/sim.1970
.. [2] Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators. Qual Saf
   Health Care 14:347-351. doi:10.1136/qshc.2005.013755
.. [3] Spiegelhalter DJ, Sherlaw-Johnson C, Bardsley M, et al. (2012). Statistical methods for
   healthcare regulation: rating, screening and surveillance. JRSS A 175:1-47.
   doi:10.1111/j.1467-985X.2011.01010.x
.. [4] DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin Trials
   7:177-188. doi:10.1016/0197-2456(86)90046-2
.. [5] NHS-R Community. FunnelPlotR 0.6.0 (Chris Mainey).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy import stats as _sps

from lhs_reports.errors import DataError
from lhs_reports.stats._common import check_multiplier
from lhs_reports.stats._funnel_common import (
    FunnelResult,
    FunnelWarning,
    UnadjustedLimitsWarning,
    funnel_outliers,
    organisations,
    pooled,
    significance_labels,
)

__all__ = ["FUNNELPLOTR_Z", "overdispersed_funnel"]

#: FunnelPlotR's hard-coded z for the 95% and 99.8% limits (7 significant figures).
FUNNELPLOTR_Z: Final = {0.95: 1.959964, 0.998: 3.090232}

DataType = Literal["SR", "PR", "RC"]
SRMethod = Literal["SHMI", "CQC"]
_STATISTIC = {"SR": "ratio", "PR": "proportion", "RC": "ratio of counts"}
_LIMIT_NAMES = ("lower_95", "upper_95", "lower_998", "upper_998")


def _check_options(data_type: str, sr_method: str, trim_by: float, limit: int,
                   grid_size: int) -> None:
    if data_type not in _STATISTIC:
        raise DataError(f"data_type must be 'SR', 'PR' or 'RC', got {data_type!r}",
                        field="data_type", hint="SR: standardised ratio, PR: proportion, "
                        "RC: ratio of counts")
    if sr_method not in ("SHMI", "CQC"):
        raise DataError(f"sr_method must be 'SHMI' or 'CQC', got {sr_method!r}",
                        field="sr_method")
    if not (isinstance(trim_by, int | float) and 0 < trim_by < 0.5):
        raise DataError(f"trim_by must be between 0 and 0.5, got {trim_by!r}", field="trim_by",
                        hint="0.1 trims 10% at each end")
    if limit not in (95, 99) or isinstance(limit, bool):
        raise DataError(f"limit must be 95 or 99, got {limit!r}", field="limit",
                        hint="99 flags organisations outside the 99.8% limits")
    if int(grid_size) != grid_size or grid_size < 2:
        raise DataError(f"grid_size must be a whole number of at least 2, got {grid_size!r}",
                        field="grid_size")


def _z_scores(num: np.ndarray, den: np.ndarray, data_type: str, sr_method: str,
              target: float) -> tuple[np.ndarray, np.ndarray]:
    """Unadjusted z-scores and their standard errors s on the transformed scale."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if data_type == "SR" and sr_method == "SHMI":
            return np.sqrt(den) * np.log(num / den), 1 / np.sqrt(den)
        if data_type == "SR":
            s = 1 / (2 * np.sqrt(den))
            return (np.sqrt(num / den) - 1) / s, s
        if data_type == "PR":
            s = 1 / (2 * np.sqrt(den))
            return (np.arcsin(np.sqrt(num / den)) - math.asin(math.sqrt(target))) / s, s
        s = np.sqrt(num / (num + 0.5) ** 2 + den / (den + 0.5) ** 2)
        return (np.log((num + 0.5) / (den + 0.5)) - math.log(target)) / s, s


def _truncate(z: np.ndarray, trim_by: float) -> np.ndarray:
    """SHMI: drop the z-scores in the outer ``trim_by`` groups by rank (average ties)."""
    groups = 1 / trim_by
    rank = _sps.rankdata(z, method="average")
    group = np.floor(rank * groups / (len(z) + 1))
    return np.where((group > 0) & (group < groups - 1), z, np.nan)


def _winsorise(z: np.ndarray, trim_by: float) -> np.ndarray:
    """Clamp z-scores to their ``trim_by`` and 1 − ``trim_by`` quantiles (R type 7)."""
    finite = z[~np.isnan(z)]
    low, high = np.quantile(finite, [trim_by, 1 - trim_by], method="linear")
    return np.clip(z, low, high)


def _dispersion(z_used: np.ndarray, s: np.ndarray) -> tuple[float, float, int]:
    """φ = mean(z²) and τ² (DerSimonian-Laird) over the z-scores kept; returns (φ, τ², n)."""
    kept = np.isfinite(z_used)
    n = int(kept.sum())
    if n == 0:
        return math.nan, math.nan, 0
    phi = math.fsum(z_used[kept] ** 2) / n
    weights = 1 / s[kept] ** 2
    spread = math.fsum(weights) - math.fsum(weights**2) / math.fsum(weights)
    if n * phi < n - 1:
        return phi, 0.0, n
    if spread <= 0:
        return phi, math.nan, n
    return phi, max(0.0, (n * phi - (n - 1)) / spread), n


def _limits(den: np.ndarray, data_type: str, sr_method: str, target: float,
            tau2: float | None) -> dict[str, np.ndarray]:
    """The four limits at ``den`` on the unit scale: unadjusted (``tau2`` None) or adjusted."""
    out: dict[str, np.ndarray] = {}
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        z = FUNNELPLOTR_Z[level]
        tail = (1 - level) / 2
        if data_type == "SR" and tau2 is None:  # exact Poisson, E taken as the count
            lower = _sps.chi2.ppf(tail, 2 * den) / 2 / den * target
            upper = _sps.chi2.ppf(1 - tail, 2 * (den + 1)) / 2 / den * target
        else:
            extra = 0.0 if tau2 is None else tau2
            if data_type == "SR" and sr_method == "SHMI":
                width = z * np.sqrt(1 / den + extra)
                lower, upper = np.exp(-width), np.exp(width)
            else:
                width = z * np.sqrt(1 / (4 * den) + extra)
                if data_type == "SR":  # CQC, squared back (our deviation, issue #33)
                    lower, upper = np.maximum(1 - width, 0.0) ** 2, (1 + width) ** 2
                elif data_type == "PR":
                    angle = math.asin(math.sqrt(target))
                    lower = np.sin(np.clip(angle - width, 0, math.pi / 2)) ** 2
                    upper = np.sin(np.clip(angle + width, 0, math.pi / 2)) ** 2
                else:
                    lower = np.exp(math.log(target) - width)
                    upper = np.exp(math.log(target) + width)
        out[f"lower_{suffix}"] = np.asarray(lower, float)
        out[f"upper_{suffix}"] = np.asarray(upper, float)
    return out


def _limit_table(den: np.ndarray, data_type: str, sr_method: str, target: float,
                 tau2: float | None, scale: float, index: Any = None) -> pd.DataFrame:
    """Unadjusted and (when ``tau2`` is given) adjusted limits on the multiplier scale."""
    table = pd.DataFrame({"denominator": den}, index=index)
    for name, values in _limits(den, data_type, sr_method, target, None).items():
        table[name] = values * scale
    adjusted = _limits(den, data_type, sr_method, target, tau2) if tau2 is not None else {}
    for name in _LIMIT_NAMES:
        table[f"od_{name}"] = adjusted[name] * scale if tau2 is not None else np.nan
    return table


def _method(data_type: str, sr_method: str, trim_by: float, adjusted: bool) -> str:
    trim = f"{trim_by * 100:g}%"
    scale = {
        "SR": (f"standardised ratio, SHMI method (log scale, {trim} truncated)"
               if sr_method == "SHMI" else
               f"standardised ratio, CQC method (square-root scale, {trim} winsorised)"),
        "PR": f"proportion (arcsine square-root scale, {trim} winsorised)",
        "RC": f"ratio of counts (log scale, {trim} winsorised)",
    }[data_type]
    if adjusted:
        return ("Overdispersion-adjusted funnel (Spiegelhalter 2005, additive random effects; "
                f"FunnelPlotR 0.6.0): {scale}")
    return f"Funnel without overdispersion adjustment (FunnelPlotR 0.6.0): {scale}"


def overdispersed_funnel(numerator: Any, denominator: Any, *, data_type: DataType,
                         sr_method: SRMethod = "SHMI", trim_by: float = 0.1,
                         limit: Literal[95, 99] = 99, multiplier: float = 1,
                         shmi_rounding: bool = True, grid_size: int = 1000) -> FunnelResult:
    """Funnel plot with limits widened for overdispersion (Spiegelhalter 2005; FunnelPlotR).

    Parameters
    ----------
    numerator
        Observed counts per organisation, >= 0 (a Series' index labels the points; rows
        sharing a label are summed, as FunnelPlotR aggregates by group).
    denominator
        Expected counts (``"SR"``), sample sizes (``"PR"``) or the comparison counts
        (``"RC"``), > 0.
    data_type
        ``"SR"`` standardised ratio (target 1), ``"PR"`` proportion or ``"RC"`` ratio of
        counts (target ΣO / ΣD).
    sr_method
        For ``"SR"``: ``"SHMI"`` (log scale, truncation; NHS Digital SHMI) or ``"CQC"``
        (square-root scale, winsorisation).
    trim_by
        Share trimmed at each end before estimating φ.
    limit
        95 or 99: which limits (95% or 99.8%) decide ``outlier``.
    multiplier
        Scale of values, limits and target (e.g. 100).
    shmi_rounding
        Round expected counts to 2 decimals first (SR-SHMI only), as NHS Digital does.
    grid_size
        Points in the drawing grid (from 1.1 for SR, else 3, to the largest denominator),
        to which the organisations' denominators are added.

    Returns
    -------
    FunnelResult
        ``points`` with ``z`` (unadjusted z-score), ``z_trimmed`` (winsorised; NaN where
        truncated), the unadjusted ``lower_95`` ... ``upper_998`` and the adjusted
        ``od_lower_95`` ... ``od_upper_998`` (NaN when not adjusted), ``significance`` and
        ``outlier`` from the limits in force; ``phi``, ``tau2``, ``adjusted``.

    Raises
    ------
    DataError
        Text that is not a number or an infinite value (naming the argument and row),
        negative numerators, denominators of 0 or less, numerators above denominators
        (``"PR"``), no complete row, no events at all (``"RC"``), a bad option.

    Warns
    -----
    UnadjustedLimitsWarning
        φ <= 1 (e.g. every organisation on the target: φ = 0) or fewer than two usable
        z-scores: the unadjusted limits are in force.
    FunnelWarning
        Organisations with no events under the SHMI log transform (left out of φ and τ²).

    Notes
    -----
    z-scores: SR-SHMI √E·log(O/E); SR-CQC (√(O/E) − 1)·2√E; PR (asin√(O/n) − asin√p̄)·2√n;
    RC (log((O+½)/(D+½)) − log(ΣO/ΣD))/s with s² = O/(O+½)² + D/(D+½)². φ = mean of the
    trimmed z², τ² = max(0, (nφ − (n − 1)) / (Σw − Σw²/Σw)), w = 1/s² (0 when nφ < n − 1).
    Adjusted limits: SHMI exp(∓z√(1/E + τ²)); CQC (1 ∓ z√(1/(4E) + τ²))²;
    PR sin²(asin√p̄ ∓ z√(1/(4n) + τ²)); RC exp(log t ∓ z√(1/(4n) + τ²)). Unadjusted: the
    same with τ² = 0, except SR, which uses exact Poisson limits with E as the count. When
    φ <= 1 the unadjusted limits are used, with an :class:`UnadjustedLimitsWarning`.
    An organisation is an outlier when its value is outside the limits in force (a value on
    a limit is inside). Validated against FunnelPlotR's own tests
    (``test-poisson_limits.R``, ``test-classes_methods.R``, ``test-outliers_func.R``).

    Examples
    --------
    >>> result = overdispersed_funnel([100, 150, 180, 80, 120, 225],
    ...                               [108, 112, 165, 95, 100, 220], data_type="SR")
    >>> round(result.phi, 6), round(result.tau2, 6), result.adjusted
    (2.948033, 0.019478, True)
    >>> result.points.loc[0, ["od_lower_998", "od_upper_998"]].round(4).tolist()
    [0.5922, 1.6885]
    """
    _check_options(data_type, sr_method, trim_by, limit, grid_size)
    scale = check_multiplier(multiplier)
    frame = organisations(numerator, denominator, names=("numerator", "denominator"),
                          proportion=data_type == "PR")
    shmi = data_type == "SR" and sr_method == "SHMI"
    if shmi and shmi_rounding:
        frame["denominator"] = frame["denominator"].round(2)
        small = frame["denominator"] <= 0
        if small.any():
            raise DataError("an expected count rounds to 0 at 2 decimals", field="denominator",
                            row=small[small].index[0],
                            hint="pass shmi_rounding=False, or drop organisations with "
                                 "almost nothing expected")
    complete = frame.dropna()
    if complete.empty:
        detail = "no rows" if frame.empty else f"all {len(frame)} rows have a missing value"
        raise DataError(f"no organisation has both numerator and denominator ({detail})",
                        field="numerator", hint="pass at least one complete row")
    num = complete["numerator"].to_numpy(float)
    den = complete["denominator"].to_numpy(float)
    total = pooled(complete["numerator"])
    if data_type == "RC" and total == 0:
        raise DataError("a ratio of counts needs at least one event", field="numerator",
                        hint="every numerator is 0, so the log target is undefined")
    target = 1.0 if data_type == "SR" else total / pooled(complete["denominator"])

    z, s = _z_scores(num, den, data_type, sr_method, target)
    z_used = _truncate(z, trim_by) if shmi else _winsorise(z, trim_by)
    infinite = np.isinf(z_used)
    if infinite.any():
        warnings.warn(f"{int(infinite.sum())} organisation(s) with no events have an infinite "
                      "z-score on the log scale and are left out of phi and tau2",
                      FunnelWarning, stacklevel=2)
    phi, tau2, n_used = _dispersion(z_used, s)
    adjusted = n_used >= 2 and np.isfinite(tau2) and phi > 1
    if not adjusted:
        reason = (f"fewer than two organisations to estimate overdispersion from ({n_used})"
                  if n_used < 2 else f"no overdispersion (phi = {phi:.4g} <= 1)")
        warnings.warn(f"{reason}: unadjusted limits are used", UnadjustedLimitsWarning,
                      stacklevel=2)
    in_force = tau2 if adjusted else None

    points = frame.copy()
    points["value"] = points["numerator"] / points["denominator"] * scale
    points["z"] = pd.Series(z, index=complete.index).reindex(points.index)
    points["z_trimmed"] = pd.Series(z_used, index=complete.index).reindex(points.index)
    table = _limit_table(points["denominator"].to_numpy(float), data_type, sr_method, target,
                         in_force, scale, index=points.index)
    points = pd.concat([points, table.drop(columns="denominator")], axis=1)

    prefix = "od_" if adjusted else ""
    value = points["value"].to_numpy(float)
    high = {level: value > points[f"{prefix}upper_{sfx}"].to_numpy()
            for level, sfx in ((0.95, "95"), (0.998, "998"))}
    low = {level: value < points[f"{prefix}lower_{sfx}"].to_numpy()
           for level, sfx in ((0.95, "95"), (0.998, "998"))}
    points["significance"] = pd.Series(significance_labels(high, low, np.isnan(value)),
                                       index=points.index, dtype=object)
    sfx = "998" if limit == 99 else "95"
    points["outlier"] = funnel_outliers(points["value"], points[f"{prefix}lower_{sfx}"],
                                        points[f"{prefix}upper_{sfx}"])

    start = 1.1 if data_type == "SR" else 3.0
    top = float(den.max())
    base = np.linspace(start, top, int(grid_size)) if top > start else np.empty(0)
    grid = np.unique(np.concatenate([base, den]))
    limits = _limit_table(grid, data_type, sr_method, target, in_force, scale)
    return FunnelResult(points=points, limits=limits, target=target * scale,
                        statistic=_STATISTIC[data_type],
                        method=_method(data_type, sr_method, trim_by, adjusted),
                        confidence=(0.95, 0.998), multiplier=scale, phi=phi, tau2=tau2,
                        adjusted=bool(adjusted), outlier_confidence=0.998 if limit == 99 else 0.95)
