"""Fit the context model to the codes a zoo model gives on a folder of training images.

    python -m rnncomp.entropy.train_context --model islam2021-gdn-w025 \
        --train-dir ../shared/data/train --val-dir ../shared/data/val --out FILE.npz

Codes of random crops are collected once (bits and the decoder states before each iteration);
the model is then trained with binary cross-entropy on each coding pass given the passes
before it (teacher forcing, all passes of a sample in one batch). Reported: the validation
code length in bits per bit for each iteration (1.0 = no saving). With --modeled-iterations M
only iterations 1..M are collected and modelled; the codec codes the later ones at p = 1/2.
"""

import argparse
import functools
import hashlib
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rnncomp import errors
from rnncomp.codec.io import output_problem, write_atomic
from rnncomp.entropy.context_model import ContextModel, coding_passes
from rnncomp.models import zoo
from rnncomp.training import input_pipeline


def collect_codes(model, params, images, crop: int, crops: int, iterations: int, seed: int,
                  batch: int = 16):
    """(bits, states): ±1 (k, N, h, w, B) and the decoder's context states (k, N, h, w, C)."""

    @jax.jit
    def codes(x):
        bits = model.encode(params, x, iterations)
        return bits, model.context_states(params, bits)

    out_bits, out_states = [], []
    for step in range(-(-crops // batch)):
        x = input_pipeline.random_crops(images, seed, step, batch, crop)
        bits, states = codes(jnp.asarray(x, jnp.float32) / 255.0)
        out_bits.append(np.asarray(bits, np.int8))
        out_states.append(np.asarray(states, np.float16))
    return (np.concatenate(out_bits, axis=1)[:, :crops],
            np.concatenate(out_states, axis=1)[:, :crops])


def _inputs(bits, states, t_index, n_index):
    """Context inputs for samples (iteration t, crop n), t 0-based."""
    current = bits[t_index, n_index].astype(np.float32)
    previous = np.where((t_index > 0)[:, None, None, None],
                        bits[np.maximum(t_index - 1, 0), n_index], 0).astype(np.float32)
    return states[t_index, n_index].astype(np.float32), previous, current


def pass_losses(context_model, params, state, previous, current, t):
    """Binary cross-entropy (nats) of each coding pass's bits given the earlier passes', summed
    over the pass's targets and divided by the number of bits of all passes: (P,)."""
    h, w, bits = current.shape[1:]
    known, target = coding_passes(bits, context_model.groups, context_model.checkerboard, h, w)
    targets = (current > 0).astype(jnp.float32)

    def one_pass(known, target):
        logits = context_model.apply({"params": params}, state, previous, current, known, t)
        ce = optax.sigmoid_binary_cross_entropy(logits, targets)
        return jnp.sum(ce * target) / ce.size

    return jax.vmap(one_pass)(jnp.asarray(known), jnp.asarray(target))


def bits_per_bit(context_model, params, bits, states, batch: int = 64) -> list[float]:
    """Mean code length per bit (ideal, in bits) for each iteration."""
    fn = jax.jit(lambda s, p, c, t: jnp.sum(pass_losses(context_model, params, s, p, c, t)))
    k, n = bits.shape[:2]
    out = []
    for t in range(k):
        totals = []
        for start in range(0, n, batch):
            idx = np.arange(start, min(start + batch, n))
            s, p, c = _inputs(bits, states, np.full(len(idx), t), idx)
            totals.append(float(fn(s, p, c, t + 1)) * len(idx))
        out.append(sum(totals) / n / np.log(2))
    return out


def train(context_model, bits, states, steps: int, batch: int, learning_rate: float, seed: int):
    k, n = bits.shape[:2]
    s, p, c = _inputs(bits, states, np.zeros(1, int), np.zeros(1, int))
    params = context_model.init(jax.random.PRNGKey(seed), s, p, c, 0 * c, 1)["params"]
    tx = optax.adam(optax.cosine_decay_schedule(learning_rate, steps))
    opt_state = tx.init(params)

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def step(params, opt_state, s, p, c, t):
        loss, grads = jax.value_and_grad(
            lambda q: jnp.sum(pass_losses(context_model, q, s, p, c, t)))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(seed)
    for i in range(steps):
        t_index, n_index = rng.integers(k, size=batch), rng.integers(n, size=batch)
        s, p, c = _inputs(bits, states, t_index, n_index)
        params, opt_state, loss = step(params, opt_state, s, p, c, t_index + 1)
        if i % 200 == 0:
            print(f"step {i}: {float(loss) / np.log(2):.4f} bits/bit", flush=True)
    return params


def model_settings(features: int, groups: int, checkerboard: bool, iterations: int,
                   modeled_iterations: int | None) -> dict:
    """`ContextModel` settings (as a zoo entry records them) for codes of `iterations`
    iterations, of which it models the first `modeled_iterations` (None: all)."""
    settings = {"features": features, "groups": groups, "checkerboard": checkerboard,
                "max_iterations": iterations}
    if modeled_iterations is not None and modeled_iterations < iterations:
        settings["modeled_iterations"] = modeled_iterations
    return settings


TRAINING_DEFAULTS = {"features": 64, "groups": 4, "checkerboard": False, "steps": 6000,
                     "batch": 32, "learning_rate": 2e-3, "seed": 0, "modeled_iterations": None}


def add_code_arguments(parser):
    """Whose codes are collected, and on which crops (shared with experiments/context_study.py)."""
    parser.add_argument("--model", required=True, help="zoo id whose codes are modelled")
    parser.add_argument("--train-dir", required=True)
    parser.add_argument("--val-dir", required=True)
    parser.add_argument("--iterations", type=int, default=16)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--crops", type=int, default=2048)
    parser.add_argument("--val-crops", type=int, default=128)


def collect_train_val(args, seed: int, iterations: int | None = None):
    """((bits, states) of the training crops, the same of the validation crops), for the
    arguments of `add_code_arguments`, of the first `iterations` (default --iterations)."""
    model, params = zoo.load(args.model)
    iterations = iterations or args.iterations
    tic = time.time()
    train_codes = collect_codes(model, params, input_pipeline.load_folder(args.train_dir),
                                args.crop, args.crops, iterations, seed)
    val_codes = collect_codes(model, params, input_pipeline.load_folder(args.val_dir),
                              args.crop, args.val_crops, iterations, seed + 1)
    print(f"collected codes in {time.time() - tic:.0f} s", flush=True)
    return train_codes, val_codes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_code_arguments(parser)
    parser.add_argument("--out", required=True)
    parser.add_argument("--features", type=int)
    parser.add_argument("--groups", type=int)
    parser.add_argument("--checkerboard", action="store_true",
                        help="code anchor positions first, then the others given them")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--modeled-iterations", type=int,
                        help="model iterations 1..M only (default: all --iterations)")
    parser.set_defaults(**TRAINING_DEFAULTS)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if problem := output_problem(args.out, args.force):
        parser.error(problem)
    modeled = args.iterations if args.modeled_iterations is None else args.modeled_iterations
    if not 1 <= modeled <= args.iterations:
        parser.error(f"--modeled-iterations must be 1..{args.iterations}, got {modeled}")

    try:
        codes = collect_train_val(args, args.seed, modeled)
    except errors.USER_ERRORS as e:  # an unknown model id, a missing or empty folder
        parser.exit(2, f"{parser.prog}: error: {errors.describe(e)}\n")
    (train_bits, train_states), (val_bits, val_states) = codes
    settings = model_settings(args.features, args.groups, args.checkerboard, args.iterations,
                              modeled)
    context_model = ContextModel(**settings)
    tic = time.time()
    context_params = train(context_model, train_bits, train_states, args.steps, args.batch,
                           args.learning_rate, args.seed)
    print(f"trained in {time.time() - tic:.0f} s", flush=True)
    val = bits_per_bit(context_model, context_params, val_bits, val_states)
    data = zoo.weights_bytes(context_params)
    write_atomic(args.out, data, overwrite=args.force)
    print(json.dumps({"settings": settings, "sha256": hashlib.sha256(data).hexdigest(),
                      "val_bits_per_bit": [round(v, 4) for v in val]}))


if __name__ == "__main__":
    main()
