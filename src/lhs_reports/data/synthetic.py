"""Deterministic synthetic demo data for fictitious NHS mental-health trusts.

Nothing here is real: organisation names are invented and every number is drawn from seeded
random generators. The data are shaped like the real thing (see
:mod:`lhs_reports.data.dictionary`) and contain patterns the statistics should find:

==========  ===================================================================================
``SYN02``   a **step change**: from April 2023 (month 25) crisis contacts rise by a fifth and the
            share seen within 24 hours jumps from 62 % to 80 % (a new crisis service).
``SYN03``   a **steady trend**: crisis contacts and referrals grow about 1 % a month, and occupied
            bed days fall about 1.5 % a month.
``SYN04``   a **genuine outlier**: emergency readmissions within 30 days run at about 19 % of
            discharges against about 10 % elsewhere, and more admissions are detentions.
``SYN05``   a **small trust** (about 45,000 residents) with small monthly counts.
others      in control: stable rates with seasonal and Poisson noise.
==========  ===================================================================================

Each trust has its own random stream, ``default_rng([seed, trust_number])``, so a trust's data
do not depend on how many trusts are generated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lhs_reports.data.demo_manifest import (
    DEFAULT_N_MONTHS,
    DEFAULT_N_TRUSTS,
    DEFAULT_SEED,
    MANIFEST_NAME,
    expected_manifest,
    is_current,
)
from lhs_reports.data.dictionary import (
    AGE_BANDS,
    ETHNIC_GROUPS,
    GROUP_MEASURES,
    IMD_QUINTILES,
    SEXES,
    TABLES,
)
from lhs_reports.data.io import write_table_atomic
from lhs_reports.data.synthetic_extras import (
    CASE_STUDY_CHANGES,
    case_study_series,
    survey_responses,
)

FIRST_MONTH = pd.Timestamp("2021-04-01")

#: Planted patterns, by trust code.
STEP_CHANGE_TRUST = "SYN02"
STEP_CHANGE_MONTH = 24  # 0-based: April 2023
TREND_TRUST = "SYN03"
OUTLIER_TRUST = "SYN04"
SMALL_TRUST = "SYN05"


@dataclass(frozen=True)
class TrustProfile:
    """What makes one synthetic trust different from the others."""

    code: str
    name: str
    region: str
    population: int
    deprivation: float  # >0 tilts the population towards IMD quintile 1
    diversity: float  # share of the population not in the White group
    pattern: str = "in_control"


_NAMED = (
    ("Northshire Mental Health NHS Trust", "North", 850_000, 0.0, 0.12),
    ("Eastvale Partnership NHS Foundation Trust", "East", 620_000, 0.1, 0.18),
    ("Southmoor Health and Care NHS Trust", "South", 540_000, -0.2, 0.10),
    ("Westbrook Mental Health NHS Foundation Trust", "West", 700_000, 0.5, 0.30),
    ("Fenmarsh Community NHS Trust", "East", 45_000, 0.0, 0.06),
    ("Highdale Care NHS Foundation Trust", "North", 480_000, 0.2, 0.08),
    ("Riverford Mental Health NHS Trust", "South", 760_000, -0.1, 0.22),
    ("Kingsmere and Lowfield NHS Foundation Trust", "West", 390_000, 0.3, 0.15),
)
_PLACES = (
    "Ashcombe", "Brackenfold", "Cinderford Vale", "Dunmere", "Elmstead", "Farrowdale",
    "Greywick", "Hollinbury", "Ivelmoor", "Juniper Coast", "Kestrel Downs", "Larkhaven",
    "Marrowby", "Netherstow", "Oakhurst", "Pellingham", "Quarrymoor", "Redmarsh", "Saltergate",
    "Thornleigh", "Upperwold", "Vantage Fells", "Wensmere", "Yarrowfield", "Zennor Reach",
)
_PATTERNS = {
    STEP_CHANGE_TRUST: "step_change",
    TREND_TRUST: "trend",
    OUTLIER_TRUST: "outlier",
    SMALL_TRUST: "small",
}

# Relative rates of mental-health activity by age band (adult services: low below 15).
_AGE_RR = np.array(
    [0.05, 0.08, 0.15, 0.8, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.85, 0.7, 0.55, 0.45, 0.4, 0.35,
     0.35, 0.35]
)
# Population age structure (share per band), roughly an English catchment.
_AGE_SHARE = np.array(
    [5.4, 5.9, 5.9, 5.6, 5.9, 6.7, 7.0, 6.8, 6.4, 6.1, 6.6, 6.9, 6.4, 5.5, 5.0, 4.5, 3.0, 1.7, 0.9]
)
_IMD_RR = np.array([1.8, 1.4, 1.1, 0.9, 0.75])
_SEX_RR = {"referrals": (1.1, 0.9), "crisis_contacts": (1.0, 1.0), "admissions": (0.9, 1.1),
           "mha_detentions": (0.8, 1.25)}
_ETHNIC_RR = {
    "referrals": (0.8, 1.2, 1.1, 1.0, 0.9),
    "crisis_contacts": (0.8, 1.5, 1.2, 1.0, 1.0),
    "admissions": (0.8, 1.9, 1.3, 1.0, 1.1),
    "mha_detentions": (0.9, 3.5, 1.6, 1.0, 1.3),
}
# Annual events per resident at relative rate 1 (so rates per 100,000 are plausible).
_BASE_ANNUAL_RATE = {
    "referrals": 0.030,
    "crisis_contacts": 0.012,
    "admissions": 0.0012,
}


def organisation_code(index: int) -> str:
    """The code of the ``index``-th fictitious organisation (from 0): unique at any number.

    Examples
    --------
    >>> organisation_code(0), organisation_code(99), organisation_code(6299)
    ('SYN01', 'SYN100', 'SYN6300')
    """
    return f"SYN{index + 1:02d}"


def organisation_name(index: int) -> str:
    """The fictitious name of the ``index``-th organisation (from 0): the eight named ones, then
    a place, numbered from its second use, so every name is unique at any number.

    Examples
    --------
    >>> organisation_name(0)
    'Northshire Mental Health NHS Trust'
    >>> organisation_name(8), organisation_name(8 + 25)
    ('Ashcombe Mental Health NHS Trust', 'Ashcombe 2 Mental Health NHS Trust')
    """
    if index < len(_NAMED):
        return _NAMED[index][0]
    place = _PLACES[(index - len(_NAMED)) % len(_PLACES)]
    cycle = (index - len(_NAMED)) // len(_PLACES)
    suffix = "" if cycle == 0 else f" {cycle + 1}"
    return f"{place}{suffix} Mental Health NHS Trust"


def trust_profiles(n_trusts: int = DEFAULT_N_TRUSTS) -> list[TrustProfile]:
    """The fictitious trusts: eight named ones with planted patterns, then generated ones.

    Examples
    --------
    >>> [p.code for p in trust_profiles(3)]
    ['SYN01', 'SYN02', 'SYN03']
    >>> trust_profiles(8)[4].pattern
    'small'
    """
    profiles = []
    for i in range(n_trusts):
        code = organisation_code(i)
        if i < len(_NAMED):
            name, region, population, deprivation, diversity = _NAMED[i]
        else:
            rng = np.random.default_rng([DEFAULT_SEED, i + 1, 0])
            name = organisation_name(i)
            region = ("North", "East", "South", "West")[i % 4]
            population = int(rng.integers(300_000, 900_000))
            deprivation = float(rng.uniform(-0.3, 0.4))
            diversity = float(rng.uniform(0.05, 0.3))
        profiles.append(
            TrustProfile(code, name, region, population, deprivation, diversity,
                         _PATTERNS.get(code, "in_control"))
        )
    return profiles


def _population(profile: TrustProfile, rng: np.random.Generator) -> pd.DataFrame:
    age = _AGE_SHARE * rng.uniform(0.9, 1.1, len(AGE_BANDS))
    age = age / age.sum()
    # Older bands are more female.
    female = np.clip(0.49 + np.linspace(0, 0.12, len(AGE_BANDS)) ** 2 * 6, 0, 0.7)
    imd = np.exp(-profile.deprivation * np.arange(5))
    imd = imd / imd.sum()
    other = profile.diversity * np.array([0.45, 0.25, 0.18, 0.0, 0.12])
    ethnic = other.copy()
    ethnic[3] = 1 - profile.diversity
    probs = (
        age[:, None, None, None]
        * np.stack([female, 1 - female], axis=1)[:, :, None, None]
        * imd[None, None, :, None]
        * ethnic[None, None, None, :]
    )
    counts = rng.multinomial(profile.population, probs.ravel()).reshape(probs.shape)
    index = pd.MultiIndex.from_product(
        [AGE_BANDS, SEXES, IMD_QUINTILES, ETHNIC_GROUPS],
        names=["age_band", "sex", "imd_quintile", "ethnic_group"],
    )
    frame = pd.DataFrame({"population": counts.ravel()}, index=index).reset_index()
    frame.insert(0, "trust_code", profile.code)
    return frame


def _relative_rates(population: pd.DataFrame, measure: str) -> np.ndarray:
    age = _AGE_RR[pd.Categorical(population["age_band"], AGE_BANDS).codes]
    imd = _IMD_RR[population["imd_quintile"].to_numpy() - 1]
    sex = np.where(population["sex"] == "Female", *_SEX_RR[measure])
    ethnic = np.asarray(_ETHNIC_RR[measure])[
        pd.Categorical(population["ethnic_group"], ETHNIC_GROUPS).codes
    ]
    return age * imd * sex * ethnic


def _monthly(profile: TrustProfile, population: pd.DataFrame, n_months: int,
             rng: np.random.Generator) -> pd.DataFrame:
    months = pd.date_range(FIRST_MONTH, periods=n_months, freq="MS")
    t = np.arange(n_months)
    season = 1 + 0.06 * np.sin(2 * np.pi * (months.month.to_numpy() - 1) / 12)
    pop = population["population"].to_numpy()

    def expected(measure: str) -> float:
        rr = _relative_rates(population, measure)
        return float((pop * rr).sum() * _BASE_ANNUAL_RATE[measure] / 12)

    growth = np.ones(n_months)
    crisis_step = np.ones(n_months)
    p24 = np.full(n_months, 0.62)
    bed_day_trend = np.ones(n_months)
    readmit_p, detention_p = 0.10, 0.45
    if profile.pattern == "trend":
        growth = 1.01**t
        bed_day_trend = 0.985**t
    elif profile.pattern == "step_change":
        crisis_step = np.where(t >= STEP_CHANGE_MONTH, 1.2, 1.0)
        p24 = np.where(t >= STEP_CHANGE_MONTH, 0.80, 0.62)
    elif profile.pattern == "outlier":
        readmit_p, detention_p = 0.19, 0.58

    referrals = rng.poisson(expected("referrals") * season * growth)
    crisis = rng.poisson(expected("crisis_contacts") * season * growth * crisis_step)
    crisis_24h = rng.binomial(crisis, p24)
    admissions_rate = expected("admissions") * season
    admissions = rng.poisson(admissions_rate)
    discharges = rng.poisson(admissions_rate)
    length_of_stay = 32.0 * bed_day_trend
    bed_days = rng.poisson(admissions_rate * length_of_stay)
    followups = rng.binomial(discharges, 0.78)
    readmissions = rng.binomial(discharges, readmit_p)
    out_of_area = rng.negative_binomial(2, 2 / (2 + admissions_rate * 3.0))
    delayed = rng.poisson(admissions_rate * 4.0 * rng.gamma(20, 1 / 20, n_months))
    detentions = rng.binomial(admissions, detention_p)

    return pd.DataFrame(
        {
            "trust_code": profile.code,
            "month": months,
            "referrals": referrals,
            "crisis_contacts": crisis,
            "crisis_contacts_24h": crisis_24h,
            "admissions": admissions,
            "occupied_bed_days": bed_days,
            "discharges": discharges,
            "followups_72h": followups,
            "readmissions_30d": readmissions,
            "out_of_area_bed_days": out_of_area,
            "delayed_discharge_days": delayed,
            "mha_detentions": detentions,
        }
    )


def _by_group(population: pd.DataFrame, monthly: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
    # The latest 12 months' totals, shared out over population groups in proportion to
    # population x relative rate, so the breakdown adds up to the monthly table exactly.
    latest = monthly.tail(12)
    frame = population.drop(columns="population").copy()
    pop = population["population"].to_numpy()
    for measure in GROUP_MEASURES:
        weights = pop * _relative_rates(population, measure)
        total = int(latest[measure].sum())
        frame[measure] = rng.multinomial(total, weights / weights.sum())
    return frame


def generate(n_trusts: int = DEFAULT_N_TRUSTS, *, seed: int = DEFAULT_SEED,
             n_months: int = DEFAULT_N_MONTHS) -> dict[str, pd.DataFrame]:
    """Generate the demo tables (see :mod:`lhs_reports.data.dictionary`) in memory.

    Parameters
    ----------
    n_trusts
        How many fictitious trusts (the first eight carry the planted patterns).
    seed
        Base seed; the same seed always gives the same data.
    n_months
        Months of activity from April 2021 (at least 36).

    Examples
    --------
    >>> tables = generate(2, n_months=36)
    >>> sorted(tables)
    ['activity_by_group', 'activity_monthly', 'case_study_series', 'lhs_survey', 'population',
     'trusts']
    >>> len(tables["activity_monthly"])
    72
    """
    if n_months < 36:
        raise ValueError("n_months must be at least 36")
    profiles = trust_profiles(n_trusts)
    trusts, populations, monthlies, groups = [], [], [], []
    for number, profile in enumerate(profiles, start=1):
        rng = np.random.default_rng([seed, number])
        population = _population(profile, rng)
        monthly = _monthly(profile, population, n_months, rng)
        populations.append(population)
        monthlies.append(monthly)
        groups.append(_by_group(population, monthly, rng))
        trusts.append(
            {"trust_code": profile.code, "trust_name": profile.name, "region": profile.region,
             "synthetic": 1}
        )
    tables = {
        "trusts": pd.DataFrame(trusts),
        "activity_monthly": pd.concat(monthlies, ignore_index=True),
        "population": pd.concat(populations, ignore_index=True),
        "activity_by_group": pd.concat(groups, ignore_index=True),
        "lhs_survey": survey_responses([p.code for p in profiles], seed=seed),
        "case_study_series": pd.concat(
            [case_study_series(cid, month, seed=seed) for cid, month in CASE_STUDY_CHANGES.items()],
            ignore_index=True),
    }
    for name, frame in tables.items():
        tables[name] = frame[TABLES[name].column_names]
    return tables


def write_demo_data(directory: str | Path, n_trusts: int = DEFAULT_N_TRUSTS, *,
                    seed: int = DEFAULT_SEED, n_months: int = DEFAULT_N_MONTHS) -> Path:
    """Generate the demo data and write it as Parquet, atomically, one file per trust.

    ``trusts.parquet`` lists the trusts; every other table is a folder with one file per trust
    (``activity_monthly/SYN01.parquet``), as a data warehouse's per-organisation extracts would
    be, so a change to one trust's data changes only that trust's files (and reports).
    ``manifest.json`` (written last) records what was generated, so :func:`ensure_demo_data`
    can tell when to regenerate.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in generate(n_trusts, seed=seed, n_months=n_months).items():
        if name == "trusts":
            write_table_atomic(frame, directory / f"{name}.parquet")
            continue
        folder = directory / name
        (directory / f"{name}.parquet").unlink(missing_ok=True)  # an older single-file layout
        by = "case_study_id" if name == "case_study_series" else "trust_code"
        for code, part in frame.groupby(by, sort=True):
            write_table_atomic(part.reset_index(drop=True), folder / f"{code}.parquet")
        wanted = {f"{code}.parquet" for code in frame[by].unique()}
        for stale in folder.glob("*.parquet"):
            if stale.name not in wanted:
                stale.unlink()
    manifest = directory / MANIFEST_NAME
    tmp = manifest.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(expected_manifest(n_trusts, seed, n_months), indent=2))
    tmp.replace(manifest)
    return directory


def ensure_demo_data(directory: str | Path, n_trusts: int = DEFAULT_N_TRUSTS, *,
                     seed: int = DEFAULT_SEED, n_months: int = DEFAULT_N_MONTHS) -> Path:
    """Write the demo data unless ``directory`` already holds exactly this generation."""
    directory = Path(directory)
    if is_current(directory, n_trusts, seed, n_months, list(TABLES)):
        return directory
    return write_demo_data(directory, n_trusts, seed=seed, n_months=n_months)
