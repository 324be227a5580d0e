"""Where a training step's time goes: XLA's operations of the jitted `train_step`, traced with
`jax.profiler` and summed by kind (a fusion's name without its number: `ynn_fusion` are the
matmuls, `concatenate` the patch arrays, `all-reduce` the gradient sums, ...), per device thread
and step. Quiet machine only:

    python experiments/benchmarks/step_profile.py --train-dir ../shared/data/train \
        [--config cpu_gdn] [--iterations 16] [--steps 3] [--top 14] [--cpu-devices cores|one]

Runs as `train_throughput.py` does (the config's step, its batch split over one CPU device per
core where the config has `cpu_data_parallel`, `rnncomp train`'s malloc settings); the trace is
left in a temporary folder that is deleted afterwards.
"""

import argparse
import collections
import gzip
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiments.benchmarks.train_throughput import prepared_step  # noqa: E402
from rnncomp import allocator  # noqa: E402
from rnncomp.training import input_pipeline  # noqa: E402
from rnncomp.training.train import use_cpu_cores_as_devices  # noqa: E402

# Events inside others: the executor's span around a thunk sequence, a collective's waits.
NESTED = ("ThunkExecutor", "Rendezvous", "Wait:")


def kinds_per_thread(trace: Path, steps: int) -> dict[str, collections.Counter]:
    """{XLA worker thread: Counter(kind -> ms per step)} from a Perfetto trace."""
    events = json.load(gzip.open(trace))
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    out = collections.defaultdict(collections.Counter)
    for e in events:
        thread = names.get((e.get("pid"), e.get("tid")), "")
        if e.get("ph") != "X" or not thread.startswith("tf_XLAEigen") \
                or e["name"].startswith(NESTED):
            continue
        out[thread][re.sub(r"[.\d]+$", "", e["name"])] += e["dur"] / 1e3 / steps
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--config", default="cpu_gdn")
    parser.add_argument("--iterations", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--top", type=int, default=14)
    parser.add_argument("--cpu-devices", choices=("cores", "one"), default="cores")
    args = parser.parse_args()
    allocator.exec_with_tunables()
    if args.cpu_devices == "cores":
        use_cpu_cores_as_devices()
    images = input_pipeline.load_folder(args.train_dir)
    _, _, state, step, batches = prepared_step(args.config, images, args.steps + 3,
                                               args.iterations)
    rng = jax.random.PRNGKey(1)
    for batch in batches[:3]:  # compile and warm up
        state, metrics = step(state, batch, rng)
        jax.block_until_ready(metrics)
    with tempfile.TemporaryDirectory() as folder:
        seconds = []
        with jax.profiler.trace(folder, create_perfetto_trace=True):
            for batch in batches[3:]:
                tic = time.perf_counter()
                state, metrics = step(state, batch, rng)
                jax.block_until_ready(metrics)
                seconds.append(time.perf_counter() - tic)
        trace = next(Path(folder).rglob("perfetto_trace.json.gz"))
        threads = kinds_per_thread(trace, args.steps)
    print(f"{args.config}, {args.iterations} iterations, {jax.device_count()} CPU device(s): "
          f"{' / '.join(f'{s:.3f}' for s in seconds)} s per step while traced")
    for i, kinds in enumerate(sorted(threads.values(), key=lambda k: -sum(k.values()))):
        print(f"\nthread {i}: {sum(kinds.values()):.0f} ms per step in XLA's operations\n")
        print("| kind | ms per step |\n|---|---|")
        for kind, ms in kinds.most_common(args.top):
            print(f"| {kind} | {ms:.1f} |")


if __name__ == "__main__":
    main()
