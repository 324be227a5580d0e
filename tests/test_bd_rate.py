"""Bjøntegaard deltas against published worked examples and analytic cases.

Published values: the VCEG-M33 example curves and ETRO's nine-point curves with the results
asserted (to 6 decimals) in tbr/bjontegaard_cpp example.cpp (Tim Bruylants, ETRO/VUB; an
implementation that "complies with VCEG-M33 when using 4 data points"; ETRO curves from
Bruylants et al., Signal Processing: Image Communication 31, 2015). Both use the least-squares
cubic ("cubic" here).

The PCHIP variant is checked against scipy.interpolate.PchipInterpolator's exact integral, which
FAU-LMS/bjontegaard reports to match the JVET CTC spreadsheet (JVET-T2010) to 10 decimals.
"""

import numpy as np
import pytest

from rnncomp.evaluation.bd_rate import bd_psnr, bd_rate

# (rate, PSNR) pairs.
VCEG_M33_A = [(90.33, 27.95), (181.03, 31.17), (332.99, 34.44), (547.79, 38.11)]
VCEG_M33_B = [(127.1719, 29.9286), (186.14, 32.4165), (307.2924, 34.7013), (481.5588, 37.4561)]
ETRO_A = [
    (2.99899, 48.6681), (1.99884, 43.8357), (1.49673, 41.3982), (0.99707, 38.0124),
    (0.745941, 35.5122), (0.596436, 33.8673), (0.495148, 32.6658), (0.29425, 29.4505),
    (0.244049, 28.484),
]  # fmt: skip
ETRO_B = [
    (2.997253, 48.5637), (1.968292, 43.7318), (1.472565, 41.2727), (0.994965, 38.0001),
    (0.748871, 35.6375), (0.58902, 33.9057), (0.499176, 32.8318), (0.296753, 29.6851),
    (0.249634, 28.8244),
]  # fmt: skip


def _args(anchor, test):
    (ra, pa), (rt, pt) = zip(*anchor, strict=True), zip(*test, strict=True)
    return ra, pa, rt, pt


@pytest.mark.parametrize(
    ("anchor", "test", "expected_psnr", "expected_rate"),
    [(VCEG_M33_A, VCEG_M33_B, 0.800713, -13.261773), (ETRO_A, ETRO_B, 0.072297, -0.903450)],
    ids=["vceg-m33", "etro-9-points"],
)
def test_cubic_matches_published_values(anchor, test, expected_psnr, expected_rate):
    assert round(bd_psnr(*_args(anchor, test)), 6) == expected_psnr
    assert round(bd_rate(*_args(anchor, test)), 6) == expected_rate


@pytest.mark.parametrize("method", ["cubic", "pchip"])
def test_exact_rate_scaling_gives_that_bd_rate(method):
    rate = np.array([0.12, 0.25, 0.5, 1.0, 2.0])
    quality = np.array([25.0, 28.1, 31.0, 34.2, 37.5])
    assert bd_rate(rate, quality, 0.8 * rate, quality, method) == pytest.approx(-20.0, abs=1e-9)
    assert bd_rate(rate, quality, 1.5 * rate, quality, method) == pytest.approx(50.0, abs=1e-9)


@pytest.mark.parametrize("method", ["cubic", "pchip"])
def test_exact_quality_shift_gives_that_bd_psnr(method):
    rate = np.array([0.12, 0.25, 0.5, 1.0])
    quality = np.array([25.0, 28.1, 31.0, 34.2])
    assert bd_psnr(rate, quality, rate, quality + 0.5, method) == pytest.approx(0.5, abs=1e-12)
    assert bd_rate(rate, quality, rate, quality, method) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("method", ["cubic", "pchip"])
def test_swapping_anchor_and_test_inverts_the_rate_ratio(method):
    ra, pa, rt, pt = _args(VCEG_M33_A, VCEG_M33_B)
    forward = 1 + bd_rate(ra, pa, rt, pt, method) / 100
    backward = 1 + bd_rate(rt, pt, ra, pa, method) / 100
    assert forward * backward == pytest.approx(1.0, abs=1e-12)
    assert bd_psnr(ra, pa, rt, pt, method) == pytest.approx(-bd_psnr(rt, pt, ra, pa, method))


def test_pchip_matches_scipy_exact_integral():
    interpolate = pytest.importorskip("scipy.interpolate", reason="scipy is the PCHIP reference")
    rng = np.random.default_rng(0)
    for n_points in (2, 3, 4, 6):
        rate_a = np.sort(rng.uniform(0.1, 2.0, n_points))
        rate_t = np.sort(rng.uniform(0.1, 2.0, n_points))
        psnr_a = np.sort(rng.uniform(24, 40, n_points))
        psnr_t = np.sort(psnr_a + rng.uniform(-1, 1, n_points))
        lo, hi = max(psnr_a[0], psnr_t[0]), min(psnr_a[-1], psnr_t[-1])
        integral_a = interpolate.PchipInterpolator(psnr_a, np.log(rate_a)).integrate(lo, hi)
        integral_t = interpolate.PchipInterpolator(psnr_t, np.log(rate_t)).integrate(lo, hi)
        expected = 100 * np.expm1((integral_t - integral_a) / (hi - lo))
        assert bd_rate(rate_a, psnr_a, rate_t, psnr_t, "pchip") == pytest.approx(expected)


def test_pchip_and_cubic_agree_on_smooth_published_curves():
    # On well-behaved four-point curves both interpolations give nearly the same answer.
    args = _args(VCEG_M33_A, VCEG_M33_B)
    assert bd_rate(*args, "pchip") == pytest.approx(bd_rate(*args, "cubic"), abs=0.5)


def test_input_errors():
    rate, quality = [0.25, 0.5, 1.0, 2.0], [26.0, 29.0, 32.0, 35.0]
    with pytest.raises(ValueError, match="overlap"):
        bd_rate(rate, quality, rate, [q + 20 for q in quality])
    with pytest.raises(ValueError, match="4 points"):
        bd_rate(rate[:3], quality[:3], rate[:3], quality[:3])
    with pytest.raises(ValueError, match="positive"):
        bd_rate([0.0, *rate[1:]], quality, rate, quality)
    with pytest.raises(ValueError, match="method"):
        bd_psnr(rate, quality, rate, quality, "akima")
