"""The progressive rnncomp container format, versions 1 to 3 (new files are version 3).

All integers are little-endian; ``n`` is the model id length. Offsets of chunks are relative to
the chunk's first byte. All versions have this layout; they differ in the model hash
(:func:`weights_hash_prefix` in version 1, :func:`codec_hash` from version 2), in the size each
tile is padded to before coding (``rnncomp.codec.codec.padded_size``), and in how the networks'
convolutions are evaluated (``rnncomp.codec.codec.evaluation_form``: version 3 with XLA's
convolutions, whose float results differ from the earlier versions' patch matmuls in the last
bits, enough to change the range coder's probabilities).

| Offset | Size | Type | Field |
|---|---|---|---|
| 0 | 4 | bytes | magic `RNNC` |
| 4 | 1 | u8 | format version, 1, 2 or 3 |
| 5 | 1 | u8 | `n`: model id length, 1-64 |
| 6 | n | ASCII | model zoo id, printable, no spaces |
| 6+n | 8 | bytes | model hash: weights (version 1) or weights + entropy model (versions 2, 3) |
| 14+n | 4 | u32 | image width, >= 1 |
| 18+n | 4 | u32 | image height, >= 1 |
| 22+n | 1 | u8 | bits 0-3 colour mode (0 RGB, 1 grayscale), bit 4 alpha chunk follows, bits 5-7 0 |
| 23+n | 1 | u8 | `k`: iteration count, 1-64 |
| 24+n | 4 | u32 | CRC32 of bytes 0 to 23+n |
| | | | *alpha chunk, only if mode bit 4 is set:* |
| +0 | 4 | u32 | `A`: alpha payload length |
| +4 | 4 | u32 | CRC32 of the alpha payload |
| +8 | A | bytes | alpha plane, losslessly compressed (opaque to this module, e.g. PNG) |
| | | | *k iteration chunks, t = 1..k:* |
| +0 | 4 | u32 | `L`: payload length |
| +4 | 4 | u32 | CRC32 of bytes +8 to +9+L (bit check and payload) |
| +8 | 2 | u16 | bit check: low 16 bits of CRC32 of `np.packbits(bits > 0)`, see below |
| +10 | L | bytes | range-coded code bits of iteration t |

The file ends after chunk k. The bit check covers iteration t's code, the (h, w, 32) bits of each
padded tile in C order, tile after tile, with +1 packed as 1 (:func:`bits_check`). The CRCs detect
corruption; the bit check detects a decoder whose entropy model gives other probabilities than
the encoder's, which no CRC can see.

The alpha chunk precedes the iteration chunks so that every prefix of the file that ends after a
whole iteration chunk is a decodable preview: :func:`unpack` with ``max_iterations`` reads such a
prefix, and :func:`truncate_iterations` turns it into a complete file.
"""

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from rnncomp.codec.errors import (
    ChecksumError,
    EntropyMismatchError,
    ImageTooLargeError,
    InvalidHeaderError,
    NotRnncompError,
    TrailingDataError,
    TruncatedFileError,
    UnsupportedVersionError,
)

MAGIC = b"RNNC"
FORMAT_VERSION = 3  # written
READ_VERSIONS = (1, 2, 3)
MAX_MODEL_ID_BYTES = 64
MAX_ITERATIONS = 64
FLAG_ALPHA = 0x10
_COLOUR_MASK = 0x0F
_RESERVED_FLAGS = 0xE0
_MODEL_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_MODEL_ID_BYTES}}}")
_MODEL_HASH = re.compile(r"[0-9a-f]{16}")

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_HEADER_TAIL = struct.Struct("<8sIIBB")  # model hash, width, height, mode, iterations
_ALPHA_HEAD = struct.Struct("<II")  # length, CRC32
_CHUNK_HEAD = struct.Struct("<IIH")  # length, CRC32, bit check


class ColorMode(IntEnum):
    """Colour mode of the coded image."""

    RGB = 0
    GRAY = 1


@dataclass(frozen=True)
class Header:
    """File-level metadata; iteration count and alpha flag follow from the :class:`Container`.

    Attributes:
        model_id: zoo id of the model, 1–64 printable ASCII characters without spaces.
        model_hash: 16 lowercase hex digits identifying the model: :func:`weights_hash_prefix`
            in version 1, :func:`codec_hash` from version 2.
        width: image width in pixels.
        height: image height in pixels.
        mode: colour mode.
        version: format version, one of :data:`READ_VERSIONS`.

    Raises:
        InvalidHeaderError: on construction, if a field is out of range.
    """

    model_id: str
    model_hash: str
    width: int
    height: int
    mode: ColorMode = ColorMode.RGB
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not _MODEL_ID.fullmatch(self.model_id):
            raise InvalidHeaderError(
                f"invalid model id {self.model_id!r}: need 1-{MAX_MODEL_ID_BYTES} printable "
                "ASCII characters without spaces"
            )
        if not _MODEL_HASH.fullmatch(self.model_hash):
            raise InvalidHeaderError(
                f"invalid model hash {self.model_hash!r}: need 16 lowercase hex digits"
            )
        if self.version not in READ_VERSIONS:
            raise InvalidHeaderError(f"invalid format version {self.version}")
        if not (0 < self.width <= 0xFFFFFFFF and 0 < self.height <= 0xFFFFFFFF):
            raise InvalidHeaderError(f"invalid image size {self.width}x{self.height}")
        try:
            object.__setattr__(self, "mode", ColorMode(self.mode))
        except ValueError:
            raise InvalidHeaderError(f"unknown colour mode {self.mode}") from None


