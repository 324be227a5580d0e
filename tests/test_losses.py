"""The residual loss against NumPy formulas, and its log form against PSNR."""

import numpy as np
import pytest

from rnncomp.training.losses import iteration_weights, residual_loss, residual_losses


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
