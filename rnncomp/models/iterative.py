"""The iterative residual coder shared by both papers, unrolled with `jax.lax.scan`.

Toderici et al. 2017, eq. 1-2, with x scaled to [0, 1] and x̂_0 = 0.5:

    b_t = B(E_t(g_t · r_{t-1})),   r_0 = x - x̂_0
    x̂_t = x̂_{t-1} + D_t(b_t) / g_t          "additive" (g_t = 1), "residual_scaling",
                                              "iteration_scaling"
    x̂_t = 0.5 + D_t(b_t)                      "one_shot"
    r_t = x - x̂_t

E_t, D_t are the recurrent encoder and decoder (their carries make them depend on t), B the
binarizer. The gain g_t: G(x̂_{t-1}), a network estimating it from the reconstruction so far, for
residual scaling (Toderici et al. 2017, section 3.3); exp(a_t), one learned scalar per
iteration, for iteration scaling (a_t = 0 is the additive network, so a trained additive model
can be extended with it). With `block_transform`, iteration t also has our linear block code
(A_t, S_t; `rnncomp.layers.block_transform`), zero by default. Iterations beyond the last
learned gain or block code reuse it.

Each iteration spends 32 bits per 16x16 block: k iterations cost k/8 bpp before entropy coding.
The decoder needs only the bits: `decode` of the first j iterations of a k-iteration code equals
a j-iteration run.
"""

import contextlib
import contextvars
import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnncomp.layers import block_analysis, block_synthesis, crop, pad_to_multiple
from rnncomp.layers.conv import CHECKPOINT_NAME

RECONSTRUCTIONS = ("additive", "one_shot", "residual_scaling", "iteration_scaling")
STRIDE = 16
LEARNED_ITERATIONS = 16  # iterations with their own gain / block code; later ones reuse the last
# What the iterations' scan keeps from the forward pass for the backward (`jax.checkpoint`
# policies); the rest is recomputed there. "conv_outputs" (the default): only the convolutions'
# outputs, the cells' elementwise ops recomputed: fewer stacked arrays written and read, 1/4-width
# training steps on the CPU level to 8 % faster (README, "Performance"); "all": everything, as
# plain autodiff; "none": the whole forward recomputed, keeping the least.
SAVED_RESIDUALS = {
    "conv_outputs": jax.checkpoint_policies.save_only_these_names(CHECKPOINT_NAME),
    "all": jax.checkpoint_policies.everything_saveable,
    "none": jax.checkpoint_policies.nothing_saveable,
}
_saved_residuals = contextvars.ContextVar("saved_residuals", default="conv_outputs")


def checkpoint_policy(name: str):
    """SAVED_RESIDUALS[name]; an unknown name is a ValueError naming the choices."""
    if name not in SAVED_RESIDUALS:
        raise ValueError(f"unknown saved_residuals {name!r}: choose one of "
                         f"{tuple(SAVED_RESIDUALS)}")
    return SAVED_RESIDUALS[name]


@contextlib.contextmanager
def saved_residuals(policy: str):
    """Differentiate the iterations traced inside keeping `policy`'s residuals (SAVED_RESIDUALS)."""
    checkpoint_policy(policy)
    token = _saved_residuals.set(policy)
    try:
        yield
    finally:
        _saved_residuals.reset(token)


