"""The residual loss of Toderici et al. 2017 (eq. 5) and Islam et al. 2021.

    L = Σ_t w_t · mean |r_t|,   r_t = x - x̂_t,   w_t = 1/k by default (the mean over iterations)

L1 by default as in both papers; `norm=2` gives the mean squared residual instead. With
`log=True` each term is a logarithm, L = Σ_t w_t · log mean |r_t|^norm: every iteration's
relative improvement weighs the same (with norm=2, -L·10/ln 10 is the weighted mean PSNR over
iterations), where the papers' linear sum weighs a late iteration, whose residual is several
times smaller, that many times less per dB.

`ms_ssim_weight` α (ours, not the papers') mixes in the quality the papers report:

    L = Σ_t w_t · [(1 - α) · mean |r_t| + α · (1 - MS-SSIM(x, x̂_t))]

with MS-SSIM per image (Wang et al. 2003, eq. 7, `ms_ssim` below), averaged over the batch;
with `log=True` each iteration's bracket is a logarithm.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.evaluation.metrics import (
    FILTER_SIGMA,
    FILTER_SIZE,
    K1,
    K2,
    MS_SSIM_WEIGHTS,
    gaussian_window,
)


def iteration_weights(iterations: int, weights=None):
    """Normalised per-iteration weights w_1..w_k (uniform when `weights` is None)."""
    w = jnp.ones((iterations,)) if weights is None else jnp.asarray(weights, jnp.float32)
    if w.shape != (iterations,):
        raise ValueError(f"loss_weights has {w.shape[0]} entries for {iterations} iterations")
    return w / jnp.sum(w)


def residual_losses(x, reconstructions, norm: int = 1):
    """Per-iteration mean |r_t|^norm over the batch: shape (k,). x: (N,H,W,C), x̂: (k,N,H,W,C)."""
    r = jnp.abs(x[None] - reconstructions)
    return jnp.mean(r if norm == 1 else jnp.square(r), axis=(1, 2, 3, 4))


def residual_loss(x, reconstructions, weights, norm: int = 1, log: bool = False,
                  ms_ssim_weight: float = 0.0, axis_name=None):
    """L = Σ_t w_t · ℓ_t, ℓ_t = (1 - α) · mean |r_t|^norm + α · (1 - MS-SSIM_t) with α =
    `ms_ssim_weight`, or Σ_t w_t · log ℓ_t with `log`. With `axis_name` (inside
    `jax.shard_map`, the batch split in equal shards over that mesh axis) each ℓ_t is the mean
    over all shards, so L is the whole batch's loss."""
    losses = residual_losses(x, reconstructions, norm)
    if ms_ssim_weight:
        quality = jnp.mean(ms_ssim(x[None], reconstructions), axis=1)
        losses = (1 - ms_ssim_weight) * losses + ms_ssim_weight * (1 - quality)
    if axis_name is not None:
        losses = jax.lax.pmean(losses, axis_name)
    return jnp.sum(weights * (jnp.log(losses) if log else losses))


# MS-SSIM (Wang et al. 2003, eq. 7) in JAX for training, Google's msssim.py convention as in
# rnncomp/evaluation/metrics.py, whose constants it uses (RGB pooled jointly, 5 scales, 11-tap
# Gaussian shrunk to the image at small scales, 2x2 mean downsampling with edge replication).


def _band(n, window):
    """The (n - size + 1) x n matrix of 'valid' correlation with `window` along one axis."""
    size = window.size
    band = np.zeros((n - size + 1, n), np.float32)
    for i in range(n - size + 1):
        band[i, i:i + size] = window
    return band


def ms_ssim(x, y, data_range: float = 1.0):
    """MS-SSIM of each image pair in (..., H, W, C) batches: shape (...). The mean cs (and, at
    the last scale, SSIM) is floored at 1e-6 so that a fractional power stays finite. The
    separable Gaussian filter is two matmuls with banded matrices (small images: fast on CPUs)."""
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    # (..., C, H, W); x keeps its own (broadcastable) shape so that its statistics are filtered
    # once, not once per reconstruction
    x, y = jnp.moveaxis(x, -1, -3), jnp.moveaxis(y, -1, -3)
    terms = []
    for level, weight in enumerate(MS_SSIM_WEIGHTS):
        height, width = x.shape[-2:]
        size = min(FILTER_SIZE, height, width)
        window = gaussian_window(size, FILTER_SIGMA * size / FILTER_SIZE)
        rows, cols = _band(height, window), _band(width, window).T
        mu_x, e_xx = rows @ jnp.stack([x, x * x]) @ cols
        mu_y, e_yy, e_xy = rows @ jnp.stack(jnp.broadcast_arrays(y, y * y, x * y)) @ cols
        var_x, var_y, cov = e_xx - mu_x**2, e_yy - mu_y**2, e_xy - mu_x * mu_y
        term = (2 * cov + c2) / (var_x + var_y + c2)  # cs (Eqs. 2-3)
        if level == len(MS_SSIM_WEIGHTS) - 1:  # SSIM = l cs (Eq. 6)
            term = term * (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
        terms.append(jnp.maximum(jnp.mean(term, axis=(-3, -2, -1)), 1e-6) ** weight)
        if level < len(MS_SSIM_WEIGHTS) - 1:
            x, y = _downsample(x), _downsample(y)
    return functools.reduce(jnp.multiply, terms)


def _downsample(x):
    """2x2 mean, stride 2, over the last two axes; an odd side gets its last row / column
    repeated (edge replication, as msssim.py's reflect-mode filter)."""
    pad = [(0, 0)] * (x.ndim - 2) + [(0, x.shape[-2] % 2), (0, x.shape[-1] % 2)]
    x = jnp.pad(x, pad, mode="edge")
    return 0.25 * (x[..., 0::2, 0::2] + x[..., 1::2, 0::2]
                   + x[..., 0::2, 1::2] + x[..., 1::2, 1::2])
