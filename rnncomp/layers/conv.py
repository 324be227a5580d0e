"""2-D convolutions: XLA's convolution forward, gradients of the shifted-patches + matmul form.

Measured on XLA's CPU backend (2 cores, jax 0.10.2):
- forward, the codec's shapes (one 768x512 image): `lax.conv_general_dilated` runs 3x3 layers
  at 147-181 GFLOP/s where patches @ W runs at 43-163 (the 9x larger patch array is memory-bound);
- gradients inside the scanned recurrent network: `lax.conv`'s backward falls onto slow paths (a
  widths/4 training step measured 56 s against 2.5 s), while the patch form's gradients are
  plain matmuls, pads and slices.
So `conv_sum` evaluates XLA's convolution, except under differentiation, where a custom VJP
runs the patch form forward and backward (the same function up to float rounding); for
stride-1 layers of at least 16x16 outputs the input gradient is XLA's transposed convolution
instead of the patch scatter (fwd+bwd of the widths/4 decoder's last cell, batch 32: 31 -> 23
ms; a 16-iteration training step 1.64 -> 1.47 s). The backward recomputes the patches rather
than keeping them: scan would stack them over iterations, 9x the activations, zero-filled and
written every step (the same step 1.53 -> 1.32 s). It builds them transposed, (k*k*C, N*H*W),
from the input's transpose, the layout the weight gradient's matmul wants: XLA otherwise
transposed the 9x larger patch array itself (about 8 % of the step, README "Performance").

`conv_sum` also fuses a recurrent cell's W * x + U * h: terms with the same kernel size and
stride are one convolution over their inputs concatenated on channels, and in training all
terms' patches side by side make one matmul. Same parameters and 'SAME' padding as
`flax.linen.Conv` (kernel HWIO), no dilation.

A decoder must reproduce the encoder's probabilities exactly, so the codec selects the
evaluation form by file version with `evaluation_form`, read when a function is traced:
"xla" (the default) or "patches", the numerics of format versions 1 and 2 (each term
patches @ W, summed).
"""

import contextlib
import contextvars
import functools
import itertools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.ad_checkpoint import checkpoint_name

_DIMENSIONS = ("NHWC", "HWIO", "NHWC")
EVALUATION_FORMS = ("xla", "patches")
_TRANSPOSED_CONV_POSITIONS = 256
CHECKPOINT_NAME = "conv_sum"  # conv_sum's outputs, for a jax.checkpoint policy that keeps them
_evaluation_form = contextvars.ContextVar("evaluation_form", default="xla")
_operand_dtype = contextvars.ContextVar("operand_dtype", default=None)


@contextlib.contextmanager
def evaluation_form(form: str):
    """Evaluate (not differentiate) the convolutions traced inside with `form`."""
    if form not in EVALUATION_FORMS:
        raise ValueError(f"unknown evaluation form {form!r}: choose one of {EVALUATION_FORMS}")
    token = _evaluation_form.set(form)
    try:
        yield
    finally:
        _evaluation_form.reset(token)


