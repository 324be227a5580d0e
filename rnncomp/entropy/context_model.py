"""A learned binary context model: P(b = +1) for every code bit, for arithmetic coding.

In the spirit of Toderici et al. 2017's "pixel RNN" entropy coding, with passes that run in
parallel over positions. The 32 bits of iteration t are coded in P passes; pass π codes the bits
marked by its target mask τ_π given the bits marked by its known mask m_π (everything coded in
earlier passes of the iteration):

    p_{t,π} = sigmoid(f(s_{t-1}, b_{t-1}, m_π ⊙ b_t, m_π, t / T)[τ_π])

where s_{t-1} is the decoder's first recurrent output after iterations 1..t-1 (it summarises all
earlier bits: the decoder holds it before it reads b_t), b_{t-1} the previous iteration's bits
and f a small CNN (3x3, 3x3, 1x1). The bits are split into G channel groups coded one after
another (P = G); with `checkerboard`, the positions with i + j even ("anchors") are coded first,
all G groups, then the others, which so see their four coded neighbours' bits (P = 2G, as in
He et al. 2021's checkerboard context model).

With `modeled_iterations` = M, only iterations 1..M use f; the bits of later iterations are
coded in one pass with p = 1/2. Trained models cost at least a bit per bit on the iterations of
the block transform (1.00-1.01 on validation from iteration 6), so there f spends time for
nothing.
"""

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

from rnncomp.layers import Conv


def coding_passes(bits: int, groups: int, checkerboard: bool, height: int, width: int):
    """(known, target): float32 / bool (P, height, width, bits) masks of the passes in order."""
    channel_group = np.arange(bits) // (bits // groups)
    i, j = np.indices((height, width))
    parities = ((i + j) % 2 == 0, (i + j) % 2 == 1) if checkerboard else (np.ones_like(i, bool),)
    known, target, done = [], [], np.zeros((height, width, bits), bool)
    for positions in parities:
        for g in range(groups):
            known.append(done.copy())
            target.append(positions[..., None] & (channel_group == g))
            done |= target[-1]
    return np.stack(known).astype(np.float32), np.stack(target)


class ContextModel(nn.Module):
    """f above: logits for all bits; callers read the current pass's."""

    features: int = 64
    groups: int = 4
    max_iterations: int = 16
    checkerboard: bool = False
    modeled_iterations: int | None = None  # None: all

    def models(self, iteration: int) -> bool:
        """Whether iteration t (1-based) is coded with f, or else with p = 1/2."""
        return self.modeled_iterations is None or iteration <= self.modeled_iterations

    @nn.compact
    def __call__(self, state, previous, current, mask, iteration):
        """state (N,h,w,C), previous/current (N,h,w,B) ±1 (current zero where unknown),
        mask (N,h,w,B), (h,w,B) or (B,), iteration: int or (N,) 1-based."""
        n, h, w = state.shape[:3]
        mask = jnp.broadcast_to(mask, previous.shape)
        t = jnp.broadcast_to(jnp.asarray(iteration, jnp.float32).reshape(-1, 1, 1, 1),
                             (n, h, w, 1)) / self.max_iterations
        x = jnp.concatenate([state, previous, current * mask, mask, t], axis=-1)
        x = nn.relu(Conv(self.features, 3, use_bias=True)(x))
        x = nn.relu(Conv(self.features, 3, use_bias=True)(x))
        return Conv(previous.shape[-1], 1, use_bias=True)(x)
