"""Pure statistics on numbers and pandas objects: no I/O, no plotting.

Imports nothing else from ``lhs_reports`` except :mod:`lhs_reports.errors`.

Every function reads its numbers through one converter (``_common.as_numeric``), so bad input
is refused the same way everywhere: text that is not a number, ``inf`` and ``-inf`` raise
:class:`~lhs_reports.errors.DataError` naming the argument (or column), the row (a Series'
index label, else the 1-based position) and the value. Each function then refuses what it
cannot compute (all-missing or degenerate input) or returns a documented result with a
warning; its docstring's Raises and Warns sections say which.
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
from lhs_reports.stats.run_chart import TooFewUsefulPointsWarning, run_chart
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
    "TooFewUsefulPointsWarning",
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
