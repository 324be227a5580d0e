import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnncomp.layers import (
    Conv,
    ConvGRUCell,
    ConvLSTMCell,
    block_analysis,
    block_synthesis,
    depth_to_space,
    space_to_depth,
)
from rnncomp.layers.conv import conv_sum, operand_dtype, same_padding


def numpy_conv(x, w, stride):
    """Direct 'SAME' convolution with a loop over kernel taps (float64 reference)."""
    n, h, wd, _ = x.shape
    k = w.shape[0]
    ph, pw = same_padding(h, k, stride), same_padding(wd, k, stride)
    x = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh, ow = -(-h // stride), -(-wd // stride)
    y = np.zeros((n, oh, ow, w.shape[-1]))
    for dy in range(k):
        for dx in range(k):
            tap = x[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :]
            y += tap @ w[dy, dx]
    return y


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("k,stride,size", [(3, 1, (7, 9)), (3, 2, (8, 10)), (3, 2, (7, 5)),
                                           (1, 1, (4, 4)), (1, 2, (6, 6))])
def test_conv_matches_numpy_and_lax(k, stride, size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, *size, 5)).astype(np.float32)
    conv = Conv(6, k, stride)
    params = conv.init(jax.random.PRNGKey(0), x)
    w = np.asarray(params["params"]["kernel"], np.float64)
    y = conv.apply(params, x)
    np.testing.assert_allclose(y, numpy_conv(x.astype(np.float64), w, stride), atol=1e-5)
    lax = jax.lax.conv_general_dilated(x, w.astype(np.float32), (stride, stride), "SAME",
                                       dimension_numbers=("NHWC", "HWIO", "NHWC"))
    np.testing.assert_allclose(y, lax, atol=1e-5)


def test_conv_lstm_step_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    c0 = rng.normal(size=(2, 4, 4, 5)).astype(np.float32)
    h0 = rng.normal(size=(2, 4, 4, 5)).astype(np.float32)
    cell = ConvLSTMCell(5, input_kernel=3, input_stride=2, hidden_kernel=3)
    params = cell.init(jax.random.PRNGKey(0), (c0, h0), x)
    (c1, h1), out = cell.apply(params, (c0, h0), x)
    p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), params["params"])
    gates = numpy_conv(x, p["input_conv"]["kernel"], 2) + \
        numpy_conv(h0, p["hidden_conv"]["kernel"], 1)
    i, f, g, o = np.split(gates, 4, axis=-1)
    c = sigmoid(f) * c0 + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    np.testing.assert_allclose(c1, c, atol=1e-5)
    np.testing.assert_allclose(h1, h, atol=1e-5)
    np.testing.assert_array_equal(out, h1)


def test_conv_gru_step_matches_numpy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 6, 6, 4)).astype(np.float32)
    h0 = rng.normal(size=(1, 3, 3, 3)).astype(np.float32)
    cell = ConvGRUCell(3, input_kernel=3, input_stride=2, hidden_kernel=1)
    params = cell.init(jax.random.PRNGKey(0), (h0,), x)
    (h1,), _ = cell.apply(params, (h0,), x)
    p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), params["params"])
    wx_z, wx_r, wx_n = np.split(numpy_conv(x, p["input_conv"]["kernel"], 2), 3, axis=-1)
    uh_z, uh_r = np.split(numpy_conv(h0, p["hidden_conv"]["kernel"], 1), 2, axis=-1)
    z, r = sigmoid(wx_z + uh_z), sigmoid(wx_r + uh_r)
    n = np.tanh(wx_n + numpy_conv(r * h0, p["candidate_conv"]["kernel"], 1))
    np.testing.assert_allclose(h1, (1 - z) * h0 + z * n, atol=1e-5)


def test_depth_to_space_matches_tensorflow_order():
    x = jnp.arange(2 * 2 * 8).reshape(1, 2, 2, 8)
    y = np.asarray(depth_to_space(x, 2))
    # TF: out[h*b + i, w*b + j, c] = in[h, w, (i*b + j)*C + c]
    for h in range(2):
        for w in range(2):
            for i in range(2):
                for j in range(2):
                    np.testing.assert_array_equal(y[0, 2 * h + i, 2 * w + j],
                                                  x[0, h, w, (i * 2 + j) * 2:(i * 2 + j) * 2 + 2])


def test_space_to_depth_inverts_depth_to_space():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 3, 5, 4 * 16 * 16))
    np.testing.assert_array_equal(space_to_depth(depth_to_space(x, 16), 16), x)


