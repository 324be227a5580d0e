"""Two codecs image by image at fixed bpp, from `rnncomp eval`'s per-image points:

    python experiments/compare_per_image.py results/kodak/points.csv [MORE.csv ...] \
        --codecs A B [--bpp 0.125 0.25 0.5 1]

For each bpp: each codec's mean MS-SSIM (Google convention; linear in bpp between mean points,
as in summary.md), then on how many images A is ahead of B (each image's own curve interpolated
at that bpp, images whose curves both reach it) and the smallest and largest difference A - B.
"""

import argparse
import collections
import csv

import numpy as np


def load(paths):
    points = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in paths:
        for row in csv.DictReader(open(path)):
            points[row["codec"]][row["image"]].append(
                (float(row["bpp"]), float(row["ms_ssim_rgb_google"]), row["setting"]))
    return points


def at(curve, bpp):
    """MS-SSIM of a (bpp, quality) curve at `bpp`, or None outside it."""
    rates, quality = np.array(sorted(curve)).T
    return float(np.interp(bpp, rates, quality)) if rates[0] <= bpp <= rates[-1] else None


def mean_curve(images):
    settings = collections.defaultdict(list)
    for curve in images.values():
        for rate, quality, setting in curve:
            settings[setting].append((rate, quality))
    return [tuple(np.mean(v, axis=0)) for v in settings.values()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("points", nargs="+")
    parser.add_argument("--codecs", nargs=2, required=True, metavar=("A", "B"))
    parser.add_argument("--bpp", type=float, nargs="+", default=[0.125, 0.25, 0.5, 1.0])
    args = parser.parse_args()
    points = load(args.points)
    a, b = (points[c] for c in args.codecs)
    print(f"| bpp | {args.codecs[0]} | {args.codecs[1]} | A ahead on | min A - B | max A - B |")
    print("|---|---|---|---|---|---|")
    for bpp in args.bpp:
        means = [at([p[:2] for p in mean_curve(c)], bpp) for c in (a, b)]
        diffs = {}
        for image in a.keys() & b.keys():
            qa, qb = at([p[:2] for p in a[image]], bpp), at([p[:2] for p in b[image]], bpp)
            if qa is not None and qb is not None:
                diffs[image] = qa - qb
        shown = " | ".join("n/a" if m is None else f"{m:.4f}" for m in means)
        if not diffs:
            print(f"| {bpp:g} | {shown} | n/a | | |")
            continue
        d = np.array(list(diffs.values()))
        worst = min(diffs, key=diffs.get)
        print(f"| {bpp:g} | {shown} | {(d > 0).sum()} of {d.size} | "
              f"{d.min():+.4f} ({worst}) | {d.max():+.4f} |")


if __name__ == "__main__":
    main()
