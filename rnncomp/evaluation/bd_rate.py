"""Bjøntegaard delta rate and delta PSNR between two rate-distortion curves.

G. Bjøntegaard, "Calculation of average PSNR differences between RD-curves", VCEG-M33, Austin,
April 2001: interpolate each curve in the log-rate domain, integrate both over the interval where
they overlap, and divide the difference of the integrals by the interval length.

    BD-rate = 100 (exp(mean over D of [ln R_test(D) - ln R_anchor(D)]) - 1)   in %
    BD-PSNR = mean over ln R of [D_test(ln R) - D_anchor(ln R)]                in dB

Negative BD-rate (positive BD-PSNR) means the test codec needs fewer bits for the same quality.
Both are independent of the base of the logarithm. D may be any quality in which higher is
better (PSNR, MS-SSIM, MS-SSIM in dB); "psnr" in the names follows the literature.

Interpolation methods:
    "cubic": one cubic polynomial per curve fitted by least squares (VCEG-M33; exact through
        the points when there are four), integrated analytically. Needs >= 4 points.
    "pchip": piecewise cubic Hermite interpolation with Fritsch-Carlson monotone slopes (the
        scheme of scipy.interpolate.PchipInterpolator), integrated exactly. This is the
        interpolation of the JCTVC-L1100 / JVET CTC spreadsheets, which avoid the overshoot of
        a single cubic. Needs >= 2 points. Some scripts instead sample 100 points and use the
        trapezoid rule, which moves BD-rate by about 0.001 percentage points.
"""

from collections.abc import Sequence
from typing import Literal

import numpy as np

Method = Literal["cubic", "pchip"]


def bd_rate(
    rate_anchor: Sequence[float],
    psnr_anchor: Sequence[float],
    rate_test: Sequence[float],
    psnr_test: Sequence[float],
    method: Method = "cubic",
) -> float:
    """Average rate difference of the test curve against the anchor in %, at equal quality."""
    diff = _mean_difference(
        np.asarray(psnr_anchor, float),
        _log_rate(rate_anchor),
        np.asarray(psnr_test, float),
        _log_rate(rate_test),
        method,
    )
    return float(100.0 * np.expm1(diff))


def bd_psnr(
    rate_anchor: Sequence[float],
    psnr_anchor: Sequence[float],
    rate_test: Sequence[float],
    psnr_test: Sequence[float],
    method: Method = "cubic",
) -> float:
    """Average quality difference of the test curve against the anchor, at equal rate."""
    return _mean_difference(
        _log_rate(rate_anchor),
        np.asarray(psnr_anchor, float),
        _log_rate(rate_test),
        np.asarray(psnr_test, float),
        method,
    )


def _log_rate(rate: Sequence[float]) -> np.ndarray:
    rate = np.asarray(rate, float)
    if not np.all(rate > 0):
        raise ValueError(f"rates must be positive, got {rate}")
    return np.log(rate)


def _mean_difference(
    x_anchor: np.ndarray,
    y_anchor: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    method: Method,
) -> float:
    """Mean of y_test(x) - y_anchor(x) over the overlap of the two x ranges."""
    if method not in ("cubic", "pchip"):
        raise ValueError(f"method must be 'cubic' or 'pchip', got {method!r}")
    for x, y in ((x_anchor, y_anchor), (x_test, y_test)):
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("rates and qualities must be 1-D sequences of equal length")
        if not np.all(np.isfinite(x)) or not np.all(np.isfinite(y)):
            raise ValueError("rates and qualities must be finite")
    lo = max(x_anchor.min(), x_test.min())
    hi = min(x_anchor.max(), x_test.max())
    if not lo < hi:
        raise ValueError("the two curves do not overlap")
    integrate = _integrate_cubic if method == "cubic" else _integrate_pchip
    return float(
        (integrate(x_test, y_test, lo, hi) - integrate(x_anchor, y_anchor, lo, hi)) / (hi - lo)
    )


def _integrate_cubic(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Integral over [lo, hi] of the least-squares cubic through (x, y) (VCEG-M33)."""
    if x.size < 4:
        raise ValueError(f"the cubic fit needs at least 4 points per curve, got {x.size}")
    antiderivative = np.polyint(np.polyfit(x, y, 3))
    return float(np.polyval(antiderivative, hi) - np.polyval(antiderivative, lo))


def _integrate_pchip(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Exact integral over [lo, hi] (inside the data range) of the PCHIP interpolant."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    if x.size < 2 or np.any(np.diff(x) <= 0):
        raise ValueError("PCHIP needs at least 2 points with distinct abscissae")
    h = np.diff(x)
    m = np.diff(y) / h
    d = _pchip_slopes(h, m)
    # Hermite cubic on [x_k, x_k+1] in t = x - x_k: y_k + d_k t + c2 t^2 + c3 t^3.
    c2 = (3.0 * m - 2.0 * d[:-1] - d[1:]) / h
    c3 = (d[:-1] + d[1:] - 2.0 * m) / h**2
    a = np.clip(lo, x[:-1], x[1:]) - x[:-1]
    b = np.clip(hi, x[:-1], x[1:]) - x[:-1]

    def antiderivative(t: np.ndarray) -> np.ndarray:
        return t * (y[:-1] + t * (d[:-1] / 2.0 + t * (c2 / 3.0 + t * c3 / 4.0)))

    return float(np.sum(antiderivative(b) - antiderivative(a)))


def _pchip_slopes(h: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Knot derivatives of Fritsch & Carlson (1980) with Fritsch & Butland's weighted mean.

    Interior: 0 where the secants change sign or vanish, otherwise the weighted harmonic mean
    (w1 + w2) / (w1 / m_{k-1} + w2 / m_k), w1 = 2 h_k + h_{k-1}, w2 = h_k + 2 h_{k-1}.
    Ends: the shape-preserving three-point formula (Moler, Numerical Computing with MATLAB,
    pchip.m). Same slopes as scipy.interpolate.PchipInterpolator.
    """
    n = m.size + 1
    if n == 2:
        return np.array([m[0], m[0]])
    d = np.zeros(n)
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same_sign = m[:-1] * m[1:] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / m[:-1] + w2 / m[1:])
    d[1:-1] = np.where(same_sign, harmonic, 0.0)
    d[0] = _end_slope(h[0], h[1], m[0], m[1])
    d[-1] = _end_slope(h[-1], h[-2], m[-1], m[-2])
    return d


def _end_slope(h0: float, h1: float, m0: float, m1: float) -> float:
    """Non-centred three-point end derivative, limited to keep the end interval monotone."""
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3.0 * m0):
        return 3.0 * m0
    return float(d)
