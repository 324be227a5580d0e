"""PSNR, SSIM and MS-SSIM against independent references.

- PSNR: the formula, and closed-form values.
- SSIM: scikit-image's structural_similarity with the Wang et al. settings.
- MS-SSIM 'google': a slow, direct NumPy transcription of the algorithm of Google's msssim.py
  (tensorflow/models research/compression/image_encoder/msssim.py): full 2-D window sums,
  "filter with a 2x2 box under scipy's mode='reflect', then keep every second sample".
- MS-SSIM 'per_channel': a slow transcription of pytorch_msssim.ms_ssim (per-channel terms,
  relu, torch avg_pool2d with padding = side % 2 and count_include_pad=True).
- Closed forms: identical images give 1; constant images give a pure luminance term.
"""

from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from rnncomp.evaluation.metrics import (
    MS_SSIM_MIN_SIDE,
    mean_psnr,
    ms_ssim,
    psnr,
    ssim,
    ssim_map,
)

WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2
KODAK = Path(__file__).parents[2] / "shared" / "data" / "kodak"


def _pair(shape, noise=12.0, seed=0):
    """A textured uint8 image and a noisy, slightly blurred copy of it."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 60 * np.sin(xx / 7.0) * np.cos(yy / 11.0) + 30 * rng.standard_normal(shape[:2])
    image = base[..., None] + np.array([0.0, 20.0, -25.0])[: shape[2] if len(shape) > 2 else 1]
    image = np.clip(image, 0, 255).reshape(shape).astype(np.uint8)
    blurred = (image.astype(float) + np.roll(image, 1, axis=1)) / 2
    distorted = np.clip(blurred + noise * rng.standard_normal(shape), 0, 255)
    return image, distorted.round().astype(np.uint8)


# --- references -------------------------------------------------------------------------------


def _gauss2d(size, sigma):
    """fspecial('gaussian'): taps at integer (odd size) or half-integer (even size) offsets."""
    t = np.arange(size) - (size - 1) / 2
    xx, yy = np.meshgrid(t, t)
    g = np.exp(-(xx**2 + yy**2) / (2 * sigma**2))
    return g / g.sum()


def _filter2d_valid(x, window):
    """Direct 2-D 'valid' window sums over axes 0 and 1 of an HxWxC array."""
    s = window.shape[0]
    patches = sliding_window_view(x, (s, s), axis=(0, 1))  # H' x W' x C x s x s
    return np.einsum("ijcuv,uv->ijc", patches, window)


def _maps(x, y, window):
    mu_x, mu_y = _filter2d_valid(x, window), _filter2d_valid(y, window)
    var_x = _filter2d_valid(x * x, window) - mu_x**2
    var_y = _filter2d_valid(y * y, window) - mu_y**2
    cov = _filter2d_valid(x * y, window) - mu_x * mu_y
    cs = (2 * cov + C2) / (var_x + var_y + C2)
    ssim_map = (2 * mu_x * mu_y + C1) / (mu_x**2 + mu_y**2 + C1) * cs
    return ssim_map, cs


def _reflect_box_downsample(x):
    """scipy.ndimage.convolve(x, 2x2 box / 4, mode='reflect')[::2, ::2], written out."""
    p = np.pad(x, ((0, 1), (0, 1), (0, 0)), mode="symmetric")  # scipy 'reflect' = numpy 'symmetric'
    box = (p[:-1, :-1] + p[1:, :-1] + p[:-1, 1:] + p[1:, 1:]) / 4
    return box[::2, ::2]


def _google_reference(a, b):
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    ssims, css = [], []
    for _ in range(5):
        size = min(11, x.shape[0], x.shape[1])
        ssim_map, cs_map = _maps(x, y, _gauss2d(size, 1.5 * size / 11))
        ssims.append(ssim_map.mean())
        css.append(cs_map.mean())
        x, y = _reflect_box_downsample(x), _reflect_box_downsample(y)
    return np.prod(np.array(css[:4]) ** WEIGHTS[:4]) * ssims[4] ** WEIGHTS[4]


def _torch_avg_pool2(x):
    """F.avg_pool2d(kernel_size=2, padding=(H % 2, W % 2)), count_include_pad=True."""
    ph, pw = x.shape[0] % 2, x.shape[1] % 2
    p = np.pad(x, ((ph, ph), (pw, pw)))
    out_h, out_w = (p.shape[0] - 2) // 2 + 1, (p.shape[1] - 2) // 2 + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = p[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].sum() / 4
    return out


def _per_channel_reference(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    window = _gauss2d(11, 1.5)
    values = []
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        terms = []
        for level in range(5):
            ssim_map, cs_map = _maps(x[..., None], y[..., None], window)
            terms.append(max((ssim_map if level == 4 else cs_map).mean(), 0.0))
            x, y = _torch_avg_pool2(x), _torch_avg_pool2(y)
        values.append(np.prod(np.array(terms) ** WEIGHTS))
    return np.mean(values)


# --- PSNR -------------------------------------------------------------------------------------


def test_psnr_matches_formula():
    a, b = _pair((40, 50, 3))
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / mse), abs=1e-12)


def test_psnr_closed_forms():
    zeros = np.zeros((8, 8, 3), np.uint8)
    assert psnr(zeros, zeros + 5) == pytest.approx(20 * np.log10(255 / 5))
    assert psnr(zeros, zeros) == float("inf")


def test_mean_psnr_is_mean_of_per_image_values_not_pooled_mse():
    zeros = np.zeros((4, 4, 3), np.uint8)
    refs, recs = [zeros, zeros], [zeros + 1, zeros + 10]
    expected = (20 * np.log10(255 / 1) + 20 * np.log10(255 / 10)) / 2
    assert mean_psnr(refs, recs) == pytest.approx(expected)
    assert mean_psnr(refs, recs) != pytest.approx(10 * np.log10(255**2 / 50.5))


# --- SSIM -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(64, 80, 3), (37, 45)])
def test_ssim_matches_scikit_image(shape):
    metrics = pytest.importorskip("skimage.metrics", reason="scikit-image is the SSIM reference")
    a, b = _pair(shape)
    expected = metrics.structural_similarity(
        a,
        b,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
        channel_axis=-1 if len(shape) == 3 else None,
    )
    assert ssim(a, b) == pytest.approx(expected, abs=1e-10)



def test_ssim_map_is_scikit_images_map_at_valid_positions():
    metrics = pytest.importorskip("skimage.metrics", reason="scikit-image is the SSIM reference")
    a, b = _pair((40, 52, 3))
    _, full = metrics.structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255,
        channel_axis=-1, full=True)
    expected = full.mean(axis=-1)[5:-5, 5:-5]
    assert ssim_map(a, b).shape == (30, 42)
    np.testing.assert_allclose(ssim_map(a, b), expected, atol=1e-10)

# --- MS-SSIM ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(176, 192, 3), (171, 203, 3), (165, 161)])
def test_ms_ssim_google_matches_reference(shape):
    a, b = _pair(shape)
    assert ms_ssim(a, b, convention="google") == pytest.approx(_google_reference(a, b), abs=1e-10)


@pytest.mark.parametrize("shape", [(176, 192, 3), (171, 203, 3)])
def test_ms_ssim_per_channel_matches_reference(shape):
    a, b = _pair(shape)
    expected = _per_channel_reference(a, b)
    assert ms_ssim(a, b, convention="per_channel") == pytest.approx(expected, abs=1e-10)


def test_reference_downsampling_is_scipys_reflect_convolution():
    ndimage = pytest.importorskip("scipy.ndimage", reason="scipy checks the test reference")
    x = np.random.default_rng(1).random((7, 10, 3))
    expected = ndimage.convolve(x, np.ones((2, 2, 1)) / 4, mode="reflect")[::2, ::2]
    np.testing.assert_allclose(_reflect_box_downsample(x), expected, atol=1e-12)


@pytest.mark.parametrize("convention", ["google", "per_channel"])
def test_ms_ssim_of_identical_images_is_one(convention):
    a, _ = _pair((161, 170, 3))
    assert ms_ssim(a, a, convention=convention) == pytest.approx(1.0, abs=1e-12)


def test_ms_ssim_of_constant_images_is_the_luminance_term():
    # Zero variances make every cs term 1, leaving l = (2ab + C1) / (a^2 + b^2 + C1)^w5.
    # 176 = 11 * 16 keeps every side even, so both downsamplings keep the images constant.
    a_values, b_values = np.array([100.0, 150.0, 200.0]), np.array([110.0, 140.0, 230.0])
    a = np.broadcast_to(a_values, (176, 176, 3)).astype(np.uint8)
    b = np.broadcast_to(b_values, (176, 176, 3)).astype(np.uint8)
    lum = (2 * a_values * b_values + C1) / (a_values**2 + b_values**2 + C1)
    assert ms_ssim(a, b, convention="google") == pytest.approx(lum.mean() ** 0.1333, abs=1e-9)
    assert ms_ssim(a, b, convention="per_channel") == pytest.approx(np.mean(lum**0.1333), abs=1e-9)


def test_conventions_agree_on_even_grayscale_and_differ_on_colour():
    gray_a, gray_b = _pair((176, 176))
    assert ms_ssim(gray_a, gray_b, convention="google") == pytest.approx(
        ms_ssim(gray_a, gray_b, convention="per_channel"), abs=1e-12
    )
    a, b = _pair((171, 203, 3))
    assert ms_ssim(a, b, convention="google") != pytest.approx(
        ms_ssim(a, b, convention="per_channel"), abs=1e-6
    )


def test_ms_ssim_minimum_size():
    assert MS_SSIM_MIN_SIDE == 161
    a, b = _pair((161, 300, 3))
    assert 0 < ms_ssim(a, b, convention="google") < 1
    with pytest.raises(ValueError, match="161"):
        ms_ssim(a[:160], b[:160], convention="google")
    with pytest.raises(ValueError, match="161"):
        ms_ssim(a[:, :160], b[:, :160], convention="per_channel")


def test_ms_ssim_shrink_window_is_googles_small_image_behaviour():
    a, b = _pair((40, 37, 3))
    value = ms_ssim(a, b, convention="google", small_images="shrink_window")
    assert value == pytest.approx(_google_reference(a, b), abs=1e-10)


def test_ms_ssim_requires_a_known_convention():
    a, b = _pair((176, 176, 3))
    with pytest.raises(ValueError, match="convention"):
        ms_ssim(a, b, convention="matlab")


@pytest.mark.skipif(not KODAK.is_dir(), reason=f"Kodak images not found at {KODAK}")
def test_ms_ssim_full_kodak_image():
    from PIL import Image

    with Image.open(KODAK / "kodim01.png") as image:
        a = np.asarray(image.convert("RGB"))
    b = np.clip(a.astype(int) + np.random.default_rng(0).integers(-6, 7, a.shape), 0, 255)
    b = b.astype(np.uint8)
    google = ms_ssim(a, b, convention="google")
    # 768x512 stays even at every scale, so the conventions differ only in channel pooling.
    assert 0.9 < google < 1
    assert ms_ssim(a, b, convention="per_channel") == pytest.approx(google, abs=1e-4)
    crop_a, crop_b = a[:176, :200], b[:176, :200]
    assert ms_ssim(crop_a, crop_b, convention="google") == pytest.approx(
        _google_reference(crop_a, crop_b), abs=1e-10
    )
