"""Layers: GDN/IGDN, convolutional recurrent cells, the binarizer and array helpers."""

from rnncomp.layers.binarizer import Binarizer, sign_binarize, stochastic_binarize
from rnncomp.layers.block_transform import block_analysis, block_synthesis
from rnncomp.layers.conv import Conv, extract_patches
from rnncomp.layers.conv_rnn import CELLS, ConvGRUCell, ConvLSTMCell, zero_carry
from rnncomp.layers.gdn import GDN, IGDN
from rnncomp.layers.ops import crop, depth_to_space, pad_to_multiple, space_to_depth
from rnncomp.layers.parametrize import lower_bound, nonnegative_init, nonnegative_value

__all__ = [
    "CELLS", "GDN", "IGDN", "Binarizer", "Conv", "ConvGRUCell", "ConvLSTMCell", "block_analysis",
    "block_synthesis", "crop", "depth_to_space", "extract_patches", "lower_bound",
    "nonnegative_init", "nonnegative_value", "pad_to_multiple", "sign_binarize",
    "space_to_depth", "stochastic_binarize", "zero_carry",
]
