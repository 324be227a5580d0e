"""The real training loop on tiny fake data: checkpoints, resume, kill -9, NaN guard, sharding."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from experiments.configs import tiny
from rnncomp.training import input_pipeline
from rnncomp.training.train import NonFiniteLossError, restore_params, train_and_evaluate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for split, n in (("train", 5), ("val", 2)):
        for i in range(n):
            suffix = ("png", "jpg", "webp")[i % 3]
            path = root / split / ("sub" if i % 2 else "") / f"im{i}.{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            size = (200, 180) if split == "val" else (int(rng.integers(20, 60)), 48)
            Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(path)
    return root


def config_for(folders, **overrides):
    config = tiny.get_config()
    config.data.train_dir = str(folders / "train")
    config.data.val_dir = str(folders / "val")
    config.data.val_crop = 176
    for key, value in overrides.items():
        config[key] = value
    return config


def test_pipeline_is_deterministic_and_recursive(folders):
    images = input_pipeline.load_folder(folders / "train")
    assert len(images) == 5  # png, jpg and webp, in sub-folders too
    a = input_pipeline.random_crops(images, seed=3, step=7, batch_size=6, crop=32)
    b = input_pipeline.random_crops(images, seed=3, step=7, batch_size=6, crop=32)
    c = input_pipeline.random_crops(images, seed=3, step=8, batch_size=6, crop=32)
    assert a.shape == (6, 32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    prefetcher = input_pipeline.Prefetcher(images, 3, 7, 6, 32)
    np.testing.assert_array_equal(next(prefetcher), a)
    np.testing.assert_array_equal(next(prefetcher), c)
    prefetcher.close()
    with pytest.raises(FileNotFoundError, match="not found"):
        input_pipeline.list_images(folders / "missing")


def test_train_checkpoint_and_resume(folders, tmp_path):
    state = train_and_evaluate(config_for(folders), tmp_path)
    assert int(state.step) == 4
    records = [json.loads(line) for line in (tmp_path / "eval.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 4 and len(records[-1]["ms_ssim"]) == 2
    assert list(tmp_path.glob("events.out.tfevents.*"))
    state = train_and_evaluate(config_for(folders, num_train_steps=6), tmp_path)
    assert int(state.step) == 6
    _, restored = restore_params(tmp_path)
    assert int(restored.step) == 6


def test_non_finite_loss_stops_and_keeps_checkpoint(folders, tmp_path):
    train_and_evaluate(config_for(folders, num_train_steps=2), tmp_path)
    bad = config_for(folders, num_train_steps=4, loss_weights=(float("nan"), 1.0))
    with pytest.raises(NonFiniteLossError, match="last good checkpoint"):
        train_and_evaluate(bad, tmp_path)
    _, restored = restore_params(tmp_path)
    assert int(restored.step) == 2


def test_sigkill_then_resume_continues(folders, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from experiments.configs import tiny
        from rnncomp.training.train import train_and_evaluate
        c = tiny.get_config()
        c.data.train_dir = {str(folders / 'train')!r}
        c.data.val_dir = ''
        c.num_train_steps = int(sys.argv[1])
        c.checkpoint_every_steps = 1
        train_and_evaluate(c, {str(tmp_path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, "100000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = tmp_path / "checkpoints"
    deadline = time.time() + 240
    complete = lambda: sorted(int(p.name) for p in checkpoints.glob("*") if p.name.isdigit())
    while time.time() < deadline and len(complete()) < 3:
        time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    steps = complete()  # a save cut by the kill leaves only a *.orbax-checkpoint-tmp folder
    assert len(steps) >= 3, "no checkpoints written before the kill"
    resume_to = steps[-1] + 2
    subprocess.run([sys.executable, "-c", script, str(resume_to)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, state = restore_params(tmp_path)
    assert int(state.step) == resume_to


def test_sharded_step_equals_single_device_step():
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
        sys.path.insert(0, {str(ROOT)!r})
        import functools, jax, jax.numpy as jnp, numpy as np
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
        from experiments.configs import tiny
        from rnncomp.models import build_model
        from rnncomp.training.losses import iteration_weights
        from rnncomp.training.train import create_train_state, train_step
        assert jax.device_count() == 4
        c = tiny.get_config()
        model = build_model(c.model)
        step = functools.partial(train_step, model=model, iterations=2,
                                 weights=iteration_weights(2), norm=1)
        batch = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
        rng = jax.random.PRNGKey(1)
        single, _ = jax.jit(step)(create_train_state(jax.random.PRNGKey(0), c, model),
                                  jnp.asarray(batch), rng)
        mesh = Mesh(np.array(jax.devices()), ("data",))
        state = jax.device_put(create_train_state(jax.random.PRNGKey(0), c, model),
                               NamedSharding(mesh, P()))
        sharded_batch = jax.device_put(batch, NamedSharding(mesh, P("data")))
        assert len(sharded_batch.sharding.device_set) == 4
        for form in (step, functools.partial(step, mesh=mesh)):  # jit's sharding, shard_map
            sharded, _ = jax.jit(form)(state, sharded_batch, rng)
            for a, b in zip(jax.tree_util.tree_leaves(single.params),
                            jax.tree_util.tree_leaves(sharded.params), strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "OK" in out.stdout


def test_training_on_two_cpu_devices_matches_one(folders, tmp_path):
    """The loop with the batch split over two CPU devices (checkpoints, resume, sharded
    validation) ends where the single-device loop ends; an odd batch, or a config without
    `cpu_data_parallel`, runs on one of them."""
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["JAX_NUM_CPU_DEVICES"] = "2"
        sys.path.insert(0, {str(ROOT)!r})
        import jax
        from tests.test_train import config_for
        from pathlib import Path
        from rnncomp.training.train import train_and_evaluate
        assert jax.device_count() == 2
        folders, workdir = Path(sys.argv[1]), Path(sys.argv[2])
        split = dict(cpu_data_parallel=True)
        devices = lambda state: len(state.params["encoder"]["rnn1"]["input_conv"]["kernel"]
                                    .devices())
        train_and_evaluate(config_for(folders, **split), workdir / "two")
        state = train_and_evaluate(config_for(folders, num_train_steps=6, **split),
                                   workdir / "two")
        assert devices(state) == 2
        state = train_and_evaluate(config_for(folders, batch_size=3, num_train_steps=2, **split),
                                   workdir / "odd")
        assert devices(state) == 1
        state = train_and_evaluate(config_for(folders, num_train_steps=2), workdir / "unsplit")
        assert devices(state) == 1
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", script, str(folders), str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "OK" in out.stdout
    import jax

    train_and_evaluate(config_for(folders), tmp_path / "one")
    train_and_evaluate(config_for(folders, num_train_steps=6), tmp_path / "one")
    _, one = restore_params(tmp_path / "one")
    _, two = restore_params(tmp_path / "two")
    assert int(two.step) == 6
    # Six Adam steps: parameters near zero (GDN's off-diagonal gamma) move by about the learning
    # rate whatever their gradient's rounding, so the sums' orders show at 1e-6 there.
    for a, b in zip(jax.tree_util.tree_leaves(one.params),
                    jax.tree_util.tree_leaves(two.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    read = lambda run: [json.loads(line) for line in
                        (tmp_path / run / "eval.jsonl").read_text().splitlines()]
    for a, b in zip(read("one"), read("two"), strict=True):
        np.testing.assert_allclose(a["ms_ssim"], b["ms_ssim"], atol=1e-4)


def test_cpu_cores_become_devices_unless_chosen():
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        import jax
        from rnncomp.training.train import use_cpu_cores_as_devices
        print(use_cpu_cores_as_devices(), jax.device_count(), len(os.sched_getaffinity(0)))
    """)
    env = {k: v for k, v in os.environ.items()
           if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    run = lambda extra: subprocess.run(
        [sys.executable, "-c", script], env={**env, "JAX_PLATFORMS": "cpu", **extra},
        capture_output=True, text=True, timeout=120, check=True).stdout.split()
    returned, devices, cores = map(int, run({}))
    assert devices == (cores if cores > 1 else 1) and returned == (cores if cores > 1 else 0)
    assert run({"XLA_FLAGS": "--xla_force_host_platform_device_count=3"})[:2] == ["0", "3"]
    assert run({"JAX_NUM_CPU_DEVICES": "1"})[:2] == ["0", "1"]


def test_init_from_zoo_and_npz_files(tmp_path):
    import jax

    from rnncomp.models import build_model, zoo
    from rnncomp.training.train import initial_params

    model_id = "islam2021-gdn-w025-v4"  # additive, without the block transform
    config = tiny.get_config()
    config.model.update(zoo.ZOO[model_id].model)
    model = build_model(config.model)
    config.init_from = model_id
    params = initial_params(jax.random.PRNGKey(0), config, model)
    _, expected = zoo.load(model_id)
    np.testing.assert_array_equal(params["encoder"]["rnn1"]["input_conv"]["kernel"],
                                  expected["encoder"]["rnn1"]["input_conv"]["kernel"])

    path = tmp_path / "w.npz"
    path.write_bytes(zoo.weights_bytes(expected))
    config.init_from = str(path)
    from_file = initial_params(jax.random.PRNGKey(0), config, model)
    assert jax.tree_util.tree_all(jax.tree_util.tree_map(np.array_equal, from_file, params))

    # extended with iteration scaling and the block transform: the trained arrays kept, the
    # new ones at their zero initialisation
    config.model.reconstruction = "iteration_scaling"
    config.model.block_transform = True
    extended = initial_params(jax.random.PRNGKey(0), config, build_model(config.model))
    np.testing.assert_array_equal(extended["gain"]["log_gain"], 0.0)
    np.testing.assert_array_equal(extended.pop("block")["analysis"], 0.0)
    del extended["gain"]
    assert jax.tree_util.tree_all(jax.tree_util.tree_map(np.array_equal, extended, params))
    config.model.reconstruction = "additive"
    config.model.block_transform = False

    config.model.width = 0.125  # another model: the weights do not fit
    with pytest.raises(ValueError, match="does not fit"):
        initial_params(jax.random.PRNGKey(0), config, build_model(config.model))
    config.init_from = str(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="neither a zoo id"):
        initial_params(jax.random.PRNGKey(0), config, build_model(config.model))


def one_step_deltas(settings):
    """new - old params of one Adam step of the tiny config with `settings` ({"a.b": value})."""
    import functools

    import jax
    import jax.numpy as jnp

    from rnncomp.models import build_model
    from rnncomp.training.losses import iteration_weights
    from rnncomp.training.train import create_train_state, train_step

    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)), jnp.uint8)
    config = tiny.get_config()
    config.update_from_flattened_dict(settings)
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    step = functools.partial(train_step, model=model, iterations=2,
                             weights=iteration_weights(2), norm=1)
    new, _ = jax.jit(step)(state, batch, jax.random.PRNGKey(1))
    return jax.tree_util.tree_map(lambda a, b: np.asarray(a - b), new.params, state.params)


