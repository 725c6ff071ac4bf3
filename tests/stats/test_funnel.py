"""Funnel plots against PHEindicatormethods 2.1.0 and FunnelPlotR 0.6.0.

Reference values, transcribed below with their sources:

- FunnelPlotR (nhs-r-community/FunnelPlotR@9020d497) tests ``test-poisson_limits.R``,
  ``test-classes_methods.R``, ``test-aggregate_fun.R`` and ``test-outliers_func.R``, with the
  full digits from the shared reference README (section 3.3). Tolerance 1e-9 relative: closed
  forms with FunnelPlotR's own hard-coded z = 1.959964 / 3.090232.
- PHEindicatormethods (ukhsa-collaboration/PHEindicatormethods) ``tests/testthat``:
  ``testdata_funnel_prop_inputs.csv`` (303 PCTs: numerator, denominator and PHE's expected
  significance; area names dropped), ``testdata_funnel_prop_outputs.csv`` (the 100-row axis
  table, printed to 6 decimals, so compared to half a unit in the 6th decimal),
  ``testdata_funnel_prop_outputs_with_axis_variation.csv`` (the PCTs with denominator < 31000;
  8 decimals) and ``testdata_funnel_ratio_outputs.csv`` (expected-event bounds that PHE's
  ``poisson_funnel`` finds by bisecting v = E / (1 + O + E) until the step is below 1e-7, so they
  are compared on the v scale with tolerance 1e-7).
- Everything else is checked against a direct scipy re-derivation written in the test.
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from lhs_reports.errors import DataError
from lhs_reports.stats.funnel import (
    FunnelResult,
    FunnelWarning,
    UnadjustedLimitsWarning,
    funnel_grid,
    funnel_limits,
    funnel_outliers,
    overdispersed_funnel,
    proportion_funnel,
    rate_funnel,
    ratio_funnel,
)

REL = 1e-9
LIMITS = ["lower_95", "upper_95", "lower_998", "upper_998"]
OD_LIMITS = [f"od_{name}" for name in LIMITS]
Z95, Z998 = 1.959964, 3.090232  # FunnelPlotR's hard-coded constants (README section 7, trap 8)


def read(text: str, names: list[str]) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text.strip()), header=None, names=names)


def quietly(call, *args, **kwargs):
    """Run a funnel that may warn (e.g. no overdispersion) without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FunnelWarning)
        return call(*args, **kwargs)


# --- FunnelPlotR ---------------------------------------------------------------------------

