"""The needs assessment's key findings, on populations and events written by hand.

Four trusts with the same residents (tests/handmade.py); RX4's admissions are raised, and made
steeper with deprivation, so it should be the one trust whose findings say "higher", name a
gradient and sit above its peers' funnel; TAH's activity is the others' share exactly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lhs_reports import notebook as nb
from lhs_reports.data.dictionary import GROUP_MEASURES
from lhs_reports.reports import needs_comparison as peer
from lhs_reports.reports import needs_inequality as gaps
from lhs_reports.reports import needs_narrative as say
from lhs_reports.reports.flow_indicators import INDICATORS

from .handmade import activity_by_group_rows, population_rows, trusts_table, varied_monthly

CODES = ["RX4", "TAH", "RXT", "RW5"]


@pytest.fixture(scope="module")
def peers() -> peer.PeerData:
    population = pd.concat([population_rows(code) for code in CODES], ignore_index=True)
    events = activity_by_group_rows(population)
    raised = events["trust_code"] == "RX4"
    # Twice to six times the others' admissions, most in the most deprived quintile (1).
    events.loc[raised, "admissions"] *= 7 - events.loc[raised, "imd_quintile"]
    return peer.PeerData(trusts_table(CODES), population, events)


def findings_for(peers: peer.PeerData, code: str) -> list[str]:
    population, by_group = peers.of(code)
    comparison = peer.rate_comparison(peers, code)
    by_deprivation = gaps.rates_by_segment(population, by_group, segment="imd_quintile",
                                           measures=GROUP_MEASURES)
    gradients = [gaps.deprivation_gradient(by_deprivation, population, measure=m)
                 for m in GROUP_MEASURES]
    funnels = {m: peer.peer_funnel(peers, m) for m in GROUP_MEASURES}
    return say.key_findings(comparison, gradients, funnels, code)


def test_a_trust_with_raised_admissions_is_said_to_be_higher_and_above_its_peers(peers):
    findings = findings_for(peers, "RX4")
    higher = next(f for f in findings if f.startswith("Significantly higher"))
    assert "Admissions (" in higher and "Referrals" not in higher
    steepest = next(f for f in findings if f.startswith("Steepest deprivation gradient"))
    assert steepest.startswith("Steepest deprivation gradient: Admissions, ")
    assert "more common in more deprived areas" in steepest
    assert findings[-1] == ("Beyond the 99.8% limits of the peer funnel, after allowing for "
                            "age: Admissions (above).")


def test_the_other_trusts_see_the_raised_rate_in_their_benchmark_not_in_their_own(peers):
    findings = findings_for(peers, "TAH")
    lower = next(f for f in findings if f.startswith("Significantly lower"))
    assert "Admissions (" in lower
    assert not any(f.startswith("Significantly higher") for f in findings)
    # The same share of residents in every group: no gradient to speak of.
    assert "No measure shows a clear deprivation gradient." in findings


def test_every_number_in_a_finding_is_written_by_the_formatter(peers):
    comparison = peer.rate_comparison(peers, "RX4").set_index("measure")
    admissions = comparison.loc["admissions"]
    text = " ".join(findings_for(peers, "RX4"))
    assert (f"Admissions ({admissions['value']:,.1f} against "
            f"{admissions['benchmark']:,.1f})") in text


def test_a_trust_left_out_of_the_comparisons_is_told_so_not_compared(peers):
    left = peer.PeerData(peers.trusts, peers.population, peers.by_group,
                         left_out={"RW5": "8 months of data; the comparison needs 12"})
    findings = findings_for(left, "RW5")
    assert findings[0].startswith("The rates are not compared with all trusts: this trust is "
                                  "left out")
    assert not any("peer funnel" in f for f in findings)  # not in the funnels, not placed


def test_the_findings_box_escapes_them_and_has_a_labelled_heading():
    html = nb.key_findings_html(["Rates <b>higher</b> & more"])
    assert html.startswith('<section class="lhs-key-findings" aria-labelledby="key-findings">')
    assert '<h2 id="key-findings">Key findings</h2>' in html
    assert "Rates &lt;b&gt;higher&lt;/b&gt; &amp; more" in html
    assert nb.key_findings_html([]) == ""


def test_a_trust_s_flow_findings_name_the_signal_and_the_missed_target():
    from lhs_reports.reports.flow import flow_panels
    from lhs_reports.reports.flow_findings import flow_key_findings

    monthly = varied_monthly("RX4", 24)
    # Beds held twice as long in the last eight months: a run above the mean, higher is worse.
    monthly.loc[monthly.index[-8:], "occupied_bed_days"] *= 2
    panels = flow_panels(monthly, period_end="2025-03", targets={"crisis_24h": 95.0})
    findings = flow_key_findings(panels)
    assert ("Special cause concern in the latest month: Average length of stay (higher)."
            in findings)
    assert ("Consistently misses its target: Crisis referrals seen within 24 hours."
            in findings)


def test_steady_flow_says_common_cause_only_and_a_short_series_says_too_few_months():
    from lhs_reports.reports.flow import flow_panels
    from lhs_reports.reports.flow_findings import flow_key_findings

    steady = flow_key_findings(flow_panels(varied_monthly("RX4", 24), period_end="2025-03"))
    assert steady[0].startswith("Common cause variation only")
    short = flow_key_findings(flow_panels(varied_monthly("RX4", 6), period_end="2025-03"))
    assert short == ["Too few months for process limits: "
                     + "; ".join(i.title for i in INDICATORS) + "."]


def test_the_page_across_trusts_names_the_trusts_outside_the_funnel_with_their_codes():
    from lhs_reports.reports.flow import icon_matrix
    from lhs_reports.reports.flow_findings import across_key_findings
    from lhs_reports.reports.flow_funnels import flow_funnels

    # Ten trusts, so one far from the rest cannot make the limits wide enough to hold it.
    codes = [*CODES, "RV3", "RT1", "RY2", "RH5", "RWK", "RXA"]
    frames = [varied_monthly(code, 24, seed=n) for n, code in enumerate(codes)]
    # RW5 sees nearly every crisis referral within 24 hours; the others about 70%.
    frames[3]["crisis_contacts_24h"] = frames[3]["crisis_contacts"] - 2
    monthly = pd.concat(frames, ignore_index=True)
    trusts = trusts_table(codes)
    findings = across_key_findings(icon_matrix(monthly, trusts, period_end="2025-03"),
                                   flow_funnels(monthly, period_end="2025-03"), trusts,
                                   names={"RW5": "Southmoor"})
    outside = next(f for f in findings if f.startswith("Outside the 99.8% funnel limits"))
    assert "Crisis referrals seen within 24 hours: Southmoor (RW5), above" in outside
    assert findings[0] == ("None of the 10 trusts shows special cause concern in its latest "
                           "month.")


def test_the_funnel_table_names_the_trust_outside_and_says_what_phi_means():
    from lhs_reports.reports.flow_funnels import flow_funnels, funnel_summary

    codes = [*CODES, "RV3", "RT1", "RY2", "RH5", "RWK", "RXA"]
    frames = [varied_monthly(code, 24, seed=n) for n, code in enumerate(codes)]
    frames[3]["crisis_contacts_24h"] = frames[3]["crisis_contacts"] - 2
    funnels = flow_funnels(pd.concat(frames, ignore_index=True), period_end="2025-03")
    row = funnel_summary(funnels, trusts_table(codes), names={"RW5": "Southmoor"}).iloc[0]
    assert row["Outside the 99.8% limits"] == "Southmoor (RW5): above"
    phi = funnels["crisis_24h"].phi
    assert row["Overdispersion (φ)"].startswith(f"φ = {phi:.2f}: the trusts vary about ")
    assert row["Limits"].startswith("widened for the extra variation (Spiegelhalter's method): "
                                    "τ² = ")