@dataclasses.dataclass(frozen=True)
class RecurrentCodec:
    """Encoder + binarizer, decoder and optional gain estimator, as pure functions of `params`.

    Images are NHWC floats in [0, 1]; any height and width (padded by edge replication to a
    multiple of 16 and cropped back). `params` = {"encoder", "decoder"[, "gain"]}.
    """

    encoder: nn.Module
    decoder: nn.Module
    reconstruction: str = "additive"
    gain: nn.Module | None = None
    block_transform: bool = False

    def __post_init__(self):
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"unknown reconstruction {self.reconstruction!r}: "
                             f"choose one of {RECONSTRUCTIONS}")
        if (self.reconstruction == "residual_scaling") != (self.gain is not None):
            raise ValueError("a gain estimator is used with residual_scaling and only with it")

    @property
    def iteration_scaling(self) -> bool:
        return self.reconstruction == "iteration_scaling"

    @property
    def bits(self) -> int:
        return self.encoder.bits

    def init(self, rng, height: int = 32, width: int = 32):
        """Parameters for this network (they do not depend on the image size)."""
        k_enc, k_dec, k_gain = jax.random.split(rng, 3)
        x = jnp.zeros((1, height, width, 3), jnp.float32)
        params = {
            "encoder": self.encoder.init(k_enc, self.encoder.zero_carry(1, height, width), x)
            ["params"],
        }
        code = jnp.zeros((1, height // STRIDE, width // STRIDE, self.bits), jnp.float32)
        params["decoder"] = self.decoder.init(
            k_dec, self.decoder.zero_carry(1, height, width), code)["params"]
        if self.gain is not None:
            params["gain"] = self.gain.init(k_gain, x)["params"]
        if self.iteration_scaling:
            params["gain"] = {"log_gain": jnp.zeros((LEARNED_ITERATIONS,), jnp.float32)}
        if self.block_transform:
            size = STRIDE * STRIDE * 3
            params["block"] = {
                "analysis": jnp.zeros((LEARNED_ITERATIONS, size, self.bits), jnp.float32),
                "synthesis": jnp.zeros((LEARNED_ITERATIONS, self.bits, size), jnp.float32)}
        return params

    @staticmethod
    def _at(per_iteration, t):
        return jnp.asarray(per_iteration)[jnp.minimum(t, per_iteration.shape[0] - 1)]

    def gain_of(self, params, reconstruction, t):
        """g_t (a scalar or per-pixel array; 1.0 for additive and one-shot)."""
        if self.iteration_scaling:
            return jnp.exp(self._at(params["gain"]["log_gain"], t))
        if self.gain is None:
            return 1.0
        return self.gain.apply({"params": params["gain"]}, reconstruction)

    def encoder_inputs(self, params, x, reconstruction, t):
        """What the encoder network codes in iteration t + 1: the residual r_{t-1} = x - x̂_{t-1}
        (times the gain g_t for the scaling reconstructions) and the block transform's term for
        the binarizer's pre-activation (None without it)."""
        residual = (x - reconstruction) * self.gain_of(params, reconstruction, t)
        extra = (block_analysis(residual, self._at(params["block"]["analysis"], t))
                 if self.block_transform else None)
        return residual, extra

    def encoder_step(self, params, enc_carry, x, reconstruction, t, rng=None):
        """carry, x, x̂_{t-1} → (carry, b_t): the encoder side of iteration t + 1."""
        residual, extra = self.encoder_inputs(params, x, reconstruction, t)
        return self.encoder.apply({"params": params["encoder"]}, enc_carry, residual, rng, extra)

    def decoder_init(self, n: int, height: int, width: int):
        """The decoder side's state before iteration 1 for a padded height x width: (carry, x̂_0)."""
        return (self.decoder.zero_carry(n, height, width),
                jnp.full((n, height, width, 3), 0.5, jnp.float32))

    def decoder_step(self, params, decoder_state, bits, t):
        """(carry, x̂_{t-1}), b_t → (carry, x̂_t): the decoder side of iteration t + 1."""
        dec_carry, reconstruction = decoder_state
        dec_carry, out = self.decoder.apply({"params": params["decoder"]}, dec_carry, bits)
        if self.block_transform:
            out = out + block_synthesis(bits, self._at(params["block"]["synthesis"], t))
        if self.reconstruction == "one_shot":
            return dec_carry, 0.5 + out
        return dec_carry, reconstruction + out / self.gain_of(params, reconstruction, t)

    @staticmethod
    def context_state(decoder_state):
        """The first decoder cell's output (at the code's resolution): what the entropy model
        may condition on, since the decoder has it before decoding the next bits."""
        return decoder_state[0][0][-1]

    def _run(self, params, x, iterations: int, rng):
        """Scan k iterations over a padded x; returns (x̂_1..x̂_k, b_1..b_k)."""
        n, h, w, _ = x.shape

        def step(carry, t):
            enc_carry, dec_carry, reconstruction = carry
            step_rng = None if rng is None else jax.random.fold_in(rng, t)
            enc_carry, bits = self.encoder_step(params, enc_carry, x, reconstruction, t,
                                                step_rng)
            dec_carry, reconstruction = self.decoder_step(params, (dec_carry, reconstruction),
                                                          bits, t)
            return (enc_carry, dec_carry, reconstruction), (reconstruction, bits)

        step = jax.checkpoint(step, prevent_cse=False,
                              policy=SAVED_RESIDUALS[_saved_residuals.get()])
        init = (self.encoder.zero_carry(n, h, w), *self.decoder_init(n, h, w))
        # Inside jax.shard_map the carries must vary over the mesh axes that x varies over, as
        # the step's outputs do: adding a zero of x's type makes them so (elsewhere a no-op).
        zero = jnp.zeros_like(x, shape=())
        init = jax.tree_util.tree_map(lambda a: a + zero, init)
        _, (reconstructions, bits) = jax.lax.scan(step, init, jnp.arange(iterations))
        return reconstructions, bits

    def __call__(self, params, x, iterations: int, rng=None):
        """Training/eval forward: (x̂_t for t = 1..k, shape (k, N, H, W, 3); bits (k, N, h, w, B)).

        With `rng` the binarizer samples ±1 with a straight-through gradient; without, sign.
        Reconstructions are not clipped (the loss sees the raw decoder output).
        """
        h, w = x.shape[1:3]
        reconstructions, bits = self._run(params, pad_to_multiple(x, STRIDE), iterations, rng)
        return reconstructions[:, :, :h, :w, :], bits

    def context_states(self, params, bits):
        """`context_state` before each iteration of a code (k, N, h, w, B): (k, N, h, w, C)."""
        n, h, w = bits.shape[1:4]

        def step(state, inputs):
            b, t = inputs
            return self.decoder_step(params, state, b, t), self.context_state(state)

        init = self.decoder_init(n, h * STRIDE, w * STRIDE)
        return jax.lax.scan(step, init, (bits, jnp.arange(bits.shape[0])))[1]

    def encode(self, params, x, iterations: int):
        """Bits b_1..b_k, ±1 of shape (k, N, ceil(H/16), ceil(W/16), B), inference mode."""
        return self._run(params, pad_to_multiple(x, STRIDE), iterations, None)[1]

    def decode(self, params, bits, height: int, width: int, all_iterations: bool = False):
        """x̂_k from bits (k, N, h, w, B) alone (or x̂_1..x̂_k), clipped to [0, 1]."""
        n, h, w = bits.shape[1:4]

        def step(state, inputs):
            b, t = inputs
            state = self.decoder_step(params, state, b, t)
            return state, (state[1] if all_iterations else None)

        init = self.decoder_init(n, h * STRIDE, w * STRIDE)
        (_, final), history = jax.lax.scan(step, init, (bits, jnp.arange(bits.shape[0])))
        out = history[:, :, :height, :width, :] if all_iterations else crop(final, height, width)
        return jnp.clip(out, 0.0, 1.0)


def count_params(params: Any) -> int:
    return sum(int(p.size) for p in jax.tree_util.tree_leaves(params))
