"""Training loop: create_train_state, train_step, eval_step, train_and_evaluate(config, workdir).

Laid out as Flax's examples: every number comes from the config (experiments/configs/).
Checkpoints (orbax) hold params, optimizer state, step and training seconds; a run restarted in
the same workdir resumes from the last complete checkpoint with the same data order.
"""

import functools
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import orbax.checkpoint as ocp
from absl import logging
from clu import metric_writers, periodic_actions
from flax import struct, traverse_util
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from rnncomp.evaluation.metrics import ms_ssim, psnr
from rnncomp.layers import binarizer, conv
from rnncomp.models import RecurrentCodec, build_model, count_params, zoo
from rnncomp.models.iterative import checkpoint_policy, saved_residuals
from rnncomp.training import input_pipeline
from rnncomp.training.losses import iteration_weights, residual_loss, residual_losses

BINARIZERS = ("stochastic", "sign")  # the binarizer's quantiser in training
CONV_OPERAND_DTYPES = ("float32", "bfloat16")  # conv.operand_dtype of the training step


class TrainState(struct.PyTreeNode):
    step: jax.Array
    params: Any
    opt_state: Any
    train_seconds: jax.Array  # wall time spent training, summed over resumptions
    tx: optax.GradientTransformation = struct.field(pytree_node=False)


class NonFiniteLossError(FloatingPointError):
    pass


def create_learning_rate_fn(config):
    """Adam's rate: linear warm-up, then halved at each of `lr_boundaries` (the papers' rule)."""
    halving = optax.piecewise_constant_schedule(
        config.learning_rate, {int(b): config.lr_decay for b in config.lr_boundaries})
    if not config.warmup_steps:
        return halving
    warmup = optax.linear_schedule(0.0, config.learning_rate, config.warmup_steps)
    return optax.join_schedules([warmup, halving], [config.warmup_steps])


def initial_params(rng, config, model: RecurrentCodec):
    """Random initialisation, or the weights named by `config.init_from` (a zoo id or an .npz
    file in the zoo's format) to fine-tune a trained model. Each of its arrays must exist in the
    model with the same shape; arrays it lacks keep their initialisation, so that a trained
    model can be extended with parts that start as the identity (iteration scaling's zero
    log-gains, the block transform's zero matrices)."""
    params = model.init(rng, config.data.crop_size, config.data.crop_size)
    if not config.get("init_from"):
        return params
    source = config.init_from
    if source in zoo.ZOO:
        _, loaded = zoo.load(source)
    else:
        try:
            loaded = zoo.read_weights(Path(source).read_bytes())
        except (OSError, ValueError) as error:
            raise ValueError(f"init_from {source!r} is neither a zoo id nor a readable .npz "
                             f"weights file ({error})") from None
    flat, flat_loaded = traverse_util.flatten_dict(params), traverse_util.flatten_dict(loaded)
    if any(k not in flat or jnp.shape(v) != flat[k].shape for k, v in flat_loaded.items()):
        raise ValueError(f"init_from {source!r} does not fit the configured model "
                         f"(different layers or widths)")
    flat.update({k: jnp.asarray(v) for k, v in flat_loaded.items()})
    return traverse_util.unflatten_dict(flat)


def key_mask(params, keys):
    """True for the parameters under any of `keys` (e.g. "gdn", "igdn": the GDN blocks)."""
    return jax.tree_util.tree_map_with_path(
        lambda path, _: any(getattr(k, "key", None) in keys for k in path), params)


def create_train_state(rng, config, model: RecurrentCodec) -> TrainState:
    params = initial_params(rng, config, model)
    chain = [optax.clip_by_global_norm(config.grad_clip)] if config.grad_clip else []
    chain.append(optax.adam(create_learning_rate_fn(config)))
    # Adam's steps are scale-free: scale them for parts that should move faster or slower
    if config.gdn_lr_scale != 1.0:
        chain.append(optax.masked(optax.scale(config.gdn_lr_scale),
                                  key_mask(params, ("gdn", "igdn"))))
    if config.get("gain_lr_scale", 1.0) != 1.0:
        chain.append(optax.masked(optax.scale(config.gain_lr_scale), key_mask(params, ("gain",))))
    tx = optax.chain(*chain)
    return TrainState(step=jnp.zeros((), jnp.int32), params=params, opt_state=tx.init(params),
                      train_seconds=jnp.zeros((), jnp.float32), tx=tx)


