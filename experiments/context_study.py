"""Fit several context models to one zoo model's codes, collected once; print one table.

    python experiments/context_study.py --model islam2021-gdn-bt6-msssim-w025-v5 \
        --train-dir ../shared/data/train --val-dir ../shared/data/val --crops 1024 \
        base=crops=512,steps=1500 more=steps=3000 wide=features=96

Each SPEC is NAME=key=value,... over `rnncomp.entropy.train_context`'s training settings
(features, groups, checkerboard, steps, batch, learning_rate, seed, modeled_iterations; its
defaults) and `crops`, the number of the collected training crops it sees (the first ones;
--crops by default). Every run is scored on the same validation codes: the ideal code length in
bits per code bit for each iteration it models (what the range coder reaches to within a few
bytes per file), and their mean.
"""

import argparse
import json
import time

import numpy as np

from rnncomp.entropy.context_model import ContextModel
from rnncomp.entropy.train_context import (
    TRAINING_DEFAULTS,
    add_code_arguments,
    bits_per_bit,
    collect_train_val,
    model_settings,
    train,
)

DEFAULTS = dict(TRAINING_DEFAULTS, crops=None)  # crops: --crops


def parse_spec(spec: str, max_crops: int) -> tuple[str, dict]:
    """(name, settings) of NAME=key=value,...; unknown keys and out-of-range crops are errors."""
    name, _, rest = spec.partition("=")
    settings = dict(DEFAULTS, crops=max_crops)
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key not in DEFAULTS:
            raise ValueError(f"{spec}: unknown key {key!r} (choose from {', '.join(DEFAULTS)})")
        settings[key] = json.loads(value)
    if not name or not 0 < settings["crops"] <= max_crops:
        raise ValueError(f"{spec}: need a name and 0 < crops <= --crops ({max_crops})")
    if settings["modeled_iterations"] is not None and settings["modeled_iterations"] < 1:
        raise ValueError(f"{spec}: modeled_iterations must be at least 1")
    return name, settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_code_arguments(parser)
    parser.add_argument("specs", nargs="+", metavar="SPEC")
    args = parser.parse_args(argv)
    try:
        runs = [parse_spec(s, args.crops) for s in args.specs]
    except ValueError as e:
        parser.error(str(e))

    (train_bits, train_states), (val_bits, val_states) = collect_train_val(args, seed=0)

    rows = []
    for name, s in runs:
        k = min(s["modeled_iterations"] or args.iterations, args.iterations)
        context_model = ContextModel(**model_settings(s["features"], s["groups"],
                                                      s["checkerboard"], args.iterations, k))
        tic = time.time()
        context_params = train(context_model, train_bits[:k, :s["crops"]],
                               train_states[:k, :s["crops"]], s["steps"], s["batch"],
                               s["learning_rate"], s["seed"])
        seconds = time.time() - tic
        val = bits_per_bit(context_model, context_params, val_bits[:k], val_states[:k])
        rows.append((name, s, seconds, val))
        print(json.dumps({"name": name, "settings": s, "seconds": round(seconds),
                          "val_bits_per_bit": [round(v, 4) for v in val]}), flush=True)

    shown = [t for t in (1, 2, 3, 4, 5, 8, 16) if t <= args.iterations]
    print(f"\n{args.model}: validation bits per code bit ({args.val_crops} crops of "
          f"{args.val_dir})\n")
    print("| run | settings | train s | " + " | ".join(f"it {t}" for t in shown)
          + " | mean 1-5 | mean |")
    print("|---" * (len(shown) + 5) + "|")
    for name, s, seconds, val in rows:
        changed = ", ".join(f"{k}={v}" for k, v in s.items()
                            if k in ("crops", "steps") or v != DEFAULTS[k])
        print(f"| {name} | {changed} | {seconds:.0f} | "
              + " | ".join(f"{val[t - 1]:.4f}" if t <= len(val) else "-" for t in shown)
              + f" | {np.mean(val[:5]):.4f} | {np.mean(val):.4f} |")


if __name__ == "__main__":
    main()
