import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnncomp.codec.codec import compress, decompress, decompress_iterations, padded_size
from rnncomp.codec.search import distortion, search_bits
from rnncomp.evaluation.eval_folder import model_curve
from rnncomp.training.losses import ms_ssim
from tests.test_codec import image, runtime  # noqa: F401  (the fixture)


def test_distortion_is_mse_or_one_minus_ms_ssim():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 48, 40, 3)).astype(np.float32)
    y = x + rng.normal(scale=0.2, size=x.shape).astype(np.float32)  # some values out of [0, 1]
    clipped = np.clip(y, 0, 1)
    np.testing.assert_allclose(distortion("mse", x, y),
                               np.mean((x - clipped) ** 2, axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(distortion("ms-ssim", x, y), 1 - ms_ssim(x, clipped), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown search metric"):
        distortion("l1", x, y)


@pytest.mark.parametrize("metric", ["mse", "ms-ssim"])
def test_search_never_loses_and_finds_better_bits(runtime, metric):  # noqa: F811
    """On the step's own cost ℓ + λR, each searched b_t is at most the network's, and on a
    random model strictly better at some iteration; without a rate (p = 1/2) on ℓ alone."""
    model, params = runtime.model, runtime.params
    h, w = 40, 56
    ph, pw = padded_size(h), padded_size(w)
    hb, wb = -(-h // 16), -(-w // 16)
    x = np.pad(image(h, w, seed=4), ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
    x = jnp.asarray(x[None] / np.float32(255))
    p = np.random.default_rng(0).uniform(0.05, 0.95, (1, hb, wb, model.bits)).astype(np.float32)
    search = jax.jit(lambda state, bits, t, p: search_bits(model, params, state, x, bits, t, p,
                                                           (h, w), 8, metric))

    def edge(bits):
        return np.pad(bits, ((0, 0), (0, ph // 16 - hb), (0, pw // 16 - wb), (0, 0)),
                      mode="edge")

    def loss(state, bits):
        decoded = model.decoder_step(params, state, edge(bits), t)[1]
        return float(distortion(metric, x[:, :h, :w], decoded[:, :h, :w])[0])

    def rate(bits, p):
        return float(np.sum(-np.log2(np.where(bits > 0, p, 1 - p))))

    carry, state = model.encoder.zero_carry(1, ph, pw), model.decoder_init(1, ph, pw)
    gains = {"rate": [], "no rate": []}
    for t in range(3):
        carry, bits = model.encoder_step(params, carry, x, state[1], t)
        bits = np.asarray(bits)[:, :hb, :wb]
        before = float(distortion(metric, x[:, :h, :w], state[1][:, :h, :w])[0])
        slope = max(before - loss(state, bits), 0) / rate(bits, p)
        found = np.asarray(search(state, bits, t, p))
        assert found.shape == bits.shape and set(np.unique(found)) <= {-1.0, 1.0}
        cost_before = loss(state, bits) + slope * rate(bits, p)
        cost_after = loss(state, found) + slope * rate(found, p)
        assert cost_after <= cost_before * (1 + 1e-6)
        gains["rate"].append(cost_before - cost_after)
        half = np.full_like(p, 0.5)
        plain = np.asarray(search(state, bits, t, half))
        assert loss(state, plain) <= loss(state, bits) * (1 + 1e-6)
        gains["no rate"].append(loss(state, bits) - loss(state, plain))
        state = model.decoder_step(params, state, edge(found), t)
    assert max(gains["rate"]) > 0 and max(gains["no rate"]) > 0


def test_searched_files_decode_everywhere_and_prefixes_keep_the_gain(runtime):  # noqa: F811
    x = image(40, 56, seed=5)
    plain = decompress_iterations(compress(x, runtime, iterations=2), runtime=runtime)
    data = compress(x, runtime, iterations=2, search_steps=8, search_metric="mse")
    searched = decompress_iterations(data, runtime=runtime)
    np.testing.assert_array_equal(decompress(data, runtime=runtime), searched[-1])

    def mse(y):
        return np.mean((x.astype(np.float64) - y) ** 2)

    # Iteration 1 starts from the same state, so its search can only help (up to rounding).
    assert mse(searched[0]) <= mse(plain[0]) * 1.001


@pytest.mark.parametrize("steps,metric", [(-1, "mse"), (4, "psnr")])
def test_bad_search_settings_are_refused(runtime, steps, metric):  # noqa: F811
    with pytest.raises(ValueError, match="search needs"):
        compress(image(20, 20), runtime, iterations=1, search_steps=steps, search_metric=metric)


def test_model_curve_names():
    assert model_curve("m-v1") == ("m-v1", 0, "ms-ssim")
    assert model_curve("m-v1+search20") == ("m-v1", 20, "ms-ssim")
    assert model_curve("m-v1+search5-mse") == ("m-v1", 5, "mse")
    for bad in ("m+search", "m+search0", "m+searchx", "m+search5-l1"):
        with pytest.raises(ValueError, match="bad model"):
            model_curve(bad)
