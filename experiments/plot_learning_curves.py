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


def main(argv):
    out, runs = argv[0], [a.split("=", 1) for a in argv[1:]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, spec in runs:
        path, _, offset = spec.partition("@")
        records = [json.loads(line) for line in open(path)]
        hours = [float(offset or 0) + r["train_seconds"] / 3600 for r in records]
        for k, style, marker in ((1, ":", "o"), (2, "-.", "o"), (4, "--", "o"), (8, "-", "o"),
                                 (16, "-", "x")):
            if k > len(records[0]["ms_ssim"]):
                continue
            for ax, metric in zip(axes, ("ms_ssim", "psnr"), strict=True):
                ax.plot(hours, [r[metric][k - 1] for r in records], style, marker=marker,
                        label=f"{name}, {k} it")
    for ax, label in zip(axes, ("MS-SSIM (Google), validation", "PSNR (dB), validation"),
                         strict=True):
        ax.set_xlabel("training hours (2-core CPU)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1:])
