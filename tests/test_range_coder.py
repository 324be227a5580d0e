"""Tests of the binary range coder wrapper."""

import numpy as np
import pytest

from rnncomp.codec.errors import CorruptStreamError
from rnncomp.entropy import (
    PROBABILITY_BITS,
    BitDecoder,
    BitEncoder,
    ideal_code_length_bits,
    quantize_probabilities,
)


def _probabilities(kind: str, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    if kind == "uniform":
        return rng.random(shape, dtype=np.float32)
    if kind == "skewed":
        return rng.beta(0.05, 0.05, shape).astype(np.float32)
    if kind == "extreme":
        return rng.choice(np.float32([0.0, 1e-9, 1.0 - 1e-7, 1.0]), shape)
    return np.full(shape, 0.5, np.float32)


def _sample_bits(rng: np.random.Generator, p1: np.ndarray) -> np.ndarray:
    """Draw ±1 bits distributed according to ``p1``."""
    return np.where(rng.random(p1.shape) < p1, 1, -1).astype(np.int8)


@pytest.mark.parametrize("kind", ["uniform", "skewed", "extreme", "half"])
@pytest.mark.parametrize("size", [1, 37, 20000])
def test_round_trip_single_group(kind, size):
    rng = np.random.default_rng(size)
    p1 = _probabilities(kind, rng, (size,))
    bits = _sample_bits(rng, p1)
    encoder = BitEncoder()
    encoder.encode(bits, p1)
    data = encoder.finish()

    decoder = BitDecoder(data)
    decoded = decoder.decode(p1)
    decoder.finish()
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, (bits > 0).astype(np.uint8))
    ideal = ideal_code_length_bits(bits, quantize_probabilities(p1))
    assert 8 * len(data) <= ideal * 1.01 + 64


def _group_probabilities(decoded: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """A toy context model: the next group's probabilities depend on all earlier decoded bits."""
    if not decoded:
        return np.full(shape, 0.3, np.float32)
    context = np.mean([np.mean(group, axis=-1, keepdims=True) for group in decoded], axis=0)
    return np.broadcast_to(0.05 + 0.9 * context, shape).astype(np.float32)


def test_round_trip_groups_with_sequential_context():
    rng = np.random.default_rng(1)
    h, w, channels, groups = 6, 9, 32, 4
    code = np.where(rng.random((h, w, channels)) < 0.7, 1, -1)
    group_bits = np.split(code, groups, axis=-1)

    encoder = BitEncoder()
    seen = []
    for bits in group_bits:
        encoder.encode(bits, _group_probabilities(seen, bits.shape))
        seen.append((bits > 0).astype(np.uint8))
    data = encoder.finish()

    decoder = BitDecoder(data)
    decoded = []
    for bits in group_bits:
        decoded.append(decoder.decode(_group_probabilities(decoded, bits.shape)))
    decoder.finish()
    np.testing.assert_array_equal(np.concatenate(decoded, axis=-1), (code > 0).astype(np.uint8))


def test_accepts_zero_one_and_plus_minus_one_bits_identically():
    rng = np.random.default_rng(2)
    p1 = rng.random((4, 5, 32))
    bits01 = (rng.random(p1.shape) < p1).astype(np.uint8)
    streams = []
    for bits in (bits01, 2 * bits01.astype(np.int8) - 1, bits01.astype(bool)):
        encoder = BitEncoder()
        encoder.encode(bits, p1)
        streams.append(encoder.finish())
    assert streams[0] == streams[1] == streams[2]


def test_empty_groups_and_empty_stream():
    encoder = BitEncoder()
    encoder.encode(np.zeros((0, 32)), np.zeros((0, 32)))
    assert encoder.finish() == b""
    decoder = BitDecoder(b"")
    assert decoder.decode(np.zeros((0, 32))).shape == (0, 32)
    decoder.finish()


def test_quantisation_is_on_grid_inside_open_interval_and_deterministic():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(10000, dtype=np.float32), np.float32([0, 1, 0.5, 1e-30])])
    q = quantize_probabilities(p)
    scale = 2**PROBABILITY_BITS
    assert q.dtype == np.float64
    assert np.all((q > 0) & (q < 1))
    np.testing.assert_array_equal(q * scale, np.round(q * scale))
    np.testing.assert_array_equal(q, quantize_probabilities(p.astype(np.float64)))
    np.testing.assert_array_equal(q, quantize_probabilities(q))
    assert np.max(np.abs(q - p)) <= 1 / scale


def test_quantisation_absorbs_last_ulp_differences():
    p = np.float32(0.3)
    neighbours = np.float32([np.nextafter(p, 0), p, np.nextafter(p, 1)])
    assert len(set(quantize_probabilities(neighbours))) == 1


@pytest.mark.parametrize("bad", [np.nan, np.inf, -0.1, 1.5])
def test_invalid_probabilities_raise_value_error(bad):
    with pytest.raises(ValueError):
        quantize_probabilities(np.float32([0.5, bad]))
    with pytest.raises(ValueError):
        BitDecoder(b"\0" * 8).decode(np.float32([bad]))


def test_invalid_bits_raise_value_error():
    with pytest.raises(ValueError, match="shape"):
        BitEncoder().encode(np.ones(3), np.full(4, 0.5))
    with pytest.raises(ValueError, match="0/1"):
        BitEncoder().encode(np.array([0, 2]), np.full(2, 0.5))


def test_ideal_code_length():
    assert ideal_code_length_bits(np.array([1, -1]), np.array([0.5, 0.75])) == pytest.approx(3.0)
    assert ideal_code_length_bits(np.array([1]), np.array([0.0])) == np.inf


def test_decoding_past_the_end_returns_and_finish_reports_it():
    rng = np.random.default_rng(4)
    p1 = rng.random(1000)
    encoder = BitEncoder()
    encoder.encode(_sample_bits(rng, p1), p1)
    decoder = BitDecoder(encoder.finish())
    decoder.decode(p1)
    assert decoder.decode(np.full(100_000, 0.5)).shape == (100_000,)
    with pytest.raises(CorruptStreamError):
        decoder.finish()


def test_length_not_multiple_of_four_is_corrupt():
    with pytest.raises(CorruptStreamError):
        BitDecoder(b"abcde")


def test_garbage_data_raises_only_corrupt_stream_error():
    rng = np.random.default_rng(5)
    outcomes = {"ok": 0, "corrupt": 0}
    for _ in range(1500):
        data = rng.bytes(int(rng.integers(0, 80)))
        try:
            decoder = BitDecoder(data)
            for _ in range(int(rng.integers(1, 4))):
                kind = rng.choice(["uniform", "skewed", "extreme"])
                decoded = decoder.decode(_probabilities(kind, rng, (int(rng.integers(0, 600)),)))
                assert set(np.unique(decoded)) <= {0, 1}
            decoder.finish()
            outcomes["ok"] += 1
        except CorruptStreamError:
            outcomes["corrupt"] += 1
    assert outcomes["corrupt"] > 0
