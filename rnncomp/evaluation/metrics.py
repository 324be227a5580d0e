"""Image quality metrics on 8-bit RGB images: PSNR, SSIM and MS-SSIM (NumPy, float64).

Notation of Wang, Simoncelli and Bovik, "Multi-scale structural similarity for image quality
assessment", Asilomar 2003 (below "Wang 2003"). With Gaussian-weighted local means mu, variances
sigma^2 and covariance sigma_xy (window 11x11, sigma 1.5, 'valid' positions only):

    l(x, y)  = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)                 (Eq. 1)
    c(x, y)  = (2 sigma_x sigma_y + C2) / (sigma_x^2 + sigma_y^2 + C2)      (Eq. 2)
    s(x, y)  = (sigma_xy + C3) / (sigma_x sigma_y + C3)                     (Eq. 3)
    C1 = (K1 L)^2, C2 = (K2 L)^2, C3 = C2 / 2, K1 = 0.01, K2 = 0.03, L = 255 (Eq. 4)
    SSIM     = l c s = (2 mu_x mu_y + C1)(2 sigma_xy + C2)
                       / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))  (Eqs. 5-6)
    cs       = c s   = (2 sigma_xy + C2) / (sigma_x^2 + sigma_y^2 + C2)
    MS-SSIM  = SSIM_M^{w_M} * prod_{j<M} cs_j^{w_j}                           (Eq. 7)

with M = 5 scales, weights w = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333) (Wang 2003, Sec. 3.2) and
each term the spatial mean of its map, as in Wang's MATLAB msssim.m. Scale j+1 is scale j
averaged over 2x2 blocks and subsampled by 2.

Two conventions for colour images are in use and give slightly different numbers; `ms_ssim`
requires naming one (see its docstring). Published Kodak curves state which one they use.
"""

from collections.abc import Sequence
from typing import Literal

import numpy as np

DATA_RANGE = 255.0
FILTER_SIZE = 11
FILTER_SIGMA = 1.5
K1 = 0.01
K2 = 0.03
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
# Smallest side for which every one of the 5 scales still holds one full 11x11 'valid' window:
# scale j has ceil(n / 2^j) pixels, and ceil(n / 16) >= 11  <=>  n > 10 * 16.
MS_SSIM_MIN_SIDE = (FILTER_SIZE - 1) * 2 ** (len(MS_SSIM_WEIGHTS) - 1) + 1  # 161

Convention = Literal["google", "per_channel"]
SmallImagePolicy = Literal["error", "shrink_window"]


def psnr(reference: np.ndarray, distorted: np.ndarray, data_range: float = DATA_RANGE) -> float:
    """PSNR in dB over all samples: 10 log10(L^2 / MSE), MSE over every pixel and channel.

    For the 8-bit RGB convention pass the uint8 reconstruction (round before calling). Identical
    images give +inf.
    """
    x, y = np.asarray(reference), np.asarray(distorted)
    if x.shape != y.shape:
        raise ValueError(f"images differ in shape: {x.shape} vs {y.shape}")
    # squared error summed over bands of rows: float64 copies of one band, not of the image
    squared = sum(float(np.sum(np.square(x[i:i + 256].astype(np.float64) - y[i:i + 256])))
                  for i in range(0, len(x), 256))
    mse = squared / x.size
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def mean_psnr(
    references: Sequence[np.ndarray],
    reconstructions: Sequence[np.ndarray],
    data_range: float = DATA_RANGE,
) -> float:
    """Mean of per-image PSNRs (the dataset convention of CompressAI and Islam et al. 2021).

    This is not the PSNR of the pooled MSE, which weights badly coded images less.
    """
    if len(references) != len(reconstructions) or not references:
        raise ValueError("need the same, non-zero number of references and reconstructions")
    return float(
        np.mean([psnr(x, y, data_range) for x, y in zip(references, reconstructions, strict=True)])
    )


def ssim(reference: np.ndarray, distorted: np.ndarray, data_range: float = DATA_RANGE) -> float:
    """Mean SSIM (Wang 2003 Eq. 6) over the 'valid' positions of the 11x11 window and all channels.

    Gaussian window sigma 1.5, K1 = 0.01, K2 = 0.03, population (not sample) covariances. Equal
    to scikit-image's `structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255, channel_axis=-1)`, and to scale 1 of the
    'google' MS-SSIM.
    """
    return float(ssim_map(reference, distorted, data_range).mean())


