"""The binarizer of Toderici et al. 2016/2017 (section 3 of the 2016 paper, "Binary
Representation"): a 1x1 convolution, tanh, then a ±1 quantizer.

    x = tanh(W * h [+ a])       a: the block transform's term, when the model has one
    training:  b = +1 with probability (1 + x) / 2, else -1;  db/dx := 1 (straight through)
    inference: b = sign(x), with sign(0) := +1 so that b is never 0

sign(x) also passes its gradient straight through, so training may use it too
(`config.binarizer = "sign"`): no bit noise, at the price of a biased gradient.
"""

import contextlib
import contextvars
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnncomp.layers.conv import Conv

_batch_axis = contextvars.ContextVar("batch_axis", default=None)


@contextlib.contextmanager
def batch_split_over(axis_name):
    """Inside `jax.shard_map` with the batch split over mesh axis `axis_name`: the stochastic
    binarizers traced inside draw the whole batch's noise and keep their shard's rows, so that
    the bits do not depend on how many devices share the batch. None: no split."""
    token = _batch_axis.set(axis_name)
    try:
        yield
    finally:
        _batch_axis.reset(token)


def _uniform(rng, shape, dtype):
    axis = _batch_axis.get()
    if axis is None:
        return jax.random.uniform(rng, shape, dtype)
    shards = jax.lax.axis_size(axis)
    whole = jax.random.uniform(rng, (shape[0] * shards, *shape[1:]), dtype)
    return jax.lax.dynamic_slice_in_dim(whole, jax.lax.axis_index(axis) * shape[0], shape[0])


def stochastic_binarize(x, rng):
    """±1 with E[b] = x for x in [-1, 1], gradient passed straight through."""
    u = _uniform(rng, x.shape, x.dtype)
    b = jnp.where(u < (1.0 + x) / 2.0, 1.0, -1.0).astype(x.dtype)
    return b + (x - jax.lax.stop_gradient(x))  # exactly ±1 forward, identity backward


def sign_binarize(x):
    """Deterministic ±1: +1 where x >= 0, gradient passed straight through."""
    b = jnp.where(x >= 0, 1.0, -1.0).astype(x.dtype)
    return b + (x - jax.lax.stop_gradient(x))


class Binarizer(nn.Module):
    """1x1 conv (no bias) to `bits` channels, tanh, then ±1: stochastic given `rng`, else sign."""

    bits: int = 32
    dtype: Any = None

    @nn.compact
    def __call__(self, h, rng=None, extra=None):
        x = Conv(self.bits, 1, dtype=self.dtype, name="conv")(h)
        x = jnp.tanh(x if extra is None else x + extra)
        return sign_binarize(x) if rng is None else stochastic_binarize(x, rng)