def to_float(batch):
    return jnp.asarray(batch, jnp.float32) / 255.0


def train_step(state: TrainState, batch, rng, *, model, iterations, weights, norm,
               stochastic=True, log=False, ms_ssim_weight=0.0, mesh=None):
    """One Adam step on L = Σ_t w_t mean|r_t| (or its `log` or MS-SSIM forms, losses.py), with the
    stochastic binarizer (or, with `stochastic=False`, the sign); both pass their gradient
    straight through.

    With a `mesh` (axis "data") the loss and gradients are computed data-parallel: each device
    differentiates its share of the batch and the gradients are summed once, after the
    iterations' backward scan (under plain `jit` sharding XLA's partitioner sums each
    iteration's weight gradients inside that scan, one all-reduce per iteration). The result
    is the single-device step's, up to float rounding.

    A non-finite loss or gradient leaves the state unchanged and sets metrics["finite"] = False.
    """
    x = to_float(batch)
    rng = jax.random.fold_in(rng, state.step)

    def loss_and_grads(params, x, rng, axis_name=None):
        def loss_fn(params):
            if axis_name is not None:  # this device's copy: its gradient stays local
                params = jax.lax.pcast(params, axis_name, to="varying")
            with binarizer.batch_split_over(axis_name):
                reconstructions, _ = model(params, x, iterations, rng if stochastic else None)
            loss = residual_loss(x, reconstructions, weights, norm, log, ms_ssim_weight,
                                 axis_name)
            return loss, reconstructions

        return jax.value_and_grad(loss_fn, has_aux=True)(params)

    if mesh is not None:
        data, replicated = PartitionSpec("data"), PartitionSpec()
        loss_and_grads = jax.shard_map(
            functools.partial(loss_and_grads, axis_name="data"), mesh=mesh,
            in_specs=(replicated, data, replicated),
            out_specs=((replicated, PartitionSpec(None, "data")), replicated))
    (loss, reconstructions), grads = loss_and_grads(state.params, x, rng)
    updates, opt_state = state.tx.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    grad_norm = optax.tree.norm(grads)
    finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm)
    keep = lambda new, old: jax.tree_util.tree_map(lambda a, b: jnp.where(finite, a, b), new, old)
    state = state.replace(step=state.step + 1, params=keep(params, state.params),
                          opt_state=keep(opt_state, state.opt_state))
    mse = jnp.mean(jnp.square(x[None] - jnp.clip(reconstructions, 0, 1)), axis=(1, 2, 3, 4))
    metrics = {"loss": loss, "grad_norm": grad_norm, "finite": finite,
               "psnr_first": -10 * jnp.log10(mse[0]), "psnr_last": -10 * jnp.log10(mse[-1]),
               "l1_per_iteration": residual_losses(x, reconstructions, 1)}
    return state, metrics


def eval_step(params, batch, *, model, iterations):
    """x̂_1..x̂_k in inference mode (sign binarizer), as uint8 like a decoded file."""
    reconstructions, _ = model(params, to_float(batch), iterations)
    return jnp.round(jnp.clip(reconstructions, 0, 1) * 255).astype(jnp.uint8)


def evaluate(eval_fn, params, images, sharding=None) -> dict[str, list[float]]:
    """Mean per-image PSNR and MS-SSIM (Google convention) after each iteration; the networks
    see `images` placed with `sharding` when one is given."""
    placed = images if sharding is None else jax.device_put(images, sharding)
    reconstructions = np.asarray(eval_fn(params, placed))
    out = {"psnr": [], "ms_ssim": []}
    for decoded in reconstructions:
        pairs = list(zip(images, decoded, strict=True))
        out["psnr"].append(float(np.mean([psnr(a, b) for a, b in pairs])))
        out["ms_ssim"].append(float(np.mean([ms_ssim(a, b, convention="google")
                                             for a, b in pairs])))
    return out