def ssim_map(reference: np.ndarray, distorted: np.ndarray,
             data_range: float = DATA_RANGE) -> np.ndarray:
    """The SSIM map (Eq. 6) averaged over channels: (H - 10) x (W - 10), one value per 'valid'
    position of the 11x11 window; `ssim` is its mean."""
    x, y = _as_float_images(reference, distorted)
    if min(x.shape[1:]) < FILTER_SIZE:
        raise ValueError(f"SSIM needs both sides >= {FILTER_SIZE}, got {x.shape[1:]}")
    ssim_maps, _ = _ssim_maps(x, y, gaussian_window(FILTER_SIZE, FILTER_SIGMA), data_range)
    return ssim_maps.mean(axis=0)


def ms_ssim(
    reference: np.ndarray,
    distorted: np.ndarray,
    *,
    convention: Convention,
    data_range: float = DATA_RANGE,
    small_images: SmallImagePolicy = "error",
) -> float:
    """MS-SSIM (Wang 2003 Eq. 7) of two HxW or HxWxC images with values in [0, data_range].

    Both conventions use 5 scales, the Wang 2003 weights, an 11x11 Gaussian window with
    sigma 1.5 applied per channel at 'valid' positions only, K1 = 0.01, K2 = 0.03, and
    float64 arithmetic. They differ in how channels are pooled and in the 2x2 downsampling:

    convention="google": Google's msssim.py (tensorflow/models research/compression
        image_encoder/msssim.py, the code behind Toderici et al. 2017 and Johnston et al. 2018
        and the MS-SSIM of Islam et al. 2021). At each scale the cs map (and at the last scale
        the SSIM map) is averaged over all positions AND all channels jointly, then
        MS-SSIM = SSIM_5^{w_5} prod_{j<5} cs_j^{w_j}. Downsampling: 2x2 mean of
        scipy.ndimage.convolve(mode='reflect') then [::2], i.e. for an odd side the last row or
        column is averaged with itself (edge replication); a side n becomes ceil(n / 2).
        No clipping: a negative mean cs gives NaN, as in that script.

    convention="per_channel": pytorch_msssim.ms_ssim (used by CompressAI). Each channel gets
        its own cs_j and SSIM_5, each clipped at 0 (relu), its own product
        SSIM_5^{w_5} prod_{j<5} cs_j^{w_j}; the result is the mean of the per-channel products.
        Downsampling: torch avg_pool2d(kernel 2, padding = side % 2, count_include_pad=True),
        i.e. for an odd side one zero row/column is padded at the start, so the first output
        row/column is half the edge value; a side n becomes ceil(n / 2).

    For even sides down to the last scale (e.g. 768x512 Kodak) the two differ only in channel
    pooling; for grayscale only in downsampling and clipping.

    Size: with 'valid' 11-tap filtering every scale needs at least 11 pixels per side, so the
    smaller side must be >= 161 (MS_SSIM_MIN_SIDE; 161 -> 81 -> 41 -> 21 -> 11; 160 fails at
    10). pytorch_msssim asserts the same (side > 160). For smaller images:
        small_images="error" (default): raise ValueError.
        small_images="shrink_window": at each scale use a window of size
            min(11, height, width) with sigma scaled to 1.5 * size / 11, as Google's
            msssim.py does for every image. The result is then no longer comparable to
            full-size MS-SSIM numbers; for 'per_channel' it is our extension (pytorch_msssim
            refuses such images).
    """
    if convention not in ("google", "per_channel"):
        raise ValueError(f"convention must be 'google' or 'per_channel', got {convention!r}")
    if small_images not in ("error", "shrink_window"):
        raise ValueError(f"small_images must be 'error' or 'shrink_window', got {small_images!r}")
    x, y = _as_float_images(reference, distorted)
    if small_images == "error" and min(x.shape[1:]) < MS_SSIM_MIN_SIDE:
        raise ValueError(
            f"MS-SSIM with {len(MS_SSIM_WEIGHTS)} scales and a {FILTER_SIZE}-tap 'valid' window "
            f"needs both sides >= {MS_SSIM_MIN_SIDE}, got {x.shape[1]}x{x.shape[2]} "
            "(pass small_images='shrink_window' for Google's shrinking-window fallback)"
        )
    per_channel = convention == "per_channel"
    weights = np.asarray(MS_SSIM_WEIGHTS)
    levels = weights.size
    # Rows: scales; columns: channels (per_channel) or one joint value (google).
    terms = np.empty((levels, x.shape[0] if per_channel else 1))
    for level in range(levels):
        size = min(FILTER_SIZE, *x.shape[1:])
        window = gaussian_window(size, FILTER_SIGMA * size / FILTER_SIZE)
        ssim_map, cs_map = _ssim_maps(x, y, window, data_range)
        term_map = ssim_map if level == levels - 1 else cs_map
        terms[level] = term_map.mean(axis=(1, 2)) if per_channel else term_map.mean()
        if level < levels - 1:
            x, y = (_downsample(im, zero_pad_start=per_channel) for im in (x, y))
    if per_channel:
        terms = np.maximum(terms, 0.0)
    return float(np.mean(np.prod(terms ** weights[:, None], axis=0)))