# test-poisson_limits.R: SR unadjusted (exact Poisson) limits at E = 15, 20, 30.
POISSON = {
    "lower_95": [0.559692408852221, 0.610825979270197, 0.674695800714030],
    "upper_95": [1.64934792476572, 1.54441889513373, 1.42756217982692],
    "lower_998": [0.386265034854835, 0.447910663381301, 0.528972359904679],
    "upper_998": [2.08290730190295, 1.90209406769250, 1.70277080553081],
}
# test-classes_methods.R: funnel_plot(num, denom, group = a..f) with the defaults (SR, SHMI).
CLASSES_NUM = [100, 150, 180, 80, 120, 225]
CLASSES_DEN = [108, 112, 165, 95, 100, 220]
CLASSES_PHI = 2.94803317510236
CLASSES_TAU2 = 0.0194775305780216
CLASSES_OD998_A = (0.592233713321448, 1.68852258408536)  # group a, E = 108
# test-outliers_func.R: fixed ratios and limits, and the expected 0/1 outlier flags.
OUTLIER_RR = [1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0]
OUTLIER_CASES = [  # case, lower, upper, expected flags
    ("95 unadjusted", 0.9, 1.1, [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]),
    ("95 adjusted", 0.79, 1.21, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    ("99 unadjusted", 0.59, 1.41, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]),
    ("99 adjusted", 0.38, 1.62, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
]


@pytest.mark.parametrize("column", LIMITS)
def test_unadjusted_ratio_limits_match_funnelplotr_poisson_limits(column):
    result = quietly(overdispersed_funnel, [15, 20, 30], [15, 20, 30], data_type="SR")
    assert result.points[column].tolist() == pytest.approx(POISSON[column], rel=REL)


def test_funnelplotr_classes_example_gives_its_phi_tau2_od_limits_and_no_outliers():
    result = overdispersed_funnel(pd.Series(CLASSES_NUM, index=list("abcdef")),
                                  pd.Series(CLASSES_DEN, index=list("abcdef")), data_type="SR")
    assert result.phi == pytest.approx(CLASSES_PHI, rel=REL)
    assert result.tau2 == pytest.approx(CLASSES_TAU2, rel=REL)
    assert result.adjusted
    a = result.points.loc["a"]
    assert (a["od_lower_998"], a["od_upper_998"]) == pytest.approx(CLASSES_OD998_A, rel=REL)
    assert result.outliers.empty
    assert result.points["outlier"].isna().all()


def test_organisations_sharing_a_label_are_summed_as_funnelplotr_aggregates():
    labels = ["a", "a", "a", "b", "b", "c"]
    result = quietly(overdispersed_funnel, pd.Series([100, 150, 180, 89, 120, 225], labels),
                     pd.Series([102, 135, 165, 95, 100, 220], labels), data_type="SR")
    assert list(result.points.index) == ["a", "b", "c"]
    assert result.points["value"].round(6).tolist() == [1.069652, 1.071795, 1.022727]


@pytest.mark.parametrize(("case", "lower", "upper", "expected"), OUTLIER_CASES)
def test_outlier_flags_reproduce_funnelplotr_outliers_func(case, lower, upper, expected):
    flags = funnel_outliers(OUTLIER_RR, lower, upper)
    assert [int(flag is not None) for flag in flags] == expected
    assert flags.iloc[-1] == "low" and flags.iloc[8] in ("high", None)


def test_a_value_on_a_limit_is_inside_it():
    assert funnel_outliers([0.9, 1.1], 0.9, 1.1).tolist() == [None, None]


def test_overdispersed_limits_use_funnelplotrs_hard_coded_z_not_the_exact_quantile():
    n = np.array([50.0, 200.0, 800.0])
    result = quietly(overdispersed_funnel, [20, 90, 400], n, data_type="PR")
    angle = math.asin(math.sqrt(510 / 1050))
    for z, suffix in ((Z95, "95"), (Z998, "998")):
        expected = np.sin(angle + z / (2 * np.sqrt(n))) ** 2
        assert result.points[f"upper_{suffix}"].to_numpy() == pytest.approx(expected, rel=1e-12)
    exact = np.sin(angle + sps.norm.ppf(0.975) / (2 * np.sqrt(n))) ** 2
    assert not np.allclose(result.points["upper_95"], exact, rtol=1e-9, atol=0)


def winsorised_dispersion(z: np.ndarray, s: np.ndarray, trim: float = 0.1):
    """φ and τ² re-derived for the test (R quantile type 7 = numpy 'linear')."""
    low, high = np.percentile(z, [100 * trim, 100 * (1 - trim)], method="linear")
    zw = np.clip(z, low, high)
    n = len(z)
    phi = np.mean(zw**2)
    w = 1 / s**2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, tau2


CQC_O = np.array([30, 45, 80, 12, 60, 150, 95, 20, 41, 70, 55, 33.0])
CQC_E = np.array([25, 50, 60, 20, 58, 120, 100, 30, 40, 50, 62, 30.0])


def test_cqc_limits_are_squared_back_to_the_ratio_scale():
    result = overdispersed_funnel(CQC_O, CQC_E, data_type="SR", sr_method="CQC")
    s = 1 / (2 * np.sqrt(CQC_E))
    phi, tau2 = winsorised_dispersion((np.sqrt(CQC_O / CQC_E) - 1) / s, s)
    assert result.adjusted and result.phi == pytest.approx(phi, rel=REL)
    assert result.tau2 == pytest.approx(tau2, rel=REL)
    width = Z998 * np.sqrt(1 / (4 * CQC_E) + tau2)
    assert result.points["od_lower_998"].to_numpy() == pytest.approx((1 - width) ** 2, rel=REL)
    assert result.points["od_upper_998"].to_numpy() == pytest.approx((1 + width) ** 2, rel=REL)


def test_ratio_of_counts_and_proportions_are_winsorised_before_phi():
    o = np.array([12, 30, 45, 80, 20, 64, 51, 17, 90, 33.0])
    d = np.array([40, 70, 100, 150, 60, 110, 130, 50, 140, 75.0])
    rc = overdispersed_funnel(o, d, data_type="RC", multiplier=100)
    s = np.sqrt(o / (o + 0.5) ** 2 + d / (d + 0.5) ** 2)
    z = (np.log((o + 0.5) / (d + 0.5)) - math.log(o.sum() / d.sum())) / s
    assert (rc.phi, rc.tau2) == pytest.approx(winsorised_dispersion(z, s), rel=REL)
    assert rc.target == pytest.approx(100 * o.sum() / d.sum(), rel=REL)
    width = Z95 * np.sqrt(1 / (4 * d) + rc.tau2)  # FunnelPlotR uses 1/(2√n) here, not s
    expected = 100 * np.exp(math.log(o.sum() / d.sum()) + width)
    assert rc.points["od_upper_95"].to_numpy() == pytest.approx(expected, rel=REL)
    pr = quietly(overdispersed_funnel, o, d, data_type="PR")
    s = 1 / (2 * np.sqrt(d))
    z = (np.arcsin(np.sqrt(o / d)) - math.asin(math.sqrt(o.sum() / d.sum()))) / s
    assert (pr.phi, pr.tau2) == pytest.approx(winsorised_dispersion(z, s), rel=REL)


def test_shmi_truncates_the_outer_tenths_by_rank():
    o = np.arange(1, 21) * 10.0 + np.array([15, -9, 4, 0, 22, -13, 7, 3, -5, 30] * 2)
    e = np.arange(1, 21) * 10.0
    result = quietly(overdispersed_funnel, o, e, data_type="SR")
    rank = sps.rankdata(np.sqrt(e) * np.log(o / e))
    kept = (np.floor(rank * 10 / 21) > 0) & (np.floor(rank * 10 / 21) < 9)
    assert result.points["z_trimmed"].notna().to_numpy().tolist() == kept.tolist()
    z = np.sqrt(e) * np.log(o / e)
    assert result.phi == pytest.approx(np.mean(z[kept] ** 2), rel=REL)


def test_shmi_expected_counts_are_rounded_to_two_decimals():
    result = quietly(overdispersed_funnel, [10, 12], [9.876, 11.111], data_type="SR")
    assert result.points["denominator"].tolist() == [9.88, 11.11]
    kept = quietly(overdispersed_funnel, [10, 12], [9.876, 11.111], data_type="SR",
                   shmi_rounding=False)
    assert kept.points["denominator"].tolist() == [9.876, 11.111]


def test_proportion_lower_limit_is_zero_where_the_angle_turns_back():
    result = quietly(overdispersed_funnel, [1, 2, 40], [5, 10, 400], data_type="PR")
    lower = result.limits["lower_998"]
    assert (lower[result.limits["denominator"] < 20] == 0).all()
    assert lower.is_monotonic_increasing


def test_drawing_grid_runs_from_funnelplotr_start_and_includes_the_data():
    sr = quietly(overdispersed_funnel, [12, 30], [10.5, 42.25], data_type="SR", grid_size=50)
    assert sr.limits["denominator"].iloc[0] == pytest.approx(1.1)
    assert {10.5, 42.25} <= set(sr.limits["denominator"])
    assert len(sr.limits) == 51  # 50 grid points (ending at 42.25) plus 10.5
    pr = quietly(overdispersed_funnel, [12, 30], [40, 90], data_type="PR", grid_size=50)
    assert pr.limits["denominator"].iloc[0] == 3 and pr.limits["denominator"].iloc[-1] == 90


def test_outliers_use_the_chosen_limit_and_the_limits_in_force():
    o = np.array([130, 150, 180, 80, 120, 225, 60, 300.0])
    e = np.array([108, 112, 165, 95, 100, 220, 110, 200.0])
    at_99 = overdispersed_funnel(o, e, data_type="SR", limit=99)
    at_95 = overdispersed_funnel(o, e, data_type="SR", limit=95)
    value = at_95.points["value"]
    outside_95 = (value > at_95.points["od_upper_95"]) | (value < at_95.points["od_lower_95"])
    assert at_95.points["outlier"].notna().tolist() == outside_95.tolist()
    assert at_99.outliers.index.isin(at_95.outliers.index).all()
    assert at_99.outlier_confidence == 0.998 and at_95.outlier_confidence == 0.95


# --- PHE / Fingertips ----------------------------------------------------------------------

# testdata_funnel_ratio_outputs.csv: expected-event bounds for selected observed counts
# (Observed_events, lower_2s_exp_events, upper_2s_exp_events, lower_3s_exp_events,
# upper_3s_exp_events). "lower_2s" is the expected count at which O is on the lower 95% limit.
RATIO_BOUNDS = [
    (1, 5.571644585, 0.025317898, 9.233410143, 0.001000547),
    (2, 7.224687515, 0.242209467, 11.22886836, 0.04540199),
    (10, 18.39035799, 4.795387629, 24.13397235, 2.960519925),
    (100, 121.6268111, 81.36400699, 134.9243187, 71.92139974),
    (716, 770.4222128, 664.5083011, 802.60414, 636.1521174),
]
# The same file, row obs = 1: the "count" (limit - 1) and "isr" (limit x 100) transforms, in
# the order lower 95, upper 95, lower 99.8, upper 99.8.
RATIO_COUNT_1 = [-0.820519779, 38.49774946, -0.891697652, 998.4532721]
RATIO_ISR_1 = [17.94802207, 3949.774946, 10.83023482, 99945.32721]
# The file's Observed_events column: PHE's axis table for ratios, from
# testdata_funnel_ratio_inputs.csv, whose expected counts run from 4.293052052 to 706.7669173.
RATIO_AXIS = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31, 32, 33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 58, 61, 64, 67,
    70, 73, 76, 80, 84, 88, 92, 96, 100, 105, 110, 115, 120, 126, 132, 138, 144, 151, 158, 165,
    173, 181, 189, 198, 207, 217, 227, 238, 249, 261, 273, 286, 299, 313, 328, 343, 359, 376,
    394, 413, 432, 452, 473, 495, 518, 543, 569, 596, 624, 653, 684, 716,
]
BISECTION_V = 1e-7  # PHE stops bisecting v = E / (1 + O + E) once its step is below 1e-7