def use_cpu_cores_as_devices() -> int:
    """Make each CPU core an XLA host device (`jax_num_cpu_devices`), so that on a machine
    without accelerators a config with `cpu_data_parallel` (for which `rnncomp train` calls
    this) splits its batch over the cores as over GPUs: each device runs its share of every
    layer on its own thread, which keeps both cores busier through the small ops of a
    32x32-crop step than one device's threads do (README, "Performance against a PyTorch
    reference"). Call before JAX's first computation; a choice already made in
    JAX_NUM_CPU_DEVICES or XLA_FLAGS (--xla_force_host_platform_device_count) stands. Returns
    the device count set, 0 where it set none."""
    if "JAX_NUM_CPU_DEVICES" in os.environ or \
            "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return 0
    jax.config.update("jax_num_cpu_devices", cores)
    return cores


def mesh_shardings(batch_size: int, cpu_data_parallel: bool = True):
    """(batch split over the devices, replicated). One process with CPU devices uses the most of
    them that divide the batch (a config's batch need not suit the core count), or only the
    first without `cpu_data_parallel`; accelerators and multi-host runs use every device and
    need a batch divisible by their count."""
    devices = jax.devices()
    if devices[0].platform == "cpu" and jax.process_count() == 1:
        usable = len(devices) if cpu_data_parallel else 1
        devices = devices[:max(n for n in range(1, usable + 1) if batch_size % n == 0)]
    elif batch_size % len(devices):
        raise ValueError(f"batch_size {batch_size} is not divisible by the "
                         f"{len(devices)} devices")
    mesh = Mesh(np.array(devices), ("data",))
    return NamedSharding(mesh, PartitionSpec("data")), NamedSharding(mesh, PartitionSpec())


class _StopRequest:
    """SIGTERM/SIGINT ask the loop to checkpoint and return instead of dying mid-step."""

    def __init__(self):
        self.requested = False
        self._previous = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def checkpoint_manager(workdir, config):
    options = ocp.CheckpointManagerOptions(
        max_to_keep=config.max_checkpoints_to_keep,
        save_interval_steps=config.checkpoint_every_steps,
        enable_async_checkpointing=False)
    return ocp.CheckpointManager(Path(workdir).absolute() / "checkpoints", options=options)


def restore_params(workdir, config=None):
    """The latest checkpointed params of a workdir (for export to the zoo and evaluation)."""
    workdir = Path(workdir)
    config = config or ml_collections.ConfigDict(json.loads((workdir / "config.json").read_text()))
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    with checkpoint_manager(workdir, config) as manager:
        step = manager.latest_step()
        if step is None:
            raise FileNotFoundError(f"no checkpoint in {workdir}")
        state = manager.restore(step, args=ocp.args.StandardRestore(state))
    return model, state


