"""Classical image codecs behind one interface, run in process, and rate-distortion points.

Each codec turns an 8-bit RGB image (HxWx3 uint8) into the bytes of a real file and back; bpp is
always len(bytes) * 8 / (H * W), headers and containers included. Codecs whose library cannot be
imported or lacks the needed encoder raise `CodecUnavailable` when constructed.

Quality is an integer in `codec.quality_range`; bpp does not decrease as it grows (up to
encoder noise), which `find_quality_for_bpp` relies on.
"""

import abc
import importlib
import io
from typing import Any, Literal

import numpy as np
import PIL
from PIL import Image, features

from rnncomp.evaluation.metrics import Convention, ms_ssim, psnr


class CodecUnavailable(ImportError):
    """The library behind a codec is missing or was built without the needed encoder."""


class Codec(abc.ABC):
    """An image codec: `encode(rgb, quality) -> bytes` and `decode(bytes) -> rgb`."""

    name: str
    quality_range: tuple[int, int]

    @abc.abstractmethod
    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        """Compress an HxWx3 uint8 image at the given quality into the bytes of a file."""

    @abc.abstractmethod
    def decode(self, data: bytes) -> np.ndarray:
        """Decompress the bytes of `encode` into an HxWx3 uint8 image."""

    @abc.abstractmethod
    def versions(self) -> dict[str, str]:
        """Versions of the libraries doing the work, as they report them."""

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """The settings, for results files."""


class JPEG(Codec):
    """JPEG through Pillow (libjpeg-turbo), baseline Huffman tables, Pillow's quality scale."""

    quality_range = (1, 100)

    def __init__(self, subsampling: Literal["4:2:0", "4:4:4"] = "4:2:0"):
        self.subsampling = subsampling
        self.name = "jpeg" + subsampling.replace(":", "")

    @property
    def description(self) -> str:
        return f"JPEG {self.subsampling}, Pillow quality, no Huffman optimisation"

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        return _pillow_encode(rgb, "JPEG", quality=quality, subsampling=self.subsampling)

    def decode(self, data: bytes) -> np.ndarray:
        return _pillow_decode(data)

    def versions(self) -> dict[str, str]:
        return {"Pillow": PIL.__version__, "libjpeg-turbo": str(features.version("libjpeg_turbo"))}


class WebP(Codec):
    """Lossy WebP through Pillow (libwebp), method 6 (slowest, best compression)."""

    name = "webp"
    quality_range = (0, 100)
    description = "WebP lossy, method 6, Pillow quality"

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        return _pillow_encode(rgb, "WEBP", quality=quality, method=6, lossless=False)

    def decode(self, data: bytes) -> np.ndarray:
        return _pillow_decode(data)

    def versions(self) -> dict[str, str]:
        return {"Pillow": PIL.__version__, "libwebp": str(features.version("webp"))}


class JPEG2000(Codec):
    """JPEG 2000 through imagecodecs (OpenJPEG): raw .j2k codestream, 9/7 wavelet, one layer.

    Quality is OpenJPEG's fixed-quality target in dB (tcp_distoratio): the encoder stops adding
    coding passes once its PSNR estimate reaches it. The measured PSNR lands near that target.
    """

    name = "jpeg2000"
    quality_range = (15, 65)
    description = "JPEG 2000 (OpenJPEG), J2K codestream, quality = target PSNR in dB"

    def __init__(self):
        self._imagecodecs = _import_codec("imagecodecs", "JPEG2K")

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        return bytes(
            self._imagecodecs.jpeg2k_encode(
                _check_rgb(rgb), level=quality, codecformat="J2K", reversible=False
            )
        )

    def decode(self, data: bytes) -> np.ndarray:
        return _check_rgb(self._imagecodecs.jpeg2k_decode(data))

    def versions(self) -> dict[str, str]:
        return {
            "imagecodecs": self._imagecodecs.__version__,
            "OpenJPEG": self._imagecodecs.jpeg2k_version().split()[-1],
        }


