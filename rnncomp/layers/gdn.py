"""Generalized divisive normalization (Ballé, Laparra, Simoncelli, ICLR 2016), classic form.

GDN:   y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)
IGDN:  y_i = x_i * sqrt(beta_i + sum_j gamma_ij x_j^2)   (its approximate inverse)

Not the simplified form x / (beta + gamma |x|) that tensorflow-compression defaults to since 2021.
"""

import flax.linen as nn
import jax.numpy as jnp

from rnncomp.layers.parametrize import nonnegative_init, nonnegative_value

BETA_MIN = 1e-6
GAMMA_INIT = 0.1


class GDN(nn.Module):
    """GDN over the channel (last) axis; `inverse=True` gives IGDN.

    beta and gamma are stored reparameterised (see `parametrize.nonnegative_value`) so that
    beta >= 1e-6 and gamma >= 0; they start at beta = 1, gamma = 0.1 * I.
    """

    inverse: bool = False

    @nn.compact
    def __call__(self, x):
        channels = x.shape[-1]
        beta_v = self.param("beta", lambda _, c: nonnegative_init(jnp.ones((c,))), channels)
        gamma_v = self.param(
            "gamma", lambda _, c: nonnegative_init(GAMMA_INIT * jnp.eye(c)), channels
        )
        beta = nonnegative_value(beta_v, BETA_MIN)
        gamma = nonnegative_value(gamma_v)
        # norm_i = beta_i + sum_j gamma_ij x_j^2
        norm = beta + jnp.einsum("...j,ij->...i", jnp.square(x), gamma)
        return x * jnp.sqrt(norm) if self.inverse else x * jnp.reciprocal(jnp.sqrt(norm))


class IGDN(GDN):
    """Inverse GDN: y_i = x_i * sqrt(beta_i + sum_j gamma_ij x_j^2)."""

    inverse: bool = True
