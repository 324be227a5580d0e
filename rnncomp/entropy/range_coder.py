"""Binary range coding of code bits with per-bit probabilities, on top of ``constriction``.

The bits of one iteration are coded in groups whose probabilities depend on earlier groups, so
both coders work incrementally: call :meth:`BitEncoder.encode` once per group, then
:meth:`BitEncoder.finish`; on the other side call :meth:`BitDecoder.decode` with each group's
probabilities as they become available, then :meth:`BitDecoder.finish`.

The compressed data is the sequence of constriction's 32-bit words in little-endian byte order, so
its length is always a multiple of 4.
"""

import constriction
import numpy as np

from rnncomp.codec.errors import CorruptStreamError

PROBABILITY_BITS = 16
_SCALE = float(1 << PROBABILITY_BITS)
_BERNOULLI = constriction.stream.model.Bernoulli(perfect=False)


def quantize_probabilities(p: np.ndarray) -> np.ndarray:
    """Round probabilities of bit=1 to the grid ``i / 2**16`` with ``1 <= i <= 2**16 - 1``.

    The network's float32 outputs may differ in the last ulp between platforms, backends or
    library versions. The range coder must see bit-identical models on both sides, so it only
    ever sees these quantised values: any two probabilities that round to the same grid point give
    the same coder model. The arithmetic is exact in float64 (scaling by a power of two, rounding
    half to even, clipping, scaling back), hence identical everywhere. Two probabilities that
    straddle a rounding boundary still disagree; the per-iteration bit check in the container then
    reports the mismatch instead of returning a wrong image silently.

    Clipping away from 0 and 1 keeps every bit encodable at a cost of at most 16 bits.

    Args:
        p: probabilities of bit=1, any shape, any float dtype, inside [0, 1].

    Returns:
        float64 array of ``p``'s shape with values in ``[2**-16, 1 - 2**-16]``.

    Raises:
        ValueError: if ``p`` holds NaN, infinities or values outside [0, 1].
    """
    p64 = np.asarray(p, dtype=np.float64)
    if not np.all((p64 >= 0.0) & (p64 <= 1.0)):
        raise ValueError("bit probabilities must lie in [0, 1] (got NaN or out-of-range values)")
    return np.clip(np.round(p64 * _SCALE), 1.0, _SCALE - 1.0) / _SCALE


def _symbols(bits: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Map bits given as 0/1 or -1/+1 to flat int32 symbols 0/1, checking shape and values."""
    bits = np.asarray(bits)
    if bits.shape != shape:
        raise ValueError(f"bits shape {bits.shape} does not match probabilities shape {shape}")
    if not np.all((bits == 0) | (bits == 1) | (bits == -1)):
        raise ValueError("bits must be 0/1 or -1/+1")
    return (bits > 0).astype(np.int32).ravel()


def ideal_code_length_bits(bits: np.ndarray, p1: np.ndarray) -> float:
    """Return the information content ``-sum(log2 p(bit))`` of ``bits`` under ``p1``, in bits.

    ``bits`` are 0/1 or -1/+1 and ``p1`` holds unquantised probabilities of bit=1 of the same
    shape. A bit with probability 0 makes the result infinite.
    """
    p1 = np.asarray(p1, dtype=np.float64)
    p_bit = np.where(_symbols(bits, p1.shape) == 1, p1.ravel(), 1.0 - p1.ravel())
    with np.errstate(divide="ignore"):
        return float(-np.sum(np.log2(p_bit)))


class BitEncoder:
    """Range-encodes groups of bits, each bit with its own probability of being 1."""

    def __init__(self) -> None:
        self._encoder = constriction.stream.queue.RangeEncoder()

    def encode(self, bits: np.ndarray, p1: np.ndarray) -> None:
        """Append ``bits`` (0/1 or -1/+1) coded with probabilities ``p1`` of the same shape.

        Bits are coded in C order; the decoder must call :meth:`BitDecoder.decode` with the same
        probabilities, in the same group order.
        """
        p = quantize_probabilities(p1)
        self._encoder.encode(_symbols(bits, p.shape), _BERNOULLI, p.ravel())

    def finish(self) -> bytes:
        """Return the compressed data of all groups encoded so far."""
        return self._encoder.get_compressed().astype("<u4").tobytes()


class BitDecoder:
    """Decodes data produced by :class:`BitEncoder`, group by group.

    Corrupt data or wrong probabilities raise :class:`CorruptStreamError` when the coder notices,
    or silently give wrong bits when it cannot; the container's bit check catches the latter.
    Reading beyond the end of the data behaves as if it were padded with zeros, so no call hangs.
    """

    def __init__(self, data: bytes) -> None:
        if len(data) % 4:
            raise CorruptStreamError(
                f"range-coded data is {len(data)} bytes long, not a multiple of 4: corrupted"
            )
        words = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        self._decoder = constriction.stream.queue.RangeDecoder(words)
        self._failed = False

    def decode(self, p1: np.ndarray) -> np.ndarray:
        """Decode as many bits as ``p1`` has elements; return them as uint8 0/1 of its shape."""
        if self._failed:
            raise CorruptStreamError("range decoder already hit invalid data")
        p = quantize_probabilities(p1)
        try:
            symbols = self._decoder.decode(_BERNOULLI, p.ravel())
        except AssertionError as error:  # constriction's way of reporting invalid data
            self._failed = True
            raise CorruptStreamError(
                "range-coded data is invalid for the entropy model: corrupted or model mismatch"
            ) from error
        return symbols.astype(np.uint8).reshape(p.shape)

    def finish(self) -> None:
        """Check, as far as the range coder can tell, that the decoded groups consumed the data.

        Raises:
            CorruptStreamError: if compressed data is certainly left over, or was noticeably read
                past its end, which means the data or the probabilities differ from the encoder's.
        """
        if self._failed or not self._decoder.maybe_exhausted():
            raise CorruptStreamError(
                "range-coded data does not match the decoded length: corrupted or model mismatch"
            )