class AVIF(Codec):
    """AVIF (AV1 intra) through imagecodecs' libavif, or Pillow's AVIF plugin without it.

    Encoder libaom, YUV 4:4:4 by default (avifenc's default for RGB input), speed 6, quality
    0-100 on libavif's scale. Decoding uses the same backend.
    """

    name = "avif"
    quality_range = (0, 100)

    def __init__(self, pixel_format: Literal["444", "420"] = "444", speed: int = 6):
        self.pixel_format = pixel_format
        self.speed = speed
        if pixel_format != "444":
            self.name = f"avif{pixel_format}"
        try:
            self._imagecodecs = _import_codec("imagecodecs", "AVIF")
        except CodecUnavailable:
            self._imagecodecs = None
            if not features.check("avif"):
                raise CodecUnavailable(
                    "neither imagecodecs nor Pillow provides an AVIF encoder"
                ) from None

    @property
    def description(self) -> str:
        backend = "imagecodecs" if self._imagecodecs else "Pillow"
        return f"AVIF (libavif/aom via {backend}), YUV {self.pixel_format}, speed {self.speed}"

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        if self._imagecodecs is None:
            subsampling = "4:4:4" if self.pixel_format == "444" else "4:2:0"
            return _pillow_encode(
                rgb, "AVIF", quality=quality, speed=self.speed, subsampling=subsampling
            )
        return bytes(
            self._imagecodecs.avif_encode(
                _check_rgb(rgb),
                level=quality,
                speed=self.speed,
                pixelformat=self.pixel_format,
                codec="aom",
            )
        )

    def decode(self, data: bytes) -> np.ndarray:
        if self._imagecodecs is None:
            return _pillow_decode(data)
        return _check_rgb(self._imagecodecs.avif_decode(data))

    def versions(self) -> dict[str, str]:
        if self._imagecodecs is None:
            from PIL import AvifImagePlugin

            return {
                "Pillow": PIL.__version__,
                "libavif": str(features.version("avif")),
                "libaom": str(AvifImagePlugin.get_codec_version("aom")),
            }
        return {
            "imagecodecs": self._imagecodecs.__version__,
            "libavif": self._imagecodecs.avif_version().split()[-1],
            "AV1 encoder": "libaom (version not reported by imagecodecs)",
        }


class JPEGXL(Codec):
    """JPEG XL through imagecodecs (libjxl), effort 7; quality 0-100 on libjxl's scale.

    libjxl maps quality to its butteraugli distance (quality 90 = distance 1.0).
    """

    name = "jpegxl"
    quality_range = (0, 100)

    def __init__(self, effort: int = 7):
        self.effort = effort
        self._imagecodecs = _import_codec("imagecodecs", "JPEGXL")

    @property
    def description(self) -> str:
        return f"JPEG XL (libjxl), effort {self.effort}, bare codestream"

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        return bytes(
            self._imagecodecs.jpegxl_encode(
                _check_rgb(rgb), level=quality, effort=self.effort, usecontainer=False
            )
        )

    def decode(self, data: bytes) -> np.ndarray:
        return _check_rgb(self._imagecodecs.jpegxl_decode(data))

    def versions(self) -> dict[str, str]:
        return {
            "imagecodecs": self._imagecodecs.__version__,
            "libjxl": self._imagecodecs.jpegxl_version().split()[-1],
        }


class HEVC(Codec):
    """HEVC intra (HEIF file) through pillow-heif: libheif with x265, decoded by libde265.

    Quality 0-100 on libheif's scale (mapped to x265 settings by libheif), libheif's default
    x265 preset; chroma 4:2:0 by default (as BPG's default, the usual "BPG 4:2:0" curve).
    """

    quality_range = (0, 100)

    def __init__(self, chroma: Literal[420, 444] = 420):
        self.chroma = chroma
        self.name = f"hevc{chroma}"
        self._heif = _import_codec("pillow_heif")
        if "x265" not in self._heif.libheif_info().get("encoders", {}):
            raise CodecUnavailable("pillow-heif's libheif has no x265 encoder")

    @property
    def description(self) -> str:
        return f"HEVC intra in HEIF (libheif + x265), chroma {self.chroma}"

    def encode(self, rgb: np.ndarray, quality: int) -> bytes:
        rgb = _check_rgb(rgb)
        out = io.BytesIO()
        size = (rgb.shape[1], rgb.shape[0])
        self._heif.encode("RGB", size, rgb.tobytes(), out, quality=quality, chroma=self.chroma)
        return out.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        heif = self._heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        return _check_rgb(np.asarray(heif))

    def versions(self) -> dict[str, str]:
        info = self._heif.libheif_info()
        return {
            "pillow-heif": self._heif.__version__,
            "libheif": info["libheif"],
            "x265": info["encoders"]["x265"],
            "libde265": info["decoders"].get("libde265", "n/a"),
        }


