"""The forward of `conv_sum` under differentiation: the patch matmul (ours) against XLA's
convolution (the gradients stay the patch form's), timed on the real 16-iteration training step
of a CPU config at batch 32 of 32x32, alternating the two forms. Quiet machine only:

    python experiments/benchmarks/train_forward_form.py [--config cpu_gdn] [--repeats 5] \
        [--rounds 2]
"""

import argparse
import functools
import importlib
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rnncomp.layers import conv  # noqa: E402
from rnncomp.models import build_model  # noqa: E402
from rnncomp.training.losses import iteration_weights  # noqa: E402
from rnncomp.training.train import create_train_state, train_step  # noqa: E402


def xla_forward(xs, kernels, strides, form):
    return conv._xla_form(xs, kernels, strides), (xs, kernels)


FORWARDS = {"patches (ours)": conv._conv_sum_fwd, "xla": xla_forward}


def step_seconds(name: str, forward, repeats: int) -> tuple[float, float]:
    conv._conv_sum.defvjp(forward, conv._conv_sum_bwd)  # traced below, after the swap
    config = importlib.import_module(f"experiments.configs.{name}").get_config()
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    step = jax.jit(functools.partial(train_step, model=model, iterations=16,
                                     weights=iteration_weights(16), norm=1), donate_argnums=0)
    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3)), jnp.uint8)
    rng = jax.random.PRNGKey(1)
    state, metrics = step(state, batch, rng)
    jax.block_until_ready(metrics)
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        state, metrics = step(state, batch, rng)
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - tic)
    return statistics.median(times), float(metrics["loss"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="cpu_gdn")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"| round | forward under differentiation | s/step ({args.config}, 16 its, batch 32 of "
          f"32x32) | loss |\n|---|---|---|---|")
    try:
        for round_ in range(1, args.rounds + 1):
            for label, forward in FORWARDS.items():
                seconds, loss = step_seconds(args.config, forward, args.repeats)
                print(f"| {round_} | {label} | {seconds:.3f} | {loss:.5f} |", flush=True)
    finally:
        conv._conv_sum.defvjp(conv._conv_sum_fwd, conv._conv_sum_bwd)


if __name__ == "__main__":
    main()
