"""Crisis and acute flow indicators (GIRFT): definitions and monthly series per trust.

GIRFT's adult crisis and acute mental health messages: report outcome data routinely, give
timely access before crisis, and keep flow "easy in, easy out". Each indicator is a ratio of two
monthly counts from the activity table, with the direction that counts as improvement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lhs_reports.plots.mdc_icons import ASSURANCE_ICONS, NO_TARGET, IconCell, icon_cell
from lhs_reports.reports.flow_indicators import INDICATORS, INDICATORS_BY_ID, Indicator

__all__ = ["INDICATORS", "INDICATORS_BY_ID", "MIN_POINTS_FOR_LIMITS", "FlowPanel", "Indicator",
           "flow_panels", "icon_summary", "indicator_series", "panel_alt_text", "panel_chart",
           "period_totals", "record_panels", "recorded_icon_cell"]

#: Points a period needs before its process limits are drawn: the methods page's baseline
#: (Making Data Count: limits from fewer points are unreliable; 15-20 are better). Below it a
#: panel shows the values alone, with no variation or assurance icon.
MIN_POINTS_FOR_LIMITS = 12


def indicator_series(monthly: pd.DataFrame, indicator: Indicator) -> pd.Series:
    """The indicator's monthly values, indexed by month (months with a zero denominator are NaN).

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                         "followups_72h": [8, 0], "discharges": [10, 0]})
    >>> indicator_series(monthly, INDICATORS_BY_ID["followup_72h"]).tolist()
    [80.0, nan]
    """
    ordered = monthly.sort_values("month")
    if len(ordered) > 1:
        # Every calendar month, so a month declared missing is a gap (NaN), not skipped over.
        every = pd.date_range(ordered["month"].iloc[0], ordered["month"].iloc[-1], freq="MS")
        ordered = ordered.set_index("month").reindex(every).rename_axis("month").reset_index()
    numerator = ordered[indicator.numerator].astype(float)
    if indicator.denominator is None:
        values = numerator
    else:
        denominator = ordered[indicator.denominator].astype(float)
        values = numerator / denominator.where(denominator > 0)
    return pd.Series((values * indicator.multiplier).to_numpy(), index=pd.DatetimeIndex(
        ordered["month"], name="month"), name=indicator.id)


def period_totals(monthly: pd.DataFrame, indicator: Indicator) -> tuple[float, float]:
    """Numerator and denominator summed over the rows given (e.g. the latest year)."""
    numerator = float(monthly[indicator.numerator].sum())
    denominator = float(monthly[indicator.denominator].sum()) if indicator.denominator else 1.0
    return numerator, denominator


@dataclass(frozen=True)
class FlowPanel:
    """One indicator for one trust: its monthly values, and its XmR result and icons when the
    latest limits period has enough points (``result`` is None otherwise)."""

    indicator: Indicator
    values: pd.Series
    result: pd.DataFrame | None
    icons: dict[str, str | None]
    unrebased_special_causes: frozenset[str]
    #: Non-missing points in the latest limits period (since the change month, if any).
    points: int
    since: pd.Timestamp | None = None
    target: float | None = None

    @property
    def too_few_points(self) -> str:
        """Why there are no process limits ("" when there are)."""
        if self.result is not None:
            return ""
        when = f" since the change in {self.since:%B %Y}" if self.since is not None else ""
        return (f"Too few points for process limits: {self.points} month"
                f"{'' if self.points == 1 else 's'} with a value{when}, and "
                f"{MIN_POINTS_FOR_LIMITS} are needed.")

    @property
    def latest_text(self) -> str:
        """The latest month's value, or why it was not calculated (never "nan")."""
        if self.values.empty:
            return "not calculated: no months in the period"
        value = self.values.iloc[-1]
        if pd.notna(value):
            return self.indicator.label(float(value))
        month = f"{self.values.index[-1]:%B %Y}"
        if self.indicator.denominator is None:
            return f"not calculated: no value for {month}"
        return f"not calculated: no {self.indicator.denominator.replace('_', ' ')} in {month}"


