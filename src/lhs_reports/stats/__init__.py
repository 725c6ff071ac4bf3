"""Pure statistics on numbers and pandas objects: no I/O, no plotting.

Imports nothing else from ``lhs_reports`` except :mod:`lhs_reports.errors`.
"""

from lhs_reports.stats.rates import byar_interval, exact_poisson_interval, wilson_interval

__all__ = ["byar_interval", "exact_poisson_interval", "wilson_interval"]
