import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnncomp.models import build_model, count_params, islam2021, toderici2017

WIDTH = 1 / 16


def python_loop(model, params, x, iterations, gains=None):
    """The iteration rule of Toderici et al. 2017 in a plain Python loop (no scan), with the
    gains g_1..g_k of eq. x̂_t = x̂_{t-1} + D_t(B(E_t(g_t r_{t-1}))) / g_t when given."""
    n, h, w, _ = x.shape
    enc, dec = model.encoder.zero_carry(n, h, w), model.decoder.zero_carry(n, h, w)
    recon = jnp.full_like(x, 0.5)
    outs = []
    for t in range(iterations):
        g = 1.0 if gains is None else gains[t]
        enc, bits = model.encoder.apply({"params": params["encoder"]}, enc, g * (x - recon))
        dec, out = model.decoder.apply({"params": params["decoder"]}, dec, bits)
        recon = 0.5 + out if model.reconstruction == "one_shot" else recon + out / g
        outs.append(recon)
    return jnp.stack(outs)


@pytest.fixture(scope="module")
def image():
    return jax.random.uniform(jax.random.PRNGKey(7), (2, 32, 48, 3))


@pytest.mark.parametrize("reconstruction", ["additive", "one_shot"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_scan_equals_python_loop(image, reconstruction, cell):
    model = islam2021(width=WIDTH, cell=cell, reconstruction=reconstruction)
    params = model.init(jax.random.PRNGKey(0))
    reconstructions, _ = model(params, image, 3)
    np.testing.assert_allclose(reconstructions, python_loop(model, params, image, 3), atol=1e-5)


def test_iteration_scaling_applies_one_gain_per_iteration(image):
    """Zero log-gains give the additive network exactly; learned ones scale r_{t-1} by g_t and
    divide D_t's output by it, iterations past the last gain reusing it."""
    model = islam2021(width=WIDTH, reconstruction="iteration_scaling")
    additive = islam2021(width=WIDTH)
    params = model.init(jax.random.PRNGKey(0))
    n_gains = params["gain"]["log_gain"].shape[0]
    np.testing.assert_array_equal(
        model(params, image, 3)[0], additive(
            {k: params[k] for k in ("encoder", "decoder")}, image, 3)[0])
    log_gain = jnp.linspace(0.0, 1.5, n_gains)
    params["gain"]["log_gain"] = log_gain
    k = n_gains + 2
    gains = np.exp(np.concatenate([log_gain, np.full(2, log_gain[-1])]))
    expected = python_loop(model, params, image[:1, :16, :16], k, gains)
    np.testing.assert_allclose(model(params, image[:1, :16, :16], k)[0], expected, atol=1e-5)
    assert not np.allclose(expected, python_loop(model, params, image[:1, :16, :16], k))


def test_block_transform_starts_as_the_network_without_it_and_codes_blocks(image):
    """Zero A_t and S_t leave the model unchanged; with A_t dominating, b_t = sign(A_t · block of
    r_{t-1}), and S_t · b_t is added to iteration t's decoded output."""
    model = islam2021(width=WIDTH, block_transform=True)
    plain = islam2021(width=WIDTH)
    params = model.init(jax.random.PRNGKey(0))
    base = {k: params[k] for k in ("encoder", "decoder")}
    np.testing.assert_array_equal(model(params, image, 3)[0], plain(base, image, 3)[0])
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 768, 32)).astype(np.float32)
    s = rng.normal(0, 0.01, size=(2, 32, 768)).astype(np.float32)
    params["block"] = {"analysis": jnp.asarray(1e4 * a), "synthesis": jnp.asarray(s)}
    x = image[:1, :16, :16]
    reconstructions, bits = model(params, x, 2)
    _, plain_bits = plain(base, x, 1)
    r = np.asarray(x[0]).reshape(-1) - 0.5
    np.testing.assert_array_equal(bits[0, 0, 0, 0], np.sign(r @ a[0]))
    dec_carry, out = plain.decoder.apply({"params": base["decoder"]},
                                         plain.decoder.zero_carry(1, 16, 16), bits[0])
    np.testing.assert_allclose(reconstructions[0], 0.5 + out + (bits[0, 0, 0, 0] @ s[0]).reshape(
        1, 16, 16, 3), atol=1e-5)
    r = np.asarray(x[0] - reconstructions[0]).reshape(-1)
    np.testing.assert_array_equal(bits[1, 0, 0, 0], np.sign(r @ a[1]))


