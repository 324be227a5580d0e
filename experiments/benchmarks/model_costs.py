"""Cost of the networks on this machine: parameters, GMAC per 32x32 patch per iteration, compile
time of the 1- and 16-iteration forward (scan keeps them close), and a training-shaped forward +
backward (batch 32 of 32x32, 16 iterations) with its achieved GFLOP/s beside a float32 matmul's,
measured in the same run. Run on a quiet machine:

    python experiments/benchmarks/model_costs.py [--widths 1.0 0.25] [--repeats 3]
"""

import argparse
import functools
import math
import statistics
import time

import jax
import jax.extend
import jax.numpy as jnp

from rnncomp.models import count_params, islam2021
from rnncomp.training.losses import iteration_weights, residual_loss


def macs(fn, *args) -> int:
    """Multiply-accumulates of the matmuls and convolutions in fn(*args), read off its jaxpr
    (a scan's body times its length; padded taps counted, as in patches @ W). Independent of
    how XLA lowers them, unlike its cost analysis, which counts convolutions differently."""
    return _jaxpr_macs(jax.make_jaxpr(fn)(*args).jaxpr)


def _jaxpr_macs(jaxpr) -> int:
    total = 0
    for eqn in jaxpr.eqns:
        out = math.prod(eqn.outvars[0].aval.shape) if eqn.outvars else 0
        if eqn.primitive.name == "dot_general":
            (contracting, _), _ = eqn.params["dimension_numbers"]
            lhs = eqn.invars[0].aval.shape
            total += out * math.prod(lhs[d] for d in contracting)
        elif eqn.primitive.name == "conv_general_dilated":
            rhs = eqn.invars[1].aval.shape
            out_features = rhs[eqn.params["dimension_numbers"].rhs_spec[0]]
            total += out * math.prod(rhs) // out_features // eqn.params["feature_group_count"]
        repeat = eqn.params.get("length", 1) if eqn.primitive.name == "scan" else 1
        for value in eqn.params.values():
            for sub in value if isinstance(value, tuple | list) else (value,):
                if isinstance(sub, jax.extend.core.ClosedJaxpr):
                    total += repeat * _jaxpr_macs(sub.jaxpr)
                elif isinstance(sub, jax.extend.core.Jaxpr):
                    total += repeat * _jaxpr_macs(sub)
    return total


def timed(fn, *args, repeats: int) -> float:
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def matmul_gflops(n: int = 2048, repeats: int = 5, dtype=jnp.float32) -> float:
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), dtype)
    f = jax.jit(lambda a: a @ a)
    return 2 * n**3 / timed(f, a, repeats=repeats) / 1e9


def measure(width: float, repeats: int) -> dict:
    model = islam2021(width=width)
    params = model.init(jax.random.PRNGKey(0))
    patch = jnp.zeros((1, 32, 32, 3))
    row = {"width": width, "params": count_params(params)}

    compile_s = {}
    for k in (1, 16):
        tic = time.perf_counter()
        jax.jit(functools.partial(model, iterations=k)).lower(params, patch).compile()
        compile_s[k] = time.perf_counter() - tic
    row["gmac_per_patch_iteration"] = macs(functools.partial(model, iterations=1),
                                           params, patch) / 1e9
    row["compile_1_s"], row["compile_16_s"] = compile_s[1], compile_s[16]

    x = jax.random.uniform(jax.random.PRNGKey(1), (32, 32, 32, 3))
    weights = iteration_weights(16)

    def loss(p, x):
        reconstructions, _ = model(p, x, 16, jax.random.PRNGKey(2))
        return residual_loss(x, reconstructions, weights)

    grad = jax.jit(jax.grad(loss)).lower(params, x).compile()
    # 32 patches x 16 iterations x 2 FLOP/MAC, backward ~2x forward.
    row["train_gflop"] = 3 * 2 * row["gmac_per_patch_iteration"] * 32 * 16
    row["train_step_s"] = timed(grad, params, x, repeats=repeats)
    row["train_gflops"] = row["train_gflop"] / row["train_step_s"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[1.0, 0.25])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    peak = matmul_gflops()
    rows = [measure(w, args.repeats) for w in args.widths]
    print(f"jax {jax.__version__}, {jax.devices()[0].device_kind}, "
          f"float32 matmul 2048^3: {peak:.0f} GFLOP/s (median)")
    print("| width | params | GMAC/patch/iter | compile 1 it (s) | compile 16 its (s) | "
          "fwd+bwd b32x16 (s) | GFLOP/step | GFLOP/s | of matmul |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['width']:g} | {r['params'] / 1e6:.2f} M | {r['gmac_per_patch_iteration']:.3f} "
              f"| {r['compile_1_s']:.1f} | {r['compile_16_s']:.1f} | {r['train_step_s']:.2f} | "
              f"{r['train_gflop']:.0f} | {r['train_gflops']:.0f} | "
              f"{100 * r['train_gflops'] / peak:.0f} % |")


if __name__ == "__main__":
    main()
