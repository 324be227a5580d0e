"""The decoder-side post-filter: its layout, its bands, the codec's use of it, its training."""

import dataclasses
import hashlib
import json

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.codec import bitstream
from rnncomp.codec.codec import Runtime, compress, decompress, decompress_iterations
from rnncomp.codec.errors import ModelMismatchError
from rnncomp.models import islam2021, zoo
from rnncomp.models.post_filter import BAND_ROWS, PostFilter, depth_to_space, space_to_depth
from rnncomp.training import train_post_filter

SMALL = PostFilter(width=8, depth=1)


def random_params(post_filter, seed=0, scale=0.3):
    """Parameters of a filter that is not the identity (a new one's last layer is zero)."""
    params = post_filter.init(jax.random.PRNGKey(seed))
    leaves, tree = jax.tree_util.tree_flatten(params)
    keys = jax.random.split(jax.random.PRNGKey(seed + 1), len(leaves))
    return jax.tree_util.tree_unflatten(
        tree, [scale * jax.random.normal(k, a.shape) for k, a in zip(keys, leaves, strict=True)])


def photo(h, w, seed=0):
    """A smooth image with edges, as uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:h, :w]
    base = 128 + 60 * np.sin(x[..., None] / 7 + rng.uniform(0, 6, 3)) * np.cos(y[..., None] / 11)
    return np.clip(base + rng.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8)


def test_space_to_depth_is_2x2_blocks_on_channels():
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    z = np.asarray(space_to_depth(x))
    assert z.shape == (2, 2, 3, 12)
    # block (1, 2) of image 1: pixels (2, 4), (2, 5), (3, 4), (3, 5), each 3 channels
    np.testing.assert_array_equal(z[1, 1, 2], np.concatenate(
        [x[1, 2, 4], x[1, 2, 5], x[1, 3, 4], x[1, 3, 5]]))
    np.testing.assert_array_equal(depth_to_space(z), x)


def test_a_new_filter_is_the_identity():
    image = photo(40, 50)
    np.testing.assert_array_equal(
        SMALL.filter_in_bands(SMALL.init(jax.random.PRNGKey(0)), image, 3), image)


def test_halo_covers_the_receptive_field():
    params = random_params(SMALL)
    x = np.full((1, 64, 64, 3), 0.5, np.float32)
    impulse = x.copy()
    impulse[0, 32, 32] = 1.0
    changed = np.abs(np.asarray(SMALL.filter_image(params, impulse, np.ones(1)))
                     - np.asarray(SMALL.filter_image(params, x, np.ones(1))))[0].max(-1) > 0
    rows, cols = np.nonzero(changed)
    reach = max(np.abs(rows - 32).max(), np.abs(cols - 32).max())
    assert 2 * (SMALL.depth + 2) - 1 <= reach <= SMALL.halo  # the bound is used and it holds


@pytest.mark.parametrize("h,w", [(2 * BAND_ROWS + 37, 45), (BAND_ROWS, 18), (7, 9)])
def test_bands_give_the_whole_image_result(h, w):
    params = random_params(SMALL)
    image = photo(h, w)
    whole = np.asarray(SMALL.filter_image(params, image[None] / np.float32(255), np.full(1, 5.0)))
    whole = np.round(np.clip(whole[0], 0, 1) * 255)
    bands = SMALL.filter_in_bands(params, image, 5).astype(np.float64)
    assert np.abs(whole - image).mean() > 2  # the filter does something
    # the same to float rounding: a rare pixel may round the other way
    assert np.abs(bands - whole).max() <= 1 and np.mean(bands != whole) < 1e-3


@pytest.fixture(scope="module")
def runtimes():
    """A width-1/16 model without and with a (random, non-identity) post-filter."""
    model = islam2021(width=1 / 16)
    params = jax.jit(model.init)(jax.random.PRNGKey(0))
    sha = hashlib.sha256(zoo.weights_bytes(params)).hexdigest()
    plain = Runtime("test-model", sha, model, params)
    filter_params = random_params(SMALL, scale=0.1)
    filter_sha = hashlib.sha256(zoo.weights_bytes(filter_params)).hexdigest()
    return plain, dataclasses.replace(plain, post_filter=SMALL, post_filter_params=filter_params,
                                      post_filter_sha256=filter_sha)


def test_codec_filters_every_decoded_prefix(runtimes):
    plain, filtered = runtimes
    image = photo(40, 56)
    data = compress(image, filtered, iterations=3)
    # the bits are the network's: the same payload as without the filter, another model hash
    plain_data = compress(image, plain, iterations=3)
    assert bitstream.unpack(data).chunks == bitstream.unpack(plain_data).chunks
    assert bitstream.unpack(data).header.model_hash == bitstream.codec_hash(
        plain.weights_sha256, None, filtered.post_filter_sha256)
    unfiltered = decompress_iterations(plain_data, runtime=plain)
    outputs = decompress_iterations(data, runtime=filtered)
    for k, (out, raw) in enumerate(zip(outputs, unfiltered, strict=True), start=1):
        np.testing.assert_array_equal(out, SMALL.filter_in_bands(filtered.post_filter_params,
                                                                 raw, k))
        assert not np.array_equal(out, raw)
    np.testing.assert_array_equal(decompress(data, runtime=filtered), outputs[-1])
    np.testing.assert_array_equal(
        decompress(bitstream.truncate_iterations(data, 2), runtime=filtered), outputs[1])


def test_filtered_and_plain_files_are_told_apart(runtimes):
    plain, filtered = runtimes
    image = photo(32, 32)
    with pytest.raises(ModelMismatchError):
        decompress(compress(image, plain, iterations=1), runtime=filtered)
    with pytest.raises(ModelMismatchError):
        decompress(compress(image, filtered, iterations=1), runtime=plain)
    with pytest.raises(ValueError, match="version 3 files only"):
        compress(image, filtered, iterations=1, version=2)
    version1 = compress(image, plain, iterations=1, version=1)
    with pytest.raises(ModelMismatchError):
        decompress(version1, runtime=filtered)
    with pytest.raises(ValueError, match="post_filter_sha256"):
        dataclasses.replace(filtered, post_filter_sha256=None)


def test_training_lowers_the_loss_on_a_known_degradation():
    """Reconstructions = originals blurred 2x2 and offset: a filter can undo part of it."""
    rng = np.random.default_rng(0)
    originals = np.stack([photo(176, 176, seed=s) for s in range(4)])
    blurred = (originals.astype(np.float32) + np.roll(originals, 1, 1) + np.roll(originals, 1, 2)
               + np.roll(originals, 1, (1, 2))) / 4 + rng.normal(0, 3, originals.shape) + 6
    decoded = np.clip(np.round(blurred), 0, 255).astype(np.uint8)[:, None]  # one iteration
    params = train_post_filter.train(SMALL, originals, decoded, steps=60, batch=2,
                                     learning_rate=3e-3, seed=0)
    rows = train_post_filter.validate(SMALL, params, originals, decoded)
    assert rows[0]["ms_ssim_filtered"] > rows[0]["ms_ssim"] + 0.002


def test_command_trains_on_a_folder_and_refuses_bad_arguments(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "images"
    folder.mkdir()
    for s in range(3):
        Image.fromarray(photo(180, 200, seed=s)).save(folder / f"{s}.png")
    model = islam2021(width=1 / 16)
    params = jax.jit(model.init)(jax.random.PRNGKey(0))
    monkeypatch.setattr(zoo, "load", lambda model_id: (model, params))
    out = tmp_path / "pf.npz"
    args = ["--model", "any", "--train-dir", str(folder), "--val-dir", str(folder), "--out",
            str(out), "--width", "4", "--depth", "1", "--iterations", "2", "--crop", "176",
            "--crops", "4", "--val-crops", "2", "--steps", "2", "--batch", "2"]
    train_post_filter.main(args)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["settings"] == {"width": 4, "depth": 1}
    assert report["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert [row["iterations"] for row in report["validation"]] == [1, 2]
    with pytest.raises(SystemExit):  # exists
        train_post_filter.main(args)
    with pytest.raises(SystemExit):
        train_post_filter.main([*args, "--force", "--crop", "100"])
    with pytest.raises(SystemExit):
        train_post_filter.main([*args[:7], str(tmp_path / "missing" / "pf.npz"), *args[8:]])
