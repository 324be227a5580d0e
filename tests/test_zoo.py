"""Shipped models: hashes checked on load, weights that actually compress."""

import hashlib
from importlib import resources
from pathlib import Path

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.evaluation.metrics import psnr
from rnncomp.models import islam2021, zoo
from tests.conftest import git_blob

SAMPLE = Path(__file__).resolve().parents[1] / "rnncomp" / "data" / "sample.png"


def test_weights_round_trip_and_hash_check():
    params = islam2021(width=1 / 16).init(jax.random.PRNGKey(0))
    data = zoo.weights_bytes(params)
    assert data == zoo.weights_bytes(params)  # deterministic bytes for equal params
    restored = zoo.read_weights(data, hashlib.sha256(data).hexdigest())
    for a, b in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(restored),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)  # float16 storage
    corrupted = data[:-10] + bytes(10)
    with pytest.raises(zoo.WeightsError, match="does not match"):
        zoo.read_weights(corrupted, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("model_id", sorted(zoo.shipped()))
def test_shipped_models_load_and_compress(model_id):
    model, params = zoo.load(model_id)  # checks the hash
    entry = zoo.get_entry(model_id)
    if entry.context_model:
        assert zoo.load_context_model(model_id) is not None
    if entry.post_filter:
        settings, _ = zoo.load_post_filter(model_id)  # checks its hash
        assert settings == entry.post_filter["settings"]
    x = np.asarray(Image.open(SAMPLE).convert("RGB"))[:128, :128]
    bits = model.encode(params, x[None].astype(np.float32) / 255.0, 4)
    decoded = np.round(np.asarray(model.decode(params, bits, 128, 128))[0] * 255)
    assert psnr(x, decoded.astype(np.uint8)) > 20  # random weights give about 10 dB


def test_default_model_is_shipped():
    assert zoo.DEFAULT_MODEL in zoo.shipped()


def test_the_package_holds_the_shipped_files_and_no_others():
    packaged = {p.name for p in resources.files(zoo.WEIGHTS_PACKAGE).iterdir()
                if p.name.endswith(".npz")}
    assert packaged == set().union(*(zoo.ZOO[m].files() for m in zoo.shipped()))


@pytest.mark.parametrize("model_id", sorted(set(zoo.ZOO) - set(zoo.shipped())))
def test_retired_files_are_in_history_under_their_hashes(model_id):
    entry = zoo.ZOO[model_id]
    for name, sha256 in entry.files().items():
        data = git_blob(entry.retired_at, f"rnncomp/models/weights/{name}")
        assert hashlib.sha256(data).hexdigest() == sha256


def test_a_retired_model_says_how_to_restore_it_and_then_loads(tmp_path, monkeypatch):
    params = islam2021(width=1 / 16).init(jax.random.PRNGKey(0))
    data = zoo.weights_bytes(params)
    entry = zoo.ZooEntry(id="old", model={"name": "islam2021", "width": 1 / 16},
                         weights="old.npz", sha256=hashlib.sha256(data).hexdigest(),
                         description="a retired test model", training="none",
                         retired_at="0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setitem(zoo.ZOO, "old", entry)
    monkeypatch.delenv(zoo.WEIGHTS_DIR_VARIABLE, raising=False)
    assert "old" not in zoo.shipped()
    with pytest.raises(zoo.RetiredModelError, match="git show 0123456789abcdef0123456789abcdef"
                                                    "01234567:rnncomp/models/weights/old.npz"):
        zoo.load("old")

    monkeypatch.setenv(zoo.WEIGHTS_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(zoo.RetiredModelError):  # the folder lacks the file
        zoo.load("old")
    (tmp_path / "old.npz").write_bytes(data[:-1] + b"x")
    with pytest.raises(zoo.WeightsError, match="does not match"):
        zoo.load("old")
    (tmp_path / "old.npz").write_bytes(data)
    _, loaded = zoo.load("old")
    np.testing.assert_allclose(jax.tree_util.tree_leaves(loaded)[0],
                               jax.tree_util.tree_leaves(params)[0], rtol=1e-3, atol=1e-4)

