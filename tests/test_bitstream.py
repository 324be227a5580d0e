"""Tests of the rnncomp container format and of atomic file output."""

import functools
import hashlib
import os
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncomp.codec.bitstream import (
    Chunk,
    ColorMode,
    Container,
    Header,
    bits_check,
    codec_hash,
    pack,
    truncate_iterations,
    unpack,
    verify_bits,
    weights_hash_prefix,
)
from rnncomp.codec.errors import (
    ChecksumError,
    CodecError,
    EntropyMismatchError,
    ImageTooLargeError,
    InvalidHeaderError,
    NotRnncompError,
    OutputExistsError,
    TrailingDataError,
    TruncatedFileError,
    UnsupportedVersionError,
)
from rnncomp.codec.io import write_atomic
from rnncomp.entropy import BitEncoder

WEIGHTS_HASH = weights_hash_prefix(hashlib.sha256(b"weights").hexdigest())
HEADER = Header("toderici2017-gru", WEIGHTS_HASH, width=37, height=21)


def _codes(iterations: int, seed: int = 0) -> list[np.ndarray]:
    """Random ±1 codes of shape (h, w, 32) for a 37x21 image."""
    rng = np.random.default_rng(seed)
    return [np.where(rng.random((2, 3, 32)) < 0.6, 1, -1) for _ in range(iterations)]


def _chunk(code: np.ndarray) -> Chunk:
    encoder = BitEncoder()
    encoder.encode(code, np.full(code.shape, 0.6, np.float32))
    return Chunk(encoder.finish(), bits_check(code))


@functools.cache
def _sample(iterations: int = 4, alpha: bytes | None = None) -> Container:
    return Container(HEADER, [_chunk(code) for code in _codes(iterations)], alpha)


ALPHA = zlib.compress(bytes(range(200)))
SAMPLE_FILES = [pack(_sample()), pack(_sample(3, ALPHA))]


def _raw_file(
    model_id: bytes = b"m",
    version: int = 3,
    width: int = 5,
    height: int = 7,
    mode: int = 0,
    iterations: int = 1,
    body: bytes | None = None,
) -> bytes:
    """A file written straight from the format table, with a valid header CRC."""
    head = b"RNNC" + bytes([version, len(model_id)]) + model_id + bytes(range(8))
    head += struct.pack("<IIBB", width, height, mode, iterations)
    if body is None:
        body = b"".join(_raw_chunk(b"x" * t, t) for t in range(iterations))
    return head + struct.pack("<I", zlib.crc32(head)) + body


def _raw_chunk(payload: bytes, check: int) -> bytes:
    covered = struct.pack("<H", check) + payload
    return struct.pack("<II", len(payload), zlib.crc32(covered)) + covered


def test_pack_follows_the_documented_layout():
    chunks = [Chunk(b"payload-one", 0x1234), Chunk(b"", 0xFFFF)]
    container = Container(Header("m", "0001020304050607", 5, 7, ColorMode.GRAY), chunks, b"A")
    alpha = struct.pack("<II", 1, zlib.crc32(b"A")) + b"A"
    body = alpha + _raw_chunk(b"payload-one", 0x1234) + _raw_chunk(b"", 0xFFFF)
    assert pack(container) == _raw_file(mode=0x11, iterations=2, body=body)


@pytest.mark.parametrize("data", SAMPLE_FILES)
def test_round_trip(data):
    container = unpack(data)
    assert pack(container) == data
    assert container.header == HEADER


def test_version_1_files_keep_their_version():
    data = _raw_file(version=1)
    container = unpack(data)
    assert container.header.version == 1
    assert pack(container) == data
    assert truncate_iterations(data, 1) == data


def test_round_trip_preserves_every_field():
    container = _sample(2, ALPHA)
    unpacked = unpack(pack(container))
    assert unpacked == container
    assert unpacked.iterations == 2
    assert unpacked.alpha == ALPHA


@pytest.mark.parametrize("data", SAMPLE_FILES)
def test_truncate_iterations_keeps_a_prefix(data):
    full = unpack(data)
    assert truncate_iterations(data, full.iterations) == data
    for keep in range(1, full.iterations):
        smaller = truncate_iterations(data, keep)
        part = unpack(smaller)
        assert part.header == full.header
        assert part.alpha == full.alpha
        assert part.chunks == full.chunks[:keep]
        assert len(smaller) < len(data)


@pytest.mark.parametrize("keep", [0, 5])
def test_truncate_iterations_rejects_impossible_counts(keep):
    with pytest.raises(ValueError):
        truncate_iterations(SAMPLE_FILES[0], keep)