def _as_float_images(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both images as contiguous float64 CxHxW arrays (channels first keeps filtering fast)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if a.ndim != 3:
        raise ValueError(f"expected an HxW or HxWxC image, got shape {a.shape}")
    return tuple(np.ascontiguousarray(im.transpose(2, 0, 1), dtype=np.float64) for im in (a, b))


def gaussian_window(size: int, sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian, taps centred on 0 (half-integer offsets for even sizes).

    Its outer product is MATLAB's fspecial('gaussian') as mimicked by msssim.py.
    """
    t = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(t**2) / (2.0 * sigma**2))
    return g / g.sum()


def _filter_valid(x: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 2-D correlation of the last two axes with `window`, 'valid' outputs only."""
    return _correlate_valid(_correlate_valid(x, window, axis=-2), window, axis=-1)


def _correlate_valid(x: np.ndarray, window: np.ndarray, axis: int) -> np.ndarray:
    """1-D 'valid' correlation along `axis` (-1 or -2) with a symmetric window.

    Taps k and size-1-k are added before multiplying and buffers are reused: this memory-bound
    loop is most of the cost of MS-SSIM.
    """
    size = window.size
    n = x.shape[axis] - size + 1
    trailing = (slice(None),) * (-1 - axis)

    def tap(k: int) -> np.ndarray:
        return x[(Ellipsis, slice(k, k + n), *trailing)]

    half = size // 2
    out = tap(half) * window[half] if size % 2 else np.zeros_like(tap(0))
    pair = np.empty_like(out)
    for k in range(half):
        np.add(tap(k), tap(size - 1 - k), out=pair)
        pair *= window[k]
        out += pair
    return out


def _ssim_maps(
    x: np.ndarray, y: np.ndarray, window: np.ndarray, data_range: float
) -> tuple[np.ndarray, np.ndarray]:
    """SSIM map (Eq. 6) and cs map (c s of Eqs. 2-3 with C3 = C2/2), CxHxW, 'valid' positions."""
    mu_x, mu_y, e_xx, e_yy, e_xy = _filter_valid(np.stack([x, y, x * x, y * y, x * y]), window)
    var_x = e_xx - mu_x**2
    var_y = e_yy - mu_y**2
    cov_xy = e_xy - mu_x * mu_y
    c1 = (K1 * data_range) ** 2
    c2 = (K2 * data_range) ** 2
    cs_map = (2.0 * cov_xy + c2) / (var_x + var_y + c2)
    luminance = (2.0 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    return luminance * cs_map, cs_map


def _downsample(x: np.ndarray, zero_pad_start: bool) -> np.ndarray:
    """2x2 mean with stride 2 over the last two axes; odd sides padded (see `ms_ssim`)."""
    for axis in (1, 2):
        x = np.moveaxis(x, axis, 0)
        if x.shape[0] % 2:
            pad = np.zeros_like(x[:1]) if zero_pad_start else x[-1:]
            x = np.concatenate([pad, x] if zero_pad_start else [x, pad], axis=0)
        x = np.moveaxis(0.5 * (x[0::2] + x[1::2]), 0, axis)
    return np.ascontiguousarray(x)
