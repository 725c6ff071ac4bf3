"""Pure statistics on numbers and pandas objects: no I/O, no plotting.

Imports nothing else from ``lhs_reports`` except :mod:`lhs_reports.errors`.
"""

from lhs_reports.stats.its import SegmentedRegression, segmented_regression
from lhs_reports.stats.rates import (
    byar_interval,
    crude_rate,
    exact_poisson_interval,
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

__all__ = [
    "MDC_EXCEL",
    "SegmentedRegression",
    "ShortBaselineWarning",
    "assurance_icon",
    "byar_interval",
    "crude_rate",
    "exact_poisson_interval",
    "run_chart",
    "segmented_regression",
    "variation_icon",
    "wilson_interval",
    "xmr",
    "xmr_icons",
]
