"""Models: the iterative residual coder, the two papers' networks and the zoo."""

from rnncomp.models.architectures import ARCHITECTURES, build_model
from rnncomp.models.islam2021 import islam2021
from rnncomp.models.iterative import RECONSTRUCTIONS, STRIDE, RecurrentCodec, count_params
from rnncomp.models.toderici2017 import Decoder, Encoder, GainEstimator, toderici2017

__all__ = [
    "ARCHITECTURES", "RECONSTRUCTIONS", "STRIDE", "Decoder", "Encoder", "GainEstimator",
    "RecurrentCodec", "build_model", "count_params", "islam2021", "toderici2017",
]
