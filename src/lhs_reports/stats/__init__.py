"""Pure statistics on numbers and pandas objects: no I/O, no plotting.

Imports nothing else from ``lhs_reports`` except :mod:`lhs_reports.errors`.
"""

from lhs_reports.stats.compare import benchmark_comparison
from lhs_reports.stats.funnel import (
    FunnelResult,
    funnel_grid,
    funnel_limits,
    overdispersed_funnel,
    proportion_funnel,
    rate_funnel,
    ratio_funnel,
)
from lhs_reports.stats.inequality import (
    IncompleteQuantilesWarning,
    ManyQuantilesWarning,
    inequality_by_group,
    slope_index_of_inequality,
)
from lhs_reports.stats.its import SegmentedRegression, segmented_regression
from lhs_reports.stats.quantiles import TooFewAreasWarning, assign_quantiles
from lhs_reports.stats.rates import (
    byar_interval,
    crude_rate,
    exact_poisson_interval,
    mean_interval,
    proportion,
    wilson_interval,
)
from lhs_reports.stats.run_chart import run_chart
from lhs_reports.stats.spc import (
    MDC_EXCEL,
    ShortBaselineWarning,
    assurance_icon,
    variation_icon,
    xmr,
    xmr_icons,
)
from lhs_reports.stats.standardise import (
    MIN_EVENTS,
    directly_standardised_rate,
    directly_standardised_rates,
    dobson_interval,
    esp2013,
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
)

__all__ = [
    "MDC_EXCEL",
    "MIN_EVENTS",
    "FunnelResult",
    "IncompleteQuantilesWarning",
    "ManyQuantilesWarning",
    "SegmentedRegression",
    "ShortBaselineWarning",
    "TooFewAreasWarning",
    "assign_quantiles",
    "assurance_icon",
    "benchmark_comparison",
    "byar_interval",
    "crude_rate",
    "directly_standardised_rate",
    "directly_standardised_rates",
    "dobson_interval",
    "esp2013",
    "exact_poisson_interval",
    "funnel_grid",
    "funnel_limits",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
    "inequality_by_group",
    "mean_interval",
    "overdispersed_funnel",
    "proportion",
    "proportion_funnel",
    "rate_funnel",
    "ratio_funnel",
    "run_chart",
    "segmented_regression",
    "slope_index_of_inequality",
    "variation_icon",
    "wilson_interval",
    "xmr",
    "xmr_icons",
]
