"""Convolutional recurrent cells with separate input and hidden kernels and a strided input.

The encoder's cells downsample: their input convolution has stride 2 while the hidden-state
convolution has stride 1 (Toderici et al. 2017, Fig. 1). Flax's ConvLSTMCell applies one stride
to both, hence these cells. A cell maps (carry, x) -> (carry, h); carries start at zero.
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnncomp.layers.conv import Conv, ConvKernel, fused_conv


def _conv(features, kernel, stride, use_bias, dtype, name):
    return Conv(features, kernel, stride, use_bias, dtype, name=name)


class ConvLSTMCell(nn.Module):
    """Convolutional LSTM (Shi et al. 2015, without peepholes), as in Toderici et al. 2017 eq. 3.

        [i, f, g, o] = W * x + U * h_{t-1}        (W strided, U stride 1)
        c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)
        h_t = sigmoid(o) tanh(c_t)

    W * x + U * h_{t-1} is one `fused_conv` (one convolution where W and U have the same kernel
    size and stride); the parameters are those of two `Conv`s, input_conv and hidden_conv.
    """

    features: int
    input_kernel: int = 3
    input_stride: int = 1
    hidden_kernel: int = 1
    use_bias: bool = False
    dtype: Any = None

    @nn.compact
    def __call__(self, carry, x):
        c, h = carry
        w = ConvKernel(4 * self.features, self.input_kernel, self.use_bias,
                       name="input_conv")(x.shape[-1])
        u = ConvKernel(4 * self.features, self.hidden_kernel, self.use_bias,
                       name="hidden_conv")(h.shape[-1])
        gates = fused_conv([(x, self.input_stride, w), (h, 1, u)], self.dtype)
        i, f, g, o = jnp.split(gates, 4, axis=-1)
        c = nn.sigmoid(f) * c + nn.sigmoid(i) * jnp.tanh(g)
        h = nn.sigmoid(o) * jnp.tanh(c)
        return (c, h), h


class ConvGRUCell(nn.Module):
    """Convolutional GRU (Cho et al. 2014), as in Toderici et al. 2017 eq. 4.

        z = sigmoid(W_z * x + U_z * h),  r = sigmoid(W_r * x + U_r * h)
        h_t = (1 - z) h_{t-1} + z tanh(W * x + U * (r h_{t-1}))
    """

    features: int
    input_kernel: int = 3
    input_stride: int = 1
    hidden_kernel: int = 1
    use_bias: bool = False
    dtype: Any = None

    @nn.compact
    def __call__(self, carry, x):
        (h,) = carry
        wx = _conv(3 * self.features, self.input_kernel, self.input_stride, self.use_bias,
                   self.dtype, "input_conv")(x)
        uh = _conv(2 * self.features, self.hidden_kernel, 1, self.use_bias, self.dtype,
                   "hidden_conv")(h)
        wx_z, wx_r, wx_n = jnp.split(wx, 3, axis=-1)
        uh_z, uh_r = jnp.split(uh, 2, axis=-1)
        z = nn.sigmoid(wx_z + uh_z)
        r = nn.sigmoid(wx_r + uh_r)
        n = jnp.tanh(wx_n + _conv(self.features, self.hidden_kernel, 1, self.use_bias,
                                  self.dtype, "candidate_conv")(r * h))
        h = (1.0 - z) * h + z * n
        return (h,), h


CELLS = {"lstm": ConvLSTMCell, "gru": ConvGRUCell}


def zero_carry(cell: str, shape, dtype=jnp.float32):
    """The zero carry of a `cell` ("lstm": (c, h), "gru": (h,)) whose output has `shape` NHWC."""
    zeros = jnp.zeros(shape, dtype)
    return (zeros, zeros) if cell == "lstm" else (zeros,)
