"""Codec speed and memory: encode/decode seconds and MP/s per iteration count, the entropy
model's share of the time, peak RSS, and JPEG / WebP / AVIF times measured in the same run.
Each (image, k) runs in a fresh process (compilation cache off) so that its peak RSS is its own:
its first compress compiles (reported as "first encode"), then a second compress and a
decompress are timed. Quiet machine only:

    python experiments/benchmarks/codec_speed.py IMAGE [IMAGE ...] [--iterations 2 8 16] \
        [--mosaic 3840x2160 7680x4320 --mosaic-iterations 2 8] [--models ID ...] \
        [--malloc retain glibc]

Rows of several zoo models (default: the zoo's default) and malloc settings alternate per
(image, k). `retain` (the default) keeps freed memory in the process as the CLI does
(`rnncomp.allocator`); `glibc` leaves glibc's defaults.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

CHILD = """
import json, resource, sys, time
import jax
import numpy as np
from PIL import Image
from rnncomp import allocator
from rnncomp.codec import codec
path, k, model_id, malloc = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if malloc == "retain":
    allocator.retain_freed_memory()
image = np.asarray(Image.open(path).convert("RGB"))
rt = codec.from_zoo(model_id)
tic = time.perf_counter(); codec.compress(image, rt, k); first = time.perf_counter() - tic
spent = [0.0]
def timed_probs(*a):
    jax.block_until_ready(a)  # the decoder step queued before it is not the entropy model's
    tic = time.perf_counter(); out = np.asarray(probs(*a)); spent[0] += time.perf_counter() - tic
    return out
fns = rt.functions(codec.bitstream.FORMAT_VERSION)
probs = fns.probabilities
fns.probabilities = timed_probs
tic = time.perf_counter(); data = codec.compress(image, rt, k); enc = time.perf_counter() - tic
enc_entropy, spent[0] = spent[0], 0.0
tic = time.perf_counter(); codec.decompress(data, runtime=rt); dec = time.perf_counter() - tic
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first_encode_s": first, "encode_s": enc, "decode_s": dec, "bytes": len(data),
                  "entropy_share": (enc_entropy + spent[0]) / (enc + dec), "peak_rss_mb": rss}))
"""


def classical_times(image: np.ndarray, repeats: int = 3) -> dict:
    """Median encode/decode seconds at quality 75 (mid-range on each codec's scale)."""
    from rnncomp.evaluation import classical

    out = {}
    for codec in (classical.JPEG("4:2:0"), classical.WebP(), classical.AVIF()):
        enc, dec = [], []
        for _ in range(repeats):
            tic = time.perf_counter()
            data = codec.encode(image, 75)
            enc.append(time.perf_counter() - tic)
            tic = time.perf_counter()
            codec.decode(data)
            dec.append(time.perf_counter() - tic)
        out[codec.name] = (statistics.median(enc), statistics.median(dec))
    return out


def mosaic(paths: list[str], width: int, height: int, tile: int = 512) -> np.ndarray:
    """The images' top-left tile x tile squares, cycled row by row into a width x height image."""
    squares = [np.asarray(Image.open(p).convert("RGB"))[:tile, :tile] for p in paths]
    rows, cols = -(-height // tile), -(-width // tile)
    grid = [np.concatenate([squares[(r * cols + c) % len(squares)] for c in range(cols)], 1)
            for r in range(rows)]
    return np.ascontiguousarray(np.concatenate(grid, 0)[:height, :width])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--iterations", type=int, nargs="+", default=[2, 8, 16])
    parser.add_argument("--mosaic", nargs="*", default=[], metavar="WxH",
                        help="also code mosaics of the images at these sizes, e.g. 3840x2160")
    parser.add_argument("--mosaic-iterations", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--models", nargs="+", default=None,
                        help="zoo ids (default: the zoo's default model)")
    parser.add_argument("--malloc", nargs="+", choices=("retain", "glibc"), default=["retain"])
    args = parser.parse_args()
    from rnncomp.models import zoo

    models = args.models or [zoo.DEFAULT_MODEL]
    jobs = [(path, args.iterations) for path in args.images]
    tmp = tempfile.TemporaryDirectory()
    for size in args.mosaic:
        width, height = map(int, size.split("x"))
        path = f"{tmp.name}/mosaic-{width}x{height}.png"
        Image.fromarray(mosaic(args.images, width, height)).save(path)
        jobs.append((path, args.mosaic_iterations))
    print("| model | malloc | image | MP | k | first encode s | encode s | decode s | enc MP/s "
          "| dec MP/s | entropy model share | bpp | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path, iterations in jobs:
        image = np.asarray(Image.open(path).convert("RGB"))
        mp = image.shape[0] * image.shape[1] / 1e6
        for k in iterations:
            for model_id, malloc in itertools.product(models, args.malloc):
                result = subprocess.run([sys.executable, "-c", CHILD, path, str(k), model_id,
                                         malloc], capture_output=True, text=True, check=True,
                                        env={**os.environ, "RNNCOMP_CACHE_DIR": "off"})
                r = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"| {model_id} | {malloc} | {path.split('/')[-1]} | {mp:.2f} | {k} | "
                      f"{r['first_encode_s']:.2f} | "
                      f"{r['encode_s']:.2f} | {r['decode_s']:.2f} | {mp / r['encode_s']:.3f} | "
                      f"{mp / r['decode_s']:.3f} | {100 * r['entropy_share']:.0f} % | "
                      f"{8 * r['bytes'] / (mp * 1e6):.4f} | {r['peak_rss_mb']:.0f} |")
        for name, (enc, dec) in classical_times(image).items():
            print(f"| | | {path.split('/')[-1]} | {mp:.2f} | {name} | | {enc:.3f} | {dec:.3f} | "
                  f"{mp / enc:.1f} | {mp / dec:.1f} | | | |")


if __name__ == "__main__":
    main()
