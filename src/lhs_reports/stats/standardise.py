"""Direct and indirect age standardisation (OHID/PHE indicator methods).

Directly standardised rates (DSRs) weight each age band's crude rate by a standard population,
by default the European Standard Population 2013 (:func:`esp2013`), with Dobson's confidence
interval; they are not calculated when the total count is below 10. Indirectly standardised
ratios and rates compare the observed count with the count expected from reference age-specific
rates, with exact (below 10) or Byar limits. All follow PHEindicatormethods 2.1.0 and are
validated against its test workbooks; see the methods page ``methods/standardisation.qmd``.

References
----------
.. [1] Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for weighted
   sums of Poisson parameters. Stat Med 10:457-462. doi:10.1002/sim.4780100317
.. [2] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, vol. II. IARC.
.. [3] Eurostat (2013). Revision of the European Standard Population: report of Eurostat's task
   force. ISBN 978-92-79-31094-2, doi:10.2785/11470
.. [4] OHID. PHEindicatormethods 2.1.0, ``R/DSR.R``, ``R/ISRatio.R``, ``R/ISRate.R``.
"""

from __future__ import annotations

from lhs_reports.stats._dsr import (
    MIN_EVENTS,
    directly_standardised_rate,
    dobson_interval,
    esp2013,
)
from lhs_reports.stats._dsr_groups import directly_standardised_rates
from lhs_reports.stats._indirect import (
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
)

__all__ = [
    "MIN_EVENTS",
    "directly_standardised_rate",
    "directly_standardised_rates",
    "dobson_interval",
    "esp2013",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
]