def available_codecs() -> tuple[list[Codec], dict[str, str]]:
    """Every codec above in its default settings (JPEG twice): those that construct, and for
    the others the reason they are unavailable."""
    codecs, unavailable = [], {}
    settings: tuple[tuple[type[Codec], dict[str, Any]], ...] = (
        (JPEG, {"subsampling": "4:2:0"}),
        (JPEG, {"subsampling": "4:4:4"}),
        (JPEG2000, {}),
        (WebP, {}),
        (AVIF, {}),
        (JPEGXL, {}),
        (HEVC, {}),
    )
    for cls, kwargs in settings:
        try:
            codecs.append(cls(**kwargs))
        except CodecUnavailable as err:
            unavailable[cls.__name__] = str(err)
    return codecs, unavailable


def bits_per_pixel(data: bytes, rgb: np.ndarray) -> float:
    """Size of the encoded file in bits per pixel of the image."""
    return len(data) * 8.0 / (rgb.shape[0] * rgb.shape[1])


def rd_point(
    codec: Codec, rgb: np.ndarray, quality: int, ms_ssim_convention: Convention = "google"
) -> dict[str, float]:
    """Encode, decode and measure: {quality, bpp, psnr-rgb, ms-ssim-rgb} (results-schema keys).

    PSNR over all RGB samples of the uint8 reconstruction; MS-SSIM in the named convention
    (see `metrics.ms_ssim`; needs both sides >= 161).
    """
    rgb = _check_rgb(rgb)
    data = codec.encode(rgb, quality)
    decoded = codec.decode(data)
    if decoded.shape != rgb.shape:
        raise ValueError(f"{codec.name} decoded shape {decoded.shape}, expected {rgb.shape}")
    return {
        "quality": quality,
        "bpp": bits_per_pixel(data, rgb),
        "psnr-rgb": psnr(rgb, decoded),
        "ms-ssim-rgb": ms_ssim(rgb, decoded, convention=ms_ssim_convention),
    }


def find_quality_for_bpp(codec: Codec, rgb: np.ndarray, target_bpp: float) -> int:
    """Highest quality whose file is at most `target_bpp`, by bisection on the quality range.

    Comparing codecs "at equal bpp" then gives none of them more bits than the target. Takes
    about log2(range) encodes. Raises ValueError when even the lowest quality exceeds it. If
    bpp is not monotone in quality the result still satisfies bpp <= target but may not be the
    highest such quality.
    """
    rgb = _check_rgb(rgb)

    def bpp(quality: int) -> float:
        return bits_per_pixel(codec.encode(rgb, quality), rgb)

    lo, hi = codec.quality_range
    if bpp(hi) <= target_bpp:
        return hi
    if bpp(lo) > target_bpp:
        raise ValueError(
            f"{codec.name} needs more than {target_bpp} bpp even at its lowest quality {lo}"
        )
    while hi - lo > 1:  # invariant: bpp(lo) <= target < bpp(hi)
        mid = (lo + hi) // 2
        if bpp(mid) <= target_bpp:
            lo = mid
        else:
            hi = mid
    return lo


def _import_codec(module: str, attribute: str | None = None) -> Any:
    """Import a codec library, turning any failure into CodecUnavailable with the reason."""
    try:
        lib = importlib.import_module(module)
    except Exception as err:  # broken binary wheels raise more than ImportError
        raise CodecUnavailable(f"cannot import {module}: {err}") from err
    if attribute is not None and not getattr(getattr(lib, attribute, None), "available", False):
        raise CodecUnavailable(f"{module} was built without {attribute}")
    return lib


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 image, got {rgb.dtype} {rgb.shape}")
    return rgb


def _pillow_encode(rgb: np.ndarray, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.fromarray(_check_rgb(rgb)).save(out, format=fmt, **options)
    return out.getvalue()


def _pillow_decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return _check_rgb(np.asarray(image.convert("RGB")))
