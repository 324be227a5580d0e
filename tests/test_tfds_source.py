"""TFDS as a training source, offline: the test builds a tiny ArrayRecord dataset itself."""

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from rnncomp.training import input_pipeline  # noqa: E402


def test_tfds_data_source_feeds_random_crops(tmp_path):
    rng = np.random.default_rng(0)
    examples = [{"image": rng.integers(0, 256, (40, 48 + i, 3), dtype=np.uint8)}
                for i in range(6)]
    tfds.dataset_builders.store_as_tfds_dataset(
        name="rnncomp_tiny_images", version="1.0.0",
        features=tfds.features.FeaturesDict({"image": tfds.features.Image(shape=(None, None, 3))}),
        split_datasets={"train": list(enumerate(examples))}, data_dir=str(tmp_path),
        file_format="array_record")
    images = input_pipeline.TFDSImages("rnncomp_tiny_images", "train", str(tmp_path))
    assert len(images) == 6
    stored = sorted(images[i].tobytes() for i in range(6))
    assert stored == sorted(e["image"].tobytes() for e in examples)
    batch = input_pipeline.random_crops(images, seed=1, step=0, batch_size=4, crop=32)
    again = input_pipeline.random_crops(images, seed=1, step=0, batch_size=4, crop=32)
    assert batch.shape == (4, 32, 32, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch, again)
