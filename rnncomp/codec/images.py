"""Reading user images into what the codec codes, and back.

Anything Pillow reads: EXIF orientation applied; palette, CMYK, YCbCr… → RGB; 1-bit, 16-bit and
32-bit grayscale → 8-bit grayscale (with a notice); an alpha channel is kept losslessly (PNG).
"""

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from rnncomp.codec.bitstream import ColorMode
from rnncomp.codec.errors import CorruptStreamError


@dataclass
class CodecImage:
    rgb: np.ndarray  # uint8 (H, W, 3); grayscale images repeat their plane
    mode: ColorMode
    alpha: np.ndarray | None = None  # uint8 (H, W)


def read_image(path) -> Image.Image:
    """Open an image file with one-line errors for missing paths, folders and non-images."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory, not an image", str(path))
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    try:
        with Image.open(path) as im:
            im.load()
            return im
    except (Image.UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as e:
        raise ValueError(f"cannot read {path} as an image: {e}") from None


def from_pil(im: Image.Image) -> CodecImage:
    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        warnings.warn(f"{im.mode} image reduced to 8 bits per sample", stacklevel=2)
        a = np.asarray(im).astype(np.int64)
        scale = 257 if a.max(initial=0) <= 65535 else 16843009
        gray = np.clip((a + scale // 2) // scale, 0, 255).astype(np.uint8)
        return CodecImage(np.repeat(gray[..., None], 3, axis=-1), ColorMode.GRAY)
    if im.mode == "F":
        gray = np.clip(np.round(np.asarray(im)), 0, 255).astype(np.uint8)
        return CodecImage(np.repeat(gray[..., None], 3, axis=-1), ColorMode.GRAY)
    has_alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    gray = im.mode in ("1", "L", "LA", "La")
    alpha = np.asarray(im.convert("RGBA"))[..., 3] if has_alpha else None
    if gray:
        plane = np.asarray(im.convert("L"))
        return CodecImage(np.repeat(plane[..., None], 3, axis=-1), ColorMode.GRAY, alpha)
    return CodecImage(np.asarray(im.convert("RGB")), ColorMode.RGB, alpha)


def from_array(a: np.ndarray) -> CodecImage:
    """uint8 HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA) arrays."""
    a = np.asarray(a)
    if a.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image array, got {a.dtype}")
    if a.ndim == 2:
        return CodecImage(np.repeat(a[..., None], 3, axis=-1), ColorMode.GRAY)
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        alpha = a[..., 3] if a.shape[-1] == 4 else None
        return CodecImage(np.ascontiguousarray(a[..., :3]), ColorMode.RGB, alpha)
    raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {a.shape}")


def encode_alpha(alpha: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(alpha, "L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def decode_alpha(data: bytes, width: int, height: int) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format != "PNG" or im.size != (width, height) or im.mode != "L":
                raise CorruptStreamError("alpha plane of the wrong kind or size: file corrupted")
            return np.asarray(im)
    except (OSError, SyntaxError, Image.DecompressionBombError) as e:
        raise CorruptStreamError(f"alpha plane unreadable: {e}") from None


def to_output(rgb: np.ndarray, mode: ColorMode, alpha: np.ndarray | None) -> np.ndarray:
    """The decoded array in the input's kind: HxW gray or HxWx3 RGB, alpha as an extra plane."""
    planes = rgb[..., :1] if mode == ColorMode.GRAY else rgb
    if alpha is not None:
        planes = np.concatenate([planes, alpha[..., None]], axis=-1)
    return planes[..., 0] if planes.shape[-1] == 1 else planes


def save_image(array: np.ndarray, path, overwrite: bool = False) -> None:
    """Write a decoded array atomically in the format of `path`'s suffix (PNG by default)."""
    from rnncomp.codec.io import write_atomic

    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    mode = {2: "L", 3: None}.get(array.ndim)
    if array.ndim == 3 and array.shape[-1] == 2:
        mode = "LA"
    elif array.ndim == 3 and array.shape[-1] == 4:
        mode = "RGBA"
    im = Image.fromarray(array, mode) if mode else Image.fromarray(array)
    if fmt in ("JPEG",) and im.mode in ("RGBA", "LA"):
        raise ValueError(f"{path.suffix} cannot hold an alpha channel: write .png or .webp")
    buffer = io.BytesIO()
    im.save(buffer, format=fmt)
    write_atomic(path, buffer.getvalue(), overwrite=overwrite)
