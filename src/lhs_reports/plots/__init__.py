"""plotnine charts drawn from ``lhs_reports.stats`` results, in NHS identity, with alt text."""

from lhs_reports.plots.theme import MDC_COLOURS, NHS_PALETTE, theme_nhs

__all__ = ["MDC_COLOURS", "NHS_PALETTE", "theme_nhs"]
