"""How much of each iteration's residual a plain linear 32-bit code removes, beside the network:

    python experiments/linear_code_bound.py ../shared/data/train ../shared/data/val \
        islam2021-gdn-w025-v4

For t = 1..k the model codes the residual r_{t-1} of every 16x16 block (768 values) with 32 bits.
The reference code here spends the same 32 bits per block on the same residual, linearly: the
top 32 principal directions u_i of r_{t-1}'s blocks on central crops of the training folder, the
bits b_i = sign(u_i · r), the reconstruction Σ_i E|u_i · r| b_i u_i (the mean |projection| of the
training blocks). Both are measured on central crops of the validation folder (never Kodak), as
the share of the residual's energy the iteration removes, 1 - ||r_t||² / ||r_{t-1}||², the
linear code applied once to the network's own r_{t-1}. A network that removes far less than
this one-step linear code is not limited by the 32 bits.
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.layers import space_to_depth
from rnncomp.layers.block_transform import BLOCK, fit_linear_code
from rnncomp.models import zoo
from rnncomp.training.input_pipeline import center_crops, load_folder


def residuals(model_id: str, crops: np.ndarray, iterations: int) -> np.ndarray:
    """r_0..r_k of the model in inference mode, (k + 1, N, H, W, 3)."""
    codec, params = zoo.load(model_id)
    x = jnp.asarray(crops, jnp.float32) / 255.0
    reconstructions, _ = jax.jit(codec, static_argnums=2)(params, x, iterations)
    previous = jnp.concatenate([jnp.full((1, *x.shape), 0.5), reconstructions])
    return np.asarray(x[None] - previous, np.float64)


def blocks(r: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) → (N·H/16·W/16, 768)."""
    return space_to_depth(r, BLOCK).reshape(-1, BLOCK * BLOCK * r.shape[-1])


def energy_removed(before: np.ndarray, after: np.ndarray) -> float:
    return float(1 - np.sum(after ** 2) / np.sum(before ** 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_folder")
    parser.add_argument("val_folder")
    parser.add_argument("model")
    parser.add_argument("--crop", type=int, default=192)
    parser.add_argument("--train-images", type=int, default=64)
    parser.add_argument("--val-images", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=16)
    args = parser.parse_args()
    bits = zoo.load(args.model)[0].bits
    train = residuals(args.model, center_crops(
        load_folder(args.train_folder)[:args.train_images], args.crop), args.iterations)
    val = residuals(args.model, center_crops(
        load_folder(args.val_folder)[:args.val_images], args.crop), args.iterations)
    print(f"{args.model}; linear code fitted on {train.shape[1]} and measured on "
          f"{val.shape[1]} central {args.crop}x{args.crop} crops\n")
    print(f"| t | residual RMS | network: energy removed "
          f"| linear {bits}-bit code: energy removed |")
    print("|---|---|---|---|")
    for t in range(1, args.iterations + 1):
        u, scale, _ = fit_linear_code(train[t - 1], bits)
        r = blocks(val[t - 1])
        coded = (np.sign(r @ u) * scale) @ u.T
        print(f"| {t} | {np.sqrt(np.mean(r ** 2)):.4f} | {energy_removed(r, blocks(val[t])):.3f} "
              f"| {energy_removed(r, r - coded):.3f} |")


if __name__ == "__main__":
    main()
