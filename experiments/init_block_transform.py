"""Extend a trained model with the block transform, fitted to its own residuals (no training):

    python experiments/init_block_transform.py islam2021-gdn-w025-v4 ../shared/data/train \
        workdirs/bt_init.npz --first 3 --val-dir ../shared/data/val

Iterations t >= --first get the one-step linear code of `experiments/linear_code_bound.py`,
fitted in order on central crops of the training folder (never Kodak), each to the residual the
extended model leaves after t - 1 iterations: U_t, the 32 principal directions of r_{t-1}'s 16x16
blocks, A_t = c U_t^T / σ_t (σ_t the projections' mean RMS, c = --analysis-scale, so that the
linear term outweighs the networks' pre-activations) and S_t = diag(E|U_t^T r|) U_t^T. Earlier
iterations keep A_t = S_t = 0 (the trained networks alone). Writes the weights in the zoo's
format, for `init_from` with `model.block_transform = True`, and prints validation PSNR /
MS-SSIM per iteration of the model before and after.
"""

import argparse
import functools
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.layers.block_transform import fit_linear_code
from rnncomp.models import build_model, zoo
from rnncomp.training.input_pipeline import center_crops, load_folder
from rnncomp.training.train import eval_step, evaluate


def fit(model, params, crops, first: int, scale: float, iterations: int = 16):
    """params with block codes A_t, S_t fitted for t = first..iterations (1-based), each to
    r_{t-1} of the model with the codes fitted before it (A_t, S_t do not change x̂_{t-1})."""
    x = jnp.asarray(crops, jnp.float32) / 255.0
    encoder_step = jax.jit(model.encoder_step)
    decoder_step = jax.jit(model.decoder_step)
    analysis = np.zeros(params["block"]["analysis"].shape, np.float32)
    synthesis = np.zeros(params["block"]["synthesis"].shape, np.float32)
    n, h, w = x.shape[:3]
    enc_carry, dec_state = model.encoder.zero_carry(n, h, w), model.decoder_init(n, h, w)
    for t in range(iterations):
        if t + 1 >= first:
            u, mean_abs, rms = fit_linear_code(np.asarray(x - dec_state[1]), model.bits)
            analysis[t], synthesis[t] = scale * u / rms, mean_abs[:, None] * u.T
            params = {**params, "block": {"analysis": jnp.asarray(analysis),
                                          "synthesis": jnp.asarray(synthesis)}}
        enc_carry, bits = encoder_step(params, enc_carry, x, dec_state[1], t)
        dec_state = decoder_step(params, dec_state, bits, t)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="zoo id")
    parser.add_argument("train_dir")
    parser.add_argument("out")
    parser.add_argument("--first", type=int, default=3, help="first iteration with a block code")
    parser.add_argument("--analysis-scale", type=float, default=3.0)
    parser.add_argument("--crop", type=int, default=192)
    parser.add_argument("--train-images", type=int, default=64)
    parser.add_argument("--val-dir", default=None)
    parser.add_argument("--val-images", type=int, default=16)
    args = parser.parse_args()

    entry = zoo.get_entry(args.model)
    base_model, base_params = zoo.load(args.model)
    model = build_model({**entry.model, "block_transform": True})
    params = {**model.init(jax.random.PRNGKey(0)), **base_params}
    crops = center_crops(load_folder(args.train_dir)[:args.train_images], args.crop)
    params = fit(model, params, crops, args.first, args.analysis_scale)
    Path(args.out).write_bytes(zoo.weights_bytes(jax.tree_util.tree_map(np.asarray, params)))
    print(f"wrote {args.out}")
    if args.val_dir:
        val = center_crops(load_folder(args.val_dir)[:args.val_images], args.crop)
        for name, m, p in (("before", base_model, base_params), ("after", model, params)):
            result = evaluate(jax.jit(functools.partial(eval_step, model=m, iterations=16)),
                              p, val)
            print(name, "MS-SSIM", " ".join(f"{v:.4f}" for v in result["ms_ssim"]))
            print(name, "PSNR   ", " ".join(f"{v:.2f}" for v in result["psnr"]))


if __name__ == "__main__":
    main()
