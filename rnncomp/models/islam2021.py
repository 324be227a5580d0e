"""Islam, Lee, Lee, "Image Compression with Recurrent Neural Network and Generalized Divisive
Normalization" (CVPR Workshops 2021, pp. 1875-1879).

Toderici et al.'s recurrent network (see `toderici2017.py`) with two blocks added:
    analysis block:  conv 3x3/2 → GDN(64) at the start of the encoder,
    synthesis block: conv 1x1 → IGDN(512) at the start of the decoder.
GDN/IGDN are the classic form of Ballé et al. 2016 (`rnncomp.layers.gdn`). Trained with 16
iterations, additive reconstruction and the L1 residual loss, like the baseline.
"""

from typing import Any

from rnncomp.models.iterative import RecurrentCodec
from rnncomp.models.toderici2017 import toderici2017


def islam2021(width: float = 1.0, cell: str = "lstm", reconstruction: str = "additive",
              analysis_gdn: bool = True, synthesis_gdn: bool = True, bits: int = 32,
              block_transform: bool = False, dtype: Any = None) -> RecurrentCodec:
    """The GDN model (paper widths by default); switch either block off for ablations."""
    return toderici2017(width, cell, reconstruction, analysis_gdn, synthesis_gdn, bits,
                        block_transform, dtype)
