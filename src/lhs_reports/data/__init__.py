"""Data: the dictionary, pandera schemas, loaders and the synthetic demo generator.

Attributes are imported on first use, so that light modules (``data.locations``,
``data.dictionary``) do not pull in pandas and pandera.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TABLES": "lhs_reports.data.dictionary",
    "data_are_synthetic": "lhs_reports.data.origin",
    "dictionary_frame": "lhs_reports.data.dictionary",
    "TrustData": "lhs_reports.data.loaders",
    "load_table": "lhs_reports.data.loaders",
    "load_trust_data": "lhs_reports.data.loaders",
    "resolve_data_dir": "lhs_reports.data.loaders",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lhs_reports.data' has no attribute {name!r}")