# testdata_funnel_prop_inputs.csv: numerator, denominator, PHE's significance (303 PCTs).
PCT_INPUTS = """
35078.4880000,41980,High (0.001)
24803.6256000,31824,Low (0.001)
50050.7443000,61921,Not significant
48686.4364000,59804,High (0.001)
35795.6324000,45449,Low (0.001)
66969.6742000,80002,High (0.001)
48514.4460000,64755,Low (0.001)
70670.2858000,93122,Low (0.001)
26029.3176000,33708,Low (0.001)
22506.3828000,25932,High (0.001)
20619.5552000,25852,Low (0.001)
19847.1920000,23684,High (0.001)
23617.7778000,28954,High (0.001)
21121.0160000,27530,Low (0.001)
30294.3882000,41066,Low (0.001)
24648.7596000,30521,Not significant
18986.0000000,22000,High (0.001)
31759.3850000,39350,Not significant
26008.3050000,29850,High (0.001)
49524.9445000,63065,Low (0.001)
24107.1107000,28519,High (0.001)
55471.6028000,73972,Low (0.001)
30573.2632000,39752,Low (0.001)
49513.0482000,69993,Low (0.001)
39350.4825000,52293,Low (0.001)
54063.9774000,71034,Low (0.001)
55438.5333000,77743,Low (0.001)
29561.6517000,36627,Not significant
18631.5660000,21342,High (0.001)
32137.8848000,38024,High (0.001)
18365.4621000,29277,Low (0.001)
27622.3500000,35076,Low (0.001)
18205.1925000,22215,High (0.001)
20235.1110000,24590,High (0.001)
29722.5035000,41845,Low (0.001)
46855.9900000,56453,High (0.001)
33893.8041000,40989,High (0.001)
18550.7595000,22905,Not significant
48475.9332000,59604,High (0.001)
27846.1152000,36486,Low (0.001)
21114.2036000,25214,High (0.001)
26529.3344000,32048,High (0.001)
26789.2380000,33012,High (0.025)
43206.2400000,51744,High (0.001)
42896.1330000,55818,Low (0.001)
38999.9142000,45662,High (0.001)
24877.3400000,29528,High (0.001)
15990.2792000,18602,High (0.001)
27609.7972000,33434,High (0.001)
51464.1825000,63185,High (0.001)
42343.3836000,50967,High (0.001)
17321.4088000,21587,Not significant
15808.1975000,20597,Low (0.001)
58476.8416000,73316,Low (0.001)
40167.5494000,48949,High (0.001)
26669.8560000,31480,High (0.001)
23388.3000000,29985,Low (0.001)
23320.2424000,29848,Low (0.001)
22102.1585000,26885,High (0.001)
41085.5856000,52566,Low (0.001)
22094.6563000,28969,Low (0.001)
31573.5024000,39212,Not significant
43009.4060000,50380,High (0.001)
32822.1995000,38411,High (0.001)
22030.9072000,27388,Not significant
16404.9694000,19574,High (0.001)
26103.1484000,31442,High (0.001)
32072.8360000,42520,Low (0.001)
16971.6940000,20522,High (0.001)
41936.1228000,49764,High (0.001)
36850.0492000,45449,High (0.025)
58527.8136000,68598,High (0.001)
32974.2245000,37715,High (0.001)
31386.2036000,36649,High (0.001)
24145.8074000,28886,High (0.001)
30111.0810000,37037,High (0.001)
37539.3770000,44743,High (0.001)
31681.4948000,37951,High (0.001)
34502.0685000,42485,High (0.025)
24108.2412000,28177,High (0.001)
20623.8688000,23267,High (0.001)
28315.4886000,32569,High (0.001)
23685.9377000,28397,High (0.001)
32311.8720000,39024,High (0.001)
31340.3520000,36240,High (0.001)
29336.9895000,34665,High (0.001)
26560.1090000,33710,Low (0.001)
17971.5636000,21012,High (0.001)
21059.6532000,25306,High (0.001)
55711.1808000,66704,High (0.001)
23910.2469000,29457,High (0.025)
24789.7336000,28879,High (0.001)
30239.1376000,36904,High (0.001)
19328.1155000,22229,High (0.001)
21955.5516000,25661,High (0.001)
29301.6135000,33415,High (0.001)
30821.2788000,36363,High (0.001)
30898.8120000,41160,Low (0.001)
49993.8450000,61050,High (0.001)
44395.0808000,52801,High (0.001)
21953.8428000,26868,High (0.001)
14493.3552000,17964,Not significant
41853.2554000,53174,Low (0.001)
17967.1247000,22603,Low (0.001)
60027.0906000,73079,High (0.001)
21834.8100000,26307,High (0.001)
21838.3308000,28041,Low (0.001)
17288.2710000,19998,High (0.001)
26371.7175000,29775,High (0.001)
37216.4698000,45986,Not significant
33458.8056000,42962,Low (0.001)
39994.4982000,46821,High (0.001)
15371.4413000,17951,High (0.001)
18169.4562000,21739,High (0.001)
29196.8608000,35632,High (0.001)
34759.1180000,44449,Low (0.001)
30453.2129000,37741,Not significant
29865.2200000,33880,High (0.001)
27617.9472000,32507,High (0.001)
30277.5312000,37828,Low (0.025)
24866.9160000,30929,Not significant
21139.2936000,25992,High (0.025)
20759.6500000,25750,Not significant
27035.5764000,32898,High (0.001)
21823.4910000,26517,High (0.001)
21463.4220000,25491,High (0.001)
41388.6880000,49508,High (0.001)
21306.0303000,26333,Not significant
34087.5366000,42926,Low (0.001)
35804.9654000,42433,High (0.001)
29921.5840000,35860,High (0.001)
37930.4752000,45904,High (0.001)
22297.9500000,26865,High (0.001)
49272.1026000,59493,High (0.001)
20649.9294000,27121,Low (0.001)
36343.7088000,46028,Low (0.001)
29299.4686000,36929,Low (0.001)
53485.6845000,64965,High (0.001)
33001.0560000,38720,High (0.001)
18773.5158000,23894,Low (0.001)
38314.0408000,47678,Not significant
38045.3716000,46958,High (0.025)
16924.1296000,20776,High (0.025)
17414.1015000,21085,High (0.001)
34188.8140000,42001,High (0.001)
15524.9934000,19257,Not significant
30035.0871000,37269,Not significant
27851.4816000,36724,Low (0.001)
19109.2370000,25513,Low (0.001)
16997.2937000,21839,Low (0.001)
35982.2873000,44461,Not significant
30905.7200000,37075,High (0.001)
30006.6536000,35752,High (0.001)
41001.8990000,59726,Low (0.001)
41581.1286000,53166,Low (0.001)
33431.7795000,39795,High (0.001)
53873.8618000,63877,High (0.001)
41825.7675000,49005,High (0.001)
17487.1408000,21176,High (0.001)
19020.9916000,22441,High (0.001)
48590.8983000,60459,Not significant
52752.0840000,64806,High (0.001)
46269.4848000,62594,Low (0.001)
17677.9584000,23328,Low (0.001)
27321.2720000,34024,Not significant
13551.2220000,16386,High (0.001)
24180.7545000,29151,High (0.001)
59356.4384000,73352,Not significant
21667.1616000,26869,Not significant
30130.0802000,38149,Low (0.001)
27715.4463000,34981,Low (0.001)
29334.6610000,36238,Not significant
32730.8129000,43289,Low (0.001)
21893.0980000,25666,High (0.001)
27706.9455000,35345,Low (0.001)
55735.3934000,67714,High (0.001)
22557.7128000,26236,High (0.001)
41657.6196000,50202,High (0.001)
20013.1828000,25196,Low (0.001)
20125.9692000,24254,High (0.001)
72885.0164000,96053,Low (0.001)
51088.3010000,67595,Low (0.001)
24159.2202000,30906,Low (0.001)
41206.0880000,49616,High (0.001)
37299.2620000,46277,Not significant
29053.7724000,38436,Low (0.001)
44673.5670000,54255,High (0.001)
41423.2908000,49103,High (0.001)
33742.5907000,40747,High (0.001)
18599.3456000,22264,High (0.001)
20275.7984000,24544,High (0.001)
21877.7319000,25943,High (0.001)
48450.4800000,57135,High (0.001)
33210.6936000,39284,High (0.001)
46717.7490000,58617,Low (0.001)
40575.3975000,54647,Low (0.001)
38496.4354000,50507,Low (0.001)
25938.8600000,32834,Low (0.001)
23104.8464000,27112,High (0.001)
29375.6832000,35248,High (0.001)
25156.8975000,29775,High (0.001)
18504.9982000,22739,High (0.025)
25810.4160000,31172,High (0.001)
32352.2484000,40787,Low (0.001)
29947.9362000,35763,High (0.001)
19676.7054000,23111,High (0.001)
21057.8940000,24543,High (0.001)
24217.5490000,28670,High (0.001)
48244.4227000,57427,High (0.001)
37764.5735000,45803,High (0.001)
26734.0178000,32867,High (0.001)
29311.7004000,35908,High (0.001)
20781.4840000,25672,Not significant
38384.7005000,48619,Low (0.001)
40086.8865000,51705,Low (0.001)
64290.8550000,88775,Low (0.001)
43879.7100000,56220,Low (0.001)
50161.2996000,68043,Low (0.001)
46828.1065000,61901,Low (0.001)
71273.1704000,92108,Low (0.001)
17183.6880000,20920,High (0.001)
30309.7041000,36699,High (0.001)
18746.7077000,23233,Not significant
19663.4268000,24012,High (0.001)
40416.5916000,49518,High (0.001)
29709.0543000,36583,High (0.025)
24154.9560000,28035,High (0.001)
44689.6786000,52171,High (0.001)
32810.9509000,38077,High (0.001)
56140.4742000,70053,Low (0.001)
33698.3088000,42484,Low (0.001)
19941.1968000,24224,High (0.001)
57183.5824000,68656,High (0.001)
32555.8572000,39476,High (0.001)
32294.8308000,39188,High (0.001)
40118.0766000,49273,High (0.001)
35176.5102000,39734,High (0.001)
32335.6402000,38893,High (0.001)
43886.9340000,53586,High (0.001)
40207.3551000,47883,High (0.001)
42177.0041000,54233,Low (0.001)
51594.8418000,60922,High (0.001)
55826.0785000,67139,High (0.001)
19387.5944000,23308,High (0.001)
50623.2867000,61593,High (0.001)
44620.7166000,54462,High (0.001)
42724.9914000,51594,High (0.001)
41845.5120000,51789,Not significant
39309.8886000,49242,Low (0.001)
41728.5048000,57908,Low (0.001)
47372.6876000,66647,Low (0.001)
74612.5980000,101060,Low (0.001)
56898.4045000,79835,Low (0.001)
58379.6200000,77324,Low (0.001)
69813.9400000,92776,Low (0.001)
46932.2676000,56929,High (0.001)
27543.7679000,32393,High (0.001)
19618.6936000,22406,High (0.001)
21614.9820000,25671,High (0.001)
31834.0190000,38345,High (0.001)
43622.6530000,52274,High (0.001)
18672.6456000,22683,High (0.001)
58815.3654000,72237,High (0.001)
32775.7593000,38977,High (0.001)
33232.5100000,38620,High (0.001)
56530.8036000,68622,High (0.001)
42276.3940000,51670,High (0.001)
37945.3125000,46875,Not significant
32638.4190000,38786,High (0.001)
67289.9760000,87435,Low (0.001)
56612.0280000,67540,High (0.001)
48822.4950000,60990,Low (0.001)
28735.0316000,37631,Low (0.001)
45239.2392000,56634,Low (0.001)
81412.8600000,102950,Low (0.001)
38873.3924000,48236,Not significant
18003.1000000,21955,High (0.001)
22441.8338000,28946,Low (0.001)
20274.1032000,24292,High (0.001)
59851.2992000,75992,Low (0.001)
24374.6640000,29438,High (0.001)
27339.7012000,33131,High (0.001)
20574.1692000,25948,Low (0.001)
13240.9172000,16477,Not significant
25812.6393000,32753,Low (0.001)
31973.4336000,39488,Not significant
25716.8488000,30806,High (0.001)
25700.2025000,30775,High (0.001)
38797.1714000,46397,High (0.001)
36354.8534000,43838,High (0.001)
53914.2098000,64537,High (0.001)
33506.9514000,40482,High (0.001)
53405.3864000,67363,Low (0.001)
46845.3090000,58962,Low (0.001)
36378.5696000,45202,Not significant
45320.7168000,63904,Low (0.001)
43013.5895000,55181,Low (0.001)
45487.9818000,60066,Low (0.001)
49697.2917000,65331,Low (0.001)
66151.5729000,76273,High (0.001)
28537.4507000,35201,High (0.025)
45559.3820000,54070,High (0.001)
26882.4969000,32573,High (0.001)
"""
# testdata_funnel_prop_outputs.csv (baseline 80.642448): Population, Lower2s0025limit,
# Upper2s0025limit, Lower3s0001limit, Upper3s0001limit.
PROP_OUTPUTS = """
1,3.204264,100,0,100
2,25.885383,100,0,100
3,35.933491,100,10.150815,100
4,41.923356,100,19.594903,100
5,46.011039,100,26.039864,100
6,49.028442,100,30.797336,100
7,51.373565,100,34.494842,100
8,53.263915,100,37.475315,100
9,54.82972,100,39.944085,100
10,56.154344,100,42.03259,100
11,57.293957,100,43.829393,100
12,58.28797,100,45.396631,100
13,59.16496,100,46.779363,100
14,59.946223,100,48.011163,100
16,61.282902,100,50.118675,100
18,62.390093,98.894803,51.864359,100
20,63.326743,97.958152,53.341156,100
22,64.132572,97.152324,54.611687,100
24,64.835445,96.449451,55.719892,100
27,65.739462,95.545433,57.145237,100
30,66.504234,94.780661,58.351036,100
33,67.16219,94.122705,59.388421,100
37,67.911689,93.373207,60.570139,100
41,68.548635,92.73626,61.574398,99.710497
45,69.098645,92.186251,62.441586,98.843309
50,69.691035,91.593861,63.375595,97.909301
55,70.200685,91.08421,64.179149,97.105746
61,70.727504,90.557391,65.009774,96.275122
68,71.251689,90.033207,65.836243,95.448652
75,71.700657,89.584239,66.544121,94.740774
83,72.142503,89.142393,67.240771,94.044125
92,72.568959,88.715937,67.913155,93.371741
102,72.974925,88.309971,68.553233,92.731663
113,73.357676,87.927219,69.156708,92.128188
125,73.716166,87.56873,69.721931,91.562965
139,74.074227,87.210669,70.286478,90.998418
154,74.402301,86.882595,70.803745,90.481151
171,74.720602,86.564294,71.305603,89.979293
190,75.024492,86.260404,71.784739,89.500157
211,75.311383,85.973512,72.237075,89.04782
234,75.580155,85.70474,72.660842,88.624054
260,75.839936,85.44496,73.070432,88.214464
289,76.087261,85.197635,73.460384,87.824512
321,76.32027,84.964626,73.827764,87.457131
356,76.538232,84.746663,74.171421,87.113475
395,76.74611,84.538786,74.499177,86.785719
438,76.942308,84.342587,74.808519,86.476377
486,77.12978,84.155115,75.104102,86.180794
539,77.306949,83.977947,75.38344,85.901456
598,77.475765,83.809131,75.649608,85.635287
664,77.637263,83.647632,75.904239,85.380656
737,77.789976,83.49492,76.145017,85.139878
818,77.934885,83.35001,76.373493,84.911403
908,78.072571,83.212324,76.59058,84.694316
1008,78.203374,83.081521,76.796814,84.488082
1119,78.327506,82.95739,76.992529,84.292366
1242,78.445123,82.839773,77.177973,84.106923
1379,78.557126,82.727769,77.354567,83.930329
1531,78.663349,82.621547,77.522045,83.76285
1699,78.763743,82.521152,77.680336,83.60456
1886,78.859312,82.425583,77.831017,83.453878
2093,78.949785,82.335111,77.973663,83.311233
2323,79.035764,82.249132,78.109224,83.175672
2578,79.117294,82.167602,78.237771,83.047125
2861,79.194689,82.090207,78.359798,82.925098
3175,79.268142,82.016753,78.47561,82.809285
3524,79.337968,81.946927,78.585704,82.699192
3911,79.40419,81.880706,78.690113,82.594783
4341,79.467117,81.817779,78.789329,82.495567
4818,79.526814,81.758082,78.883452,82.401444
5348,79.583537,81.701359,78.972886,82.31201
5936,79.63735,81.647545,79.057733,82.227163
6588,79.688382,81.596514,79.138193,82.146703
7312,79.736846,81.548049,79.214606,82.07029
8116,79.782872,81.502024,79.287174,81.997722
9008,79.82654,81.458355,79.356024,81.928871
9998,79.867989,81.416907,79.421375,81.863521
11097,79.907338,81.377558,79.483416,81.80148
12316,79.944665,81.340231,79.542269,81.742627
13669,79.980099,81.304797,79.598137,81.686759
15171,80.013741,81.271155,79.65118,81.633716
16838,80.045674,81.239222,79.701527,81.583368
18688,80.075982,81.208914,79.749314,81.535582
20742,80.10476,81.180135,79.794688,81.490208
23022,80.13208,81.152816,79.837761,81.447134
25552,80.158005,81.126891,79.878637,81.406259
28360,80.182613,81.102283,79.917436,81.36746
31477,80.205974,81.078922,79.954269,81.330627
34936,80.228144,81.056751,79.989225,81.295671
38775,80.249188,81.035707,80.022404,81.262492
43036,80.269164,81.015732,80.053899,81.230996
47766,80.288128,80.996768,80.083799,81.201097
53016,80.306129,80.978767,80.112181,81.172715
58842,80.323212,80.961684,80.139116,81.14578
65309,80.33943,80.945466,80.164686,81.12021
72486,80.354822,80.930074,80.188954,81.095941
80452,80.369433,80.915463,80.211991,81.072905
89294,80.383302,80.901594,80.233858,81.051037
99108,80.396467,80.888428,80.254616,81.03028
110000,80.408963,80.875933,80.274317,81.010578
"""
# testdata_funnel_prop_outputs_with_axis_variation.csv (PCTs with denominator < 31000;
# baseline 82.18033788), same columns.
PROP_OUTPUTS_AXIS_VARIATION = """
10000,81.43030244,82.93037332,80.99777342,83.36290233
10121,81.43479938,82.92587637,81.00486365,83.3558121
10244,81.43928875,82.921387,81.01194194,83.34873381
10368,81.44373351,82.91694225,81.01894989,83.34172586
10494,81.44816901,82.91250674,81.02594326,83.33473249
10621,81.45255961,82.90811614,81.03286582,83.32780993
10750,81.45693946,82.90373629,81.03977143,83.32090432
10880,81.46127422,82.89940153,81.04660596,83.3140698
11012,81.4655969,82.89507886,81.05342142,83.30725433
11146,81.46990628,82.89076947,81.06021594,83.30045981
11281,81.47416995,82.8865058,81.06693837,83.29373738
11418,81.47841925,82.8822565,81.07363815,83.2870376
11557,81.48265313,82.87802262,81.08031361,83.28036214
11697,81.48684095,82.8738348,81.08691646,83.2737593
11839,81.49101249,82.86966327,81.09349363,83.26718213
11983,81.49516683,82.86550893,81.10004368,83.26063207
12128,81.49927503,82.86140073,81.10652099,83.25415476
12275,81.50336536,82.85731039,81.11297014,83.24770561
12424,81.50743705,82.85323871,81.11938987,83.24128588
12575,81.51148933,82.84918642,81.12577901,83.23489674
12728,81.51552151,82.84515424,81.13213647,83.22853928
12882,81.51950729,82.84116846,81.13842075,83.222255
13038,81.52347261,82.83720314,81.14467279,83.21600296
13196,81.52741688,82.83325887,81.15089164,83.20978411
13356,81.53133955,82.82933621,81.15707642,83.20359934
13518,81.53524007,82.82543568,81.16322629,83.19744946
13682,81.53911798,82.82155778,81.1693405,83.19133525
13848,81.54297281,82.81770294,81.17541833,83.18525743
14016,81.54680415,82.8138716,81.18145912,83.17921663
14186,81.55061161,82.81006414,81.18746226,83.17321349
14358,81.55439484,82.80628091,81.1934272,83.16724855
14532,81.55815352,82.80252224,81.19935342,83.16132234
14708,81.56188733,82.79878842,81.20524045,83.15543531
14886,81.56559603,82.79507972,81.21108786,83.14958789
15067,81.56929964,82.79137612,81.21692726,83.14374849
15250,81.57297693,82.78769882,81.22272517,83.13795058
15435,81.57662774,82.78404801,81.22848132,83.13219443
15622,81.58025191,82.78042384,81.23419548,83.12648028
15812,81.58386818,82.77680757,81.23989717,83.12077858
16004,81.5874569,82.77321885,81.24555542,83.11512033
16198,81.591018,82.76965775,81.25117013,83.10950562
16395,81.59456929,82.76610646,81.25676938,83.10390638
16594,81.59809224,82.76258351,81.26232393,83.09835182
16795,81.60158684,82.75908891,81.26783379,83.09284196
16999,81.60507003,82.75560572,81.27332566,83.08735009
17205,81.60852432,82.75215143,81.27877196,83.08190379
17414,81.61196609,82.74870967,81.28419852,83.07647724
17625,81.6153785,82.74529725,81.28957879,83.07109696
17839,81.6187774,82.74189835,81.29493777,83.06573798
18055,81.62214661,82.73852914,81.30024992,83.06042583
18274,81.62550144,82.73517431,81.30553941,83.05513634
18496,81.62884123,82.73183452,81.31080519,83.04987057
18720,81.63215071,82.72852504,81.31602317,83.04465258
18947,81.63544446,82.72523129,81.32121636,83.03945939
19177,81.63872192,82.72195383,81.32638385,83.0342919
19410,81.64198255,82.71869321,81.33152481,83.02915094
19646,81.64522585,82.71544991,81.33663845,83.0240373
19884,81.64843798,82.71223778,81.34170295,83.0189728
20125,81.65163236,82.70904339,81.34673947,83.01393629
20369,81.65480858,82.70586717,81.35174734,83.00892841
20616,81.65796625,82.70270951,81.35672596,83.00394979
20866,81.661105,82.69957075,81.36167477,82.99900099
21119,81.66422451,82.69645125,81.36659322,82.99408253
21375,81.66732446,82.69335129,81.37148085,82.9891949
21634,81.67040458,82.69027117,81.37633721,82.98433854
21897,81.67347618,82.68719958,81.38118013,82.97949562
22163,81.67652703,82.68414872,81.38599035,82.97468541
22432,81.67955694,82.68111881,81.39076754,82.96990821
22704,81.68256572,82.67811003,81.39551142,82.96516433
22980,81.68556399,82.67511177,81.40023872,82.96043704
23259,81.68854043,82.67213532,81.40493162,82.95574414
23541,81.69149495,82.6691808,81.40958994,82.95108581
23827,81.69443765,82.6662381,81.41422963,82.94644613
24116,81.69735788,82.66331788,81.41883388,82.94184187
24409,81.70026542,82.66041033,81.42341814,82.93725761
24705,81.70315005,82.6575257,81.42796628,82.93270948
25005,81.70602124,82.65465451,81.43249322,82.92818253
25308,81.70886917,82.65180658,81.43698349,82.92369226
25615,81.711703,82.64897275,81.44145153,82.91922422
25926,81.71452228,82.64615347,81.44589662,82.91477913
26241,81.71732657,82.64334918,81.45031809,82.91035766
26559,81.72010682,82.64056894,81.45470164,82.90597411
26881,81.72287161,82.63780414,81.45906083,82.90161492
27207,81.7256206,82.63505515,81.4633951,82.89728065
27537,81.72835345,82.6323223,81.46770392,82.89297183
27871,81.73106985,82.6296059,81.47198682,82.88868893
28209,81.73376953,82.62690623,81.47624334,82.88443242
28551,81.73645221,82.62422354,81.48047306,82.88020269
28898,81.73912529,82.62155046,81.48468765,82.8759881
29249,81.74178065,82.6188951,81.4888743,82.87180146
29604,81.74441808,82.61625767,81.49303268,82.86764307
29963,81.74703743,82.61363832,81.49716255,82.86351321
30327,81.74964562,82.61103013,81.50127483,82.85940092
30695,81.75223518,82.60844058,81.50535772,82.85531803
31068,81.75481282,82.60586293,81.50942184,82.85125391
31445,81.75737136,82.60330439,81.51345583,82.84721992
31827,81.75991733,82.60075842,81.51747,82.84320575
32213,81.76244382,82.59823194,81.52145346,82.83922229
32604,81.76495715,82.5957186,81.52541618,82.83525958
33000,81.76745696,82.5932188,81.52935757,82.83131819
"""
TABLE = ["denominator", *LIMITS]


