import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.codec import bitstream, compile_cache
from rnncomp.codec.codec import (
    TILE,
    Runtime,
    compress,
    decompress,
    decompress_iterations,
    info,
    padded_size,
)
from rnncomp.codec.errors import CodecError, ModelMismatchError
from rnncomp.entropy.context_model import ContextModel
from rnncomp.models import islam2021, zoo

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def runtime():
    """A width-1/16 model and a context model with random weights: real coding, any quality."""
    model = islam2021(width=1 / 16)
    params = jax.jit(model.init)(jax.random.PRNGKey(0))  # jitted: 2x faster than eager
    context = ContextModel(features=8, groups=4)
    x = np.zeros((1, 2, 2, 32), np.float32)
    state = np.zeros((1, 2, 2, model.decoder.zero_carry(1, 32, 32)[0][-1].shape[-1]), np.float32)
    context_params = context.init(jax.random.PRNGKey(1), state, x, x, x[0, 0, 0], 1)["params"]
    sha = hashlib.sha256(zoo.weights_bytes(params)).hexdigest()
    context_sha = hashlib.sha256(zoo.weights_bytes(context_params)).hexdigest()
    return Runtime("test-model", sha, model, params, context, context_params, context_sha)


def image(h, w, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, channels), dtype=np.uint8)
    big = np.repeat(np.repeat(base, 4, axis=0), 4, axis=1)[:h, :w]
    return big[..., 0] if channels == 1 else big


def model_decode(runtime, x, iterations):
    """x̂_k of the model's own encoder and decoder (a scan) on x padded to a multiple of 16."""
    model, params = runtime.model, runtime.params
    bits = model.encode(params, x[None].astype(np.float32) / 255, iterations)
    return np.round(np.asarray(model.decode(params, bits, *x.shape[:2]))[0] * 255)


