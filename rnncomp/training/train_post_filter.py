"""Fit a post-filter (rnncomp/models/post_filter.py) to a zoo model's reconstructions.

    python -m rnncomp.training.train_post_filter --model islam2021-gdn-bt6-msssim-w025-v11 \
        --train-dir ../shared/data/train --val-dir ../shared/data/val --out FILE.npz

The model codes random crops of the training folder once (sign binarizer, as the codec) and
their reconstructions after every iteration are kept as the codec outputs them (uint8). The
filter is then trained with Adam on 1 - MS-SSIM (the training MS-SSIM, Google's convention)
of random (crop, iteration) pairs. Reported: validation MS-SSIM (Google's convention) and PSNR
after each iteration, without and with the filter, on central crops of the validation folder,
with the weights as stored (float16).
"""

import argparse
import functools
import hashlib
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rnncomp import errors
from rnncomp.codec.io import output_problem, write_atomic
from rnncomp.evaluation.metrics import ms_ssim as ms_ssim_google
from rnncomp.evaluation.metrics import psnr
from rnncomp.models import zoo
from rnncomp.models.post_filter import PostFilter
from rnncomp.training import input_pipeline
from rnncomp.training.losses import ms_ssim

TRAINING_DEFAULTS = {"width": 48, "depth": 3, "iterations": 16, "crop": 192, "crops": 800,
                     "val_crops": 32, "steps": 4000, "batch": 8, "learning_rate": 1e-3,
                     "seed": 0}


def reconstructions(model, params, crops: np.ndarray, iterations: int, batch: int = 8):
    """uint8 (N, k, H, W, 3): the decoded crops after each iteration, as the codec rounds them."""
    run = jax.jit(lambda x: model(params, x, iterations)[0])
    out = []
    for start in range(0, len(crops), batch):
        x = jnp.asarray(crops[start:start + batch], jnp.float32) / 255.0
        x_hat = np.asarray(run(x))
        out.append(np.round(np.clip(x_hat, 0, 1) * 255).astype(np.uint8).swapaxes(0, 1))
    return np.concatenate(out)


def train(post_filter: PostFilter, originals, decoded, steps: int, batch: int,
          learning_rate: float, seed: int):
    """Adam (cosine-decayed rate) on 1 - MS-SSIM of random (crop, iteration) pairs."""
    params = post_filter.init(jax.random.PRNGKey(seed))
    tx = optax.adam(optax.cosine_decay_schedule(learning_rate, steps, alpha=0.1))
    opt_state = tx.init(params)

    def loss_fn(params, x, y, k):
        return jnp.mean(1 - ms_ssim(x, post_filter.filter_image(params, y, k)))

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def step(params, opt_state, x, y, k):
        loss, grads = jax.value_and_grad(loss_fn)(params, x / 255.0, y / 255.0, k)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(seed)
    n, k = decoded.shape[:2]
    tic, losses = time.time(), []
    for i in range(steps):
        crop, t = rng.integers(n, size=batch), rng.integers(k, size=batch)
        params, opt_state, loss = step(params, opt_state,
                                       jnp.asarray(originals[crop], jnp.float32),
                                       jnp.asarray(decoded[crop, t], jnp.float32),
                                       jnp.asarray(t + 1, jnp.float32))
        losses.append(float(loss))
        if (i + 1) % 200 == 0:
            print(f"step {i + 1}: 1 - MS-SSIM {np.mean(losses[-200:]):.5f} "
                  f"({time.time() - tic:.0f} s)", flush=True)
    return params


def validate(post_filter: PostFilter, params, originals, decoded) -> list[dict]:
    """Per iteration k: mean MS-SSIM (Google) and PSNR of the decoded crops and filtered."""
    rows = []
    for t in range(decoded.shape[1]):
        base, filtered = [], []
        for x, y in zip(originals, decoded[:, t], strict=True):
            z = post_filter.filter_in_bands(params, y, t + 1)
            base.append((ms_ssim_google(x, y, convention="google"), psnr(x, y)))
            filtered.append((ms_ssim_google(x, z, convention="google"), psnr(x, z)))
        (b_ms, b_psnr), (f_ms, f_psnr) = np.mean(base, axis=0), np.mean(filtered, axis=0)
        rows.append({"iterations": t + 1, "ms_ssim": round(float(b_ms), 5),
                     "ms_ssim_filtered": round(float(f_ms), 5), "psnr": round(float(b_psnr), 3),
                     "psnr_filtered": round(float(f_psnr), 3)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="zoo id whose reconstructions are filtered")
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--val-dir", required=True)
    parser.add_argument("--out", required=True)
    for name in ("width", "depth", "iterations", "crop", "crops", "val_crops", "steps",
                 "batch", "seed"):
        parser.add_argument("--" + name.replace("_", "-"), type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.set_defaults(**TRAINING_DEFAULTS)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if problem := output_problem(args.out, args.force):
        parser.error(problem)
    if args.crop < 161 or min(args.width, args.depth, args.iterations, args.crops,
                              args.val_crops, args.steps, args.batch) < 1:
        parser.error("--crop must be at least 161 (MS-SSIM's 5 scales) and the counts positive")

    tic = time.time()
    try:
        model, params = zoo.load(args.model)
        train_images = input_pipeline.load_folder(args.train_dir)
        train_crops = np.concatenate([
            input_pipeline.random_crops(train_images, args.seed, step, 1, args.crop)
            for step in range(args.crops)])
        val_images = input_pipeline.load_folder(args.val_dir)[:args.val_crops]
        val_crops = input_pipeline.center_crops(val_images, args.crop)
    except errors.USER_ERRORS as e:  # an unknown model id, a missing or empty folder
        parser.exit(2, f"{parser.prog}: error: {errors.describe(e)}\n")
    train_decoded = reconstructions(model, params, train_crops, args.iterations)
    val_decoded = reconstructions(model, params, val_crops, args.iterations)
    print(f"reconstructed in {time.time() - tic:.0f} s", flush=True)

    post_filter = PostFilter(args.width, args.depth)
    tic = time.time()
    filter_params = train(post_filter, train_crops, train_decoded, args.steps, args.batch,
                          args.learning_rate, args.seed)
    print(f"trained in {time.time() - tic:.0f} s", flush=True)
    data = zoo.weights_bytes(filter_params)
    rows = validate(post_filter, zoo.read_weights(data), val_crops, val_decoded)
    write_atomic(args.out, data, overwrite=args.force)
    print(json.dumps({"settings": {"width": args.width, "depth": args.depth},
                      "sha256": hashlib.sha256(data).hexdigest(), "validation": rows}))


if __name__ == "__main__":
    main()