def pct_inputs() -> pd.DataFrame:
    return read(PCT_INPUTS, ["numerator", "denominator", "significance"])


def test_phe_pct_example_has_its_baseline_and_every_significance_label():
    pcts = pct_inputs()
    assert len(pcts) == 303
    result = proportion_funnel(pcts["numerator"], pcts["denominator"])
    assert result.target == pytest.approx(80.642448, abs=5e-7)
    assert result.points["significance"].tolist() == pcts["significance"].tolist()
    top = pcts["significance"].map({"High (0.001)": "high", "Low (0.001)": "low"})
    assert result.points["outlier"].tolist() == [None if pd.isna(f) else f for f in top]


def test_phe_proportion_axis_table_and_limits_are_reproduced():
    pcts = pct_inputs()
    result = proportion_funnel(pcts["numerator"], pcts["denominator"])
    expected = read(PROP_OUTPUTS, TABLE)
    assert result.limits["denominator"].tolist() == expected["denominator"].tolist()
    for column in LIMITS:  # printed to 6 decimals
        assert result.limits[column].to_numpy() == pytest.approx(expected[column], abs=5e-7)


def test_phe_population_one_and_three_rows_from_the_baseline_alone():
    limits = funnel_limits([1, 3], target=80.642448, statistic="proportion", multiplier=100)
    assert limits.loc[0, LIMITS].tolist() == pytest.approx([3.204264, 100, 0, 100], abs=2e-6)
    assert limits.loc[1, ["lower_95", "lower_998"]].tolist() == pytest.approx(
        [35.933491, 10.150815], abs=2e-6)  # 6 decimals, and the baseline is rounded too


