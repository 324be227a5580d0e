"""Spatially adaptive iteration counts: does stopping some 16x16 blocks early buy quality per bit?

    python experiments/adaptive_iterations.py islam2021-gdn-bt6-msssim-w025 ../shared/data/val \
        --images 12

In the spirit of Johnston et al. 2018 ("Improved lossy image compression with priming and
spatially adaptive bit rates"): every block starts active; after each iteration t a block whose
reconstruction meets a target stops, and from then on its 32 bits are zero (not sent) and its
pixels keep x̂_t. A decoder needs the map of per-block iteration counts, whose cost is counted
as its empirical entropy (bits per block, from the counts' histogram in the image). Criteria:

    mse        the block's mean squared error (pixels in [0, 1]) is at most the target
    ssim       the block's mean SSIM (the 11x11 map of `rnncomp.evaluation.metrics.ssim_map` on
               the image padded by edge replication) is at least the target
    ssim_gain  the block's mean SSIM rose by less than the target in iteration t

The rate is the code's nominal bits (32 per active block and iteration) plus the map, before
entropy coding; quality is MS-SSIM (Google's convention) of the whole image, averaged over the
images. Each adaptive row is compared with the fixed-iteration curve at the same bpp (linear
interpolation between fixed iteration counts); whole images of a folder, never Kodak.
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.evaluation.metrics import ms_ssim, ssim_map
from rnncomp.layers import pad_to_multiple
from rnncomp.models import STRIDE, zoo
from rnncomp.training.input_pipeline import load_folder

CRITERIA = ("mse", "ssim", "ssim_gain")
DEFAULT_TARGETS = {"mse": (4e-3, 2e-3, 1e-3, 6e-4, 3e-4), "ssim": (0.7, 0.8, 0.9, 0.95),
                   "ssim_gain": (0.01, 0.005, 0.002)}


def block_means(values: np.ndarray) -> np.ndarray:
    """(H, W) → (H/16, W/16): the mean of every 16x16 block."""
    h, w = values.shape
    return values.reshape(h // STRIDE, STRIDE, w // STRIDE, STRIDE).mean(axis=(1, 3))


def block_quality(criterion: str, x: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    """Per block: the mean squared error (mse) or mean SSIM (the others); x (H, W, 3) in [0, 1]."""
    reconstruction = np.clip(reconstruction, 0.0, 1.0)
    if criterion == "mse":
        return block_means(np.mean((reconstruction - x) ** 2, axis=-1))
    pad = ((5, 5), (5, 5), (0, 0))
    return block_means(ssim_map(np.pad(x * 255, pad, mode="edge"),
                                np.pad(reconstruction * 255, pad, mode="edge")))


class AdaptiveCoder:
    """The model's iterations with a per-block mask: inactive blocks get zero bits and keep x̂."""

    def __init__(self, model_id: str):
        self.model, self.params = zoo.load(model_id)
        self.step = jax.jit(self._step)

    def _step(self, enc_carry, dec_state, x, active, t):
        model, params = self.model, self.params
        previous = dec_state[1]
        enc_carry, bits = model.encoder_step(params, enc_carry, x, previous, t)
        dec_carry, reconstruction = model.decoder_step(
            params, dec_state, bits * active[None, :, :, None], t)
        pixels = jnp.repeat(jnp.repeat(active, STRIDE, 0), STRIDE, 1)[None, :, :, None] > 0
        return enc_carry, (dec_carry, jnp.where(pixels, reconstruction, previous))

    def code(self, image: np.ndarray, criterion: str | None, target: float | None,
             iterations: int = 16):
        """(code bpp, count-map bpp, MS-SSIM) of one uint8 image; criterion None: fixed count."""
        h, w = image.shape[:2]
        x = pad_to_multiple(jnp.asarray(image, jnp.float32)[None] / 255.0, STRIDE)
        x_host = np.asarray(x[0])
        hp, wp = x.shape[1:3]
        enc_carry = self.model.encoder.zero_carry(1, hp, wp)
        dec_state = self.model.decoder_init(1, hp, wp)
        active = np.ones((hp // STRIDE, wp // STRIDE), np.float32)
        counts = np.zeros_like(active)
        previous_quality = None
        for t in range(iterations):
            counts += active
            enc_carry, dec_state = self.step(enc_carry, dec_state, x, jnp.asarray(active),
                                             jnp.int32(t))
            if criterion is None:
                continue
            quality = block_quality(criterion, x_host, np.asarray(dec_state[1][0]))
            if criterion == "mse":
                active *= quality > target
            elif criterion == "ssim":
                active *= quality < target
            elif previous_quality is not None:
                active *= quality - previous_quality >= target
            previous_quality = quality
            if not active.any():
                break
        out = np.round(np.clip(np.asarray(dec_state[1][0, :h, :w]), 0, 1) * 255).astype(np.uint8)
        coded = counts[: -(-h // STRIDE), : -(-w // STRIDE)]
        _, frequency = np.unique(coded, return_counts=True)
        map_bits = -np.sum(frequency * np.log2(frequency / frequency.sum()))
        return (coded.sum() * self.model.bits / (h * w), map_bits / (h * w),
                ms_ssim(image, out, convention="google"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("folder")
    parser.add_argument("--images", type=int, default=12)
    parser.add_argument("--fixed", type=int, nargs="+", default=[2, 4, 6, 8, 10, 12, 16])
    parser.add_argument("--criteria", nargs="+", choices=CRITERIA, default=list(CRITERIA))
    args = parser.parse_args()
    images = load_folder(args.folder)[: args.images]
    coder = AdaptiveCoder(args.model)

    def mean_point(criterion, target, iterations=16):
        return np.mean([coder.code(im, criterion, target, iterations) for im in images], axis=0)

    fixed = [mean_point(None, None, k) for k in args.fixed]
    fixed_bpp, fixed_quality = [p[0] for p in fixed], [p[2] for p in fixed]
    print(f"{args.model}, {len(images)} images of {args.folder}; nominal bpp before entropy "
          f"coding; MS-SSIM (Google)\n")
    print("| rule | target | code bpp | map bpp | total bpp | MS-SSIM | fixed counts at that bpp "
          "| difference |")
    print("|---|---|---|---|---|---|---|---|")
    for k, (bpp, _, quality) in zip(args.fixed, fixed, strict=True):
        print(f"| fixed | {k} iterations | {bpp:.3f} | 0 | {bpp:.3f} | {quality:.4f} | | |")
    for criterion in args.criteria:
        for target in DEFAULT_TARGETS[criterion]:
            bpp, map_bpp, quality = mean_point(criterion, target)
            total = bpp + map_bpp
            reference = (np.interp(total, fixed_bpp, fixed_quality)
                         if fixed_bpp[0] <= total <= fixed_bpp[-1] else float("nan"))
            print(f"| {criterion} | {target:g} | {bpp:.3f} | {map_bpp:.4f} | {total:.3f} | "
                  f"{quality:.4f} | {reference:.4f} | {quality - reference:+.4f} |", flush=True)


if __name__ == "__main__":
    main()
