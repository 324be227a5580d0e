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

from experiments.configs import cpu_gdn  # noqa: E402
from rnncomp import allocator  # noqa: E402
from rnncomp.models import build_model  # noqa: E402
from rnncomp.training import input_pipeline  # noqa: E402
from rnncomp.training.losses import iteration_weights  # noqa: E402
from rnncomp.training.train import configured_train_step, create_train_state  # noqa: E402

ITERATIONS, WARM_UP, STEPS = 16, 2, 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--malloc", choices=("glibc", "train"), required=True)
    args = parser.parse_args()
    if args.malloc == "train":
        allocator.exec_with_tunables()
    config = cpu_gdn.get_config()
    config.iterations, config.init_from = ITERATIONS, ""
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    step = jax.jit(configured_train_step(config, model, iteration_weights(ITERATIONS)),
                   donate_argnums=0)
    images = input_pipeline.load_folder(args.train_dir)
    batches = [input_pipeline.random_crops(images, 0, i, config.batch_size,
                                           config.data.crop_size)
               for i in range(WARM_UP + STEPS)]
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