def test_phe_axis_variation_table_is_reproduced_for_the_smaller_pcts():
    pcts = pct_inputs()
    small = pcts[pcts["denominator"] < 31000]
    result = proportion_funnel(small["numerator"], small["denominator"])
    assert result.target == pytest.approx(82.18033788, abs=5e-9)
    expected = read(PROP_OUTPUTS_AXIS_VARIATION, TABLE)
    assert result.limits["denominator"].tolist() == expected["denominator"].tolist()
    for column in LIMITS:  # printed to 8 decimals
        assert result.limits[column].to_numpy() == pytest.approx(expected[column], abs=5e-9)


def test_phe_ratio_axis_table_is_reproduced():
    grid = funnel_grid([4.293052052, 706.7669173], statistic="ratio")
    assert grid.tolist() == RATIO_AXIS


def wilson(x: float, n: float, confidence: float) -> tuple[float, float]:
    """Wilson score interval, written out for the test."""
    z = sps.norm.ppf(confidence + (1 - confidence) / 2)
    root = z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    return (2 * x + z**2 - root) / (2 * (n + z**2)), (2 * x + z**2 + root) / (2 * (n + z**2))


@pytest.mark.parametrize("n", [25, 140, 1000, 56_000])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_a_proportion_limit_is_where_the_wilson_interval_touches_the_average(n, level):
    label = "95" if level == 0.95 else "998"
    row = funnel_limits([n], target=0.4, statistic="proportion").iloc[0]
    assert wilson(row[f"lower_{label}"] * n, n, level)[1] == pytest.approx(0.4, rel=REL)
    assert wilson(row[f"upper_{label}"] * n, n, level)[0] == pytest.approx(0.4, rel=REL)


