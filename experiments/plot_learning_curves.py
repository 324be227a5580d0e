"""Validation MS-SSIM and PSNR after 1, 2, 4, 8 and 16 iterations against training hours, from the
eval.jsonl files that training writes (one per run):

    python experiments/plot_learning_curves.py OUT.png NAME=WORKDIR/eval.jsonl[@HOURS] ...

@HOURS shifts a run's curve right, e.g. a fine-tuning run by its starting model's hours.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402


def main(argv):
    out, runs = argv[0], [a.split("=", 1) for a in argv[1:]]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    iterations = (1, 2, 4, 8, 16)  # a colour per iteration, a line style and marker per run
    run_keys = []
    for run, (name, spec) in enumerate(runs):
        path, _, offset = spec.partition("@")
        records = [json.loads(line) for line in open(path)]
        hours = [float(offset or 0) + r["train_seconds"] / 3600 for r in records]
        style, marker = ("-", "--", ":", "-.")[run % 4], "osx^vDP*"[run % 8]
        run_keys.append(Line2D([], [], linestyle=style, marker=marker, color="gray",
                               markersize=4, label=name))
        for color, k in enumerate(iterations):
            if k > len(records[0]["ms_ssim"]):
                continue
            for ax, metric in zip(axes, ("ms_ssim", "psnr"), strict=True):
                ax.plot(hours, [r[metric][k - 1] for r in records], style, marker=marker,
                        color=f"C{color}", markersize=4)
    for ax, label in zip(axes, ("MS-SSIM (Google), validation", "PSNR (dB), validation"),
                         strict=True):
        ax.set_xlabel("training hours (2-core CPU)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    colour_keys = [Line2D([], [], color=f"C{c}", label=f"{k} it") for c, k in enumerate(iterations)]
    fig.legend(handles=colour_keys + run_keys, fontsize=7, loc="center right")
    fig.tight_layout(rect=(0, 0, 0.85, 1))
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1:])