@pytest.mark.parametrize("data", SAMPLE_FILES)
def test_byte_prefix_after_a_whole_chunk_is_a_progressive_preview(data):
    full = unpack(data)
    for keep in range(1, full.iterations + 1):
        end = len(truncate_iterations(data, keep))
        # truncation rewrites only the count and the header CRC, so chunk bytes line up
        prefix = data[:end]
        assert unpack(prefix, max_iterations=keep).chunks == full.chunks[:keep]
        assert truncate_iterations(prefix, keep) == truncate_iterations(data, keep)


def test_max_iterations_beyond_count_reads_everything():
    assert unpack(SAMPLE_FILES[0], max_iterations=64) == unpack(SAMPLE_FILES[0])
    with pytest.raises(ValueError):
        unpack(SAMPLE_FILES[0], max_iterations=0)


@pytest.mark.parametrize("data", SAMPLE_FILES)
def test_every_truncation_point_raises_a_codec_error(data):
    for end in range(len(data)):
        with pytest.raises(CodecError):
            unpack(data[:end])


def test_truncation_message_names_the_iteration():
    data = SAMPLE_FILES[0]
    end = len(truncate_iterations(data, 2)) + 5
    with pytest.raises(TruncatedFileError, match=r"^file truncated in iteration 3 of 4$"):
        unpack(data[:end])


def test_trailing_garbage():
    with pytest.raises(TrailingDataError):
        unpack(SAMPLE_FILES[0] + b"\0")


def test_chunk_crc_mismatch_names_the_iteration():
    data = bytearray(SAMPLE_FILES[0])
    data[len(truncate_iterations(SAMPLE_FILES[0], 1)) + 12] ^= 1
    with pytest.raises(ChecksumError, match=r"^CRC mismatch in iteration 2: file corrupted$"):
        unpack(bytes(data))


def test_alpha_and_header_crc_mismatch():
    alpha_file = bytearray(SAMPLE_FILES[1])
    alpha_file[len(_raw_file(model_id=HEADER.model_id.encode(), body=b"")) + 8] ^= 1
    with pytest.raises(ChecksumError, match="alpha"):
        unpack(bytes(alpha_file))
    header_file = bytearray(SAMPLE_FILES[0])
    header_file[8] ^= 1
    with pytest.raises(ChecksumError, match="header"):
        unpack(bytes(header_file))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", NotRnncompError, r"^not an rnncomp file \(bad magic\)$"),
        (b"PNG\x89" + bytes(40), NotRnncompError, "bad magic"),
        (_raw_file(version=0), UnsupportedVersionError, "version 0"),
        (_raw_file(version=4), UnsupportedVersionError, "4 .this build reads versions 1, 2, 3"),
        (_raw_file(model_id=b""), InvalidHeaderError, "model id"),
        (_raw_file(model_id=b"x" * 65), InvalidHeaderError, "model id"),
        (_raw_file(model_id=b"a b"), InvalidHeaderError, "model id"),
        (_raw_file(model_id=b"\xe9"), InvalidHeaderError, "model id"),
        (_raw_file(width=0), InvalidHeaderError, "image size"),
        (_raw_file(height=0), InvalidHeaderError, "image size"),
        (_raw_file(width=2**14 + 1, height=2**14), ImageTooLargeError, "exceeds"),
        (_raw_file(mode=2), InvalidHeaderError, "colour mode"),
        (_raw_file(mode=0x20), InvalidHeaderError, "flags"),
        (_raw_file(iterations=0), InvalidHeaderError, "iteration count"),
        (_raw_file(iterations=65), InvalidHeaderError, "iteration count"),
        (_raw_file(mode=0x10, body=b""), TruncatedFileError, "alpha plane"),
        (_raw_file(body=_raw_chunk(b"abc", 1)[:-1]), TruncatedFileError, "iteration 1 of 1"),
    ],
)
def test_specific_errors(data, error, message):
    with pytest.raises(error, match=message):
        unpack(data)


def test_huge_declared_sizes_fail_fast_without_allocating():
    huge_image = _raw_file(width=2**31, height=2**31)
    huge_chunk = _raw_file(body=struct.pack("<IIH", 2**32 - 1, 0, 0) + b"tiny")
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ImageTooLargeError):
        unpack(huge_image)
    with pytest.raises(TruncatedFileError):
        unpack(huge_chunk)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1 << 20
    assert elapsed < 0.5


