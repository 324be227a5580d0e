"""Models: the iterative residual coder and the two papers' networks."""

from rnncomp.models.islam2021 import islam2021
from rnncomp.models.iterative import RECONSTRUCTIONS, STRIDE, RecurrentCodec, count_params
from rnncomp.models.toderici2017 import Decoder, Encoder, GainEstimator, toderici2017

__all__ = [
    "RECONSTRUCTIONS", "STRIDE", "Decoder", "Encoder", "GainEstimator", "RecurrentCodec",
    "count_params", "islam2021", "toderici2017",
]
