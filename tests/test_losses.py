"""The residual loss against NumPy formulas, its log form against PSNR, its MS-SSIM form against
the evaluation metric."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnncomp.evaluation import metrics
from rnncomp.training.losses import iteration_weights, ms_ssim, residual_loss, residual_losses


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 8, 8, 3)).astype(np.float32)
    # Later iterations closer to x, as in a trained coder.
    noise = rng.normal(size=(4, 2, 8, 8, 3)).astype(np.float32)
    scale = np.array([0.2, 0.1, 0.05, 0.02], np.float32)[:, None, None, None, None]
    return x, x[None] + scale * noise


@pytest.mark.parametrize("norm", [1, 2])
def test_linear_loss_matches_numpy(images, norm):
    x, reconstructions = images
    w = np.array([1.0, 1.0, 0.25, 0.25], np.float32)
    per_iteration = np.mean(np.abs(x[None] - reconstructions) ** norm, axis=(1, 2, 3, 4))
    expected = np.sum(w / w.sum() * per_iteration)
    np.testing.assert_allclose(residual_losses(x, reconstructions, norm), per_iteration,
                               rtol=1e-5)
    np.testing.assert_allclose(residual_loss(x, reconstructions, iteration_weights(4, w), norm),
                               expected, rtol=1e-5)


def test_log_l2_loss_is_minus_the_mean_psnr(images):
    x, reconstructions = images
    mse = np.mean((x[None] - reconstructions) ** 2, axis=(1, 2, 3, 4))
    mean_psnr = np.mean(-10 * np.log10(mse))
    loss = residual_loss(x, reconstructions, iteration_weights(4), norm=2, log=True)
    np.testing.assert_allclose(-10 / np.log(10) * float(loss), mean_psnr, rtol=1e-5)


def test_log_loss_weighs_relative_gains_equally(images):
    """Halving one iteration's residual lowers the log loss by the same amount at any iteration;
    the linear loss gains less the later (smaller) the residual is."""
    x, reconstructions = images
    weights = iteration_weights(4)

    def gain(t, log):
        better = reconstructions.copy()
        better[t] = x + 0.5 * (reconstructions[t] - x)
        return float(residual_loss(x, reconstructions, weights, 1, log)
                     - residual_loss(x, better, weights, 1, log))

    np.testing.assert_allclose(gain(0, True), gain(3, True), rtol=1e-4)
    np.testing.assert_allclose(gain(0, True), np.log(2) / 4, rtol=1e-4)
    assert gain(0, False) > 5 * gain(3, False)


def test_weights_must_match_iterations():
    with pytest.raises(ValueError, match="3 entries for 4 iterations"):
        iteration_weights(4, (1.0, 1.0, 1.0))


@pytest.mark.parametrize("shape", [(64, 64), (33, 47), (192, 160)])
def test_ms_ssim_matches_the_numpy_metric(shape):
    """The training MS-SSIM equals the evaluation one (Google's convention, shrinking window)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(2, *shape, 3))
    y = np.clip(x + rng.normal(scale=0.1, size=x.shape), 0, 1)
    expected = [metrics.ms_ssim(a * 255, b * 255, convention="google",
                                small_images="shrink_window") for a, b in zip(x, y, strict=True)]
    got = ms_ssim(jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
    np.testing.assert_allclose(got, expected, rtol=2e-4)


def test_ms_ssim_loss_mixes_the_two_terms(images):
    x, reconstructions = images
    x, reconstructions = np.tile(x, (1, 8, 8, 1)), np.tile(reconstructions, (1, 1, 8, 8, 1))
    w = iteration_weights(4)
    l1 = residual_losses(x, reconstructions, 1)
    quality = np.array([[metrics.ms_ssim(a * 255, b * 255, convention="google",
                                         small_images="shrink_window")
                         for a, b in zip(x, r, strict=True)] for r in reconstructions]).mean(axis=1)
    mixed = 0.75 * l1 + 0.25 * (1 - quality)
    np.testing.assert_allclose(residual_loss(x, reconstructions, w, ms_ssim_weight=0.25),
                               np.sum(w * mixed), rtol=1e-4)
    np.testing.assert_allclose(residual_loss(x, reconstructions, w, log=True, ms_ssim_weight=1),
                               np.sum(w * np.log(1 - quality)), rtol=1e-4)


def test_ms_ssim_gradient_points_to_the_reference():
    """A step along -∇(1 - MS-SSIM) brings the distorted image closer, finite even for images
    whose mean cs is negative at some scale."""
    rng = np.random.default_rng(2)
    x = jnp.asarray(rng.uniform(size=(1, 64, 64, 3)), jnp.float32)
    y = jnp.asarray(rng.uniform(size=(1, 64, 64, 3)), jnp.float32)
    loss = lambda y: 1 - ms_ssim(x, y)[0]
    grad = jax.grad(loss)(y)
    assert np.all(np.isfinite(grad))
    assert loss(y - 0.5 * grad / jnp.max(jnp.abs(grad))) < loss(y)
