"""lhs-reports: the same trustworthy analysis for every NHS trust, team or area, as a website."""

from importlib.metadata import PackageNotFoundError, version

from lhs_reports.errors import (
    AuditError,
    BuildError,
    DataError,
    LhsReportsError,
    ParameterError,
    RenderError,
)

try:
    __version__ = version("lhs-reports")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "AuditError",
    "BuildError",
    "DataError",
    "LhsReportsError",
    "ParameterError",
    "RenderError",
    "__version__",
]
