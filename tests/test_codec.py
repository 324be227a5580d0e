import hashlib

import jax
import numpy as np
import pytest

from rnncomp.codec import bitstream
from rnncomp.codec.codec import TILE, Runtime, compress, decompress, decompress_iterations, info
from rnncomp.codec.errors import CodecError, ModelMismatchError
from rnncomp.entropy.context_model import ContextModel
from rnncomp.models import islam2021, zoo


@pytest.fixture(scope="module")
def runtime():
    """A width-1/16 model and a context model with random weights: real coding, any quality."""
    model = islam2021(width=1 / 16)
    params = model.init(jax.random.PRNGKey(0))
    context = ContextModel(features=8, groups=4)
    x = np.zeros((1, 2, 2, 32), np.float32)
    state = np.zeros((1, 2, 2, model.decoder.zero_carry(1, 32, 32)[0][-1].shape[-1]), np.float32)
    context_params = context.init(jax.random.PRNGKey(1), state, x, x, x[0, 0, 0], 1)["params"]
    sha = hashlib.sha256(zoo.weights_bytes(params)).hexdigest()
    return Runtime("test-model", sha, model, params, context, context_params)


def image(h, w, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, channels), dtype=np.uint8)
    big = np.repeat(np.repeat(base, 4, axis=0), 4, axis=1)[:h, :w]
    return big[..., 0] if channels == 1 else big


@pytest.mark.parametrize("h,w", [(1, 1), (17, 33), (40, 24)])
def test_round_trip_odd_sizes_and_prefixes(runtime, h, w):
    x = image(h, w)
    data = compress(x, runtime, iterations=3)
    assert info(data)["bpp"] == len(data) * 8 / (h * w)
    outs = decompress_iterations(data, runtime=runtime)
    assert len(outs) == 3 and all(o.shape == (h, w, 3) and o.dtype == np.uint8 for o in outs)
    # Prefix decoding equals decoding a file that holds only that prefix.
    for k in (1, 2):
        prefix = bitstream.truncate_iterations(data, k)
        np.testing.assert_array_equal(decompress(prefix, runtime=runtime), outs[k - 1])
        np.testing.assert_array_equal(decompress(data, iterations=k, runtime=runtime), outs[k - 1])
    # Same as the model's own decoder on the same bits.
    model, params = runtime.model, runtime.params
    bits = model.encode(params, x[None].astype(np.float32) / 255.0, 3)
    expected = np.round(np.asarray(model.decode(params, bits, h, w))[0] * 255)
    np.testing.assert_allclose(outs[-1], expected, atol=1)


def test_tiles_code_independently(runtime):
    x = image(20, TILE + 40, seed=3)  # two tiles side by side
    out = decompress(compress(x, runtime, iterations=1), runtime=runtime)
    assert out.shape == x.shape
    model, params = runtime.model, runtime.params
    for x0, x1 in ((0, TILE), (TILE, TILE + 40)):
        tile = x[None, :, x0:x1].astype(np.float32) / 255.0
        expected = np.round(np.asarray(model.decode(params, model.encode(params, tile, 1), 20,
                                                    x1 - x0))[0] * 255)
        np.testing.assert_allclose(out[:, x0:x1], expected, atol=1)


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
    other = Runtime("test-model", runtime.weights_sha256, runtime.model, runtime.params,
                    runtime.context_model,
                    jax.tree_util.tree_map(lambda a: a + 0.5, runtime.context_params))
    with pytest.raises(CodecError):
        decompress(data, runtime=other)
    renamed = Runtime("test-model", hashlib.sha256(b"x").hexdigest(), runtime.model,
                      runtime.params)
    with pytest.raises(ModelMismatchError):
        decompress(data, runtime=renamed)
    with pytest.raises(ModelMismatchError, match="does not have"):
        decompress(data)  # "test-model" is not in the zoo


def test_codec_path_does_not_import_tensorflow(tmp_path):
    import subprocess
    import sys

    script = ("import sys, numpy as np, rnncomp, rnncomp.cli\n"
              "from rnncomp.codec import codec\n"
              "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
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