@dataclass(frozen=True)
class Chunk:
    """One iteration's range-coded bits and the check value of the bits they decode to.

    Raises:
        ValueError: on construction, if the payload has 4 GiB or more or the check exceeds 16 bits.
    """

    payload: bytes
    check: int

    def __post_init__(self) -> None:
        if len(self.payload) > 0xFFFFFFFF:
            raise ValueError(f"chunk payload of {len(self.payload)} bytes exceeds 4 GiB")
        if not 0 <= self.check <= 0xFFFF:
            raise ValueError(f"bit check {self.check} does not fit 16 bits")


@dataclass
class Container:
    """A whole rnncomp file: header, 1–64 iteration chunks, optional compressed alpha plane."""

    header: Header
    chunks: list[Chunk]
    alpha: bytes | None = None

    @property
    def iterations(self) -> int:
        """Number of iterations stored."""
        return len(self.chunks)


def _sha256_hex(sha256_hex: str) -> str:
    digest = sha256_hex.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a hex SHA-256 digest: {sha256_hex!r}")
    return digest


def weights_hash_prefix(sha256_hex: str) -> str:
    """Version 1's :attr:`Header.model_hash`: the start of the weights' hex SHA-256 digest."""
    return _sha256_hex(sha256_hex)[:16]


def codec_hash(weights_sha256: str, context_sha256: str | None = None,
               post_filter_sha256: str | None = None) -> str:
    """The (version 2 and 3) :attr:`Header.model_hash`, which covers the entropy model and the
    post-filter too.

    The first 16 hex digits of the SHA-256 of the ASCII string formed by the weights' lowercase
    hex SHA-256 digest followed by the entropy (context) model's, or by nothing when the model
    codes its bits at p = 1/2, then by the post-filter's (version 3), or by nothing without one.
    """
    text = "".join(_sha256_hex(sha) for sha in (weights_sha256, context_sha256,
                                                 post_filter_sha256) if sha is not None)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def bits_check(bits: np.ndarray) -> int:
    """Return the 16-bit check value of one iteration's code bits (±1 or 0/1, any shape)."""
    packed = np.packbits(np.ravel(np.asarray(bits) > 0))
    return zlib.crc32(packed.tobytes()) & 0xFFFF


def verify_bits(bits: np.ndarray, chunk: Chunk, iteration: int) -> None:
    """Check decoded ``bits`` of 1-based ``iteration`` against the check stored in ``chunk``.

    Raises:
        EntropyMismatchError: if they differ. The chunk CRC already matched, so the decoder's
            entropy model must differ from the encoder's.
    """
    if bits_check(bits) != chunk.check:
        raise EntropyMismatchError(
            f"iteration {iteration} decoded differently than it was encoded: the entropy model "
            "differs from the encoder's (other platform, backend or weights)"
        )


def pack(container: Container) -> bytes:
    """Serialise ``container``.

    Raises:
        ValueError: if the container has 0 or more than 64 chunks or an alpha payload of 4 GiB or
            more.
    """
    header = container.header
    if not 1 <= container.iterations <= MAX_ITERATIONS:
        raise ValueError(f"need 1-{MAX_ITERATIONS} iteration chunks, got {container.iterations}")
    alpha = container.alpha
    if alpha is not None and len(alpha) > 0xFFFFFFFF:
        raise ValueError(f"alpha payload of {len(alpha)} bytes exceeds 4 GiB")
    mode = int(header.mode) | (FLAG_ALPHA if alpha is not None else 0)
    model_id = header.model_id.encode("ascii")
    head = (
        MAGIC
        + bytes([header.version, len(model_id)])
        + model_id
        + _HEADER_TAIL.pack(
            bytes.fromhex(header.model_hash),
            header.width,
            header.height,
            mode,
            container.iterations,
        )
    )
    parts = [head, _U32.pack(zlib.crc32(head))]
    if alpha is not None:
        parts += [_ALPHA_HEAD.pack(len(alpha), zlib.crc32(alpha)), alpha]
    for chunk in container.chunks:
        check = _U16.pack(chunk.check)
        crc = zlib.crc32(chunk.payload, zlib.crc32(check))
        parts += [_U32.pack(len(chunk.payload)), _U32.pack(crc), check, chunk.payload]
    return b"".join(parts)


