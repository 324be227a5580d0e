"""A linear transform code of 16x16 blocks (ours, not in the papers), one matrix pair per
iteration t, beside the recurrent networks: the encoder adds A_t · r (r a residual block, 768
values) to the binarizer's 32 pre-activations, the decoder adds S_t · b_t to its output block:

    b_t = B(E_t(r_{t-1}) + A_t r_{t-1}),   D_t(b_t) + S_t b_t

With A_t = c U_t^T and S_t = U_t diag(E|U_t^T r|) (U_t: the 32 principal directions of the blocks
of r_{t-1}) and the networks' own terms negligible, iteration t is the one-step linear code of
`experiments/linear_code_bound.py`.
"""

import numpy as np

from rnncomp.layers.ops import depth_to_space, space_to_depth

BLOCK = 16


def block_analysis(residual, a):
    """(N, H, W, C), A (16·16·C, bits) → (N, H/16, W/16, bits): A applied to every block."""
    x = space_to_depth(residual, BLOCK)
    return x @ a.astype(x.dtype)


def block_synthesis(bits, s):
    """(N, h, w, bits), S (bits, 16·16·C) → (N, 16h, 16w, C): S applied to every block's bits."""
    return depth_to_space(bits @ s.astype(bits.dtype), BLOCK)


def fit_linear_code(residual: np.ndarray, bits: int):
    """The one-step linear code of the 16x16 blocks of residuals (N, H, W, C), in float64:
    U (16·16·C, bits), the blocks' `bits` principal directions, and the projections U^T r's
    mean |.| per direction and RMS over all (the scales of S_t and A_t)."""
    r = space_to_depth(np.asarray(residual, np.float64), BLOCK).reshape(-1, BLOCK * BLOCK *
                                                                         residual.shape[-1])
    _, vectors = np.linalg.eigh(r.T @ r)
    u = vectors[:, ::-1][:, :bits]
    projections = r @ u
    return u, np.mean(np.abs(projections), axis=0), np.sqrt(np.mean(projections ** 2))