def sigma_adjustment(p: float, population: np.ndarray, average: float) -> tuple:
    """PHEindicatormethods' ``sigma_adjustment`` (R/Funnels.R), transcribed as written."""
    q2 = sps.norm.ppf(p) ** 2
    first = average * (population / q2 + 1)
    adj = np.sqrt((-8 * average * (population / q2 + 1)) ** 2 - 64 * (1 / q2 + 1 / population)
                  * average * (population * (average * (population / q2 + 2) - 1)
                               + q2 * (average - 1)))
    last = 1 / q2 + 1 / population
    return (first - adj / 8) / last / population, (first + adj / 8) / last / population


@pytest.mark.parametrize("average", [0.01, 0.3, 0.80642448, 0.99])
def test_proportion_limits_equal_phes_sigma_adjustment_as_written(average):
    n = np.array([1.0, 3, 17, 250, 4_000, 110_000, 5e6])
    limits = funnel_limits(n, target=average, statistic="proportion")
    for p, label in ((0.975, "95"), (0.999, "998")):
        lower, upper = sigma_adjustment(p, n, average)
        assert limits[f"lower_{label}"].to_numpy() == pytest.approx(
            np.clip(lower, 0, 1), rel=0, abs=1e-11)
        assert limits[f"upper_{label}"].to_numpy() == pytest.approx(
            np.clip(upper, 0, 1), rel=0, abs=1e-11)


def expected_where_limit_meets(observed: int, column: str) -> float:
    """Solve, with our limits, for the expected count at which O/E sits on the limit."""
    def gap(e: float) -> float:
        return funnel_limits([e], target=1, statistic="ratio")[column].iloc[0] * e - observed
    return optimize.brentq(gap, 1e-6, 10 * observed + 50, xtol=1e-15, rtol=1e-15)


def v_scale(expected: float, observed: int) -> float:
    return expected / (1 + observed + expected)


@pytest.mark.parametrize("row", RATIO_BOUNDS, ids=[f"obs={r[0]}" for r in RATIO_BOUNDS])
def test_ratio_limits_pass_through_phes_expected_event_bounds(row):
    observed, *bounds = row
    for column, reference in zip(LIMITS, bounds, strict=True):
        ours = expected_where_limit_meets(observed, column)
        assert abs(v_scale(ours, observed) - v_scale(reference, observed)) < BISECTION_V


