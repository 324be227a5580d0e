"""Where the codec's time goes: compress and decompress of one image, split into the encoder
network, the decoder network, the context model and the range coder (each call timed to
completion), after a warm-up that compiles. Quiet machine only:

    python experiments/benchmarks/codec_profile.py IMAGE [--model ID] [--iterations 8] \
        [--repeats 3] [--malloc retain|glibc] [--modeled-iterations M]

Prints medians over --repeats of each part's seconds per compress and per decompress, and the
floor: the networks' FLOPs (encode runs E + D per iteration, decode D) over a float32 2048^3
matmul's rate measured in the same run. `--malloc retain` (the default, as in the CLI) keeps
freed memory in the process (`rnncomp.allocator`); `glibc` leaves glibc's defaults.
`--modeled-iterations M` times the model's context model as if it modelled only iterations
1..M (`ContextModel.modeled_iterations`; the later ones coded at p = 1/2): same work as an entry
whose context model was fitted so, other file sizes.
"""

import argparse
import collections
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.model_costs import macs, matmul_gflops  # noqa: E402
from rnncomp import allocator  # noqa: E402
from rnncomp.codec import bitstream, codec  # noqa: E402
from rnncomp.entropy import range_coder  # noqa: E402

PARTS = {"encoder_step": "encoder network", "step": "decoder network",
         "probabilities": "context model", "encode": "range coder", "decode": "range coder"}


def timed(spent, part, fn):
    def wrapper(*args, **kwargs):
        tic = time.perf_counter()
        out = jax.block_until_ready(fn(*args, **kwargs))
        spent[PARTS[part]] += time.perf_counter() - tic
        return out
    return wrapper


def network_gflop(rt, height: int, width: int, iterations: int) -> tuple[float, float]:
    """(encode, decode) GFLOP of the networks at the padded size (2 FLOP per MAC)."""
    ph, pw = codec.padded_size(height), codec.padded_size(width)
    x = jnp.zeros((1, ph, pw, 3))
    enc = macs(lambda c, x, r: rt.model.encoder_step(rt.params, c, x, r, 0),
               rt.model.encoder.zero_carry(1, ph, pw), x, x)
    dec = macs(lambda s, b: rt.model.decoder_step(rt.params, s, b, 0),
               rt.model.decoder_init(1, ph, pw), jnp.zeros((1, ph // 16, pw // 16, rt.model.bits)))
    return 2e-9 * (enc + dec) * iterations, 2e-9 * dec * iterations


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--model", default=codec.zoo.DEFAULT_MODEL)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--malloc", choices=("retain", "glibc"), default="retain")
    parser.add_argument("--modeled-iterations", type=int)
    args = parser.parse_args()
    if args.malloc == "retain":
        allocator.retain_freed_memory()
    image = np.asarray(Image.open(args.image).convert("RGB"))
    rt = codec.from_zoo(args.model)
    if args.modeled_iterations:
        rt = dataclasses.replace(rt, context_model=rt.context_model.clone(
            modeled_iterations=args.modeled_iterations))
    fns = rt.functions(bitstream.FORMAT_VERSION)
    data = codec.compress(image, rt, args.iterations)  # compiles
    codec.decompress(data, runtime=rt)

    spent = collections.Counter()
    for name in ("encoder_step", "step", "probabilities"):
        setattr(fns, name, timed(spent, name, getattr(fns, name)))
    range_coder.BitEncoder.encode = timed(spent, "encode", range_coder.BitEncoder.encode)
    range_coder.BitDecoder.decode = timed(spent, "decode", range_coder.BitDecoder.decode)
    runs = {"compress": [], "decompress": []}
    for _ in range(args.repeats):
        for what, call in (("compress", lambda: codec.compress(image, rt, args.iterations)),
                           ("decompress", lambda: codec.decompress(data, runtime=rt))):
            spent.clear()
            tic = time.perf_counter()
            call()
            total = time.perf_counter() - tic
            runs[what].append({**spent, "other": total - sum(spent.values()), "total": total})

    peak = matmul_gflops()
    flop = dict(zip(("compress", "decompress"),
                    network_gflop(rt, *image.shape[:2], args.iterations), strict=True))
    parts = ["encoder network", "decoder network", "context model", "range coder", "other",
             "total"]
    modeled = sum(map(rt.models, range(1, args.iterations + 1)))
    print(f"{args.image} {image.shape[1]}x{image.shape[0]}, {args.model}, {args.iterations} "
          f"iterations, {modeled} with the context model, malloc {args.malloc}; float32 matmul "
          f"{peak:.0f} GFLOP/s; medians of {args.repeats}, seconds")
    print("| | " + " | ".join(parts) + " | network GFLOP | floor s | total / floor |")
    print("|---|" + "---|" * (len(parts) + 3))
    for what, rows in runs.items():
        cells = [statistics.median(r.get(p, 0.0) for r in rows) for p in parts]
        floor = flop[what] / peak
        print(f"| {what} | " + " | ".join(f"{c:.2f}" for c in cells) +
              f" | {flop[what]:.1f} | {floor:.2f} | {cells[-1] / floor:.2f} |")


if __name__ == "__main__":
    main()
