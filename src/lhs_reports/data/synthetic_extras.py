"""Synthetic survey responses and case-study series for the demo (deterministic, fictitious).

- **LHS priorities survey**: each trust's staff and patient partners rate the eight priority
  areas for action on a 1-5 scale. Each trust has its own strengths and gaps, so the
  self-assessment reports differ; scores are drawn from a seeded generator.
- **Case-study series**: for the case studies whose measure can be shown over time, an
  *illustrative* monthly series with a change in level and slope at the month the change was
  made. These are not the studies' results and every page that shows them says so.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from lhs_reports.data.dictionary import PRIORITY_AREAS, RESPONDENT_ROLES

DEFAULT_SEED = 20240401
_ROLE_WEIGHTS = np.array([0.35, 0.25, 0.15, 0.1, 0.15])


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


def survey_responses(trust_codes: list[str], *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per respondent and priority area, for each trust.

    Examples
    --------
    >>> frame = survey_responses(["SYN01"])
    >>> sorted(frame["priority_area"].unique()) == sorted(PRIORITY_AREAS)
    True
    >>> bool(frame["score"].between(1, 5).all())
    True
    """
    frames = []
    for code in trust_codes:
        rng = np.random.default_rng([seed, _stable(code), 7])
        n = int(rng.integers(40, 121))
        roles = rng.choice(RESPONDENT_ROLES, size=n, p=_ROLE_WEIGHTS)
        # Each trust's latent strength per area (on the logit of "agree"), plus role effects.
        strength = rng.normal(0.0, 0.8, len(PRIORITY_AREAS))
        role_effect = {"Clinician": -0.1, "Manager": 0.3, "Analyst": -0.2, "Board member": 0.5,
                       "Patient partner": -0.3}
        rows = []
        for i in range(n):
            latent = strength + role_effect[roles[i]] + rng.normal(0, 0.6, len(PRIORITY_AREAS))
            scores = np.clip(np.round(3 + 1.1 * latent), 1, 5).astype(int)
            for area, score in zip(PRIORITY_AREAS, scores, strict=True):
                rows.append((code, f"{code}-R{i + 1:03d}", roles[i], area, int(score)))
        frames.append(pd.DataFrame(rows, columns=["trust_code", "respondent_id", "role",
                                                  "priority_area", "score"]))
    return pd.concat(frames, ignore_index=True)


#: Shape of each illustrative series: (baseline rate, level change, monthly slope change,
#: denominator per month, "proportion" or "rate").
CASE_STUDY_SHAPES: dict[str, tuple[float, float, float, int, str]] = {
    "flow-coaching-academy": (0.18, 0.05, 0.002, 900, "proportion"),
    "pincer": (0.045, -0.008, -0.0004, 20_000, "rate"),
    "hipqip": (0.68, 0.07, 0.003, 220, "proportion"),
    "precept2": (0.64, 0.10, 0.004, 60, "proportion"),
}


#: The month each change was made, as in the demo parameter files (params/case_studies/).
CASE_STUDY_CHANGES: dict[str, str] = {
    "flow-coaching-academy": "2022-10",
    "pincer": "2022-04",
    "hipqip": "2023-01",
    "precept2": "2022-07",
}


def case_study_series(case_study_id: str, change_month: str, *, months: int = 48,
                      first_month: str = "2020-04", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """An illustrative monthly series with a change in level and slope at ``change_month``.

    Examples
    --------
    >>> frame = case_study_series("precept2", "2022-07")
    >>> len(frame), int(frame["synthetic"].max())
    (48, 1)
    """
    baseline, level, slope, denominator, _ = CASE_STUDY_SHAPES[case_study_id]
    rng = np.random.default_rng([seed, _stable(case_study_id), 11])
    month = pd.date_range(first_month, periods=months, freq="MS")
    t = np.arange(months)
    after = (month >= pd.Timestamp(f"{change_month}-01")).astype(float)
    start = int(np.argmax(after)) if after.any() else months
    pre_trend = baseline * 0.002 * (1 if level > 0 else -1)
    p = baseline + pre_trend * t + after * (level + slope * (t - start))
    p = np.clip(p * (1 + 0.03 * np.sin(2 * np.pi * t / 12)), 0.001, 0.999)
    denominators = rng.poisson(denominator, months)
    numerators = rng.binomial(denominators, p)
    return pd.DataFrame({"case_study_id": case_study_id, "month": month,
                         "numerator": numerators, "denominator": denominators, "synthetic": 1})