def configured_train_step(config: ml_collections.ConfigDict, model, weights, mesh=None):
    """`train_step` with the config's iterations, binarizer and loss, iteration weights
    `weights`, the convolutions' operands in `config.conv_operand_dtype`, the backward pass's
    `config.saved_residuals` and the batch split over `mesh`'s devices when given:
    (state, batch, rng) → (state, metrics), not yet jitted."""
    if config.conv_operand_dtype not in CONV_OPERAND_DTYPES:
        raise ValueError(f"unknown conv_operand_dtype {config.conv_operand_dtype!r}: choose one "
                         f"of {CONV_OPERAND_DTYPES}")
    checkpoint_policy(config.saved_residuals)  # a bad name fails here, not when first traced
    step = functools.partial(train_step, model=model, iterations=config.iterations,
                             weights=weights, norm=config.loss_norm,
                             stochastic=config.binarizer == "stochastic", log=config.loss_log,
                             ms_ssim_weight=config.loss_ms_ssim_weight, mesh=mesh)
    operands = None if config.conv_operand_dtype == "float32" else config.conv_operand_dtype

    def traced_with_settings(state, batch, rng):
        with conv.operand_dtype(operands), saved_residuals(config.saved_residuals):
            return step(state, batch, rng)

    return traced_with_settings


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> TrainState:
    """Train `config` in `workdir`, resuming from its last checkpoint; returns the final state."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if config.binarizer not in BINARIZERS:
        raise ValueError(f"unknown binarizer {config.binarizer!r}: choose one of {BINARIZERS}")
    if not 0.0 <= config.loss_ms_ssim_weight <= 1.0:
        raise ValueError(f"loss_ms_ssim_weight must be in [0, 1], got {config.loss_ms_ssim_weight}")
    model = build_model(config.model)
    weights = iteration_weights(config.iterations, config.loss_weights or None)
    data_sharding, replicated = mesh_shardings(config.batch_size, config.cpu_data_parallel)
    train_images, val_images = input_pipeline.create_datasets(config)
    devices = len(data_sharding.mesh.devices)
    val_sharding = data_sharding if val_images is not None and len(val_images) % devices == 0 \
        else replicated

    rng = jax.random.PRNGKey(config.seed)
    init_rng, step_rng = jax.random.split(rng)
    state = create_train_state(init_rng, config, model)
    manager = checkpoint_manager(workdir, config)
    if manager.latest_step() is not None:
        state = manager.restore(manager.latest_step(), args=ocp.args.StandardRestore(state))
    state = jax.device_put(state, replicated)
    start_step = int(state.step)
    (workdir / "config.json").write_text(config.to_json_best_effort(indent=2))

    writer = metric_writers.create_default_writer(
        workdir, just_logging=jax.process_index() > 0)
    logging.info("batch of %d split over %d %s device(s)", config.batch_size, devices,
                 data_sharding.mesh.devices.flat[0].platform)
    if start_step == 0:
        writer.write_hparams(_flatten(config.to_dict()))
        writer.write_scalars(0, {"params": count_params(state.params)})

    step_fn = jax.jit(configured_train_step(config, model, weights, data_sharding.mesh),
                      donate_argnums=0)
    eval_fn = jax.jit(functools.partial(eval_step, model=model,
                                        iterations=config.eval_iterations))
    progress = periodic_actions.ReportProgress(num_train_steps=config.num_train_steps,
                                               writer=writer, every_secs=60)
    batches = input_pipeline.Prefetcher(train_images, config.seed, start_step,
                                        config.batch_size, config.data.crop_size)
    history = []
    try:
        with metric_writers.ensure_flushes(writer), _StopRequest() as stop:
            step = start_step
            seconds = float(state.train_seconds)
            while step < config.num_train_steps and not stop.requested:
                if config.max_train_minutes and seconds >= 60 * config.max_train_minutes:
                    break
                tic = time.perf_counter()
                batch = jax.device_put(next(batches), data_sharding)
                state, metrics = step_fn(state, batch, step_rng)
                if not bool(metrics["finite"]):
                    raise NonFiniteLossError(
                        f"non-finite loss or gradient at step {step + 1}; the last good "
                        f"checkpoint in {workdir / 'checkpoints'} is kept")
                seconds += time.perf_counter() - tic
                state = state.replace(train_seconds=jnp.float32(seconds))
                step += 1
                progress(step)
                history.append(metrics)
                if step % config.log_every_steps == 0:
                    writer.write_scalars(step, _summarise(history, seconds))
                    history = []
                if val_images is not None and (step % config.eval_every_steps == 0
                                               or step == config.num_train_steps):
                    _write_eval(writer, workdir, step, seconds,
                                evaluate(eval_fn, state.params, val_images, val_sharding))
                manager.save(step, args=ocp.args.StandardSave(state))
            if manager.latest_step() != step:
                manager.save(step, args=ocp.args.StandardSave(state), force=True)
            manager.wait_until_finished()
    finally:
        batches.close()
        manager.close()
    return state


def _summarise(history, seconds):
    stacked = jax.tree_util.tree_map(lambda *xs: np.mean(np.stack(xs), axis=0), *history)
    out = {k: float(stacked[k]) for k in ("loss", "grad_norm", "psnr_first", "psnr_last")}
    out["train_hours"] = seconds / 3600
    return out


def _write_eval(writer, workdir, step, seconds, result):
    scalars = {f"val/{name}_it{t + 1:02d}": v for name, values in result.items()
               for t, v in enumerate(values)}
    writer.write_scalars(step, scalars)
    with open(workdir / "eval.jsonl", "a") as f:
        f.write(json.dumps({"step": step, "train_seconds": seconds, **result}) + "\n")


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v if isinstance(v, int | float | str | bool) else str(v)
    return out