def format_decode(runtime, x, iterations):
    """x̂_k of the version 2 procedure without entropy coding, from the model's parts: x padded
    to its bucket; b_t coded on the blocks covering x, edge-replicated to the rest."""
    model, params = runtime.model, runtime.params
    encoder_step = jax.jit(lambda carry, residual: model.encoder.apply(
        {"params": params["encoder"]}, carry, residual))  # additive: no gain
    decoder_step = jax.jit(lambda state, bits, t: model.decoder_step(params, state, bits, t))
    h, w = x.shape[:2]
    ph, pw, hb, wb = padded_size(h), padded_size(w), -(-h // 16), -(-w // 16)
    padded = np.pad(x, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")[None] / np.float32(255)
    carry, state = model.encoder.zero_carry(1, ph, pw), model.decoder_init(1, ph, pw)
    for t in range(iterations):
        carry, bits = encoder_step(carry, padded - state[1])
        bits = np.pad(np.asarray(bits)[:, :hb, :wb],
                      ((0, 0), (0, ph // 16 - hb), (0, pw // 16 - wb), (0, 0)), mode="edge")
        state = decoder_step(state, bits, t)
    return np.round(np.clip(np.asarray(state[1])[0, :h, :w], 0, 1) * 255)


@pytest.mark.parametrize("n,version,expected", [
    (1, 2, 16), (16, 2, 16), (17, 2, 32), (33, 2, 64), (64, 2, 64), (65, 2, 128), (128, 2, 128),
    (129, 2, 256), (256, 2, 256), (257, 2, 384), (500, 2, 512), (1000, 2, 1024),
    (1024, 2, 1024), (1, 1, 16), (17, 1, 32), (33, 1, 48), (129, 1, 144), (1000, 1, 1008),
])
def test_padded_size(n, version, expected):
    assert padded_size(n, version) == expected


@pytest.mark.parametrize("h,w", [(1, 1), (17, 33), (130, 200)])
def test_round_trip_odd_sizes_and_prefixes(runtime, h, w):
    x = image(h, w)
    data = compress(x, runtime, iterations=3)
    assert info(data)["bpp"] == len(data) * 8 / (h * w)
    assert info(data)["version"] == 3
    # Only the blocks covering the image are coded: about 1 bit per bit with random weights.
    coded_bytes = -(-h // 16) * -(-w // 16) * 32 / 8
    assert all(len(c.payload) < 1.1 * coded_bytes + 8 for c in bitstream.unpack(data).chunks)
    outs = decompress_iterations(data, runtime=runtime)
    assert len(outs) == 3 and all(o.shape == (h, w, 3) and o.dtype == np.uint8 for o in outs)
    # Prefix decoding equals decoding a file that holds only that prefix.
    for k in (1, 2):
        prefix = bitstream.truncate_iterations(data, k)
        np.testing.assert_array_equal(decompress(prefix, runtime=runtime), outs[k - 1])
        np.testing.assert_array_equal(decompress(data, iterations=k, runtime=runtime), outs[k - 1])
    # Same as the format's procedure run with the model's parts.
    np.testing.assert_allclose(outs[-1], format_decode(runtime, x, 3), atol=1)


def test_version_1_files_still_decode(runtime):
    x = image(17, 33, seed=2)
    data = compress(x, runtime, iterations=2, version=1)
    assert data[4] == 1 and info(data)["model_hash"] == runtime.weights_sha256[:16]
    out = decompress(data, runtime=runtime)
    np.testing.assert_allclose(out, model_decode(runtime, x, 2), atol=1)


def test_tiles_code_independently(runtime):
    x = image(20, TILE + 40, seed=3)  # two tiles side by side
    out = decompress(compress(x, runtime, iterations=1), runtime=runtime)
    assert out.shape == x.shape
    for x0, x1 in ((0, TILE), (TILE, TILE + 40)):
        np.testing.assert_allclose(out[:, x0:x1], format_decode(runtime, x[:, x0:x1], 1), atol=1)


def test_gray_and_alpha(runtime):
    gray = image(20, 30, channels=1)
    out = decompress(compress(gray, runtime, iterations=2), runtime=runtime)
    assert out.shape == (20, 30)
    rgba = image(20, 30, channels=4, seed=1)
    out = decompress(compress(rgba, runtime, iterations=1), runtime=runtime)
    assert out.shape == (20, 30, 4)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])  # alpha is lossless


def test_entropy_mismatch_and_wrong_model_are_detected(runtime):
    data = compress(image(32, 32), runtime, iterations=2)
    # Other context weights under the same hash: the bit check sees the other probabilities.
    other = dataclasses.replace(runtime, context_params=jax.tree_util.tree_map(
        lambda a: a + 0.5, runtime.context_params))
    with pytest.raises(CodecError):
        decompress(data, runtime=other)
    renamed = Runtime("test-model", hashlib.sha256(b"x").hexdigest(), runtime.model,
                      runtime.params)
    with pytest.raises(ModelMismatchError):
        decompress(data, runtime=renamed)
    with pytest.raises(ModelMismatchError, match="does not have"):
        decompress(data)  # "test-model" is not in the zoo


def test_model_hash_covers_the_entropy_model(runtime):
    weights, context = runtime.weights_sha256, runtime.context_sha256
    assert runtime.model_hash(1) == weights[:16]
    assert runtime.model_hash(2) == hashlib.sha256((weights + context).encode()).hexdigest()[:16]
    assert bitstream.codec_hash(weights) == hashlib.sha256(weights.encode()).hexdigest()[:16]
    data = compress(image(16, 16), runtime, iterations=1)
    new_context = dataclasses.replace(runtime, context_sha256=hashlib.sha256(b"c").hexdigest())
    with pytest.raises(ModelMismatchError, match="entropy model"):
        decompress(data, runtime=new_context)
    with pytest.raises(ValueError, match="context_sha256"):
        dataclasses.replace(runtime, context_sha256=None)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("RNNCOMP_CACHE_DIR", raising=False)
    assert compile_cache.cache_dir() == tmp_path / "xdg" / "rnncomp" / "jax"
    monkeypatch.setenv("RNNCOMP_CACHE_DIR", str(tmp_path / "mine"))
    assert compile_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("RNNCOMP_CACHE_DIR", "off")
    assert compile_cache.cache_dir() is None


def test_compile_cache_stores_programs_or_quietly_stays_off(tmp_path):
    script = """if True:
        import os, jax, jax.numpy as jnp
        from rnncomp.codec import compile_cache
        os.environ["RNNCOMP_CACHE_DIR"] = "off"
        assert compile_cache.enable() is None
        compile_cache.enable.cache_clear()
        os.environ["RNNCOMP_CACHE_DIR"] = os.path.join(os.environ["TMP_PATH"], "file", "jax")
        assert compile_cache.enable() is None  # under a file: no cache, no error
        assert jax.config.jax_compilation_cache_dir is None
        compile_cache.enable.cache_clear()
        os.environ["RNNCOMP_CACHE_DIR"] = os.path.join(os.environ["TMP_PATH"], "cache")
        assert compile_cache.enable() == os.environ["RNNCOMP_CACHE_DIR"]
        jax.jit(lambda x: x * 2 + 1)(jnp.ones(3)).block_until_ready()
    """
    (tmp_path / "file").write_bytes(b"")
    env = {**os.environ, "TMP_PATH": str(tmp_path), "JAX_PLATFORMS": "cpu"}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-800:]
    assert any(name.endswith("-cache") for name in os.listdir(tmp_path / "cache"))


def test_codec_path_does_not_import_tensorflow_or_matplotlib(tmp_path):
    """What `rnncomp compress` imports (its parser, the codec, the quality metrics) leaves out
    the training and plotting libraries, which would add seconds to every command's start."""
    import subprocess
    import sys

    script = ("import sys, numpy as np, rnncomp, rnncomp.cli\n"
              "rnncomp.cli.build_parser()\n"
              "from rnncomp.codec import codec\n"
              "from rnncomp.evaluation import metrics\n"
              "for name in ('tensorflow', 'matplotlib'):\n"
              "    assert name not in sys.modules, name + ' imported'\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]


def test_mutated_and_truncated_real_files_give_clean_errors(runtime):
    data = compress(image(24, 40, seed=5), runtime, iterations=2)
    rng = np.random.default_rng(0)
    outcomes = {"error": 0, "decoded": 0}
    for trial in range(1500):
        mutated = bytearray(data)
        if trial % 3 == 0:
            mutated = mutated[: rng.integers(len(data))]
        else:
            for _ in range(rng.integers(1, 4)):
                mutated[rng.integers(len(mutated))] = rng.integers(256)
        try:
            decompress(bytes(mutated), runtime=runtime)
            outcomes["decoded"] += 1  # a mutation that changed nothing the CRCs cover
        except CodecError:
            outcomes["error"] += 1
    assert outcomes["error"] > 1400


@pytest.mark.parametrize("model_id", ["islam2021-gdn-w025", "toderici2017-lstm-w025"])
def test_files_of_earlier_releases_decode(model_id, restore_retired):
    """Version 2 files written before version 3 (commit d84f476; an 80x48 crop of the sample,
    4 iterations) decode to the images that build decoded: their probabilities need its
    numerics exactly. Their models are retired: the weights come from the repository's history."""
    restore_retired(model_id)
    data = (DATA / f"{model_id}.format2.rnnc").read_bytes()
    expected = np.asarray(Image.open(DATA / f"{model_id}.format2.png"))
    assert data[4] == 2
    np.testing.assert_allclose(decompress(data), expected, atol=1)
