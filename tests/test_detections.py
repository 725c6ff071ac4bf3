"""The planted patterns in the synthetic data are detected, read from the recorded results.

The demo data plant a step change (SYN02), a steady trend (SYN03), an outlier (SYN04) and a small
trust (SYN05); see ``lhs_reports.data.synthetic``. A build of five trusts must find each.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV

from .helpers import REPO_ROOT, make_project

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("detect"), 5)
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
    page = (root / "outputs" / "_site" / "needs_assessment" / "SYN05.html").read_text()
    assert "<td>*</td>" in page
    big = (root / "outputs" / "_site" / "needs_assessment" / "SYN01.html").read_text()
    assert "<td>*</td>" not in big
