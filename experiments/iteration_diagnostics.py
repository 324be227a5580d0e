"""Where the later iterations' bits go: per iteration, on central crops of a folder (validation,
never Kodak), how confident the binarizer is, how much the bits depend on the residual they are
meant to code, and how much of the residual the iteration removes:

    python experiments/iteration_diagnostics.py ../shared/data/val toderici2017-lstm-w025-v2

Columns, means over crops and bits (t = 1..k):
- residual RMS: of r_{t-1} = x - x̂_{t-1}, the encoder's input (x in [0, 1]);
- PSNR of x̂_t;
- |tanh|: the binarizer's mean |x| before quantisation. In training a bit is +1 with
  probability (1 + x) / 2, so it is noise with variance 1 - x²: the decoder learns to trust a bit
  only where |x| is near 1;
- flipped by zero residual: fraction of b_t that change when the encoder is given a zero
  residual at iteration t (same carry): the share of the bits that code the current residual
  rather than the encoder's state;
- energy removed: 1 - ||r_t||² / ||r_{t-1}||².
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from rnncomp.models import zoo
from rnncomp.training.input_pipeline import center_crops, load_folder


def diagnose(model_id: str, crops: np.ndarray, iterations: int) -> list[dict]:
    codec, params = zoo.load(model_id)
    x = jnp.asarray(crops, jnp.float32) / 255.0
    n, h, w, _ = x.shape

    def encode(carry, residual):
        (carry, bits), state = codec.encoder.apply(
            {"params": params["encoder"]}, carry, residual, None,
            capture_intermediates=lambda module, _: (
                module.name == "conv" and getattr(module.parent, "name", None) == "binarizer"),
            mutable=["intermediates"])
        return carry, bits, state["intermediates"]["binarizer"]["conv"]["__call__"][0]

    @jax.jit
    def step(x, enc_carry, dec_state, t):
        reconstruction = dec_state[1]
        residual = x - reconstruction
        gain = codec.gain_of(params, reconstruction, t)
        new_carry, bits, pre = encode(enc_carry, residual * gain)
        _, zero_bits, _ = encode(enc_carry, jnp.zeros_like(residual))
        dec_state = codec.decoder_step(params, dec_state, bits, t)
        after = x - dec_state[1]
        stats = {
            "residual_rms": jnp.sqrt(jnp.mean(residual ** 2)),
            "psnr": jnp.mean(-10 * jnp.log10(jnp.mean(
                (jnp.clip(dec_state[1], 0, 1) - x) ** 2, axis=(1, 2, 3)))),
            "abs_tanh": jnp.mean(jnp.abs(jnp.tanh(pre))),
            "flipped": jnp.mean(bits != zero_bits),
            "energy_removed": 1 - jnp.sum(after ** 2) / jnp.sum(residual ** 2),
        }
        return new_carry, dec_state, stats

    enc_carry = codec.encoder.zero_carry(n, h, w)
    dec_state = codec.decoder_init(n, h, w)
    rows = []
    for t in range(1, iterations + 1):
        enc_carry, dec_state, stats = step(x, enc_carry, dec_state, t - 1)
        rows.append({"t": t, **{k: float(v) for k, v in stats.items()}})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--crop", type=int, default=192)
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=16)
    args = parser.parse_args()
    crops = center_crops(load_folder(args.folder)[:args.images], args.crop)
    print(f"{len(crops)} central {args.crop}x{args.crop} crops of {args.folder}\n")
    print("| model | t | residual RMS | PSNR | abs tanh | flipped by zero residual "
          "| energy removed |")
    print("|---|---|---|---|---|---|---|")
    for model_id in args.models:
        for r in diagnose(model_id, crops, args.iterations):
            print(f"| {model_id} | {r['t']} | {r['residual_rms']:.4f} | {r['psnr']:.2f} "
                  f"| {r['abs_tanh']:.3f} | {r['flipped']:.3f} | {r['energy_removed']:.3f} |")


if __name__ == "__main__":
    main()
