"""Where each input can come from: the Mental Health Services Data Set (MHSDS) and its monthly
statistics, column by column, and what MHSDS does not provide.

Shown on the site's About the data page. Measure IDs and names are those of NHS England's
Mental Health Services Monthly Statistics as published in 2025 (the measure metadata of
NHSDigital/mental-health-monthly-statistics, ``menh_bbrb/notebooks/measure_metadata.py`` and
the main monthly lookup tables). Only mappings we are confident of are claimed; definitions
change between MHSDS versions, so the page tells readers to check the current metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Provided = Literal["yes", "partly", "no"]

#: Said once on the page, above the mapping.
CAVEAT = (
    "Measure IDs and names are those of the Mental Health Services Monthly Statistics in 2025; "
    "check the current MHSDS metadata before relying on them, since definitions change between "
    "MHSDS versions. Published measures cover every service and age MHSDS holds unless their "
    "name says otherwise: where a column below is about adult acute beds or adult services, "
    "count those from your own MHSDS extract with the same definition."
)


@dataclass(frozen=True)
class Source:
    """Where one input column (``table.column``, or a whole ``table``) can come from."""

    input: str
    provided: Provided
    measure: str
    note: str = ""


MHSDS_SOURCES: tuple[Source, ...] = (
    Source("activity_monthly.referrals", "partly",
           "MHS32: referrals starting in the reporting period",
           "All services and ages in the published measure; count adult mental health "
           "services only."),
    Source("activity_monthly.crisis_contacts", "yes",
           "MHS29b: contacts with crisis resolution service or home treatment team",
           "MHS30b counts attended contacts only; use one of the two throughout."),
    Source("activity_monthly.crisis_contacts_24h", "partly",
           "CCR120: new urgent referrals to crisis care teams with first face-to-face contact "
           "within 24 hours of referral",
           "Not the same definition: MHSDS divides by urgent referrals to crisis care teams "
           "(CCR71), this column is part of crisis_contacts. Give both columns from the same "
           "definition."),
    Source("activity_monthly.admissions", "partly",
           "MHS27: admissions to hospital in the reporting period",
           "All hospital admissions in the published measure; count adult acute beds only."),
    Source("activity_monthly.occupied_bed_days", "partly",
           "MHS24: bed days in the reporting period",
           "All hospital bed days (MHS25 excludes leave); count adult acute beds only."),
    Source("activity_monthly.discharges", "partly",
           "MHS28: discharges from hospital in the reporting period",
           "All hospital discharges; for the 72-hour follow-up, MHS78 (discharges from adult "
           "acute beds eligible for 72-hour follow-up) is the published denominator."),
    Source("activity_monthly.followups_72h", "yes",
           "MHS79: discharges from adult acute beds followed up within 72 hours",
           "The numerator of MHS80, whose denominator is MHS78."),
    Source("activity_monthly.readmissions_30d", "no",
           "None in the monthly statistics",
           "Derive from hospital spells in your own MHSDS extract or patient administration "
           "system."),
    Source("activity_monthly.out_of_area_bed_days", "yes",
           "OAP02a: inappropriate out-of-area placement bed days in adult acute beds",
           "Published with the MHSDS monthly statistics (formerly the separate Out of Area "
           "Placements collection)."),
    Source("activity_monthly.delayed_discharge_days", "partly",
           "MHS26: days of delayed discharge, for patients clinically ready for discharge",
           "All hospital stays in the published measure; count adult acute beds only."),
    Source("activity_monthly.mha_detentions", "yes",
           "MHS81: detentions in the reporting period",
           "Monthly figures are provisional until the data are refreshed; NHS England's "
           "annual Mental Health Act Statistics are the reference count."),
    Source("activity_by_group", "partly",
           "Not published with this four-way breakdown",
           "Count the same measures from your own MHSDS extract by age, gender, ethnic "
           "category and deprivation of the area of residence."),
    Source("trusts", "no", "Organisation reference data (ODS codes and names)",
           "Not an MHSDS measure; the publication's provider codes are ODS codes."),
    Source("population", "no", "Not in MHSDS",
           "ONS population estimates (age, sex), Census 2021 (ethnic group) and the English "
           "Indices of Deprivation (IMD quintile) for the trust's catchment."),
    Source("lhs_survey", "no", "Not in MHSDS", "The organisation's own survey."),
    Source("case_study_series", "no", "Not in MHSDS", "Each case study's own measure."),
)
