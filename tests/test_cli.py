"""The command line: one-line errors and nonzero exits for bad input; nothing is overwritten."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from rnncomp.cli import main
from rnncomp.models import zoo


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "in.png"
    Image.fromarray(np.full((20, 24, 3), 128, np.uint8)).save(path)
    return path


@pytest.mark.parametrize("make_input,message", [
    (lambda d: d / "missing.png", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "junk.png").write_bytes(b"not an image") and d / "junk.png", "cannot read"),
])
def test_compress_bad_inputs(capsys, tmp_path, make_input, message):
    code, _, err = run(capsys, "compress", str(make_input(tmp_path)), str(tmp_path / "o.rnnc"))
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "o.rnnc").exists()


def test_existing_output_is_kept_without_force(capsys, tmp_path, png):
    out = tmp_path / "o.rnnc"
    out.write_bytes(b"precious")
    code, _, err = run(capsys, "compress", str(png), str(out))
    assert code != 0 and "output exists" in err
    assert out.read_bytes() == b"precious"
    decoded = tmp_path / "o.png"
    decoded.write_bytes(b"precious")
    code, _, err = run(capsys, "decompress", str(out), str(decoded))
    assert code != 0 and "output exists" in err and decoded.read_bytes() == b"precious"


@pytest.mark.parametrize("payload,message", [
    (b"", "magic"),
    (b"GIF89a" + bytes(40), "magic"),
    (b"RNNC\x09" + bytes(40), "version"),
])
def test_decompress_and_info_reject_foreign_files(capsys, tmp_path, payload, message):
    src = tmp_path / "x.rnnc"
    src.write_bytes(payload)
    for argv in (("decompress", str(src), str(tmp_path / "x.png")), ("info", str(src))):
        code, _, err = run(capsys, *argv)
        assert code != 0 and message in err.lower() and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_unknown_model_is_one_line(capsys, tmp_path, png):
    code, _, err = run(capsys, "compress", str(png), str(tmp_path / "o.rnnc"), "--model", "nope")
    assert code != 0 and "unknown model id 'nope'" in err and "Traceback" not in err


def test_negative_search_is_one_line(capsys, tmp_path, png):
    code, _, err = run(capsys, "compress", str(png), str(tmp_path / "o.rnnc"), "--search", "-2")
    assert code != 0 and "search needs steps >= 0" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.rnnc").exists()


def test_models_lists_the_zoo(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    listed = {line for line in out.splitlines() if line and not line.startswith((" ", "("))}
    assert listed == {m + (" (default)" if m == zoo.DEFAULT_MODEL else "") for m in zoo.shipped()}
    code, out, _ = run(capsys, "models", "--all")
    assert code == 0 and all(model_id in out for model_id in zoo.ZOO)
    assert out.count("retired: weights not packaged") == len(zoo.ZOO) - len(zoo.shipped())


def test_a_retired_model_is_a_one_line_error(capsys, tmp_path, png, monkeypatch):
    monkeypatch.delenv(zoo.WEIGHTS_DIR_VARIABLE, raising=False)
    retired = next(m for m in zoo.ZOO if m not in zoo.shipped())
    code, _, err = run(capsys, "compress", str(png), str(tmp_path / "o.rnnc"), "--model", retired)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "is retired" in err and "git show" in err and not (tmp_path / "o.rnnc").exists()


def test_export_refuses_an_existing_output_before_reading_the_workdir(capsys, tmp_path):
    out = tmp_path / "weights.npz"
    out.write_bytes(b"keep")
    code, _, err = run(capsys, "export", str(tmp_path / "no_run"), str(out))
    assert code == 2 and "output exists" in err and out.read_bytes() == b"keep"


def test_real_process_exit_status(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnncomp.cli", "info", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("rnncomp: error:") and "Traceback" not in result.stderr


@pytest.mark.parametrize("config,extra,message", [
    ("missing.py", [], "cannot load the config: [Errno 2] No such file"),
    ("syntax.py", [], "cannot load the config: invalid syntax"),
    ("no_function.py", [], "cannot load the config: the file defines no get_config()"),
    ("experiments/configs/cpu_gdn.py", ["--config.no_such_key=1"], "unknown config key"),
    ("experiments/configs/cpu_gdn.py", ["--config.learning_rate=fast"], "could not convert"),
])
def test_train_config_errors_are_one_line(tmp_path, config, extra, message):
    (tmp_path / "syntax.py").write_text("def get_config(:\n")
    (tmp_path / "no_function.py").write_text("x = 1\n")
    path = config if config.startswith("experiments/") else str(tmp_path / config)
    result = subprocess.run([sys.executable, "-m", "rnncomp.cli", "train", "--config", path,
                             "--workdir", str(tmp_path / "run"), *extra],
                            capture_output=True, text=True)
    error = [line for line in result.stderr.splitlines() if "rnncomp train: error:" in line]
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(error) == 1 and message in error[0], result.stderr[-2000:]
    assert not (tmp_path / "run").exists()


def test_quality_psnr_in_bands_equals_metrics_and_msssim_has_a_size_limit(monkeypatch):
    from rnncomp import cli
    from rnncomp.evaluation.metrics import psnr

    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (600, 300, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-9, 10, a.shape), 0, 255).astype(np.uint8)
    p, q = cli._quality(a, b)
    assert p == pytest.approx(psnr(a, b), abs=1e-9) and q is not None
    monkeypatch.setattr(cli, "QUALITY_MAX_PIXELS", 600 * 300 - 1)
    assert cli._quality(a, b)[1] is None
