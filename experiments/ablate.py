"""Train several configs for the same budget, evaluate each on a folder, print one table.

    python experiments/ablate.py --workdir workdirs/ablate --minutes 20 \
        gdn=experiments/configs/cpu_gdn.py lstm=experiments/configs/cpu_lstm.py \
        gru=experiments/configs/ablation.py:gru \
        'gdn_lr5e-4=experiments/configs/cpu_gdn.py:learning_rate=5e-4,iterations=16'

Each SPEC is NAME=CONFIG[:ARG][:key=value,...]: ARG goes to the config's get_config(ARG) as
with `rnncomp train --config CONFIG:ARG`; the overrides win over the budget flags (give one run
`num_train_steps=...` to equalise compute when its steps cost more). Runs live in WORKDIR/NAME
and resume where they stopped; a finished run is only re-evaluated. The table gives, per run,
its steps and training hours, validation PSNR and MS-SSIM (Google convention) after
iterations 1, 2, 4, 8 (and 16), and the BD-rate in MS-SSIM against the first run over nominal
bpp (k/8).
"""

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

import ml_collections
from absl import logging

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # configs import `experiments.configs.default`

from rnncomp import allocator  # noqa: E402
from rnncomp.evaluation.bd_rate import bd_rate  # noqa: E402
from rnncomp.training.train import train_and_evaluate, use_cpu_cores_as_devices  # noqa: E402


def load_config(spec: str, budget: dict) -> tuple[str, ml_collections.ConfigDict]:
    """(name, config) of NAME=CONFIG[:ARG][:key=value,...], `budget` set before the overrides.

    A value is JSON for non-string keys (`loss_weights=[1,0.5]`: commas inside a value are kept,
    the next override starts at `,key=`). Raises ValueError with a one-line message."""
    name, _, rest = spec.partition("=")
    path, *parts = rest.split(":")
    args = [p for p in parts if "=" not in p]
    overrides = ",".join(p for p in parts if "=" in p)
    if not Path(path).is_file():
        raise ValueError(f"{name}: no config file {path}")
    module_spec = importlib.util.spec_from_file_location(f"ablate_{name}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    config = module.get_config(*args)
    with config.unlocked():
        config.update(budget)
    for item in filter(None, re.split(r",(?=[\w.]+=)", overrides)):
        key, _, value = item.partition("=")
        node = config
        *parents, leaf = key.split(".")
        try:
            for p in parents:
                node = node[p]
            current = node[leaf]
        except (KeyError, AttributeError):
            raise ValueError(f"{name}: {path} has no key {key!r}") from None
        try:
            node[leaf] = value if isinstance(current, str) else type(current)(json.loads(value))
        except (ValueError, TypeError):
            raise ValueError(f"{name}: bad value for {key}: {value!r}") from None
    return name, config


def main(argv=None):
    if argv is None:
        allocator.exec_with_tunables()  # the malloc settings `rnncomp train` runs with
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="+", help="NAME=CONFIG[:key=value,...]")
    parser.add_argument("--workdir", required=True)
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=float, help="training minutes per run")
    budget.add_argument("--steps", type=int, help="training steps per run")
    parser.add_argument("--val-dir", default=None, help="validation folder (default: config's)")
    parser.add_argument("--val-images", type=int, default=None)
    args = parser.parse_args(argv)
    logging.set_verbosity(logging.INFO)  # clu's progress (steps/s, ETA) and metrics on stderr

    budget = ({"max_train_minutes": args.minutes} if args.minutes else
              {"num_train_steps": args.steps})
    budget["eval_every_steps"] = 10**9  # evaluate once, at the end
    try:
        runs = [load_config(spec, budget) for spec in args.specs]
    except ValueError as e:
        parser.error(str(e))
    if argv is None and all(config.cpu_data_parallel for _, config in runs):
        use_cpu_cores_as_devices()  # as `rnncomp train` would for each of them
    rows = []
    for name, config in runs:
        with config.unlocked():
            if args.val_dir:
                config.data.val_dir = args.val_dir
            if args.val_images:
                config.data.val_images = args.val_images
        workdir = Path(args.workdir) / name
        state = train_and_evaluate(config, workdir)
        result = _final_eval(config, workdir, state)
        rows.append((name, int(state.step), float(state.train_seconds) / 3600, result))
    print_table(rows)


def _final_eval(config, workdir, state):
    """The last eval.jsonl record at this step, else a fresh evaluation."""
    from functools import partial

    import jax

    from rnncomp.models import build_model
    from rnncomp.training import input_pipeline
    from rnncomp.training.train import eval_step, evaluate

    path = workdir / "eval.jsonl"
    if path.exists():
        records = [json.loads(line) for line in path.read_text().splitlines()]
        done = [r for r in records if r["step"] == int(state.step)]
        if done:
            return done[-1]
    _, val = input_pipeline.create_datasets(config)
    model = build_model(config.model)
    fn = jax.jit(partial(eval_step, model=model, iterations=config.eval_iterations))
    result = evaluate(fn, state.params, val)
    with open(path, "a") as f:
        f.write(json.dumps({"step": int(state.step),
                            "train_seconds": float(state.train_seconds), **result}) + "\n")
    return result


def print_table(rows):
    shown = [t for t in (1, 2, 4, 8, 16) if all(len(r[3]["ms_ssim"]) >= t for r in rows)]
    head = ["run", "steps", "CPU-h"] + [f"MS-SSIM@{t}" for t in shown] + \
        [f"PSNR@{t}" for t in shown] + ["BD-rate vs first"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    anchor = rows[0][3]
    for name, steps, hours, r in rows:
        n = min(len(r["ms_ssim"]), len(anchor["ms_ssim"]))
        rates = [(t + 1) / 8 for t in range(n)]
        try:
            bd = f"{bd_rate(rates, anchor['ms_ssim'][:n], rates, r['ms_ssim'][:n]):+.1f} %"
        except ValueError:
            bd = "n/a"
        cells = [name, str(steps), f"{hours:.2f}"]
        cells += [f"{r['ms_ssim'][t - 1]:.4f}" for t in shown]
        cells += [f"{r['psnr'][t - 1]:.2f}" for t in shown]
        print("| " + " | ".join(cells + [bd]) + " |")


if __name__ == "__main__":
    main()
