"""Training throughput of each shipped CPU config and the paper configs on this machine: the real
jitted `train_step` (donated state, the config's binarizer and loss, Adam), its steps/s,
patches/s and achieved GFLOP/s beside a float32 matmul's measured in the same run, and the input
pipeline's own patches/s (it must outrun the step). Quiet machine only:

    python experiments/benchmarks/train_throughput.py --train-dir ../shared/data/train \
        [--configs cpu_gdn cpu_lstm islam2021_gdn toderici2017_lstm] [--repeats 5] \
        [--iterations K] [--malloc train|glibc] [--cpu-devices cores|one] \
        [--saved-residuals conv_outputs|all|none]

`--malloc train` (the default) runs with the glibc tunables that `rnncomp train` sets
(`rnncomp.allocator`); `glibc` with glibc's defaults. `--cpu-devices cores` (the default) makes one
CPU device per core as `rnncomp train` does (`rnncomp.training.train.use_cpu_cores_as_devices`),
and a config with `cpu_data_parallel` splits its batch over them; `one` runs every config on a
single CPU device. `--saved-residuals` overrides the configs' `saved_residuals` (what the backward
pass keeps of the iterations' forward; `rnncomp.models.iterative.SAVED_RESIDUALS`).

FLOPs: 2 x the 1-iteration forward's MACs (`model_costs.macs`) x patches x iterations x 3 for
forward + backward, as in model_costs.py.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.model_costs import macs, matmul_gflops  # noqa: E402
from rnncomp import allocator  # noqa: E402
from rnncomp.models import build_model  # noqa: E402
from rnncomp.models.iterative import SAVED_RESIDUALS  # noqa: E402
from rnncomp.training import input_pipeline  # noqa: E402
from rnncomp.training.losses import iteration_weights  # noqa: E402
from rnncomp.training.train import (  # noqa: E402
    configured_train_step,
    create_train_state,
    mesh_shardings,
    use_cpu_cores_as_devices,
)


def forward_gmac_per_patch(model, params, crop: int) -> float:
    return macs(functools.partial(model, iterations=1), params, jnp.zeros((1, crop, crop, 3))) / 1e9


def prepared_step(name: str, images, count: int, iterations: int | None = None,
                  saved_residuals: str | None = None):
    """Config `name`'s jitted training step (donated state), its initial state and `count`
    batches of its crops of `images`, placed on the devices as `train_and_evaluate` places
    them: (config, model, state, step, batches)."""
    config = importlib.import_module(f"experiments.configs.{name}").get_config()
    config.iterations = iterations or config.iterations
    config.saved_residuals = saved_residuals or config.saved_residuals
    config.init_from = ""  # the speed does not depend on the starting weights
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    weights = config.loss_weights if len(config.loss_weights) == config.iterations else None
    data, replicated = mesh_shardings(config.batch_size, config.cpu_data_parallel)
    step = jax.jit(configured_train_step(config, model,
                                         iteration_weights(config.iterations, weights),
                                         data.mesh),
                   donate_argnums=0)
    batches = [jax.device_put(input_pipeline.random_crops(images, 0, i, config.batch_size,
                                                          config.data.crop_size), data)
               for i in range(count)]
    return config, model, jax.device_put(state, replicated), step, batches


def measure(name: str, images, repeats: int, iterations: int | None = None,
            saved_residuals: str | None = None) -> dict:
    config, model, state, step, batches = prepared_step(name, images, repeats + 1, iterations,
                                                        saved_residuals)
    rng = jax.random.PRNGKey(1)
    tic = time.perf_counter()
    state, metrics = step(state, batches[0], rng)
    jax.block_until_ready(metrics)
    compile_s = time.perf_counter() - tic
    times = []
    for batch in batches[1:]:
        tic = time.perf_counter()
        state, metrics = step(state, batch, rng)
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - tic)
    seconds = statistics.median(times)
    gmac = forward_gmac_per_patch(model, state.params, config.data.crop_size)
    gflop = 3 * 2 * gmac * config.batch_size * config.iterations
    return {"config": name, "width": config.model.width, "iterations": config.iterations,
            "batch": config.batch_size, "crop": config.data.crop_size,
            "saved_residuals": config.saved_residuals, "compile_s": compile_s,
            "step_s": seconds, "patches_s": config.batch_size / seconds, "gflop": gflop,
            "gflops": gflop / seconds}


def pipeline_patches_per_s(images, batch: int = 32, crop: int = 32, steps: int = 50) -> float:
    tic = time.perf_counter()
    for i in range(steps):
        input_pipeline.random_crops(images, 0, i, batch, crop)
    return steps * batch / (time.perf_counter() - tic)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--configs", nargs="+",
                        default=["cpu_gdn", "cpu_lstm", "islam2021_gdn", "toderici2017_lstm"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=None,
                        help="unrolled iterations for every config (default: each config's)")
    parser.add_argument("--malloc", choices=("train", "glibc"), default="train")
    parser.add_argument("--cpu-devices", choices=("cores", "one"), default="cores")
    parser.add_argument("--saved-residuals", choices=tuple(SAVED_RESIDUALS), default=None,
                        help="for every config (default: each config's)")
    args = parser.parse_args()
    if args.malloc == "train":
        allocator.exec_with_tunables()
    if args.cpu_devices == "cores":
        use_cpu_cores_as_devices()
    else:
        jax.config.update("jax_num_cpu_devices", 1)
    images = input_pipeline.load_folder(args.train_dir)
    peak = matmul_gflops()
    rows = [measure(name, images, args.repeats, args.iterations, args.saved_residuals)
            for name in args.configs]
    print(f"jax {jax.__version__}, {jax.devices()[0].device_kind} x {jax.device_count()}, "
          f"malloc {args.malloc}, CPU devices {args.cpu_devices}, "
          f"float32 matmul 2048^3: {peak:.0f} GFLOP/s; input pipeline (one thread): "
          f"{pipeline_patches_per_s(images):.0f} patches/s of 32x32")
    print("| config | width | iterations | batch x crop | saved residuals | compile s | s/step | "
          "steps/s | patches/s | GFLOP/step | GFLOP/s | of matmul |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['width']:g} | {r['iterations']} | {r['batch']} x "
              f"{r['crop']} | {r['saved_residuals']} | {r['compile_s']:.1f} | "
              f"{r['step_s']:.2f} | {1 / r['step_s']:.3f} | "
              f"{r['patches_s']:.1f} | {r['gflop']:.0f} | {r['gflops']:.0f} | "
              f"{100 * r['gflops'] / peak:.0f} % |")


if __name__ == "__main__":
    main()
