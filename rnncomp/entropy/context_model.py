"""A learned binary context model: P(b = +1) for every code bit, for arithmetic coding.

In the spirit of Toderici et al. 2017's "pixel RNN" entropy coding, with passes that run in
parallel over positions. The 32 bits of iteration t at a position are split into G channel
groups, coded one after another; group g's probabilities are

    p_{t,g} = sigmoid(f(s_{t-1}, b_{t-1}, m_g ⊙ b_t, m_g, t / T)[channels of g])

where s_{t-1} is the decoder's first recurrent output after iterations 1..t-1 (it summarises all
earlier bits: the decoder holds it before it reads b_t), b_{t-1} the previous iteration's bits,
m_g the mask of channels in groups < g (already decoded) and f a small CNN (3x3, 3x3, 1x1).
Decoding one iteration takes G network passes.
"""

import flax.linen as nn
import jax.numpy as jnp

from rnncomp.layers import Conv


def group_masks(bits: int, groups: int):
    """(G, bits) float masks: row g marks the channels of groups < g (known when coding g)."""
    size = bits // groups
    channel_group = jnp.arange(bits) // size
    return (channel_group[None, :] < jnp.arange(groups)[:, None]).astype(jnp.float32)


def group_channels(bits: int, groups: int, g: int) -> slice:
    size = bits // groups
    return slice(g * size, (g + 1) * size)


class ContextModel(nn.Module):
    """f above: logits for all channels; callers read the current group's."""

    features: int = 64
    groups: int = 4
    max_iterations: int = 16

    @nn.compact
    def __call__(self, state, previous, current, mask, iteration):
        """state (N,h,w,C), previous/current (N,h,w,B) ±1 (current zero where unknown),
        mask (N,h,w,B) or (B,), iteration: int or (N,) 1-based."""
        n, h, w = state.shape[:3]
        mask = jnp.broadcast_to(mask, previous.shape)
        t = jnp.broadcast_to(jnp.asarray(iteration, jnp.float32).reshape(-1, 1, 1, 1),
                             (n, h, w, 1)) / self.max_iterations
        x = jnp.concatenate([state, previous, current * mask, mask, t], axis=-1)
        x = nn.relu(Conv(self.features, 3, use_bias=True)(x))
        x = nn.relu(Conv(self.features, 3, use_bias=True)(x))
        return Conv(previous.shape[-1], 1, use_bias=True)(x)