def flow_panels(monthly: pd.DataFrame, *, period_end: str, change_month: str | None = None,
                targets: dict[str, float] | None = None) -> list[FlowPanel]:
    """XmR results for every indicator, up to ``period_end``, rebased at ``change_month``.

    A period with fewer than :data:`MIN_POINTS_FOR_LIMITS` values gets no limits and no icons
    (see :attr:`FlowPanel.too_few_points`). ``unrebased_special_causes`` records what the chart
    shows *without* the rebase, so a report can say that the data themselves signal the change
    the parameter file records.
    """
    import warnings

    from lhs_reports.stats.spc import ShortBaselineWarning, rebase_positions, xmr, xmr_icons

    targets = targets or {}
    end = pd.Timestamp(f"{period_end}-01")
    window = monthly.loc[monthly["month"] <= end]
    since = pd.Timestamp(f"{change_month}-01") if change_month else None
    panels = []
    for indicator in INDICATORS:
        series = indicator_series(window, indicator)
        latest = series if since is None else series[series.index >= since]
        points = int(latest.notna().sum())
        target = targets.get(indicator.id)
        if points < MIN_POINTS_FOR_LIMITS:
            # A trust with no months in the period (in the data, no activity yet) has no start.
            changed = (since if since is not None and not series.empty
                       and since > series.index[0] else None)
            panels.append(FlowPanel(indicator, series, None,
                                    {"variation": None, "assurance": None}, frozenset(),
                                    points, changed, target))
            continue
        rebase = rebase_positions(series.index, [since]) if since is not None else None
        with warnings.catch_warnings():
            # Only the rebased-away earlier period can be short here; its limits are history.
            warnings.simplefilter("ignore", ShortBaselineWarning)
            result = xmr(series, improvement=indicator.improvement, target=target,
                         rebase_at=rebase)
            plain = xmr(series, improvement=indicator.improvement)
        # For the chart and its text: limits beyond what the indicator can take are shown at
        # the bound (spc_chart reads this).
        result.attrs["possible_range"] = indicator.possible_range
        icons = xmr_icons(result)
        if pd.isna(series.iloc[-1]):
            icons = {**icons, "variation": None}  # the latest month has no value to judge
        panels.append(FlowPanel(indicator, series, result, icons,
                                frozenset(plain["special_cause"]) - {"none"}, points, since,
                                target))
    return panels


def panel_chart(panel: FlowPanel) -> Any:
    """The panel's chart: the XmR chart, or the values alone when there are too few points."""
    from lhs_reports.plots.spc import spc_chart, values_chart

    if panel.result is None:
        return values_chart(panel.values, title=panel.indicator.title,
                            y_label=panel.indicator.unit, note=panel.too_few_points)
    return spc_chart(panel.result, title=panel.indicator.title, y_label=panel.indicator.unit)


def panel_alt_text(panel: FlowPanel) -> str:
    """Alt text for :func:`panel_chart`, from the same numbers."""
    from lhs_reports.plots.spc import spc_alt_text, values_alt_text

    measure = panel.indicator.title.lower()
    if panel.result is None:
        return values_alt_text(panel.values, measure=measure, unit=panel.indicator.unit,
                               note=panel.too_few_points)
    return spc_alt_text(panel.result, measure=measure, unit=panel.indicator.unit)


def _variation_cell(panel: FlowPanel, *, with_text: bool) -> IconCell | str:
    """The variation icon, or words saying why there is none."""
    if panel.result is None:
        return "Too few points for process limits"
    if panel.icons["variation"] is None:
        return "Not calculated (no value for the latest month)"
    return icon_cell(panel.icons["variation"], with_text=with_text) or ""


def _assurance_cell(panel: FlowPanel) -> IconCell | str:
    """The assurance icon with its words, or words saying why there is none."""
    if panel.result is None:
        return "Not assessed"
    return icon_cell(None, panel.icons["assurance"], with_text=True) or NO_TARGET


def icon_summary(panels: list[FlowPanel]) -> pd.DataFrame:
    """The Making Data Count summary table: latest value, mean, variation and assurance.

    The Variation and Assurance cells are :class:`~lhs_reports.plots.mdc_icons.IconCell`
    objects (icon and words; ``str()`` gives the words) where there is an icon, and words
    saying why where there is none ("Too few points for process limits", "No target").
    """
    rows = []
    for panel in panels:
        target = panel.target
        mean = None if panel.result is None else panel.result["mean"].iloc[-1]
        rows.append({
            "Indicator": panel.indicator.title,
            "GIRFT message": panel.indicator.message,
            "Latest": panel.latest_text,
            "Mean": "-" if mean is None or pd.isna(mean) else panel.indicator.label(float(mean)),
            "Target": "-" if target is None else panel.indicator.label(float(target)),
            "Variation": _variation_cell(panel, with_text=True),
            "Assurance": _assurance_cell(panel),
        })
    return pd.DataFrame(rows)


def record_panels(panels: list[FlowPanel]) -> None:
    """Publish each indicator's headline results for cross-trust pages and tests."""
    from lhs_reports.results import record

    for panel in panels:
        key = panel.indicator.id
        latest = panel.values.iloc[-1] if not panel.values.empty else None
        mean = None if panel.result is None else panel.result["mean"].iloc[-1]
        record(f"{key}_latest", None if latest is None else float(latest),
               unit=panel.indicator.unit)
        record(f"{key}_mean", None if mean is None else float(mean), unit=panel.indicator.unit)
        record(f"{key}_variation", "too_few_points" if panel.result is None
               else panel.icons["variation"] or "not_calculated")
        record(f"{key}_assurance", panel.icons["assurance"] or "none")
        record(f"{key}_signals_without_rebase", ",".join(sorted(panel.unrebased_special_causes)))


