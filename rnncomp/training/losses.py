"""The residual loss of Toderici et al. 2017 (eq. 5) and Islam et al. 2021.

    L = Σ_t w_t · mean |r_t|,   r_t = x - x̂_t,   w_t = 1/k by default (the mean over iterations)

L1 by default as in both papers; `norm=2` gives the mean squared residual instead. With
`log=True` each term is a logarithm, L = Σ_t w_t · log mean |r_t|^norm: every iteration's
relative improvement weighs the same (with norm=2, -L·10/ln 10 is the weighted mean PSNR over
iterations), where the papers' linear sum weighs a late iteration, whose residual is several
times smaller, that many times less per dB.
"""

import jax.numpy as jnp


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


def residual_loss(x, reconstructions, weights, norm: int = 1, log: bool = False):
    """L = Σ_t w_t · mean |r_t|^norm, or Σ_t w_t · log mean |r_t|^norm with `log`."""
    losses = residual_losses(x, reconstructions, norm)
    return jnp.sum(weights * (jnp.log(losses) if log else losses))