def test_ratio_count_and_isr_transforms_for_one_observed_event():
    for column, count, isr in zip(LIMITS, RATIO_COUNT_1, RATIO_ISR_1, strict=True):
        e = expected_where_limit_meets(1, column)
        v = v_scale(e, 1)
        rel = BISECTION_V / (v * (1 - v))  # what PHE's bisection tolerance allows in E
        ratio = funnel_limits([e], target=1, statistic="ratio")[column].iloc[0]
        isr_limit = funnel_limits([e], target=100, statistic="ratio",
                                  multiplier=100)[column].iloc[0]
        assert ratio - 1 == pytest.approx(count, rel=rel)
        assert isr_limit == pytest.approx(isr, rel=rel)


@pytest.mark.parametrize("observed", [1, 2, 3, 7, 10, 25, 99, 400, 5000])
def test_ratio_limits_match_an_exact_chi_squared_rederivation(observed):
    for level, label in ((0.95, "95"), (0.998, "998")):
        tail = (1 - level) / 2
        e_upper = sps.chi2.ppf(tail, 2 * observed) / 2  # P(X >= O | E) = tail
        e_lower = sps.chi2.ppf(1 - tail, 2 * observed + 2) / 2  # P(X <= O | E) = tail
        limits = funnel_limits([e_upper, e_lower], target=1, statistic="ratio")
        assert limits[f"upper_{label}"].iloc[0] == pytest.approx(observed / e_upper, rel=REL)
        assert limits[f"lower_{label}"].iloc[1] == pytest.approx(observed / e_lower, rel=REL)


def test_the_lower_ratio_limit_is_zero_while_no_events_is_not_unusual():
    e = -math.log(0.025) * 0.99  # P(X = 0) is just above 2.5%
    assert funnel_limits([e], target=1, statistic="ratio")["lower_95"].iloc[0] == 0


def test_a_rate_funnel_is_the_ratio_funnel_at_the_expected_count_times_the_average():
    counts, populations = [50, 210, 95], [100_000, 150_000, 80_000]
    result = rate_funnel(counts, populations)
    average = sum(counts) / sum(populations)
    assert result.target == pytest.approx(average * 100_000, rel=REL)
    k = 37
    population = sps.chi2.ppf(0.025, 2 * k) / 2 / average  # the upper limit passes k events
    row = funnel_limits([population], target=result.target, statistic="rate",
                        multiplier=100_000).iloc[0]
    assert row["upper_95"] == pytest.approx(k / population * 100_000, rel=REL)


def phe_interval(o: float, level: float) -> tuple[float, float]:
    """PHE's count interval, written out: exact below 10 events, Byar from 10."""
    tail = (1 - level) / 2
    if o < 10:
        lower = 0.0 if o == 0 else sps.chi2.ppf(tail, 2 * o) / 2
        return lower, sps.chi2.ppf(1 - tail, 2 * o + 2) / 2
    z = sps.norm.ppf(1 - tail)
    return (o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3,
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3)


def phe_ratio_label(o: float, e: float, target: float) -> str:
    for level, tail in ((0.998, "0.001"), (0.95, "0.025")):
        lower, upper = phe_interval(o, level)
        if target < lower / e:
            return f"High ({tail})"
        if target > upper / e:
            return f"Low ({tail})"
    return "Not significant"


def test_ratio_and_rate_significance_follow_phes_exact_and_byar_intervals():
    observed = [0, 3, 9, 10, 14, 30, 31, 55, 120, 260]
    expected = [20.0, 1.2, 3.1, 20.5, 6.0, 41.0, 18.0, 40.0, 150.0, 201.0]
    ratio = ratio_funnel(observed, expected)
    assert ratio.points["significance"].tolist() == [
        phe_ratio_label(o, e, 1.0) for o, e in zip(observed, expected, strict=True)]
    rate = rate_funnel(observed, [e * 1000 for e in expected])
    average = sum(observed) / (sum(expected) * 1000)
    assert rate.points["significance"].tolist() == [
        phe_ratio_label(o, e * 1000, average) for o, e in zip(observed, expected, strict=True)]
    assert set(ratio.points["significance"]) >= {"High (0.001)", "Low (0.001)",
                                                 "Not significant"}


def test_funnel_grid_for_similar_denominators_starts_near_the_smallest():
    grid = funnel_grid([950, 1000], statistic="proportion")
    assert (grid[0], grid[-1], len(grid)) == (900, 1100, 100)
    ratio = funnel_grid([950, 1000], statistic="ratio")
    assert ratio[0] == 900 and 1090 < ratio[-1] < 1100  # PHE's ratio offset stops short


def test_limit_columns_are_named_from_the_levels():
    limits = funnel_limits([100], target=10, statistic="rate", confidence=(0.9, 0.975, 0.99),
                           multiplier=100)
    assert list(limits.columns) == ["denominator", "lower_90", "upper_90", "lower_975",
                                    "upper_975", "lower_99", "upper_99"]
    one = proportion_funnel([5, 9], [50, 60], confidence=0.99)
    assert one.confidence == (0.99,)
    assert {"lower_99", "upper_99"} <= set(one.points.columns)
    assert set(one.points["significance"]) <= {"High (0.005)", "Low (0.005)", "Not significant"}


# --- Result object, edge cases and errors --------------------------------------------------

def test_points_keep_the_callers_index_and_outliers_lists_those_beyond_the_highest_limit():
    trusts = ["RAA", "RBB", "RCC", "RDD"]
    result = proportion_funnel(pd.Series([45, 300, 900, 160], trusts),
                               pd.Series([100, 500, 1000, 200], trusts))
    assert isinstance(result, FunnelResult)
    assert list(result.points.index) == trusts
    assert {"numerator", "denominator", "value", *LIMITS, "significance",
            "outlier"} <= set(result.points.columns)
    assert result.outliers.to_dict() == {"RAA": "low", "RBB": "low", "RCC": "high"}
    assert result.phi is None and result.tau2 is None and not result.adjusted
    assert result.statistic == "proportion" and "Wilson" in result.method
    assert result.confidence == (0.95, 0.998) and result.multiplier == 100
    with pytest.raises(AttributeError):
        result.target = 1  # type: ignore[misc]


def test_a_single_provider_sits_on_its_own_average():
    single = proportion_funnel([30], [100])
    assert single.target == pytest.approx(30.0, rel=REL)
    assert single.points["significance"].tolist() == ["Not significant"]
    assert single.outliers.empty and len(single.limits) == 100


def test_a_single_provider_cannot_estimate_overdispersion():
    with pytest.warns(UnadjustedLimitsWarning, match="fewer than two"):
        result = overdispersed_funnel([130], [100], data_type="SR")
    assert not result.adjusted and result.points[OD_LIMITS].isna().all().all()
    assert "without overdispersion" in result.method


def test_identical_providers_have_no_overdispersion_and_unadjusted_limits():
    with pytest.warns(UnadjustedLimitsWarning, match="no overdispersion"):
        result = overdispersed_funnel([20] * 8, [20] * 8, data_type="SR")
    assert result.phi == 0 and result.tau2 == 0 and not result.adjusted
    assert result.points[OD_LIMITS].isna().all().all()
    assert result.limits[OD_LIMITS].isna().all().all()
    assert result.points["significance"].eq("Not significant").all()
    with pytest.warns(UnadjustedLimitsWarning):
        same = overdispersed_funnel([10] * 5, [40] * 5, data_type="PR")
    assert same.phi == 0 and same.target == pytest.approx(0.25, rel=REL)


