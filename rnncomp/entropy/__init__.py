"""Entropy coding of the binary codes."""

from rnncomp.entropy.range_coder import (
    PROBABILITY_BITS,
    BitDecoder,
    BitEncoder,
    ideal_code_length_bits,
    quantize_probabilities,
)

__all__ = [
    "PROBABILITY_BITS",
    "BitDecoder",
    "BitEncoder",
    "ideal_code_length_bits",
    "quantize_probabilities",
]
