"""Rate-distortion optimised binarization, probed: does flipping the bits the binarizer is unsure
of to the context model's likely value buy quality per bit?

    python experiments/flip_unsure_bits.py islam2021-gdn-bt6-msssim-w025-v2 ../shared/data/val \
        --images 8

The decoder and the file format stay as they are; only the encoder changes. For every coding
pass of every iteration, with x = tanh(pre-activation) the binarizer's input and p the context
model's P(b = +1) for the pass's bits, a bit whose sign(x) is the less likely value is sent as
the likely one when |x| < tau and max(p, 1 - p) > p_min. Each flip saves
log2(P(sent)/P(sign(x))) bits and moves the code away from the encoder's choice; the encoder
goes on from the decoder's reconstruction of the bits it sent, as the codec does. Images are
padded to a multiple of 16, where the codec pads to its shape buckets, so on other sizes it
differs a little from the codec; with tau = 0 and an image of a bucket's size it is the codec
(tests/test_experiments.py). The rate is
the ideal code length -Σ log2 P(b) of the bits sent (the range coder adds a few bytes per file);
quality is MS-SSIM (Google's convention) after each iteration, averaged over whole images of a
folder (never Kodak). Each row is compared with the curve of tau = 0 (the codec's encoder) at the
same bpp, by linear interpolation between its iterations.
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.codec import codec
from rnncomp.evaluation.metrics import ms_ssim
from rnncomp.layers import pad_to_multiple
from rnncomp.models import STRIDE
from rnncomp.training.input_pipeline import load_folder

SETTINGS = ((0.1, 0.6), (0.2, 0.6), (0.3, 0.6), (0.3, 0.75), (0.5, 0.75))


class FlippingEncoder:
    """The codec's encoder procedure (`codec._code_tile`) with the flipping rule above."""

    def __init__(self, model_id: str):
        self.rt = codec.from_zoo(model_id)
        self.fns = self.rt.functions(3)
        self.binarizer_input = jax.jit(self._binarizer_input)

    def _binarizer_input(self, carry, x, reconstruction, t):
        """carry, x, x̂_{t-1} → (carry, tanh of the binarizer's pre-activation)."""
        model, params = self.rt.model, self.rt.params
        residual, extra = model.encoder_inputs(params, x, reconstruction, t)
        (carry, _), captured = model.encoder.apply(
            {"params": params["encoder"]}, carry, residual, None, extra,
            capture_intermediates=True, mutable=["intermediates"])
        pre = captured["intermediates"]["binarizer"]["conv"]["__call__"][0]
        return carry, jnp.tanh(pre if extra is None else pre + extra)

    def curve(self, image: np.ndarray, tau: float, p_min: float, iterations: int):
        """(bpp, MS-SSIM) after each iteration for one uint8 image."""
        model = self.rt.model
        h, w = image.shape[:2]
        x = pad_to_multiple(jnp.asarray(image, jnp.float32)[None] / 255.0, STRIDE)
        hp, wp = x.shape[1:3]
        carry = model.encoder.zero_carry(1, hp, wp)
        state = model.decoder_init(1, hp, wp)
        previous = np.zeros((1, hp // STRIDE, wp // STRIDE, model.bits), np.float32)
        bits_spent, points = 0.0, []
        for t in range(iterations):
            carry, unsure = self.binarizer_input(carry, x, state[1], jnp.int32(t))
            unsure = np.asarray(unsure)[0]
            bits = np.where(unsure >= 0, 1.0, -1.0).astype(np.float32)
            sent = np.zeros_like(bits)
            known, target = self.rt.coding_passes(hp // STRIDE, wp // STRIDE, t + 1)
            for i, mask in enumerate(target):
                p = (np.asarray(self.fns.probabilities(state, previous, sent[None], known[i],
                                                       t + 1))[0]
                     if self.rt.models(t + 1) else np.full(bits.shape, 0.5, np.float32))
                likely = np.where(p >= 0.5, 1.0, -1.0)
                flip = (mask & (bits != likely) & (np.abs(unsure) < tau)
                        & (np.maximum(p, 1 - p) > p_min))
                bits = np.where(flip, likely, bits)
                p_sent = np.where(bits > 0, p, 1 - p)[mask]
                bits_spent -= np.log2(np.clip(p_sent, 2.0**-16, 1.0)).sum()
                sent[mask] = bits[mask]
            state = self.fns.step(state, sent[None], np.int32(t))
            previous = sent[None]
            out = np.round(np.clip(np.asarray(state[1])[0, :h, :w], 0, 1) * 255).astype(np.uint8)
            out = self.rt.filtered(out, t + 1)  # the entry's post-filter, as the codec decodes
            points.append((bits_spent / (h * w), ms_ssim(image, out, convention="google")))
        return np.array(points)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("folder")
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=8)
    args = parser.parse_args()
    images = load_folder(args.folder)[: args.images]
    encoder = FlippingEncoder(args.model)

    def mean_curve(tau, p_min):
        return np.mean([encoder.curve(im, tau, p_min, args.iterations) for im in images], axis=0)

    base = mean_curve(0.0, 1.0)
    print(f"{args.model}, {len(images)} images of {args.folder}; ideal code length; MS-SSIM "
          f"(Google) after iterations 1..{args.iterations}; in brackets: the difference to "
          f"tau = 0 at the same bpp\n")
    print("| tau | p_min | " + " | ".join(f"it {k}" for k in range(1, args.iterations + 1))
          + " |")
    print("|---|---|" + "---|" * args.iterations)
    print("| 0 | | " + " | ".join(f"{b:.3f} bpp, {q:.4f}" for b, q in base) + " |")
    for tau, p_min in SETTINGS:
        cells = []
        for bpp, quality in mean_curve(tau, p_min):
            if base[0, 0] <= bpp <= base[-1, 0]:
                cells.append(f"{bpp:.3f} bpp, {quality:.4f} "
                             f"({quality - np.interp(bpp, base[:, 0], base[:, 1]):+.4f})")
            else:
                cells.append(f"{bpp:.3f} bpp, {quality:.4f}")
        print(f"| {tau} | {p_min} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
