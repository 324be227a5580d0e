"""Per-layer convolution forms on this machine: the measurements behind `rnncomp/layers/conv.py`.

Forward at the codec's shapes (one 768x512 image through the widths/4 network's 3x3 layers) and
forward + backward at the training shapes (batch 32 of 32x32 patches), for

    patches   shifted patches concatenated on channels, one matmul (autodiff for gradients)
    xla       lax.conv_general_dilated (autodiff for gradients)
    conv_sum  ours: XLA's convolution when evaluated, the patch form with recomputed patches and
              (large stride-1 layers) a transposed convolution for the input gradient

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

    return {"patches": patches, "xla": xla, "conv_sum": ours}


def row(shape, backward: bool, repeats: int) -> str:
    n, h, w, c, f, s = shape
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(n, h, w, c)), jnp.float32)
    kernel = jnp.asarray(rng.normal(size=(3, 3, c, f)) / np.sqrt(9 * c), jnp.float32)
    gflop = (3 if backward else 1) * 2 * n * -(-h // s) * -(-w // s) * 9 * c * f / 1e9
    cells = []
    for form in forms().values():
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