def test_gain_lr_scale_scales_the_gains_steps():
    """`gain_lr_scale` multiplies Adam's step of the iteration gains and of nothing else."""
    deltas = {s: one_step_deltas({"model.reconstruction": "iteration_scaling",
                                  "gain_lr_scale": s})
              for s in (1.0, 8.0)}
    moved = deltas[1.0]["gain"]["log_gain"]
    assert np.abs(moved[:2]).min() > 0 and np.all(moved[2:] == 0)  # the 2 trained iterations
    np.testing.assert_allclose(deltas[8.0]["gain"]["log_gain"], 8 * moved, rtol=1e-4)
    np.testing.assert_array_equal(deltas[8.0]["decoder"]["conv_out"]["kernel"],
                                  deltas[1.0]["decoder"]["conv_out"]["kernel"])


@pytest.mark.parametrize("scale", [0.0, 0.25])
def test_gdn_lr_scale_scales_the_gdn_parameters_steps(scale):
    """Adam's step of each GDN/IGDN parameter is `gdn_lr_scale` times the unscaled run's; the
    other parameters' steps are unchanged."""
    import jax

    from rnncomp.training.train import key_mask

    deltas = {s: one_step_deltas({"gdn_lr_scale": s}) for s in (1.0, scale)}
    mask = key_mask(deltas[1.0], ("gdn", "igdn"))
    assert sum(jax.tree_util.tree_leaves(mask)) == 4  # beta, gamma of the GDN and the IGDN
    for gdn, full, scaled in zip(jax.tree_util.tree_leaves(mask),
                                 jax.tree_util.tree_leaves(deltas[1.0]),
                                 jax.tree_util.tree_leaves(deltas[scale]), strict=True):
        assert np.abs(full).max() > 0
        # atol: the float32 rounding of new - old for parameters near 1
        np.testing.assert_allclose(scaled, full * (scale if gdn else 1.0), rtol=1e-4, atol=2e-7)


