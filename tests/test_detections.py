"""The planted patterns in the synthetic data are detected, read from the recorded results.

The demo data plant a step change (SYN02), a steady trend (SYN03), an outlier (SYN04) and a small
trust (SYN05); see ``lhs_reports.data.synthetic``. A build of the demo's eight trusts must find
each (eight, not fewer: the funnels' overdispersion estimate needs a spread of peers).
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV

from .helpers import REPO_ROOT, make_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("detect"), 8)
    # These tests read the results and one page: no board packs (tests/test_board_pack.py).
    catalogue = root / "params" / "reports.yaml"
    settings = yaml.safe_load(catalogue.read_text())
    settings["site"]["board_packs"] = False
    catalogue.write_text(yaml.safe_dump(settings, sort_keys=False))
    for code in ("SYN01", "SYN02", "SYN03", "SYN04", "SYN05"):
        # The repository's own parameter files: targets, and SYN02's recorded change month.
        (root / "params" / "trusts" / f"{code}.yaml").write_text(
            (REPO_ROOT / "params" / "trusts" / f"{code}.yaml").read_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 0
    results = pd.read_parquet(root / "outputs" / "results.parquet")
    return root, results


def value(results, family, trust, name):
    row = results[(results["family"] == family) & (results["id"] == trust)
                  & (results["name"] == name)]
    assert len(row) == 1, (family, trust, name)
    return row.iloc[0]


def test_the_step_change_is_detected_and_the_new_service_meets_its_target(built):
    _, results = built
    signals = value(results, "crisis_flow", "SYN02", "crisis_24h_signals_without_rebase")["value"]
    assert "outside_limits_high" in signals or "shift_high" in signals
    assert value(results, "crisis_flow", "SYN02", "crisis_24h_mean")["numeric_value"] > 75
    assert value(results, "crisis_flow", "SYN02", "crisis_24h_assurance")["value"] == \
        "consistent_pass"
    # An in-control trust shows no such signal in the same indicator.
    control = value(results, "crisis_flow", "SYN01", "crisis_24h_signals_without_rebase")["value"]
    assert "shift" not in control and "outside_limits" not in control


def test_the_steady_trend_is_detected(built):
    _, results = built
    signals = value(results, "crisis_flow", "SYN03",
                    "length_of_stay_signals_without_rebase")["value"]
    assert "shift_high" in signals and "shift_low" in signals  # high early, low late
    assert value(results, "crisis_flow", "SYN03", "length_of_stay_variation")["value"] == \
        "improvement_low"


def test_the_outlier_trust_stands_out_on_readmissions(built):
    _, results = built
    means = results[results["name"] == "readmission_30d_mean"].set_index("id")["numeric_value"]
    assert means["SYN04"] > means.drop("SYN04").max() + 5


def test_the_small_trusts_small_counts_are_suppressed_on_its_page(built):
    root, _ = built
    def activity_table(trust: str) -> str:
        page = (root / "outputs" / "_site" / "needs_assessment" / f"{trust}.html").read_text()
        start = page.index("<caption>Activity in the 12 months")
        return page[start:page.index("</table>", start)]

    assert "<td>*</td>" in activity_table("SYN05")
    assert "<td>*</td>" not in activity_table("SYN01")


def test_the_outlier_trust_is_outside_the_readmissions_funnel_and_no_in_control_trust_is(built):
    _, results = built
    outliers = value(results, "flow_variation", "all-trusts",
                     "funnel_readmission_30d_outliers")["value"]
    assert "SYN04:high" in outliers.split(",")
    assert "SYN01" not in outliers


def test_the_step_change_trust_is_high_in_the_timely_access_funnel(built):
    _, results = built
    outliers = value(results, "flow_variation", "all-trusts", "funnel_crisis_24h_outliers")
    assert "SYN02:high" in outliers["value"].split(",")


def test_the_outlier_trust_has_more_detentions_than_its_age_structure_predicts(built):
    _, results = built
    assert value(results, "needs_assessment", "SYN04",
                 "isr_mha_detentions_funnel")["value"].startswith("High")
    assert value(results, "needs_assessment", "SYN04", "isr_mha_detentions")[
        "numeric_value"] > 115


def test_the_planted_deprivation_gradient_is_found_for_every_trust(built):
    # The generator makes every measure more common in more deprived areas.
    _, results = built
    for trust in ("SYN01", "SYN02", "SYN03", "SYN04", "SYN05"):
        assert value(results, "needs_assessment", trust, "sii_referrals_significant")["value"]
        assert value(results, "needs_assessment", trust, "rii_referrals")["numeric_value"] > 1
