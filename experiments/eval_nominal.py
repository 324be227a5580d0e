"""The networks alone on a folder at their nominal rates: mean PSNR and MS-SSIM (Google's
convention, as the papers report it) after each iteration k, at k/8 bpp (32 bits per 16x16 block
and iteration, before entropy coding), for a training workdir or a zoo id. For models whose
weights are not exported (a paper-width run is ~140 MB), and for comparison with
../shared/reference/islam2021_kodak_mean.csv, which is given at these nominal rates.

    python experiments/eval_nominal.py ../shared/data/kodak --workdir workdirs/islam2021_gdn \
        --out results/kodak/nominal_islam2021_gdn.json
    python experiments/eval_nominal.py ../shared/data/kodak --model islam2021-gdn-bt6-msssim-w025-v4

Whole images, padded by edge replication to multiples of 16 and cropped back; the reconstruction
is rounded to 8 bits as a decoded file is. Writes one results file (rnncomp/evaluation/results.py
schema) when --out is given.
"""

import argparse
import functools
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncomp.evaluation.metrics import ms_ssim, psnr  # noqa: E402
from rnncomp.evaluation.results import make_results, write_results  # noqa: E402
from rnncomp.layers import crop, pad_to_multiple  # noqa: E402
from rnncomp.models import STRIDE, zoo  # noqa: E402
from rnncomp.training.input_pipeline import list_images, load_rgb  # noqa: E402
from rnncomp.training.train import eval_step, restore_params  # noqa: E402


def per_iteration(model, params, images, iterations: int) -> dict[str, list[float]]:
    """Mean PSNR and MS-SSIM over `images` after each of 1..`iterations`."""
    run = jax.jit(functools.partial(eval_step, model=model, iterations=iterations))
    scores = np.zeros((2, iterations, len(images)))
    for i, image in enumerate(images):
        h, w = image.shape[:2]
        x = pad_to_multiple(jnp.asarray(image[None]), STRIDE)
        decoded = np.asarray(crop(run(params, x)[:, 0], h, w))
        for k in range(iterations):
            scores[0, k, i] = psnr(image, decoded[k])
            scores[1, k, i] = ms_ssim(image, decoded[k], convention="google")
    return {"psnr-rgb": scores[0].mean(1).tolist(), "ms-ssim-rgb": scores[1].mean(1).tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--workdir", help="a training workdir (its latest checkpoint)")
    source.add_argument("--model", help="a zoo id")
    parser.add_argument("--iterations", type=int, default=16)
    parser.add_argument("--out", help="results file to write (JSON)")
    args = parser.parse_args()
    if args.workdir:
        model, state = restore_params(args.workdir)
        params, name = state.params, Path(args.workdir).name
    else:
        (model, params), name = zoo.load(args.model), args.model
    images = [load_rgb(p) for p in list_images(args.folder)]  # at least one, or an error
    metrics = per_iteration(model, params, images, args.iterations)
    bpp = [k / 8 for k in range(1, args.iterations + 1)]
    print(f"{name}: {len(images)} images of {args.folder}, nominal bpp k/8")
    print("| k | bpp | PSNR dB | MS-SSIM |\n|---|---|---|---|")
    for k, (p, m) in enumerate(zip(metrics["psnr-rgb"], metrics["ms-ssim-rgb"],
                                   strict=True), 1):
        print(f"| {k} | {bpp[k - 1]:.3f} | {p:.2f} | {m:.4f} |")
    if args.out:
        write_results(args.out, make_results(
            name, f"{name}, networks only, nominal rate k/8 bpp (no entropy coding)",
            {"bpp": bpp, **metrics},
            {"command": " ".join(sys.argv), "ms-ssim": "google", "jax": jax.__version__,
             "device": jax.devices()[0].device_kind, "images": len(images)}))


if __name__ == "__main__":
    main()