def _check_unpack(data: bytes, max_iterations: int | None = None) -> None:
    """Unpack must either give a container that packs back to the data read, or a CodecError."""
    try:
        container = unpack(data, max_iterations=max_iterations)
    except CodecError:
        return
    if max_iterations is None:
        assert pack(container) == data


_FUZZ = settings(max_examples=2000, deadline=None, derandomize=True, database=None)


@_FUZZ
@given(
    file_index=st.integers(0, len(SAMPLE_FILES) - 1),
    edits=st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=4),
    max_iterations=st.none() | st.integers(1, 5),
)
def test_random_byte_mutations_raise_only_codec_errors(file_index, edits, max_iterations):
    data = bytearray(SAMPLE_FILES[file_index])
    for position, value in edits:
        data[position % len(data)] = value
    _check_unpack(bytes(data), max_iterations)


@_FUZZ
@given(
    file_index=st.integers(0, len(SAMPLE_FILES) - 1),
    start=st.integers(0, 2**16),
    removed=st.integers(0, 8),
    inserted=st.binary(max_size=8),
)
def test_random_insertions_and_deletions_raise_only_codec_errors(
    file_index, start, removed, inserted
):
    data = SAMPLE_FILES[file_index]
    start %= len(data)
    _check_unpack(data[:start] + inserted + data[start + removed :])


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(tail=st.binary(max_size=64))
def test_random_bytes_after_the_magic_raise_only_codec_errors(tail):
    _check_unpack(b"RNNC" + tail)


def test_header_validates_its_fields():
    with pytest.raises(InvalidHeaderError):
        Header("has space", WEIGHTS_HASH, 1, 1)
    with pytest.raises(InvalidHeaderError):
        Header("m", "ABCDEF0123456789", 1, 1)
    with pytest.raises(InvalidHeaderError):
        Header("m", WEIGHTS_HASH, 2**32, 1)
    with pytest.raises(InvalidHeaderError):
        Header("m", WEIGHTS_HASH, 1, 1, mode=3)
    with pytest.raises(InvalidHeaderError):
        Header("m", WEIGHTS_HASH, 1, 1, version=4)
    assert Header("m", WEIGHTS_HASH, 1, 1, mode=1).mode is ColorMode.GRAY


def test_pack_rejects_invalid_containers():
    with pytest.raises(ValueError):
        pack(Container(HEADER, []))
    with pytest.raises(ValueError):
        pack(Container(HEADER, [Chunk(b"", 0)] * 65))
    with pytest.raises(ValueError):
        Chunk(b"", 2**16)


def test_weights_hash_prefix():
    digest = hashlib.sha256(b"w").hexdigest()
    assert weights_hash_prefix(digest.upper()) == digest[:16]
    with pytest.raises(ValueError):
        weights_hash_prefix(digest[:20])


def test_codec_hash_covers_weights_and_entropy_model():
    weights, context = hashlib.sha256(b"w").hexdigest(), hashlib.sha256(b"c").hexdigest()
    expected = hashlib.sha256((weights + context).encode("ascii")).hexdigest()[:16]
    assert codec_hash(weights.upper(), context) == expected
    assert codec_hash(weights) == hashlib.sha256(weights.encode("ascii")).hexdigest()[:16]
    assert len({codec_hash(weights), expected, weights_hash_prefix(weights)}) == 3
    with pytest.raises(ValueError):
        codec_hash(weights, context[:20])


def test_bits_check_detects_a_different_decode():
    code = _codes(1)[0]
    chunk = _chunk(code)
    assert bits_check(code) == bits_check((code > 0).astype(np.uint8))
    verify_bits((code > 0).astype(np.uint8), chunk, 1)
    flipped = code.copy()
    flipped[1, 2, 3] *= -1
    with pytest.raises(EntropyMismatchError, match="iteration 1"):
        verify_bits(flipped, chunk, 1)


def test_write_atomic_creates_refuses_and_overwrites(tmp_path):
    target = tmp_path / "image.rnnc"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    with pytest.raises(OutputExistsError) as caught:
        write_atomic(target, b"second")
    assert isinstance(caught.value, FileExistsError)
    assert "already exists" in str(caught.value)
    assert target.read_bytes() == b"first"
    write_atomic(str(target), b"second", overwrite=True)
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["image.rnnc"]


def test_write_atomic_leaves_nothing_on_error(tmp_path):
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "out.rnnc", "not bytes")
    directory = tmp_path / "directory"
    directory.mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(directory, b"data", overwrite=True)
    assert os.listdir(tmp_path) == ["directory"]
    assert os.listdir(directory) == []
