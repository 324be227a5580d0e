"""Training and validation data: image folders or TFDS → random crops → prefetched batches.

Batch `s` is a pure function of (seed, s): a run resumed at step s sees the same data from there.
"""

import queue
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def list_images(folder) -> list[Path]:
    """Image files under `folder`, recursively, sorted; a one-line error when there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder not found: {folder}")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise FileNotFoundError(f"no .jpg/.png/.webp images under {folder}")
    return paths


def load_rgb(path) -> np.ndarray:
    """uint8 HxWx3, EXIF orientation applied."""
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def load_folder(folder) -> list[np.ndarray]:
    return [load_rgb(p) for p in list_images(folder)]


class TFDSImages(Sequence):
    """Random access to the images of a TFDS dataset (`tfds.data_source`, ArrayRecord files)."""

    def __init__(self, name: str, split: str = "train", data_dir: str | None = None,
                 image_key: str = "image"):
        import tensorflow_datasets as tfds  # Only training from TFDS needs it.

        self._source = tfds.data_source(name, split=split, data_dir=data_dir)
        self._key = image_key

    def __len__(self):
        return len(self._source)

    def __getitem__(self, i):
        image = np.asarray(self._source[i][self._key])
        return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]


def random_crops(images: Sequence[np.ndarray], seed: int, step: int, batch_size: int,
                 crop: int) -> np.ndarray:
    """uint8 (batch, crop, crop, 3): random images, positions and horizontal/vertical flips.

    Images smaller than the crop are padded by reflection first.
    """
    rng = np.random.default_rng([seed, step])
    batch = np.empty((batch_size, crop, crop, 3), np.uint8)
    for b, i in enumerate(rng.integers(len(images), size=batch_size)):
        image = images[int(i)]
        h, w = image.shape[:2]
        if h < crop or w < crop:
            image = np.pad(image, ((0, max(crop - h, 0)), (0, max(crop - w, 0)), (0, 0)),
                           mode="symmetric")
            h, w = image.shape[:2]
        y, x = rng.integers(h - crop + 1), rng.integers(w - crop + 1)
        patch = image[y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        if rng.random() < 0.5:
            patch = patch[::-1]
        batch[b] = patch
    return batch


def center_crops(images: Sequence[np.ndarray], size: int) -> np.ndarray:
    """Deterministic validation batch: the central size x size crop of each image."""
    out = []
    for image in images:
        h, w = image.shape[:2]
        if h < size or w < size:
            raise ValueError(f"validation image {w}x{h} is smaller than the crop {size}")
        y, x = (h - size) // 2, (w - size) // 2
        out.append(image[y:y + size, x:x + size])
    return np.stack(out)


class Prefetcher:
    """Makes batches start_step, start_step+1, ... in a background thread (bounded queue)."""

    def __init__(self, images, seed: int, start_step: int, batch_size: int, crop: int,
                 depth: int = 4):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._args = (images, seed, batch_size, crop)
        self._thread = threading.Thread(target=self._work, args=(start_step,), daemon=True)
        self._thread.start()

    def _work(self, step):
        images, seed, batch_size, crop = self._args
        while not self._stop.is_set():
            batch = random_crops(images, seed, step, batch_size, crop)
            while not self._stop.is_set():
                try:
                    self._queue.put(batch, timeout=0.1)
                    break
                except queue.Full:
                    continue
            step += 1

    def __next__(self) -> np.ndarray:
        return self._queue.get()

    def __iter__(self):
        return self

    def close(self):
        self._stop.set()
        self._thread.join()


def create_datasets(config):
    """(training images, validation batch or None) as the config's `data` section says."""
    data = config.data
    if data.source == "folder":
        train = load_folder(data.train_dir)
    elif data.source == "tfds":
        train = TFDSImages(data.tfds_name, data.tfds_split, data.tfds_data_dir or None)
    else:
        raise ValueError(f"unknown data.source {data.source!r}: use 'folder' or 'tfds'")
    val = None
    if data.val_dir:
        val_images = [load_rgb(p) for p in list_images(data.val_dir)[: data.val_images]]
        val = center_crops(val_images, data.val_crop)
    return train, val