def test_bits_shape_values_and_rate():
    model = toderici2017(width=WIDTH)
    params = model.init(jax.random.PRNGKey(0))
    x = jax.random.uniform(jax.random.PRNGKey(1), (1, 33, 50, 3))
    bits = model.encode(params, x, 5)
    assert bits.shape == (5, 1, math.ceil(33 / 16), math.ceil(50 / 16), 32)
    assert set(np.unique(np.asarray(bits))) == {-1.0, 1.0}
    padded_pixels = 48 * 64
    assert bits[:4].size / padded_pixels == 4 / 8  # k iterations = k/8 bpp before coding


@pytest.mark.parametrize("reconstruction",
                         ["additive", "one_shot", "residual_scaling", "iteration_scaling",
                          "block_transform"])
def test_prefix_decoding_and_encode_decode_equal_forward(reconstruction):
    block = reconstruction == "block_transform"
    model = islam2021(width=WIDTH, reconstruction="additive" if block else reconstruction,
                      block_transform=block)
    params = model.init(jax.random.PRNGKey(0))
    if reconstruction == "iteration_scaling":
        params["gain"]["log_gain"] = np.linspace(0.0, 2.0, 16, dtype=np.float32)
    if block:  # NumPy arrays, as zoo.load gives them
        rng = np.random.default_rng(0)
        params["block"] = {"analysis": rng.normal(0, 0.1, (16, 768, 32)).astype(np.float32),
                           "synthesis": rng.normal(0, 0.01, (16, 32, 768)).astype(np.float32)}
    x = jax.random.uniform(jax.random.PRNGKey(2), (1, 20, 37, 3))
    bits = model.encode(params, x, 6)
    forward, _ = model(params, x, 6)
    for j in (1, 3, 6):
        decoded = model.decode(params, bits[:j], 20, 37)
        run_j, bits_j = model(params, x, j)
        np.testing.assert_array_equal(bits_j, bits[:j])
        np.testing.assert_allclose(decoded, jnp.clip(run_j[-1], 0, 1), atol=1e-6)
        np.testing.assert_allclose(decoded, jnp.clip(forward[j - 1], 0, 1), atol=1e-6)
    history = model.decode(params, bits, 20, 37, all_iterations=True)
    np.testing.assert_allclose(history, jnp.clip(forward, 0, 1), atol=1e-6)


def test_training_forward_is_stochastic_and_differentiable(image):
    model = islam2021(width=WIDTH)
    params = model.init(jax.random.PRNGKey(0))
    a, bits_a = model(params, image, 2, jax.random.PRNGKey(1))
    _, bits_b = model(params, image, 2, jax.random.PRNGKey(2))
    assert not np.array_equal(bits_a, bits_b)
    grads = jax.grad(lambda p: jnp.mean(jnp.abs(model(p, image, 2, jax.random.PRNGKey(1))[0])))(
        params)
    norms = [float(jnp.linalg.norm(g)) for g in jax.tree_util.tree_leaves(grads)]
    assert all(np.isfinite(norms)) and sum(n > 0 for n in norms) == len(norms)


def expected_paper_params(gdn: bool) -> int:
    """Conv weights of the layer table in ../shared/reference/README.md (no biases)."""
    conv = lambda cin, cout, k: cin * cout * k * k
    lstm = lambda cin, c, k_in, k_h: conv(cin, 4 * c, k_in) + conv(c, 4 * c, k_h)
    encoder = conv(3, 64, 3) + lstm(64, 256, 3, 1) + lstm(256, 512, 3, 1) + lstm(512, 512, 3, 1)
    binarizer = conv(512, 32, 1)
    decoder = (conv(32, 512, 1) + lstm(512, 512, 3, 1) + lstm(128, 512, 3, 1)
               + lstm(128, 256, 3, 3) + lstm(64, 128, 3, 3) + conv(32, 3, 1))
    gdn_params = (64 + 64 * 64) + (512 + 512 * 512) if gdn else 0
    return encoder + binarizer + decoder + gdn_params


@pytest.mark.parametrize("name", ["toderici2017", "islam2021"])
def test_paper_width_parameter_counts(name):
    model = build_model({"name": name})
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0))
    n = count_params(shapes)
    assert n == expected_paper_params(name == "islam2021")
    assert 35.0e6 < n < 36.0e6  # "about 35 M" in the reference facts


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        build_model({"name": "nope"})
    with pytest.raises(ValueError, match="multiple of 4"):
        build_model({"name": "islam2021", "width": 0.01})
    with pytest.raises(ValueError, match="reconstruction"):
        build_model({"name": "islam2021", "reconstruction": "magic"})
