"""Markdown table of shipped models' Kodak results per iteration beside Islam et al.'s.

    python experiments/report_kodak.py results/kodak MODEL_ID[=REFERENCE_PREFIX] ...
        [--reference ../shared/reference/islam2021_kodak_mean.csv]

MODEL_ID=gdn pairs a model with the reference CSV's gdn_* columns. Ours: mean over images of
PSNR (RGB, uint8) and MS-SSIM (Google's msssim.py convention, RGB jointly, as the reference),
after k iterations, with the real bpp of the entropy-coded file beside the nominal k/8.
"""

import argparse
import csv
import json
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results_dir")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--reference", default="../shared/reference/islam2021_kodak_mean.csv")
    args = parser.parse_args()
    reference = {}
    if Path(args.reference).exists():
        with open(args.reference) as f:
            reference = {int(r["iterations"]): r for r in csv.DictReader(f)}
    columns, rows = ["k", "nominal bpp"], {}
    for spec in args.models:
        model_id, _, prefix = spec.partition("=")
        data = json.loads((Path(args.results_dir) / "results" / f"{model_id}.json").read_text())
        r = data["results"]
        columns += [f"{model_id} bpp", f"{model_id} MS-SSIM", f"{model_id} PSNR"]
        if prefix and reference:
            columns += [f"Islam {prefix} MS-SSIM", f"Islam {prefix} PSNR"]
        for k, (bpp, q, p) in enumerate(zip(r["bpp"], r["ms-ssim-rgb"], r["psnr-rgb"],
                                            strict=True), 1):
            row = rows.setdefault(k, [str(k), f"{k / 8:.3f}"])
            row += [f"{bpp:.3f}", f"{q:.4f}", f"{p:.2f}"]
            if prefix and reference:
                ref = reference[k]
                row += [ref[f"{prefix}_msssim_rgb"], ref[f"{prefix}_psnr_rgb"]]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for k in sorted(rows):
        print("| " + " | ".join(rows[k]) + " |")


if __name__ == "__main__":
    main()