def test_block_transform_is_a_matrix_per_16x16_block():
    """A · (the block's 768 values in row, column, channel order) and S · bits, as NumPy does
    on each block."""
    rng = np.random.default_rng(0)
    r = rng.normal(size=(1, 32, 48, 3)).astype(np.float32)
    b = np.sign(rng.normal(size=(1, 2, 3, 32))).astype(np.float32)
    a = rng.normal(size=(768, 32)).astype(np.float32)
    s = rng.normal(size=(32, 768)).astype(np.float32)
    coded = np.asarray(block_analysis(r, a))
    decoded = np.asarray(block_synthesis(b, s))
    for i in range(2):
        for j in range(3):
            block = r[0, 16 * i:16 * i + 16, 16 * j:16 * j + 16].reshape(-1)
            np.testing.assert_allclose(coded[0, i, j], block @ a, rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(decoded[0, 16 * i:16 * i + 16, 16 * j:16 * j + 16],
                                       (b[0, i, j] @ s).reshape(16, 16, 3), rtol=1e-5, atol=1e-4)


def lax_conv(x, w, stride):
    return jax.lax.conv_general_dilated(x, w, (stride, stride), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


@pytest.mark.parametrize("geometry", [((3, 2), (1, 1)), ((3, 1), (3, 1)), ((3, 1), (1, 1))])
@pytest.mark.parametrize("size", [(8, 10), (16, 18)])  # under / over _TRANSPOSED_CONV_POSITIONS
def test_conv_sum_value_and_gradients_match_lax(geometry, size):
    """conv_sum's XLA forward and patch-form gradients against autodiff of lax.conv terms."""
    rng = np.random.default_rng(3)
    (k1, s1), (k2, s2) = geometry
    h, w = size
    x1 = jnp.asarray(rng.normal(size=(2, h, w, 3)), jnp.float32)
    x2 = jnp.asarray(rng.normal(size=(2, h // s1, w // s1, 5)), jnp.float32)
    w1 = jnp.asarray(rng.normal(size=(k1, k1, 3, 4)), jnp.float32)
    w2 = jnp.asarray(rng.normal(size=(k2, k2, 5, 4)), jnp.float32)
    cotangent = jnp.asarray(rng.normal(size=(2, h // s1, w // s1, 4)), jnp.float32)

    def ours(x1, x2, w1, w2):
        return jnp.sum(conv_sum([x1, x2], [w1, w2], (s1, s2)) * cotangent)

    def reference(x1, x2, w1, w2):
        return jnp.sum((lax_conv(x1, w1, s1) + lax_conv(x2, w2, s2)) * cotangent)

    args = (x1, x2, w1, w2)
    np.testing.assert_allclose(ours(*args), reference(*args), rtol=1e-5)
    for g, r in zip(jax.grad(ours, argnums=(0, 1, 2, 3))(*args),
                    jax.grad(reference, argnums=(0, 1, 2, 3))(*args), strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4)


def test_operand_dtype_rounds_the_operands_and_keeps_float32():
    """Under operand_dtype(bfloat16) a Conv computes the float64 convolution of its bf16-rounded
    input and kernel (to bf16's output rounding), returns float32, and its float32 gradients
    stay within bf16 precision of the float32 ones."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 8, 10, 5)).astype(np.float32)
    conv = Conv(6, 3, 2)
    params = conv.init(jax.random.PRNGKey(0), x)
    w = params["params"]["kernel"]
    rounded = lambda a: np.asarray(jnp.asarray(a, jnp.bfloat16), np.float64)
    with operand_dtype(jnp.bfloat16):
        y = conv.apply(params, x)
        grad = jax.grad(lambda p: jnp.sum(conv.apply(p, x) ** 2))(params)["params"]["kernel"]
    assert y.dtype == jnp.float32 and grad.dtype == jnp.float32
    reference = numpy_conv(rounded(x), rounded(w), 2)
    np.testing.assert_allclose(y, reference, rtol=1e-2, atol=1e-2)
    assert np.abs(np.asarray(y, np.float64) - reference).max() > 0  # bf16 output rounding happened
    full = jax.grad(lambda p: jnp.sum(conv.apply(p, x) ** 2))(params)["params"]["kernel"]
    assert 0 < np.linalg.norm(grad - full) / np.linalg.norm(full) < 2e-2
    np.testing.assert_allclose(conv.apply(params, x),  # float32 again outside the context
                               numpy_conv(x.astype(np.float64), np.asarray(w, np.float64), 2),
                               atol=1e-5)
