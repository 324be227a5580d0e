"""Codec speed and memory: encode/decode seconds and MP/s per iteration count, the entropy
model's share of the time, peak RSS, and JPEG / WebP / AVIF times measured in the same run.
Each (image, k) runs in a fresh process so that its peak RSS is its own. Quiet machine only:

    python experiments/benchmarks/codec_speed.py IMAGE [IMAGE ...] [--iterations 2 8 16]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from PIL import Image

CHILD = """
import json, resource, sys, time
import numpy as np
from PIL import Image
from rnncomp.codec import codec
path, k = sys.argv[1], int(sys.argv[2])
image = np.asarray(Image.open(path).convert("RGB"))
rt = codec.from_zoo(codec.zoo.DEFAULT_MODEL)
codec.compress(image[:64, :64], rt, 1)  # compile the context and decoder functions once
probs = rt.probabilities
spent = [0.0]
def timed_probs(*a):
    tic = time.perf_counter(); out = np.asarray(probs(*a)); spent[0] += time.perf_counter() - tic
    return out
object.__setattr__(rt, "probabilities", timed_probs)
tic = time.perf_counter(); data = codec.compress(image, rt, k); enc = time.perf_counter() - tic
enc_entropy, spent[0] = spent[0], 0.0
tic = time.perf_counter(); codec.decompress(data, runtime=rt); dec = time.perf_counter() - tic
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"encode_s": enc, "decode_s": dec, "bytes": len(data),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--iterations", type=int, nargs="+", default=[2, 8, 16])
    args = parser.parse_args()
    print("| image | MP | k | encode s | decode s | enc MP/s | dec MP/s | entropy model share "
          "| bpp | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in args.images:
        image = np.asarray(Image.open(path).convert("RGB"))
        mp = image.shape[0] * image.shape[1] / 1e6
        for k in args.iterations:
            result = subprocess.run([sys.executable, "-c", CHILD, path, str(k)],
                                    capture_output=True, text=True, check=True)
            r = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"| {path.split('/')[-1]} | {mp:.2f} | {k} | {r['encode_s']:.2f} | "
                  f"{r['decode_s']:.2f} | {mp / r['encode_s']:.3f} | {mp / r['decode_s']:.3f} | "
                  f"{100 * r['entropy_share']:.0f} % | {8 * r['bytes'] / (mp * 1e6):.4f} | "
                  f"{r['peak_rss_mb']:.0f} |")
        for name, (enc, dec) in classical_times(image).items():
            print(f"| {path.split('/')[-1]} | {mp:.2f} | {name} | {enc:.3f} | {dec:.3f} | "
                  f"{mp / enc:.1f} | {mp / dec:.1f} | | | |")


if __name__ == "__main__":
    main()
