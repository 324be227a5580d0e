"""The encoder-side search (rnncomp/codec/search.py) on validation images: what each setting of
its steps, ζ, η and rate term buys against the network's own bits.

    python experiments/search_study.py ../shared/data/val --images 6 --iterations 9 \
        --settings 20,0.2,0.02,rate 20,0.4,0.02,rate 20,0.8,0.02,rate 20,0.4,0.02,none

A setting is STEPS,ζ,η,RATE: RATE "rate" is the codec's search (the entropy coder's bits in
the loss), "none" leaves the rate out (every bit costed at p = 1/2). Each of the first N images
of the folder (by name; never Kodak) is coded by the codec, `codec.compress`, with k iterations
without search and with each setting; bpp is the real file size. For each setting: the mean
encode seconds, BD-rates of the mean curve over the images against the codec without search
(`rnncomp.evaluation.bd_rate`, MS-SSIM as -10 log10(1 - MS-SSIM) dB, and PSNR), and the MS-SSIM
gain at fixed bpp, linear between mean points. The search moves the curve to higher rates
and linear interpolation along the concave curve without search underestimates it there, which
flatters the search most at the low rates: read the BD-rates first.
"""

import argparse
import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np
from PIL import Image

from rnncomp.codec import codec, search
from rnncomp.evaluation.bd_rate import bd_rate
from rnncomp.evaluation.metrics import ms_ssim, psnr
from rnncomp.models import zoo

BPP = (0.25, 0.5, 0.9)


def parse_setting(text: str) -> tuple[int, float, float, str]:
    steps, zeta, eta, rate = text.split(",")
    if rate not in ("rate", "none"):
        raise argparse.ArgumentTypeError(f"RATE is 'rate' or 'none', got {rate!r}")
    return int(steps), float(zeta), float(eta), rate


def code(images, model_id, iterations, setting):
    """Mean bpp, MS-SSIM and PSNR per iteration over the images, and mean encode seconds."""
    steps, zeta, eta, rate = setting
    search.INIT_SCALE, search.STEP_SIZE = zeta, eta
    runtime = codec.from_zoo(model_id)  # new jitted functions: they read ζ and η when traced
    original = codec.search_bits
    if rate == "none":
        codec.search_bits = lambda *args: original(*args[:6], jnp.full_like(args[6], 0.5),
                                                   *args[7:])
    try:
        curves, seconds = [], []
        for rgb in images:
            tic = time.perf_counter()
            data = codec.compress(rgb, runtime, iterations, search_steps=steps)
            seconds.append(time.perf_counter() - tic)
            outputs = codec.decompress_iterations(data, runtime=runtime)
            curves.append([codec.info(data)["bpp_after_iteration"],
                           [ms_ssim(rgb, o, convention="google") for o in outputs],
                           [psnr(rgb, o) for o in outputs]])
    finally:
        codec.search_bits = original
    bpp, quality, db = np.mean(curves, axis=0)
    return bpp, quality, db, float(np.median(seconds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--model", default=zoo.DEFAULT_MODEL)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=9)
    parser.add_argument("--settings", type=parse_setting, nargs="+",
                        default=[parse_setting("20,0.4,0.02,rate")])
    args = parser.parse_args()
    paths = sorted(p for p in Path(args.folder).iterdir()
                   if p.suffix.lower() in (".png", ".jpg", ".jpeg"))[:args.images]
    images = [np.asarray(Image.open(p).convert("RGB")) for p in paths]

    def db(q):
        return -10 * np.log10(1 - q)

    base_bpp, base_q, base_psnr, base_s = code(images, args.model, args.iterations,
                                               (0, 0.0, 0.0, "none"))
    print(f"{args.model}, {len(images)} images of {args.folder}, {args.iterations} "
          f"iterations; without search: bpp {' / '.join(f'{b:.3f}' for b in base_bpp)}, "
          f"MS-SSIM {' / '.join(f'{q:.4f}' for q in base_q)}, encode {base_s:.1f} s\n")
    print("| steps | ζ | η | rate term | encode s | BD-rate MS-SSIM | BD-rate PSNR | "
          + " | ".join(f"ΔMS-SSIM at {b} bpp" for b in BPP) + " |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(BPP))
    for setting in args.settings:
        bpp, q, p, seconds = code(images, args.model, args.iterations, setting)
        gains = [np.interp(b, bpp, q) - np.interp(b, base_bpp, base_q) for b in BPP]
        print(f"| {setting[0]} | {setting[1]} | {setting[2]} | {setting[3]} | {seconds:.1f} | "
              f"{bd_rate(base_bpp, db(base_q), bpp, db(q)):+.1f} % | "
              f"{bd_rate(base_bpp, base_psnr, bpp, p):+.1f} % | "
              + " | ".join(f"{g:+.4f}" for g in gains) + " |", flush=True)


if __name__ == "__main__":
    main()
