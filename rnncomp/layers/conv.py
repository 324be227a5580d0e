"""2-D convolution written as shifted patches concatenated on channels and one matmul.

On XLA's CPU backend the gradients of `lax.conv_general_dilated` inside a scanned recurrent
network fall onto slow convolution paths (a widths/4 training step measured 30x slower than its
forward pass); the patch+matmul form makes the forward and both gradients plain matmuls, pads and
slices. Same parameters and 'SAME' padding as `flax.linen.Conv` (kernel HWIO), no dilation.
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ceil(size/stride), extra padding at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def extract_patches(x, kernel: int, stride: int):
    """(N, H, W, C) -> (N, H', W', kernel*kernel*C), ordered (dy, dx, c) like an HWIO kernel."""
    if kernel == 1:
        return x[:, ::stride, ::stride, :]
    n, h, w, c = x.shape
    ph, pw = same_padding(h, kernel, stride), same_padding(w, kernel, stride)
    x = jnp.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh, ow = -(-h // stride), -(-w // stride)
    shifts = [
        x[:, dy:dy + (oh - 1) * stride + 1:stride, dx:dx + (ow - 1) * stride + 1:stride, :]
        for dy in range(kernel) for dx in range(kernel)
    ]
    return jnp.concatenate(shifts, axis=-1)


class Conv(nn.Module):
    """Square-kernel convolution y = patches(x) @ W (+ b), 'SAME' padding."""

    features: int
    kernel_size: int = 3
    stride: int = 1
    use_bias: bool = False
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        k = self.kernel_size
        kernel = self.param("kernel", nn.initializers.lecun_normal(),
                            (k, k, x.shape[-1], self.features))
        dtype = self.dtype or x.dtype
        patches = extract_patches(x.astype(dtype), k, self.stride)
        y = jnp.dot(patches, kernel.reshape(-1, self.features).astype(dtype))
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros, (self.features,)).astype(dtype)
        return y
