"""The probes in experiments/ compute what they stand in for: the encoder probe reproduces the
codec when it changes nothing, the Winograd convolution equals XLA's."""

import jax
import numpy as np
import pytest
from PIL import Image

import rnncomp
from experiments.benchmarks.winograd import direct_conv, transformed_filter, winograd_conv
from experiments.flip_unsure_bits import FlippingEncoder
from rnncomp.codec import bitstream
from rnncomp.evaluation.metrics import ms_ssim
from rnncomp.models import zoo


def test_flip_probe_without_flips_is_the_codec():
    sample = Image.open(rnncomp.__path__[0] + "/data/sample.png").convert("RGB")
    image = np.asarray(sample)[:256, :256]  # a shape bucket: the codec pads nothing either
    curve = FlippingEncoder(zoo.DEFAULT_MODEL).curve(image, tau=0.0, p_min=1.0, iterations=2)
    data = rnncomp.compress(image, iterations=2)
    decoded = rnncomp.decompress(data)
    assert curve[-1, 1] == ms_ssim(image, decoded, convention="google")
    payload_bits = 8 * sum(len(chunk.payload) for chunk in bitstream.unpack(data).chunks)
    ideal_bits = curve[-1, 0] * image.shape[0] * image.shape[1]
    assert ideal_bits <= payload_bits <= ideal_bits + 2 * 64  # the coder's last words


def test_winograd_convolution_equals_xla_convolution():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 12, 10, 5))
    w = jax.random.normal(jax.random.PRNGKey(1), (3, 3, 5, 7))
    np.testing.assert_allclose(winograd_conv(x, transformed_filter(w)), direct_conv(x, w),
                               rtol=1e-5, atol=1e-5)


def test_learning_curves_plot(tmp_path):
    import json

    from experiments import plot_learning_curves

    runs = []
    for name, seconds in (("a", 0.0), ("b", 1800.0)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(json.dumps({"step": s, "train_seconds": seconds + s,
                                              "ms_ssim": [0.7 + 0.01 * i for i in range(16)],
                                              "psnr": [20.0 + i for i in range(16)]})
                                  for s in (100, 200)))
        runs.append(f"{name}={path}@0.5")
    out = tmp_path / "curves.png"
    plot_learning_curves.main([str(out), *runs])
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1560, 540)


def test_context_study_run_equals_train_context(tmp_path, capsys):
    """A study run and the shipping tool, given the same settings, fit the same model."""
    import json

    from experiments.context_study import main as study
    from experiments.context_study import parse_spec
    from rnncomp.entropy.train_context import main as train_context

    with pytest.raises(ValueError, match="unknown key"):
        parse_spec("a=depth=3", 8)
    with pytest.raises(ValueError, match="crops"):
        parse_spec("a=crops=9", 8)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (48, 40, 3), np.uint8)).save(tmp_path / f"{i}.png")
    common = ["--model", zoo.DEFAULT_MODEL, "--train-dir", str(tmp_path), "--val-dir",
              str(tmp_path), "--iterations", "2", "--crop", "32", "--val-crops", "2"]
    fit = ["--crops", "4", "--steps", "3", "--batch", "4", "--features", "8"]
    train_context(common + fit + ["--out", str(tmp_path / "ctx.npz")])
    shipped = json.loads(capsys.readouterr().out.splitlines()[-1])
    train_context(common + fit + ["--modeled-iterations", "1", "--out", str(tmp_path / "c1.npz")])
    first = json.loads(capsys.readouterr().out.splitlines()[-1])
    study(common + ["--crops", "6", "a=crops=4,steps=3,batch=4,features=8",
                    "b=crops=4,steps=3,batch=4,features=8,modeled_iterations=1"])
    rows = {row["name"]: row for row in map(json.loads, filter(
        lambda line: line.startswith('{"name"'), capsys.readouterr().out.splitlines()))}
    assert len(shipped["val_bits_per_bit"]) == 2 and 0 < min(shipped["val_bits_per_bit"])
    np.testing.assert_allclose(rows["a"]["val_bits_per_bit"], shipped["val_bits_per_bit"],
                               atol=1e-4)
    assert "modeled_iterations" not in shipped["settings"]
    assert first["settings"]["modeled_iterations"] == 1 and first["settings"]["max_iterations"] == 2
    assert len(first["val_bits_per_bit"]) == 1
    np.testing.assert_allclose(rows["b"]["val_bits_per_bit"], first["val_bits_per_bit"],
                               atol=1e-4)


def test_ablate_spec_overrides():
    from experiments.ablate import load_config

    spec = ("w=experiments/configs/cpu_gdn.py:learning_rate=1e-4,"
            "loss_weights=[1.0,0.5,0.25],model.block_transform=true,lr_boundaries=[]")
    name, config = load_config(spec, {"num_train_steps": 7})
    assert name == "w"
    assert config.learning_rate == 1e-4
    assert config.loss_weights == (1.0, 0.5, 0.25)
    assert config.model.block_transform is True
    assert config.lr_boundaries == ()
    assert config.num_train_steps == 7
    for bad, message in [("x=experiments/configs/cpu_gdn.py:no_such_key=1", "no key"),
                         ("x=experiments/configs/cpu_gdn.py:learning_rate=[1,", "bad value"),
                         ("x=experiments/configs/missing.py", "no config file")]:
        with pytest.raises(ValueError, match=message):
            load_config(bad, {})