class _Reader:
    """Reads consecutive fields from a buffer, raising TruncatedFileError when it runs out."""

    def __init__(self, data: memoryview, pos: int) -> None:
        self.data = data
        self.pos = pos

    def take(self, size: int, where: str) -> memoryview:
        if size > len(self.data) - self.pos:
            raise TruncatedFileError(f"file truncated in {where}")
        self.pos += size
        return self.data[self.pos - size : self.pos]


def unpack(data: bytes, max_pixels: int = 2**28, max_iterations: int | None = None) -> Container:
    """Parse and validate an rnncomp file.

    All header fields are validated, and every length is checked against the data before it is
    used, so hostile input fails fast without large allocations. Whether the model id and model
    hash are available is for the caller to check.

    Args:
        data: the file contents.
        max_pixels: largest width * height accepted.
        max_iterations: if given, read at most this many iteration chunks and ignore whatever
            follows them, which may be missing (a file prefix) or damaged. The returned container
            holds only the chunks read. If None, all chunks must be present and intact and
            nothing may follow them.

    Raises:
        CodecError: a subclass naming the problem, for any malformed data.
        ValueError: if ``max_iterations`` is less than 1.
    """
    if max_iterations is not None and max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, got {max_iterations}")
    view = memoryview(data)
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise NotRnncompError("not an rnncomp file (bad magic)")
    reader = _Reader(view, len(MAGIC))
    version, id_length = reader.take(2, "header")
    if version not in READ_VERSIONS:
        raise UnsupportedVersionError(
            f"unsupported rnncomp format version {version} (this build reads versions "
            f"{', '.join(map(str, READ_VERSIONS))})"
        )
    if not 1 <= id_length <= MAX_MODEL_ID_BYTES:
        raise InvalidHeaderError(f"invalid model id length {id_length}")
    model_id = bytes(reader.take(id_length, "header")).decode("latin-1")
    model_hash, width, height, mode, iterations = _HEADER_TAIL.unpack(
        reader.take(_HEADER_TAIL.size, "header")
    )
    header_end = reader.pos
    (crc,) = _U32.unpack(reader.take(_U32.size, "header"))
    if zlib.crc32(view[:header_end]) != crc:
        raise ChecksumError("CRC mismatch in header: file corrupted")
    if mode & _RESERVED_FLAGS:
        raise InvalidHeaderError(f"unknown flags in mode byte 0x{mode:02x} (newer rnncomp?)")
    header = Header(model_id, model_hash.hex(), width, height, mode & _COLOUR_MASK, version)
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels"
        )
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise InvalidHeaderError(
            f"invalid iteration count {iterations} (must be 1-{MAX_ITERATIONS})"
        )

    alpha = None
    if mode & FLAG_ALPHA:
        length, crc = _ALPHA_HEAD.unpack(reader.take(_ALPHA_HEAD.size, "alpha plane"))
        alpha = bytes(reader.take(length, "alpha plane"))
        if zlib.crc32(alpha) != crc:
            raise ChecksumError("CRC mismatch in alpha plane: file corrupted")

    keep = iterations if max_iterations is None else min(iterations, max_iterations)
    chunks = []
    for t in range(1, keep + 1):
        where = f"iteration {t} of {iterations}"
        length, crc, check = _CHUNK_HEAD.unpack(reader.take(_CHUNK_HEAD.size, where))
        payload = bytes(reader.take(length, where))
        if zlib.crc32(payload, zlib.crc32(_U16.pack(check))) != crc:
            raise ChecksumError(f"CRC mismatch in iteration {t}: file corrupted")
        chunks.append(Chunk(payload, check))
    extra = len(view) - reader.pos
    if keep == iterations and extra:
        raise TrailingDataError(f"{extra} bytes of trailing garbage after the last iteration")
    return Container(header, chunks, alpha)


def truncate_iterations(data: bytes, iterations: int) -> bytes:
    """Return a valid file holding only the first ``iterations`` iterations of ``data``.

    Only the kept part of ``data`` is read, so a file prefix that ends after chunk ``iterations``
    can be completed this way.

    Raises:
        CodecError: if the kept part of ``data`` is malformed.
        ValueError: if ``iterations`` is less than 1 or more than the file holds.
    """
    if iterations < 1:
        raise ValueError(f"must keep at least 1 iteration, got {iterations}")
    # No pixel limit: nothing here allocates per pixel.
    container = unpack(data, max_pixels=2**64, max_iterations=iterations)
    if container.iterations < iterations:
        raise ValueError(
            f"cannot keep {iterations} iterations: the file holds {container.iterations}"
        )
    return pack(container)