def test_sign_binarizer_training_is_deterministic_and_learns(folders, tmp_path):
    """With `binarizer = "sign"` the loss and gradient do not depend on the step's rng (no bit
    noise) and the straight-through gradient still reaches the encoder; unknown names fail."""
    import functools

    import jax
    import jax.numpy as jnp

    from rnncomp.models import build_model
    from rnncomp.training.losses import iteration_weights
    from rnncomp.training.train import create_train_state, train_step

    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)), jnp.uint8)
    config = tiny.get_config()
    model = build_model(config.model)
    results = {}
    for stochastic in (True, False):
        step = jax.jit(functools.partial(train_step, model=model, iterations=2,
                                         weights=iteration_weights(2), norm=1,
                                         stochastic=stochastic))
        for seed in (1, 2):
            state = create_train_state(jax.random.PRNGKey(0), config, model)
            new, metrics = step(state, batch, jax.random.PRNGKey(seed))
            encoder_step = np.abs(np.asarray(
                new.params["encoder"]["rnn1"]["input_conv"]["kernel"]
                - state.params["encoder"]["rnn1"]["input_conv"]["kernel"])).max()
            results[stochastic, seed] = float(metrics["loss"]), encoder_step
    assert results[False, 1] == results[False, 2]
    assert results[True, 1][0] != results[True, 2][0]
    assert results[False, 1][1] > 0  # the encoder gets a gradient through sign

    with pytest.raises(ValueError, match="unknown binarizer"):
        train_and_evaluate(config_for(folders, binarizer="round"), tmp_path)


