"""Statistical disclosure control (provisional: counts 1-7 suppressed, others rounded to 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def apply_disclosure(frame: pd.DataFrame, *, count_columns: list[str]) -> pd.DataFrame:
    """Counts 1-7 shown as ``*``, others rounded to the nearest 5 (NHS Digital HES/ECDS rule)."""
    out = frame.copy()
    for column in count_columns:
        values = frame[column].astype(float)
        suppressed = values.between(1, 7)
        rounded = np.floor(values / 5 + 0.5) * 5
        out[column] = [("*" if s else f"{r:,.0f}")
                       for s, r in zip(suppressed, rounded, strict=True)]
        out[f"{column}_suppressed"] = suppressed
    return out
