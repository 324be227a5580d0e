"""Winograd F(2x2, 3x3) against XLA's convolution for the decoder's 3x3 stride-1 layers at the
codec's shapes (one 768x512 image, 1/4 widths; each cell's input and hidden terms as one
convolution over their concatenated channels). Quiet machine only:

    python experiments/benchmarks/winograd.py [--repeats 11]

Winograd's minimal filtering (Lavin & Gray 2016) computes each 2x2 output tile from a 4x4 input
tile with 16 multiplies per channel pair instead of 36: Y = A^T [(G g G^T) * (B^T d B)] A, here
as 16 matmuls (tiles x C_in) @ (C_in x C_out) between separable input and output transforms. It
would change the codec's numerics, so it would need a new file format version; this measures
whether it would pay. GFLOP/s count the direct convolution's FLOPs for both.
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.model_costs import timed  # noqa: E402

B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float32)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], np.float32)
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float32)

# (height, width, C_in, C_out) of the 1/4-width decoder's 3x3 convolutions at 768x512, last cell
# first (input and hidden terms concatenated where both are 3x3: the last two cells)
SHAPES = ((256, 384, 48, 128), (128, 192, 96, 256), (64, 96, 32, 512), (32, 48, 128, 512))


def transformed_filter(w):
    """G g G^T per (C_in, C_out): (3, 3, C_in, C_out) -> (16, C_in, C_out)."""
    return jnp.einsum("ai,ijcf,bj->abcf", G, w, G).reshape(16, w.shape[2], w.shape[3])


def _combine(matrix, terms):
    """The rows of matrix @ terms, skipping zero coefficients."""
    return [sum(c * t for c, t in zip(row, terms, strict=True) if c) for row in matrix]


def winograd_conv(x, u):
    """'SAME' 3x3 stride-1 convolution of NHWC x (even H, W) with transformed filters u."""
    n, h, w, c = x.shape
    th, tw = h // 2, w // 2
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    rows = _combine(B_T, [xp[:, i:i + 2 * th:2] for i in range(4)])
    v = [t for r in rows for t in _combine(B_T, [r[:, :, j:j + 2 * tw:2] for j in range(4)])]
    m = jnp.einsum("ktc,kcf->ktf", jnp.stack(v).reshape(16, n * th * tw, c), u)
    m = m.reshape(4, 4, n, th, tw, -1)
    out_rows = _combine(A_T, list(m))  # 2 x (4, n, th, tw, f)
    y = jnp.stack([jnp.stack(_combine(A_T, list(r))) for r in out_rows])  # (2, 2, n, th, tw, f)
    return y.transpose(2, 3, 0, 4, 1, 5).reshape(n, h, w, -1)


def direct_conv(x, w):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    direct, winograd = jax.jit(direct_conv), jax.jit(winograd_conv)
    print(f"medians of {args.repeats}; ms (GFLOP/s of the direct convolution's FLOPs)")
    print("| layer (NHWC in -> out) | GFLOP | XLA conv | Winograd F(2x2,3x3) | max rel. error |")
    print("|---|---|---|---|---|")
    for h, w, c, f in SHAPES:
        x = jax.random.normal(jax.random.PRNGKey(0), (1, h, w, c))
        k = 0.05 * jax.random.normal(jax.random.PRNGKey(1), (3, 3, c, f))
        u = transformed_filter(k)
        ref = direct(x, k)
        error = float(jnp.max(jnp.abs(winograd(x, u) - ref)) / jnp.max(jnp.abs(ref)))
        gflop = 2 * h * w * 9 * c * f / 1e9
        t_direct = 1e3 * timed(direct, x, k, repeats=args.repeats)
        t_winograd = 1e3 * timed(winograd, x, u, repeats=args.repeats)
        print(f"| 1x{h}x{w}x{c} -> {f} | {gflop:.2f} | {t_direct:.1f} ms "
              f"({gflop / t_direct * 1e3:.0f}) | {t_winograd:.1f} ms "
              f"({gflop / t_winograd * 1e3:.0f}) | {error:.1e} |")


if __name__ == "__main__":
    main()