#: What :func:`record_panels` publishes where an indicator has no variation icon, in words.
_RECORDED_WITHOUT_ICON = {"too_few_points": "Too few points for process limits",
                          "not_calculated": "Not calculated (no value for the latest month)"}


def recorded_icon_cell(values: Mapping[str, Any], indicator_id: str, *,
                       with_text: bool = False) -> IconCell | str:
    """The icon cell for one indicator from the values :func:`record_panels` published
    (``{name: value}``), for pages built from a build's results, such as an organisation's
    page; words saying why where there is no icon.

    Examples
    --------
    >>> str(recorded_icon_cell({"crisis_24h_variation": "concern_low",
    ...                         "crisis_24h_assurance": "inconsistent"}, "crisis_24h"))
    'Concern (lower); hit and miss'
    >>> recorded_icon_cell({"crisis_24h_variation": "too_few_points",
    ...                     "crisis_24h_assurance": "none"}, "crisis_24h")
    'Too few points for process limits'
    """
    variation = str(values[f"{indicator_id}_variation"])
    assurance = values.get(f"{indicator_id}_assurance")
    assurance = None if assurance in (None, "none") else str(assurance)
    if variation in _RECORDED_WITHOUT_ICON:
        return _RECORDED_WITHOUT_ICON[variation]
    return icon_cell(variation, assurance, with_text=with_text) or ""


def icon_matrix(monthly: pd.DataFrame, trusts: pd.DataFrame, *, period_end: str,
                settings: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Organisations x indicators: each cell the variation icon (and assurance where a target
    is set), computed exactly as each trust's own flow report computes it.

    Cells with icons are :class:`~lhs_reports.plots.mdc_icons.IconCell` objects standing alone
    (each icon named by its text equivalent; :func:`lhs_reports.notebook.table_html` colours
    the cell by what the variation icon says); ``str()`` of a cell gives its words, e.g.
    "Common cause; hit and miss". Cells without an icon hold words saying why.

    ``settings`` maps organisation codes to their own parameters (``trust_name``,
    ``change_month``, ``targets``, as :func:`lhs_reports.params.organisation_settings` returns
    them); an organisation in the data without settings has no targets and no change month.

    An organisation whose data end before ``period_end`` (it stopped reporting, or reports
    late) is left out: its latest point is not this period's, so every cell says so and why,
    rather than showing an old month's icon as if it were current; one in the trusts table
    with no monthly rows is left out saying so.

    Examples
    --------
    >>> months = pd.date_range("2023-07-01", "2024-06-01", freq="MS")
    >>> monthly = pd.DataFrame({"trust_code": "RW5", "month": months, "crisis_contacts": 10,
    ...                         "crisis_contacts_24h": 8, "occupied_bed_days": 300,
    ...                         "discharges": 10, "delayed_discharge_days": 3,
    ...                         "out_of_area_bed_days": 0, "followups_72h": 8,
    ...                         "readmissions_30d": 1})
    >>> trusts = pd.DataFrame({"trust_code": ["RW5"], "trust_name": ["Southmoor"]})
    >>> icon_matrix(monthly, trusts, period_end="2025-03").iloc[0, :2].tolist()
    ['Southmoor (RW5)', 'Left out: its data end in June 2024']
    >>> str(icon_matrix(monthly, trusts, period_end="2024-06").iloc[0, 1])
    'Common cause'

    """
    from lhs_reports.reports.periods import coverage_gap

    settings = settings or {}
    end = pd.Timestamp(f"{period_end}-01")
    rows = []
    for code, name in zip(trusts["trust_code"], trusts["trust_name"], strict=True):
        own = settings.get(code)
        mine = monthly.loc[monthly["trust_code"] == code]
        row: dict[str, IconCell | str] = {
            "Trust": f"{getattr(own, 'trust_name', name)} ({code})"}
        if mine.empty:  # in the trusts table, but no monthly rows: nothing to chart
            rows.append(row | {i.title: "Left out: no monthly data" for i in INDICATORS})
            continue
        if mine["month"].max() < end:
            why = str(coverage_gap(mine["month"], period_end)).split(";")[0]
            rows.append(row | {i.title: f"Left out: {why}" for i in INDICATORS})
            continue
        panels = flow_panels(mine, period_end=period_end,
                             change_month=getattr(own, "change_month", None),
                             targets=getattr(own, "targets", None))
        for panel in panels:
            cell = _variation_cell(panel, with_text=False)
            assurance = panel.icons["assurance"]
            if isinstance(cell, IconCell) and assurance is not None:
                cell = icon_cell(panel.icons["variation"], assurance) or cell
            elif panel.result is not None and assurance is not None:
                # No latest value to judge, but the limits still give assurance: say both.
                cell = f"{cell}; {ASSURANCE_ICONS[assurance].short.lower()}"
            row[panel.indicator.title] = cell
        rows.append(row)
    return pd.DataFrame(rows)
