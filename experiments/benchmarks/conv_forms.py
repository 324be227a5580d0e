"""Per-layer convolution forms on this machine: the measurements behind `rnncomp/layers/conv.py`.

Forward at the codec's shapes (one 768x512 image through the widths/4 network's 3x3 layers) and
forward + backward at the training shapes (batch 32 of 32x32 patches), for

    patches   shifted patches concatenated on channels, one matmul (autodiff for gradients)
    xla       lax.conv_general_dilated (autodiff for gradients)
    conv_sum  ours: XLA's convolution when evaluated, the patch form with recomputed patches and
              (large stride-1 layers) a transposed convolution for the input gradient
    s2d       stride-2 layers only: space-to-depth (2x2 blocks onto channels), then XLA's 2x2
              stride-1 convolution with the 3x3 kernel laid out in a zero-padded 4x4 (16/9 the
              multiply-adds, counted in its GFLOP/s as the 3x3 layer's useful work)

with GFLOP/s beside a float32 2048^3 matmul measured in the same run. Quiet machine only:

    python experiments/benchmarks/conv_forms.py [--repeats 7]
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.model_costs import matmul_gflops, timed  # noqa: E402
from rnncomp.layers.conv import conv_sum, extract_patches  # noqa: E402

# (batch, input height, width, input channels, output channels, stride) of widths/4 layers;
# inputs of fused cells count both terms' channels (x and h side by side).
CODEC_SHAPES = [(1, 768, 512, 3, 16, 2), (1, 384, 256, 16, 256, 2), (1, 192, 128, 64, 512, 2),
                (1, 384, 256, 48, 128, 1), (1, 192, 128, 96, 256, 1), (1, 96, 64, 160, 512, 1)]
TRAIN_SHAPES = [(32, 32, 32, 16, 256, 2), (32, 8, 8, 64, 512, 2), (32, 16, 16, 48, 128, 1),
                (32, 8, 8, 96, 256, 1), (32, 4, 4, 160, 512, 1)]


def forms():
    def patches(x, w, s):
        return extract_patches(x, 3, s) @ w.reshape(-1, w.shape[-1])

    def xla(x, w, s):
        return jax.lax.conv_general_dilated(x, w, (s, s), "SAME",
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def ours(x, w, s):
        return conv_sum([x], [w], (s,))

    return {"patches": patches, "xla": xla, "conv_sum": ours, "s2d": space_to_depth_conv}


def space_to_depth_conv(x, w, s):
    """A 3x3 stride-2 'SAME' convolution of an even-sized x as a 2x2 stride-1 one:
    y[i] = x[2i] w_0 + x[2i+1] w_1 + x[2i+2] w_2 = X[i, 0] w_0 + X[i, 1] w_1 + X[i+1, 0] w_2
    with X[i, p] = x[2i+p] (per axis), so kernel K[a, p] = w_{2a+p} (zero for 2a+p = 3)."""
    n, h, width, c = x.shape
    blocks = x.reshape(n, h // 2, 2, width // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
    blocks = blocks.reshape(n, h // 2, width // 2, 4 * c)
    k = jnp.pad(w, ((0, 1), (0, 1), (0, 0), (0, 0)))  # (4, 4, c, f), rows/cols 3 are zero
    k = k.reshape(2, 2, 2, 2, c, -1).transpose(0, 2, 1, 3, 4, 5).reshape(2, 2, 4 * c, -1)
    return jax.lax.conv_general_dilated(blocks, k, (1, 1), ((0, 1), (0, 1)),
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def row(shape, backward: bool, repeats: int) -> str:
    n, h, w, c, f, s = shape
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(n, h, w, c)), jnp.float32)
    kernel = jnp.asarray(rng.normal(size=(3, 3, c, f)) / np.sqrt(9 * c), jnp.float32)
    gflop = (3 if backward else 1) * 2 * n * -(-h // s) * -(-w // s) * 9 * c * f / 1e9
    cells = []
    for name, form in forms().items():
        if name == "s2d" and (s != 2 or h % 2 or w % 2):
            cells.append("n/a")
            continue
        if backward:
            fn = jax.jit(jax.grad(lambda x, k, form=form: jnp.sum(form(x, k, s) ** 2), (0, 1)))
        else:
            fn = jax.jit(lambda x, k, form=form: form(x, k, s))
        t = timed(fn, x, kernel, repeats=repeats)
        cells.append(f"{1e3 * t:.1f} ms ({gflop / t:.0f})")
    return f"| {n}x{h}x{w}x{c} -> {f}, stride {s} | {gflop:.2f} | " + " | ".join(cells) + " |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"jax {jax.__version__}; float32 matmul 2048^3: {matmul_gflops():.0f} GFLOP/s; "
          f"medians of {args.repeats}; ms (GFLOP/s)")
    header = "| layer (NHWC in -> out) | GFLOP | " + " | ".join(forms()) + " |"
    for title, shapes, backward in (("forward, codec shapes", CODEC_SHAPES, False),
                                    ("forward + backward, training shapes", TRAIN_SHAPES, True)):
        print(f"\n{title}\n\n{header}\n|---|---|" + "---|" * len(forms()))
        for shape in shapes:
            print(row(shape, backward, args.repeats))


if __name__ == "__main__":
    main()
