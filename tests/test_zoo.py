"""Shipped models: hashes checked on load, weights that actually compress."""

import hashlib
from pathlib import Path

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.evaluation.metrics import psnr
from rnncomp.models import islam2021, zoo

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


@pytest.mark.parametrize("model_id", sorted(zoo.ZOO))
def test_shipped_models_load_and_compress(model_id):
    model, params = zoo.load(model_id)  # checks the hash
    entry = zoo.get_entry(model_id)
    if entry.context_model:
        assert zoo.load_context_model(model_id) is not None
    x = np.asarray(Image.open(SAMPLE).convert("RGB"))[:128, :128]
    bits = model.encode(params, x[None].astype(np.float32) / 255.0, 4)
    decoded = np.round(np.asarray(model.decode(params, bits, 128, 128))[0] * 255)
    assert psnr(x, decoded.astype(np.uint8)) > 20  # random weights give about 10 dB


def test_default_model_is_shipped():
    assert zoo.DEFAULT_MODEL in zoo.ZOO
