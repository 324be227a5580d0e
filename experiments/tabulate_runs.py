"""Validation MS-SSIM and PSNR after 1, 2, 4, 8 and 16 iterations of training runs at chosen
steps, as one markdown table, from the eval.jsonl files that training writes:

    python experiments/tabulate_runs.py [--steps 750,1500,3500] NAME=WORKDIR/eval.jsonl[@HOURS] ...

@HOURS adds a starting model's training hours, as in plot_learning_curves.py; a step a run did
not evaluate is left out; without --steps every evaluated step is listed.
"""

import argparse
import json

ITERATIONS = (1, 2, 4, 8, 16)


def rows(name: str, spec: str, steps: list[int] | None) -> list[str]:
    path, _, offset = spec.partition("@")
    records = {r["step"]: r for r in map(json.loads, open(path))}
    out = []
    for step in sorted(records) if steps is None else steps:
        if step not in records:
            continue
        r = records[step]
        ks = [k for k in ITERATIONS if k <= len(r["ms_ssim"])]
        hours = float(offset or 0) + r["train_seconds"] / 3600
        out.append(f"| {name} | {step} | {hours:.2f} | "
                   + " / ".join(f"{r['ms_ssim'][k - 1]:.3f}" for k in ks) + " | "
                   + " / ".join(f"{r['psnr'][k - 1]:.2f}" for k in ks) + " |")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default=None,
                        type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("runs", nargs="+", metavar="NAME=EVAL_JSONL[@HOURS]")
    args = parser.parse_args()
    its = " / ".join(str(k) for k in ITERATIONS)
    print(f"| run | step | hours | MS-SSIM {its} it | PSNR {its} it |\n|---|---|---|---|---|")
    for run in args.runs:
        name, _, spec = run.partition("=")
        print("\n".join(rows(name, spec, args.steps)))


if __name__ == "__main__":
    main()
