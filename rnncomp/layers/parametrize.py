"""Lower bounds with Ballé's gradient rule and the non-negative reparameterisation used by GDN.

Ballé, Laparra, Simoncelli, "Density modeling of images using a generalized normalization
transformation" (ICLR 2016), appendix 6.1, and tensorflow-compression's `lower_bound` op.
"""

import jax
import jax.numpy as jnp

PEDESTAL = (2.0**-18) ** 2


@jax.custom_vjp
def lower_bound(x, bound):
    """max(x, bound), whose gradient passes when the bound is inactive or the update raises x.

    The plain max has zero gradient below the bound, so a parameter that falls under it can never
    come back. Ballé's rule passes the gradient g through where x >= bound or g < 0 (a gradient
    descent step x - lr*g then moves x up, towards the feasible region).
    """
    return jnp.maximum(x, bound)


def _lower_bound_fwd(x, bound):
    return jnp.maximum(x, bound), (x, bound)


def _lower_bound_bwd(residuals, g):
    x, bound = residuals
    pass_through = (x >= bound) | (g < 0)
    return jnp.where(pass_through, g, 0.0).astype(x.dtype), jnp.zeros_like(bound)


lower_bound.defvjp(_lower_bound_fwd, _lower_bound_bwd)


def nonnegative_init(value):
    """Stored variable v for a parameter value: v = sqrt(value + pedestal)."""
    return jnp.sqrt(jnp.asarray(value) + PEDESTAL)


def nonnegative_value(v, minimum=0.0):
    """Parameter value = max(v, sqrt(minimum + pedestal))^2 - pedestal, so value >= minimum.

    Squaring keeps the effective learning rate near zero well behaved (Ballé et al. 2016, 6.1).
    """
    bound = jnp.sqrt(minimum + PEDESTAL).astype(v.dtype)
    return lower_bound(v, bound) ** 2 - PEDESTAL