@contextlib.contextmanager
def operand_dtype(dtype):
    """Round the operands of the convolutions traced inside to `dtype` (bfloat16 on accelerators:
    torch.autocast's mixed precision), their results cast back to the layer's dtype (float32);
    None: as given."""
    token = _operand_dtype.set(None if dtype is None else jnp.dtype(dtype))
    try:
        yield
    finally:
        _operand_dtype.reset(token)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'SAME': output ceil(size/stride), extra padding at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _shifted_views(x, kernel: int, stride: int, axes=(1, 2)):
    """x 'SAME'-padded along its two spatial `axes`, then the kernel*kernel views of it shifted
    by (dy, dx) and strided, in (dy, dx) order: the inputs each kernel tap multiplies."""
    (h, w), (ay, ax) = (x.shape[a] for a in axes), axes
    padding = [(0, 0)] * x.ndim
    padding[ay], padding[ax] = same_padding(h, kernel, stride), same_padding(w, kernel, stride)
    x = jnp.pad(x, padding)
    oh, ow = -(-h // stride), -(-w // stride)
    slice_in = jax.lax.slice_in_dim
    return [slice_in(slice_in(x, dy, dy + (oh - 1) * stride + 1, stride, ay),
                     dx, dx + (ow - 1) * stride + 1, stride, ax)
            for dy in range(kernel) for dx in range(kernel)]


def extract_patches(x, kernel: int, stride: int):
    """(N, H, W, C) -> (N, H', W', kernel*kernel*C), ordered (dy, dx, c) like an HWIO kernel."""
    return jnp.concatenate(_shifted_views(x, kernel, stride), axis=-1)


def _transposed_patches(x, kernel: int, stride: int):
    """extract_patches(x, kernel, stride) transposed to (kernel*kernel*C, N*H'*W'), built from
    x's transpose: whole shifted planes side by side, 1/(kernel*kernel) the transposing."""
    views = _shifted_views(x.transpose(3, 0, 1, 2), kernel, stride, axes=(2, 3))
    return jnp.concatenate(views, axis=0).reshape(kernel * kernel * x.shape[-1], -1)


def _all_transposed_patches(xs, kernel_sizes, strides):
    """The transpose of `_patches`: (sum_i k_i*k_i*C_i, N*H'*W')."""
    return jnp.concatenate([_transposed_patches(x, k, s) for x, k, s in
                            zip(xs, kernel_sizes, strides, strict=True)], axis=0)


def _patches(xs, kernel_sizes, strides):
    """All terms' patches side by side: (N, H', W', sum_i k_i*k_i*C_i)."""
    return jnp.concatenate([extract_patches(x, k, s) for x, k, s in
                            zip(xs, kernel_sizes, strides, strict=True)], axis=-1)


def _patches_form(xs, kernels, strides):
    """sum_i patches(x_i) @ W_i, one matmul per term (format versions 1 and 2)."""
    terms = [jnp.dot(extract_patches(x, w.shape[0], s), w.reshape(-1, w.shape[-1]))
             for x, w, s in zip(xs, kernels, strides, strict=True)]
    return functools.reduce(jnp.add, terms)


def _xla_form(xs, kernels, strides):
    """sum_i conv(x_i, W_i) with XLA's convolution, one per distinct (kernel size, stride)."""
    groups = {}
    for x, w, s in zip(xs, kernels, strides, strict=True):
        groups.setdefault((w.shape[0], s), []).append((x, w))
    y = 0
    for (_, s), terms in groups.items():
        x = jnp.concatenate([x for x, _ in terms], axis=-1)
        w = jnp.concatenate([w for _, w in terms], axis=2)
        y = y + jax.lax.conv_general_dilated(x, w, (s, s), "SAME", dimension_numbers=_DIMENSIONS)
    return y


def conv_sum(xs, kernels, strides):
    """sum_i conv(x_i, W_i, stride_i), 'SAME' padding; all terms' outputs have one shape.

    xs: NHWC inputs; kernels: HWIO square kernels (same output channels); strides: ints.
    Evaluated alone (inference), the `evaluation_form`; under differentiation (training), the
    patch form P @ M, P = [patches(x_1), ...], M = [W_1; W_2; ...], whose gradients are
    dM = P^T g and dP = g M^T, scattered back onto the x_i (for stride-1 outputs of at least
    _TRANSPOSED_CONV_POSITIONS positions, dx_i = conv(g, W_i flipped, in/out swapped) instead).
    """
    return checkpoint_name(_conv_sum(xs, kernels, tuple(strides), _evaluation_form.get()),
                           CHECKPOINT_NAME)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _conv_sum(xs, kernels, strides, form):
    evaluate = _xla_form if form == "xla" else _patches_form
    return evaluate(xs, kernels, strides)


def _matrix(kernels):
    return jnp.concatenate([w.reshape(-1, w.shape[-1]) for w in kernels], axis=0)


def _conv_sum_fwd(xs, kernels, strides, form):
    patches = _patches(xs, [w.shape[0] for w in kernels], strides)
    return jnp.dot(patches, _matrix(kernels)), (xs, kernels)


def _conv_sum_bwd(strides, form, residuals, g):
    xs, kernels = residuals
    sizes = [w.shape[0] for w in kernels]
    matrix = _matrix(kernels)
    g_rows = g.reshape(-1, g.shape[-1])
    d_matrix = jnp.dot(_all_transposed_patches(xs, sizes, strides), g_rows)
    splits = list(itertools.accumulate(w.shape[0] * w.shape[1] * w.shape[2] for w in kernels))
    d_kernels = [d.reshape(w.shape) for d, w in
                 zip(jnp.split(d_matrix, splits[:-1]), kernels, strict=True)]
    if all(s == 1 for s in strides) and g.shape[1] * g.shape[2] >= _TRANSPOSED_CONV_POSITIONS:
        d_xs = [jax.lax.conv_general_dilated(g, jnp.flip(w, (0, 1)).swapaxes(2, 3), (1, 1),
                                             "SAME", dimension_numbers=_DIMENSIONS)
                for w in kernels]
        return d_xs, d_kernels
    _, scatter = jax.vjp(lambda xs: _patches(xs, sizes, strides), xs)
    (d_xs,) = scatter(jnp.dot(g, matrix.T))
    return d_xs, d_kernels


_conv_sum.defvjp(_conv_sum_fwd, _conv_sum_bwd)


def _parameters(module: nn.Module, in_features: int):
    """Declare a `Conv`'s parameters on `module` (inside its compact call): (kernel, bias)."""
    k = module.kernel_size
    kernel = module.param("kernel", nn.initializers.lecun_normal(),
                          (k, k, in_features, module.features))
    bias = (module.param("bias", nn.initializers.zeros, (module.features,))
            if module.use_bias else None)
    return kernel, bias


class ConvKernel(nn.Module):
    """A `Conv`'s parameters without the convolution, for `fused_conv`: (kernel HWIO, bias)."""

    features: int
    kernel_size: int = 3
    use_bias: bool = False

    @nn.compact
    def __call__(self, in_features: int):
        return _parameters(self, in_features)


def fused_conv(terms, dtype=None):
    """sum_i conv(x_i, W_i) + b_i for terms (x, stride, (kernel, bias)) from `ConvKernel`s,
    with operands rounded to the `operand_dtype` in force, if any, and the result in `dtype`."""
    dtype = dtype or terms[0][0].dtype
    operand = _operand_dtype.get() or dtype
    xs = [x.astype(operand) for x, _, _ in terms]
    kernels = [w.astype(operand) for _, _, (w, _) in terms]
    y = conv_sum(xs, kernels, tuple(s for _, s, _ in terms)).astype(dtype)
    for _, _, (_, bias) in terms:
        if bias is not None:
            y = y + bias.astype(dtype)
    return y


class Conv(nn.Module):
    """Square-kernel convolution y = W * x (+ b), 'SAME' padding."""

    features: int
    kernel_size: int = 3
    stride: int = 1
    use_bias: bool = False
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        return fused_conv([(x, self.stride, _parameters(self, x.shape[-1]))], self.dtype)