def test_zero_numerators_are_allowed():
    prop = proportion_funnel([0, 12, 30], [40, 100, 150])
    assert prop.points["value"].iloc[0] == 0 and prop.points["lower_998"].iloc[0] == 0
    rate = rate_funnel([0, 0, 4], [1000, 2000, 1500], multiplier=1000)
    assert rate.points["lower_95"].ge(0).all()
    assert quietly(overdispersed_funnel, [0, 5, 9, 4], [50, 60, 70, 40], data_type="PR").phi > 0
    with pytest.warns(FunnelWarning, match="infinite"):
        shmi = overdispersed_funnel([0, 20, 31, 12, 50], [10, 22, 25, 15, 40], data_type="SR")
    assert np.isfinite(shmi.phi) and shmi.points["outlier"].iloc[0] == "low"


def test_rows_with_a_missing_value_are_kept_without_a_verdict():
    x = pd.Series([10, np.nan, 30, 18], index=list("abcd"))
    n = pd.Series([100, 80, 120, 90], index=list("abcd"))
    result = proportion_funnel(x, n)
    assert result.target == pytest.approx(100 * 58 / 310, rel=REL)
    assert result.points.loc["b", "significance"] is None
    assert result.points.loc["b", "outlier"] is None
    od = quietly(overdispersed_funnel, x, n, data_type="PR")
    assert od.target == pytest.approx(58 / 310, rel=REL) and np.isnan(od.points.loc["b", "z"])


@pytest.mark.parametrize(("call", "field", "row"), [
    (lambda: proportion_funnel([5, 12], [10, 11]), "successes", 2),
    (lambda: proportion_funnel(pd.Series([5, -1], ["x", "y"]), pd.Series([9, 9], ["x", "y"])),
     "successes", "y"),
    (lambda: proportion_funnel([5, 1], [10, 0]), "trials", 2),
    (lambda: ratio_funnel([5, 1, 2], [10, 0.0, 3]), "expected", 2),
    (lambda: rate_funnel([5, 1], [1000, -3]), "population", 2),
    (lambda: overdispersed_funnel([5, 12], [10, 11], data_type="PR"), "numerator", 2),
    (lambda: overdispersed_funnel([5, 2], [10, 0], data_type="SR"), "denominator", 2),
    (lambda: funnel_limits([10, 0], target=1, statistic="ratio"), "denominators", 2),
])
def test_bad_numbers_are_data_errors_naming_the_argument_and_row(call, field, row):
    with pytest.raises(DataError) as caught:
        call()
    assert caught.value.field == field and caught.value.row == row and caught.value.hint


@pytest.mark.parametrize(("call", "field"), [
    (lambda: proportion_funnel([1, 2], [10, 20, 30]), "successes"),
    (lambda: proportion_funnel([1, 2], [10, 20], confidence=95), "confidence"),
    (lambda: proportion_funnel([1, 2], [10, 20], confidence=(0.95, 0.95)), "confidence"),
    (lambda: proportion_funnel([1, 2], [10, 20], multiplier=0), "multiplier"),
    (lambda: funnel_limits([10], target=1, statistic="ratios"), "statistic"),
    (lambda: funnel_limits([10], target=120, statistic="proportion", multiplier=100), "target"),
    (lambda: funnel_grid([10], statistic="proportion", n=1), "n"),
    (lambda: overdispersed_funnel([1], [2], data_type="sr"), "data_type"),
    (lambda: overdispersed_funnel([1], [2], data_type="SR", sr_method="shmi"), "sr_method"),
    (lambda: overdispersed_funnel([1], [2], data_type="SR", limit=99.8), "limit"),
    (lambda: overdispersed_funnel([1], [2], data_type="SR", trim_by=0.5), "trim_by"),
    (lambda: overdispersed_funnel([0, 0], [2, 3], data_type="RC"), "numerator"),
    (lambda: overdispersed_funnel([1], [0.001], data_type="SR"), "denominator"),
])
def test_bad_options_are_data_errors_naming_the_argument(call, field):
    with pytest.raises(DataError) as caught:
        call()
    assert caught.value.field == field


# --- Properties ----------------------------------------------------------------------------

def ordered(frame: pd.DataFrame, target: float, prefix: str = "") -> bool:
    lo998, lo95, up95, up998 = (frame[f"{prefix}{c}"].to_numpy() for c in
                                ("lower_998", "lower_95", "upper_95", "upper_998"))
    slack = 1e-12 * max(1.0, abs(target))
    return bool(np.all(lo998 <= lo95 + slack) and np.all(lo95 <= target + slack)
                and np.all(target <= up95 + slack) and np.all(up95 <= up998 + slack))


denominators = st.lists(st.floats(0.5, 1e6, allow_nan=False), min_size=1, max_size=20)


@settings(max_examples=80, deadline=None)
@given(denominators, st.floats(0, 1), st.sampled_from(["proportion", "ratio", "rate"]),
       st.sampled_from([1, 100, 100_000]))
def test_phe_limits_are_ordered_around_the_target(ds, share, statistic, multiplier):
    target = share * multiplier if statistic == "proportion" else (share + 0.01) * multiplier
    limits = funnel_limits(ds, target=target, statistic=statistic, multiplier=multiplier)
    assert ordered(limits, target)


@settings(max_examples=80, deadline=None)
@given(denominators, st.floats(0.001, 0.999), st.sampled_from(["proportion", "ratio", "rate"]))
def test_phe_limits_narrow_as_the_denominator_grows(ds, share, statistic):
    grid = np.sort(np.asarray(ds))
    limits = funnel_limits(grid, target=share, statistic=statistic)
    for column in LIMITS:
        steps = np.diff(limits[column].to_numpy())
        tolerance = 1e-9 * max(1.0, float(limits[column].abs().max()))
        if column.startswith("lower"):
            assert (steps >= -tolerance).all()
        else:
            assert (steps <= tolerance).all()


organisations_data = st.lists(
    st.tuples(st.integers(0, 400), st.integers(1, 400)), min_size=2, max_size=15)


@settings(max_examples=60, deadline=None)
@given(organisations_data, st.sampled_from(["SR", "PR", "RC"]),
       st.sampled_from(["SHMI", "CQC"]))
def test_overdispersed_limits_are_ordered_around_the_target(rows, data_type, sr_method):
    o = [min(x, n) if data_type == "PR" else x + 1 for x, n in rows]
    d = [n for _, n in rows]
    result = quietly(overdispersed_funnel, o, d, data_type=data_type, sr_method=sr_method)
    assert ordered(result.points, result.target)
    if result.adjusted:
        assert ordered(result.points, result.target, "od_")
        assert ordered(result.limits, result.target, "od_")


@pytest.mark.filterwarnings("ignore::lhs_reports.stats.funnel.FunnelWarning")
@settings(max_examples=60, deadline=None)
@given(organisations_data, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_organisations(rows, rnd):
    x = pd.Series([min(a, b) for a, b in rows], index=[f"T{i}" for i in range(len(rows))])
    n = pd.Series([b for _, b in rows], index=x.index)
    order = list(x.index)
    rnd.shuffle(order)
    for make in (
        lambda a, b: proportion_funnel(a, b),
        lambda a, b: rate_funnel(a, b),
        lambda a, b: quietly(overdispersed_funnel, a, b, data_type="PR"),
        lambda a, b: quietly(overdispersed_funnel, a + 1, b, data_type="SR"),
    ):
        first, second = make(x, n), make(x[order], n[order])
        assert first.target == second.target
        assert first.phi == second.phi and first.tau2 == second.tau2
        pd.testing.assert_frame_equal(first.points, second.points.loc[x.index])
        pd.testing.assert_frame_equal(first.limits, second.limits)