def test_ms_ssim_loss_is_wired_into_the_step(folders, tmp_path):
    """With `loss_ms_ssim_weight = 1` the step's loss is Σ_t w_t (1 - MS-SSIM_t) of the model's
    own reconstructions, by the evaluation metric; weights outside [0, 1] fail."""
    import functools

    import jax
    import jax.numpy as jnp

    from rnncomp.evaluation import metrics
    from rnncomp.models import build_model
    from rnncomp.training.losses import iteration_weights
    from rnncomp.training.train import create_train_state, train_step

    batch = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3)).astype(np.uint8)
    config = tiny.get_config()
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    reconstructions, _ = model(state.params, jnp.asarray(batch, jnp.float32) / 255, 2)
    expected = np.mean([[1 - metrics.ms_ssim(x, np.asarray(r) * 255, convention="google",
                                             small_images="shrink_window")
                         for x, r in zip(batch.astype(np.float64), rec, strict=True)]
                        for rec in reconstructions])
    step = jax.jit(functools.partial(train_step, model=model, iterations=2,
                                     weights=iteration_weights(2), norm=1, stochastic=False,
                                     ms_ssim_weight=1.0))
    _, step_metrics = step(state, jnp.asarray(batch), jax.random.PRNGKey(1))
    np.testing.assert_allclose(float(step_metrics["loss"]), expected, rtol=1e-3)

    with pytest.raises(ValueError, match="loss_ms_ssim_weight"):
        train_and_evaluate(config_for(folders, loss_ms_ssim_weight=1.5), tmp_path)


def test_bfloat16_conv_operands_in_the_training_step():
    """conv_operand_dtype="bfloat16": the step's convolutions take bf16 operands (in its jaxpr),
    its loss is float32's up to bf16 rounding, the params stay float32; other values are errors."""
    import jax
    import jax.numpy as jnp

    from rnncomp.models import build_model
    from rnncomp.training.losses import iteration_weights
    from rnncomp.training.train import configured_train_step, create_train_state

    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3)), jnp.uint8)
    config = tiny.get_config()
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    results, jaxprs = {}, {}
    for dtype in ("float32", "bfloat16"):
        config.conv_operand_dtype = dtype
        step = configured_train_step(config, model, iteration_weights(2))
        jaxprs[dtype] = str(jax.make_jaxpr(step)(state, batch, jax.random.PRNGKey(1)))
        results[dtype] = jax.jit(step)(state, batch, jax.random.PRNGKey(1))
    assert "bf16" in jaxprs["bfloat16"] and "bf16" not in jaxprs["float32"]
    (_, m32), (new16, m16) = results["float32"], results["bfloat16"]
    assert m16["loss"] != m32["loss"]
    np.testing.assert_allclose(m16["loss"], m32["loss"], rtol=2e-2)
    assert all(p.dtype == jnp.float32 for p in jax.tree_util.tree_leaves(new16.params))
    config.conv_operand_dtype = "float16"
    with pytest.raises(ValueError, match="conv_operand_dtype"):
        configured_train_step(config, model, iteration_weights(2))


def test_saved_residuals_change_what_is_recomputed_not_the_step():
    """saved_residuals: "none" recomputes the convolutions' forward in the backward pass (more
    matmuls in the step's jaxpr), "conv_outputs" keeps them as "all" does; the updated params
    are the same up to float rounding; unknown values are errors."""
    import jax
    import jax.numpy as jnp

    from rnncomp.models import build_model
    from rnncomp.training.losses import iteration_weights
    from rnncomp.training.train import configured_train_step, create_train_state

    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)), jnp.uint8)
    config = tiny.get_config()
    model = build_model(config.model)
    state = create_train_state(jax.random.PRNGKey(0), config, model)
    matmuls, params = {}, {}
    for policy in ("all", "conv_outputs", "none"):
        config.saved_residuals = policy
        step = configured_train_step(config, model, iteration_weights(2))
        matmuls[policy] = str(jax.make_jaxpr(step)(state, batch, jax.random.PRNGKey(1))).count(
            "dot_general")
        params[policy] = jax.jit(step)(state, batch, jax.random.PRNGKey(1))[0].params
    assert matmuls["all"] <= matmuls["conv_outputs"] < matmuls["none"]
    for policy in ("conv_outputs", "none"):
        jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6),
                               params[policy], params["all"])
    config.saved_residuals = "some"
    with pytest.raises(ValueError, match="saved_residuals"):
        configured_train_step(config, model, iteration_weights(2))
