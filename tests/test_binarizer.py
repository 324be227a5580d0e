import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.layers import Binarizer, sign_binarize, stochastic_binarize


def test_stochastic_values_mean_and_gradient():
    x = jnp.linspace(-0.95, 0.95, 39)
    samples = 4000
    keys = jax.random.split(jax.random.PRNGKey(0), samples)
    b = jax.vmap(lambda k: stochastic_binarize(x, k))(keys)
    assert set(np.unique(np.asarray(b))) <= {-1.0, 1.0}
    # E[b] = x; the std of a mean of n ±1 samples is sqrt((1 - x^2) / n): allow 5 sigma.
    bound = 5 * np.sqrt((1 - np.asarray(x) ** 2) / samples) + 1e-6
    assert np.all(np.abs(np.asarray(b.mean(0)) - np.asarray(x)) < bound)
    # Straight through: d b / d x = 1.
    g = jax.grad(lambda x: jnp.sum(stochastic_binarize(x, keys[0]) * jnp.arange(39.0)))(x)
    np.testing.assert_array_equal(g, np.arange(39.0))


def test_binarizer_gradient_equals_tanh_gradient():
    h = jax.random.normal(jax.random.PRNGKey(1), (2, 3, 3, 8))
    module = Binarizer(bits=4)
    params = module.init(jax.random.PRNGKey(2), h)
    w = params["params"]["conv"]["kernel"].reshape(8, 4)
    cot = jax.random.normal(jax.random.PRNGKey(3), (2, 3, 3, 4))
    g_bin = jax.grad(lambda h: jnp.sum(module.apply(params, h, jax.random.PRNGKey(4)) * cot))(h)
    g_tanh = jax.grad(lambda h: jnp.sum(jnp.tanh(h @ w) * cot))(h)
    np.testing.assert_allclose(g_bin, g_tanh, rtol=1e-5, atol=1e-6)


def test_inference_is_sign_never_zero():
    x = jnp.asarray([-0.3, -0.0, 0.0, 1e-9, 0.7])
    np.testing.assert_array_equal(sign_binarize(x), [-1, 1, 1, 1, 1])
    h = jnp.zeros((1, 2, 2, 8))  # tanh(0) = 0 everywhere
    module = Binarizer()
    out = module.apply(module.init(jax.random.PRNGKey(0), h), h)
    assert out.shape == (1, 2, 2, 32) and np.all(np.asarray(out) == 1.0)


def test_sign_passes_gradient_straight_through():
    x = jnp.linspace(-0.9, 0.9, 7)
    g = jax.grad(lambda x: jnp.sum(sign_binarize(x) * jnp.arange(7.0)))(x)
    np.testing.assert_array_equal(g, np.arange(7.0))
