"""Which XLA:CPU options speed up our training step? Each flag set runs in a fresh process
(XLA_FLAGS is read at start-up): the float32 2048^3 matmul and the training step of the
islam2021 network (batch 32 of 32x32, 16 iterations) at one width, medians after compilation,
with the ratio to the first (default) set. Quiet machine only:

    python experiments/benchmarks/xla_flags.py [--width 0.25] [--repeats 3] \
        [--flags "" "--xla_cpu_experimental_xnn_fusion_type=LIBRARY_FUSION_TYPE_DOT" ...]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_FLAGS = [
    "",
    "--xla_cpu_experimental_xnn_fusion_type=LIBRARY_FUSION_TYPE_DOT",
    "--xla_cpu_experimental_ynn_fusion_type=LIBRARY_FUSION_TYPE_DOT",
    "--xla_cpu_use_onednn=true",
    "--xla_cpu_enable_fast_math=true",
]

CHILD = """
import functools, json, statistics, sys, time
import jax, jax.numpy as jnp
sys.path.insert(0, sys.argv[3])
from experiments.benchmarks.model_costs import matmul_gflops
from rnncomp.models import islam2021
from rnncomp.training.losses import iteration_weights
from rnncomp.training.train import create_train_state, train_step
from experiments.configs import default
width, repeats = float(sys.argv[1]), int(sys.argv[2])
config = default.get_config()
config.model.width = width
model = islam2021(width=width)
state = create_train_state(jax.random.PRNGKey(0), config, model)
step = jax.jit(functools.partial(train_step, model=model, iterations=16,
                                 weights=iteration_weights(16), norm=1), donate_argnums=0)
batch = jax.random.randint(jax.random.PRNGKey(1), (32, 32, 32, 3), 0, 256).astype(jnp.uint8)
rng = jax.random.PRNGKey(2)
tic = time.perf_counter()
state, m = step(state, batch, rng); jax.block_until_ready(m)
compile_s = time.perf_counter() - tic
times = []
for _ in range(repeats):
    tic = time.perf_counter()
    state, m = step(state, batch, rng); jax.block_until_ready(m)
    times.append(time.perf_counter() - tic)
print(json.dumps({"matmul": matmul_gflops(), "compile_s": compile_s,
                  "step_s": statistics.median(times)}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flags", nargs="+", default=DEFAULT_FLAGS)
    args = parser.parse_args()
    print(f"islam2021 width {args.width:g}, train step batch 32 x 32x32, 16 iterations; "
          f"medians of {args.repeats}")
    print("| XLA_FLAGS | matmul GFLOP/s | compile s | step s | step vs default |")
    print("|---|---|---|---|---|")
    base = None
    for flags in args.flags:
        env = {**os.environ, "XLA_FLAGS": flags}
        run = subprocess.run([sys.executable, "-c", CHILD, str(args.width), str(args.repeats),
                              str(ROOT)], capture_output=True, text=True, env=env)
        if run.returncode:
            error = (run.stderr.strip().splitlines() or ["failed"])[-1][:80]
            print(f"| `{flags or '(default)'}` | error: {error} | | | |")
            continue
        r = json.loads(run.stdout.strip().splitlines()[-1])
        base = base or r["step_s"]
        print(f"| `{flags or '(default)'}` | {r['matmul']:.0f} | {r['compile_s']:.1f} | "
              f"{r['step_s']:.2f} | {base / r['step_s']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
