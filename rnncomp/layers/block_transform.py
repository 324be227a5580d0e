"""A linear transform code of 16x16 blocks, in parallel with the recurrent networks (ours, not
in the papers): per iteration the encoder adds A · r (r a 16x16x3 residual block, 768 values) to
the binarizer's 32 pre-activations, and the decoder adds S · b to its output block:

    b_t = B(E_t(r_{t-1}) + A r_{t-1}),   D_t(b_t) + S b_t

With A = U^T, S = U diag(E|U^T r|) (U: the 32 principal directions of the residual blocks) and
the networks' terms zero, this is the one-step linear code of `experiments/linear_code_bound.py`,
which removes far more of the late residuals than the trained recurrent networks do. Both start
at zero, so a trained model extended with them is unchanged until it is trained further.
"""

import flax.linen as nn

from rnncomp.layers.ops import depth_to_space, space_to_depth

BLOCK = 16


class BlockAnalysis(nn.Module):
    """(N, H, W, C) → (N, H/16, W/16, bits): A applied to every 16x16 block."""

    bits: int = 32

    @nn.compact
    def __call__(self, residual):
        x = space_to_depth(residual, BLOCK)
        a = self.param("kernel", nn.initializers.zeros, (x.shape[-1], self.bits))
        return x @ a.astype(x.dtype)


class BlockSynthesis(nn.Module):
    """(N, h, w, bits) → (N, 16h, 16w, channels): S applied to every block's bits."""

    channels: int = 3

    @nn.compact
    def __call__(self, bits):
        s = self.param("kernel", nn.initializers.zeros,
                       (bits.shape[-1], BLOCK * BLOCK * self.channels))
        return depth_to_space(bits @ s.astype(bits.dtype), BLOCK)
