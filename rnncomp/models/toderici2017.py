"""Toderici et al. 2017, "Full Resolution Image Compression with Recurrent Neural Networks"
(CVPR 2017): the recurrent encoder, binarizer and decoder of one iteration.

Layout of the authors' public reimplementation (1zb/pytorch-image-comp-rnn), no conv biases:

    residual (H, W, 3)
      │ conv 3x3/2 → 64 [GDN: Islam et al.'s analysis block]
      │ ConvRNN 256 (3x3/2, hidden 1x1)  ─┐
      │ ConvRNN 512 (3x3/2, hidden 1x1)   ├ encoder carry
      │ ConvRNN 512 (3x3/2, hidden 1x1)  ─┘
      │ binarizer: conv 1x1 → 32, tanh, ±1            bits (H/16, W/16, 32)
      │ conv 1x1 → 512 [IGDN: Islam et al.'s synthesis block]
      │ ConvRNN 512 (3x3, hidden 1x1), depth-to-space ─┐
      │ ConvRNN 512 (3x3, hidden 1x1), depth-to-space  │ decoder carry
      │ ConvRNN 256 (3x3, hidden 3x3), depth-to-space  │
      │ ConvRNN 128 (3x3, hidden 3x3), depth-to-space ─┘
      │ conv 1x1 → 3, tanh / 2
    decoded output (H, W, 3)

`width` scales every hidden width (not the 32 bits); width=1 is the paper network (~35 M params).
`toderici2017()` builds the LSTM baseline; the iteration loop lives in `iterative.py`.
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnncomp.layers import CELLS, GDN, IGDN, Binarizer, Conv, depth_to_space, zero_carry
from rnncomp.models.iterative import RecurrentCodec

ENCODER_WIDTHS = (64, 256, 512, 512)
DECODER_WIDTHS = (512, 512, 256, 128)
DECODER_HIDDEN_KERNELS = (1, 1, 3, 3)


def scaled(channels: int, width: float) -> int:
    """A hidden width times the multiplier; depth-to-space needs multiples of 4."""
    c = int(round(channels * width))
    if c < 4 or c % 4:
        raise ValueError(f"width {width} gives {c} channels for {channels}: need a multiple of 4")
    return c


class Encoder(nn.Module):
    """E: residual → (carry, bits). `analysis_gdn` adds GDN after the first conv (Islam 2021)."""

    width: float = 1.0
    cell: str = "lstm"
    bits: int = 32
    analysis_gdn: bool = False
    dtype: Any = None

    def setup(self):
        c0, c1, c2, c3 = (scaled(c, self.width) for c in ENCODER_WIDTHS)
        cell = CELLS[self.cell]
        self.conv = Conv(c0, 3, 2, dtype=self.dtype)
        self.gdn = GDN() if self.analysis_gdn else None
        self.rnn1 = cell(c1, input_kernel=3, input_stride=2, hidden_kernel=1, dtype=self.dtype)
        self.rnn2 = cell(c2, input_kernel=3, input_stride=2, hidden_kernel=1, dtype=self.dtype)
        self.rnn3 = cell(c3, input_kernel=3, input_stride=2, hidden_kernel=1, dtype=self.dtype)
        self.binarizer = Binarizer(self.bits, dtype=self.dtype)

    def __call__(self, carry, residual, rng=None, extra=None):
        """`extra`: a term added to the binarizer's pre-activation (the block transform's)."""
        x = self.conv(residual)
        if self.gdn is not None:
            x = self.gdn(x)
        c1, x = self.rnn1(carry[0], x)
        c2, x = self.rnn2(carry[1], x)
        c3, x = self.rnn3(carry[2], x)
        return (c1, c2, c3), self.binarizer(x, rng, extra)

    def zero_carry(self, n: int, height: int, width: int):
        """Initial carry for a padded image of height x width (multiples of 16)."""
        widths = [scaled(c, self.width) for c in ENCODER_WIDTHS[1:]]
        return tuple(
            zero_carry(self.cell, (n, height // s, width // s, c))
            for s, c in zip((4, 8, 16), widths, strict=True)
        )


class Decoder(nn.Module):
    """D: bits → (carry, output in [-0.5, 0.5]). `synthesis_gdn` adds IGDN (Islam 2021)."""

    width: float = 1.0
    cell: str = "lstm"
    synthesis_gdn: bool = False
    dtype: Any = None

    def setup(self):
        widths = [scaled(c, self.width) for c in DECODER_WIDTHS]
        cell = CELLS[self.cell]
        self.conv_in = Conv(widths[0], 1, dtype=self.dtype)
        self.igdn = IGDN() if self.synthesis_gdn else None
        self.rnns = [
            cell(c, input_kernel=3, input_stride=1, hidden_kernel=k, dtype=self.dtype)
            for c, k in zip(widths, DECODER_HIDDEN_KERNELS, strict=True)
        ]
        self.conv_out = Conv(3, 1, dtype=self.dtype)

    def __call__(self, carry, bits):
        x = self.conv_in(bits)
        if self.igdn is not None:
            x = self.igdn(x)
        new_carry = []
        for rnn, c in zip(self.rnns, carry, strict=True):
            c, x = rnn(c, x)
            new_carry.append(c)
            x = depth_to_space(x, 2)
        return tuple(new_carry), jnp.tanh(self.conv_out(x)) / 2.0

    def zero_carry(self, n: int, height: int, width: int):
        """Initial carry for a padded image of height x width (multiples of 16)."""
        widths = [scaled(c, self.width) for c in DECODER_WIDTHS]
        return tuple(
            zero_carry(self.cell, (n, height // s, width // s, c))
            for s, c in zip((16, 8, 4, 2), widths, strict=True)
        )


class GainEstimator(nn.Module):
    """Residual scaling (Toderici et al. 2017, section 3.3): a gain per 16x16 block, estimated from
    the reconstruction so far, g_t = G(x̂_{t-1}) >= 1. The encoder sees g_t·r_{t-1}; the decoded
    output is divided by g_t. Four 3x3/2 convs with ELU, then softplus + 1.
    """

    features: int = 32
    dtype: Any = None

    @nn.compact
    def __call__(self, reconstruction):
        x = reconstruction - 0.5
        for _ in range(4):
            x = nn.elu(Conv(self.features, 3, 2, use_bias=True, dtype=self.dtype)(x))
        g = 1.0 + nn.softplus(Conv(1, 1, use_bias=True, dtype=self.dtype)(x))
        return jnp.repeat(jnp.repeat(g, 16, axis=1), 16, axis=2)


def toderici2017(width: float = 1.0, cell: str = "lstm", reconstruction: str = "additive",
                 analysis_gdn: bool = False, synthesis_gdn: bool = False, bits: int = 32,
                 block_transform: bool = False, dtype: Any = None) -> RecurrentCodec:
    """The LSTM baseline (paper widths by default); the GDN flags give Islam et al.'s variants,
    `block_transform` our per-iteration linear block code beside the networks (iterative.py)."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}: choose one of {sorted(CELLS)}")
    for channels in ENCODER_WIDTHS + DECODER_WIDTHS:
        scaled(channels, width)  # refuse bad widths now, not at the first call
    gain = GainEstimator(scaled(32, max(width, 0.125)), dtype=dtype)
    return RecurrentCodec(
        encoder=Encoder(width, cell, bits, analysis_gdn, dtype),
        decoder=Decoder(width, cell, synthesis_gdn, dtype),
        reconstruction=reconstruction,
        gain=gain if reconstruction == "residual_scaling" else None,
        block_transform=block_transform,
    )
