"""Encoder-side search of the code bits (ours, not in the papers).

The decoder is fixed, so the encoder may send any bits b_t ∈ {±1}^{h×w×B}; the encoder network's
are a good guess, not the best. At iteration t, given the decoder's state after t-1, `search_bits`
starts from the network's b_t and takes normalised gradient steps on a relaxation z of the bits
(b = sign z, the gradient passed straight through) for that iteration's rate-distortion cost:

    z_0 = ζ b_t,  z_{i+1} = z_i - η g_i / rms(g_i),  g_i = ∇_z [ℓ(x, x̂_t(b)) + λ R(b)], b = sign z_i

with ℓ = 1 - MS-SSIM (Wang et al. 2003, eq. 7) or the mean squared error, R the bits the entropy
coder would spend on them (its probabilities given the network's bits, held fixed) and λ the
distortion the network's bits bought per bit in this iteration, so a change must pay for the
bits it costs. The bits of the best z_i seen are kept, so the search never does worse than the
network's bits on that cost. A bit flips once its gradient has pushed z across 0: after one
step where |g| > (ζ/η) rms(g), the strongest first; ζ and η were chosen on validation images
(docs/studies.md, "Encoder-side search").

It is greedy, each iteration searched for its own reconstruction, so every prefix of the file
keeps its gains, and the files are ordinary ones of the format. Steps on all iterations' bits at
once, through the decoder's recurrence, found no bits better than the network's in our probes.
"""

import jax
import jax.numpy as jnp

from rnncomp.layers.binarizer import sign_binarize
from rnncomp.models import STRIDE
from rnncomp.training.losses import ms_ssim

METRICS = ("ms-ssim", "mse")
INIT_SCALE = 0.4  # ζ
STEP_SIZE = 0.02  # η


def distortion(metric: str, x, reconstruction):
    """ℓ(x, clip(x̂)) per image of an NHWC batch: 1 - MS-SSIM or the mean squared error."""
    y = jnp.clip(reconstruction, 0.0, 1.0)
    if metric == "ms-ssim":
        return 1.0 - ms_ssim(x, y)
    if metric == "mse":
        return jnp.mean(jnp.square(x - y), axis=(1, 2, 3))
    raise ValueError(f"unknown search metric {metric!r}: choose one of {METRICS}")


def search_bits(model, params, state, x, bits, t, probabilities, size: tuple[int, int],
                steps: int, metric: str):
    """Iteration t's bits b_t (1, h, w, B), searched, for one image (N = 1).

    state: the decoder's (carry, x̂_{t-1}); x (1, H, W, 3) may be padded: ℓ is measured on its
    top-left `size` = (height, width) pixels, the h x w = ceil(height/16) x ceil(width/16)
    blocks covering them are the ones sent (`bits` the network's), and the others repeat the
    nearest sent block (the codec's edge replication). `probabilities`: P(b = +1) of the sent
    bits (1, h, w, B) that the entropy coder uses given the network's bits (1/2 where it models
    none): the rate R(b) = Σ -log2 P(b) enters the loss as ℓ + λ R, with λ what the network's
    bits of this iteration bought per bit, (ℓ(x̂_{t-1}) - ℓ(x̂_t)) / R(b_t).
    """
    height, width = size
    rows = jnp.minimum(jnp.arange(x.shape[1] // STRIDE), bits.shape[1] - 1)
    columns = jnp.minimum(jnp.arange(x.shape[2] // STRIDE), bits.shape[2] - 1)
    p = jnp.clip(probabilities, 1e-6, 1 - 1e-6)
    cost_plus, cost_minus = -jnp.log2(p), -jnp.log2(1 - p)

    def distortion_of(b):
        decoded = model.decoder_step(params, state, b[:, rows][:, :, columns], t)[1]
        return jnp.sum(distortion(metric, x[:, :height, :width], decoded[:, :height, :width]))

    def rate(b):
        return jnp.sum((1 + b) / 2 * cost_plus + (1 - b) / 2 * cost_minus)

    before = jnp.sum(distortion(metric, x[:, :height, :width], state[1][:, :height, :width]))
    slope = jnp.maximum(before - distortion_of(bits), 0.0) / rate(bits)

    def loss(z):
        b = sign_binarize(z)
        return distortion_of(b) + slope * rate(b)

    value_and_grad = jax.value_and_grad(loss)

    def step(_, carry):
        z, best_value, best = carry
        value, g = value_and_grad(z)
        better = value < best_value
        best = jnp.where(better, sign_binarize(z), best)
        best_value = jnp.where(better, value, best_value)
        z = z - STEP_SIZE * g / jnp.sqrt(jnp.mean(jnp.square(g)) + 1e-30)
        return z, best_value, best

    z, best_value, best = jax.lax.fori_loop(0, steps, step,
                                            (INIT_SCALE * bits, jnp.inf, bits))
    return jnp.where(loss(z) < best_value, sign_binarize(z), best)
