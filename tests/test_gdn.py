import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from rnncomp.layers import GDN, IGDN, lower_bound, nonnegative_init, nonnegative_value


def numpy_gdn(x, beta, gamma, inverse=False):
    """y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2) over the last axis (IGDN multiplies)."""
    x = np.asarray(x, np.float64)
    norm = np.sqrt(beta + np.einsum("...j,ij->...i", x**2, gamma))
    return x * norm if inverse else x / norm


def random_params(rng, c):
    beta = rng.uniform(0.5, 2.0, c)
    gamma = rng.uniform(0.0, 0.3, (c, c))
    params = {"beta": nonnegative_init(beta), "gamma": nonnegative_init(gamma)}
    return {"params": params}, beta, gamma


@pytest.mark.parametrize("module,inverse", [(GDN(), False), (IGDN(), True)])
def test_matches_numpy_formula(module, inverse):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 6, 7)).astype(np.float32)
    params, beta, gamma = random_params(rng, 7)
    y = module.apply(params, jnp.asarray(x))
    np.testing.assert_allclose(y, numpy_gdn(x, beta, gamma, inverse), rtol=2e-5, atol=1e-6)


def test_closed_form_at_init():
    x = jnp.linspace(-3, 3, 4 * 8).reshape(1, 1, 4, 8)
    gdn = GDN()
    params = gdn.init(jax.random.PRNGKey(0), x)
    # beta = 1, gamma = 0.1 I: y = x / sqrt(1 + 0.1 x^2)
    np.testing.assert_allclose(gdn.apply(params, x), x / np.sqrt(1 + 0.1 * x**2), rtol=1e-5)
    np.testing.assert_allclose(IGDN().apply(params, x), x * np.sqrt(1 + 0.1 * x**2), rtol=1e-5)


def test_gradients():
    rng = np.random.default_rng(1)
    params, _, _ = random_params(rng, 4)
    x = jnp.asarray(rng.normal(size=(1, 3, 3, 4)))
    for module in (GDN(), IGDN()):
        f = lambda p, x, m=module: m.apply(p, x)
        check_grads(f, (params, x), order=1, modes=["rev"], eps=1e-3, atol=5e-2, rtol=5e-2)


def test_parameters_respect_bounds():
    # beta >= 1e-6 and gamma >= 0 whatever the stored variables are.
    v = jnp.asarray([-1.0, 0.0, 1e-5, 2.0])
    assert float(nonnegative_value(v, 1e-6).min()) >= 1e-6 - 1e-12
    assert float(nonnegative_value(v).min()) >= 0.0


def test_lower_bound_gradient_rule():
    grad = lambda x, g: jax.vjp(lambda x: lower_bound(x, 1.0), x)[1](g)[0]
    x = jnp.asarray([0.5, 0.5, 2.0, 2.0])
    g = jnp.asarray([1.0, -1.0, 1.0, -1.0])
    # Below the bound the gradient passes only if descent (x - lr g) moves x up, i.e. g < 0.
    np.testing.assert_array_equal(grad(x, g), [0.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(lower_bound(x, 1.0), [1.0, 1.0, 2.0, 2.0])
