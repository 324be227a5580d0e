"""One training step's cost to the operating system: wall, user and system seconds and minor page
faults per step, with glibc's default malloc settings or with the tunables `rnncomp train`
restarts with (`rnncomp.allocator`). The 16-iteration step of `cpu_gdn` (batch 32 of 32x32),
10 steps after 2 that compile and warm up. Quiet machine only; alternate the two settings:

    python experiments/benchmarks/malloc_step.py --train-dir ../shared/data/train \
        --malloc glibc|train
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.train_throughput import prepared_step  # noqa: E402
from rnncomp import allocator  # noqa: E402
from rnncomp.training import input_pipeline  # noqa: E402

ITERATIONS, WARM_UP, STEPS = 16, 2, 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--malloc", choices=("glibc", "train"), required=True)
    args = parser.parse_args()
    if args.malloc == "train":
        allocator.exec_with_tunables()
    images = input_pipeline.load_folder(args.train_dir)
    _, _, state, step, batches = prepared_step("cpu_gdn", images, WARM_UP + STEPS, ITERATIONS)
    rng = jax.random.PRNGKey(1)
    for batch in batches[:WARM_UP]:
        state, metrics = step(state, batch, rng)
        jax.block_until_ready(metrics)
    before, tic = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for batch in batches[WARM_UP:]:
        state, metrics = step(state, batch, rng)
        jax.block_until_ready(metrics)
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - tic
    print(f"malloc {args.malloc}: per step wall {wall / STEPS:.3f} s, "
          f"user {(after.ru_utime - before.ru_utime) / STEPS:.3f} s, "
          f"system {(after.ru_stime - before.ru_stime) / STEPS:.3f} s, "
          f"minor page faults {(after.ru_minflt - before.ru_minflt) / STEPS:.0f}")


if __name__ == "__main__":
    main()
