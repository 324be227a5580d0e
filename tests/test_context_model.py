import dataclasses
import hashlib

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.codec import bitstream
from rnncomp.codec.codec import Runtime, compress, decompress
from rnncomp.entropy.context_model import ContextModel, coding_passes
from rnncomp.entropy.train_context import pass_losses
from rnncomp.models import islam2021, zoo


@pytest.mark.parametrize("groups,checkerboard", [(1, False), (4, False), (4, True), (2, True)])
def test_coding_passes_code_every_bit_once_given_the_earlier_passes(groups, checkerboard):
    known, target = coding_passes(32, groups, checkerboard, 5, 6)
    assert len(target) == groups * (2 if checkerboard else 1)
    np.testing.assert_array_equal(target.sum(0), 1)
    for i in range(len(target)):
        np.testing.assert_array_equal(known[i], target[:i].any(0))
    i, j = np.indices((5, 6))
    if checkerboard:  # anchors (i + j even) first, all their bits, then the rest
        first = target[:groups].any(0)
        np.testing.assert_array_equal(first, np.broadcast_to(((i + j) % 2 == 0)[..., None],
                                                             first.shape))
    for t in target:  # each pass codes one channel group
        assert len(np.unique(np.nonzero(t)[2] // (32 // groups))) == 1


def runtime_with(checkerboard: bool) -> Runtime:
    """A width-1/16 model and a context model with random weights, scaled so that its
    probabilities are far from 1/2 (and its code far from 1 bit per bit)."""
    model = islam2021(width=1 / 16)
    params = jax.jit(model.init)(jax.random.PRNGKey(0))
    context = ContextModel(features=8, groups=4, checkerboard=checkerboard)
    x = np.zeros((1, 2, 2, 32), np.float32)
    state = np.zeros((1, 2, 2, model.decoder.zero_carry(1, 32, 32)[0][-1].shape[-1]), np.float32)
    context_params = context.init(jax.random.PRNGKey(1), state, x, x, x[0, 0, 0], 1)["params"]
    context_params = jax.tree.map(lambda v: v * 2, context_params)
    sha = hashlib.sha256(zoo.weights_bytes(params)).hexdigest()
    context_sha = hashlib.sha256(zoo.weights_bytes(context_params)).hexdigest()
    return Runtime("test-model", sha, model, params, context, context_params, context_sha)


@pytest.mark.parametrize("checkerboard", [False, True])
def test_file_size_is_the_trained_code_length(checkerboard):
    """The codec's range-coded chunks are as long as the code length the context model is
    trained to minimise (teacher forcing over the passes): same masks, same inputs."""
    rt = runtime_with(checkerboard)
    rng = np.random.default_rng(0)
    x = np.repeat(np.repeat(rng.integers(0, 256, (32, 32, 3), np.uint8), 4, 0), 4, 1)
    k = 3
    data = compress(x, rt, iterations=k)
    out = decompress(data, runtime=rt)
    assert out.shape == x.shape

    bits = rt.model.encode(rt.params, x[None].astype(np.float32) / 255, k)
    states = rt.model.context_states(rt.params, bits)
    chunks = bitstream.unpack(data).chunks
    for t in range(k):
        previous = bits[t - 1] if t else 0 * bits[0]
        nats = pass_losses(rt.context_model, rt.context_params, states[t], previous, bits[t],
                           t + 1)
        ideal = float(np.sum(nats)) * bits[t].size / np.log(2)
        assert abs(ideal - bits[t].size) > 0.2 * bits[t].size  # p is far from 1/2
        # Within the range coder's overhead; the other pass order's code length is 5-10 % off.
        assert abs(8 * len(chunks[t].payload) - ideal) < 0.005 * ideal + 32


def test_iterations_beyond_the_modeled_ones_cost_one_bit_per_bit():
    """With modeled_iterations = 2, iterations 1-2 are coded as with the full context model and
    iterations 3-4 at p = 1/2 (their chunk is the raw bits' size), to the same image."""
    rt = runtime_with(False)
    context = ContextModel(features=8, groups=4, modeled_iterations=2)
    rt2 = dataclasses.replace(rt, context_model=context)
    assert [rt2.models(t) for t in (1, 2, 3)] == [True, True, False]
    assert len(rt2.coding_passes(8, 8, 2)[1]) == 4 and len(rt2.coding_passes(8, 8, 3)[1]) == 1
    rng = np.random.default_rng(1)
    x = np.repeat(np.repeat(rng.integers(0, 256, (32, 32, 3), np.uint8), 4, 0), 4, 1)
    full, partly = compress(x, rt, iterations=4), compress(x, rt2, iterations=4)
    a, b = bitstream.unpack(full).chunks, bitstream.unpack(partly).chunks
    assert a[:2] == b[:2]
    raw_bytes = 8 * 8 * 32 // 8  # 128x128 pixels: 8x8 blocks of 32 bits
    for t in (2, 3):
        assert raw_bytes <= len(b[t].payload) <= raw_bytes + 8
        assert abs(len(a[t].payload) - raw_bytes) > 0.1 * raw_bytes  # p far from 1/2 there
    np.testing.assert_array_equal(decompress(partly, runtime=rt2), decompress(full, runtime=rt))


def test_checkerboard_sees_coded_neighbours():
    """In the last pass (group 4 of the non-anchors), a position's probabilities depend on the
    group 4 bits of its neighbour, an anchor, with a checkerboard only."""
    for checkerboard in (False, True):
        rt = runtime_with(checkerboard)
        known, target = rt.coding_passes(4, 4, 1)
        state = np.zeros((1, 4, 4, rt.model.decoder.zero_carry(1, 64, 64)[0][-1].shape[-1]),
                         np.float32)
        previous = np.zeros((1, 4, 4, 32), np.float32)
        a = np.ones((1, 4, 4, 32), np.float32)
        b = a.copy()
        b[0, 1, 1, 24:] = -1  # group 4 of the anchor (1, 1), next to (1, 2)
        p = [np.asarray(rt.context_model.apply({"params": rt.context_params}, state, previous,
                                               c, known[-1], 1))[0, 1, 2, 24:] for c in (a, b)]
        assert target[-1][1, 2, 24:].all()
        assert np.allclose(p[0], p[1]) != checkerboard


def test_train_context_rejects_a_bad_out_before_collecting_codes(tmp_path, capsys):
    from rnncomp.entropy.train_context import main

    missing = tmp_path / "absent" / "ctx.npz"
    existing = tmp_path / "ctx.npz"
    existing.write_bytes(b"keep")
    for out in (missing, existing):
        with pytest.raises(SystemExit) as exit_info:  # exits before zoo.load and the folders
            main(["--model", "not-a-model", "--train-dir", str(tmp_path / "none"),
                  "--val-dir", str(tmp_path / "none"), "--out", str(out)])
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no such folder for" in err and "exists (use --force" in err
    assert existing.read_bytes() == b"keep"


@pytest.mark.parametrize("model,folder,message", [
    ("not-a-model", "train", "unknown model id 'not-a-model'"),
    (zoo.DEFAULT_MODEL, "absent", "data folder not found"),
])
def test_train_context_bad_model_or_folder_is_one_line(tmp_path, capsys, model, folder, message):
    from rnncomp.entropy.train_context import main

    (tmp_path / "train").mkdir()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "train" / "a.png")
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", model, "--train-dir", str(tmp_path / folder),
              "--val-dir", str(tmp_path / folder), "--out", str(tmp_path / "ctx.npz")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and message in err[0]
    assert not (tmp_path / "ctx.npz").exists()
