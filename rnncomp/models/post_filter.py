"""A decoder-side post-filter (ours, not in the papers): x̃_k = x̂_k + F(x̂_k, k).

The recurrent decoder adds its iterations' outputs; what they leave (the block codes' edges
and the noise of ±1 codes added along fixed directions in smooth areas) depends on the image
around each pixel, which a small convolutional network sees and the decoder's additions do not.
F takes the decoded image x̂_k in [0, 1] (the uint8 image the codec outputs, / 255) and the
iteration count k, and returns a correction:

    z = [space_to_depth_2(x̂_k) - 0.5, k / 16]           (H/2 x W/2 x 13)
    z = relu(conv3x3(z)), then `depth` times z = relu(conv3x3(z))   (`width` channels)
    F = depth_to_space_2(conv3x3(z))                       (the last conv starts at zero)

so a new filter is the identity. It is trained for MS-SSIM on a zoo model's reconstructions
(`rnncomp.training.train_post_filter`) and applied by the codec after decoding.

`filter_image` defines the result for any size: the image is padded by edge replication by
`halo` (at least F's receptive field) on every side, filtered, and cropped, so that filtering
horizontal bands with that halo (`filter_in_bands`, which bounds memory) gives exactly the
whole image's result.
"""

import dataclasses
import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

BAND_ROWS = 128  # rows filtered at once by `filter_in_bands`


def space_to_depth(x):
    """(N, H, W, C) → (N, H/2, W/2, 4C), each 2x2 block's pixels on channels."""
    n, h, w, c = x.shape
    return (x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
            .reshape(n, h // 2, w // 2, 4 * c))


def depth_to_space(x):
    """The inverse of `space_to_depth`."""
    n, h, w, c = x.shape
    return (x.reshape(n, h, w, 2, 2, c // 4).transpose(0, 1, 3, 2, 4, 5)
            .reshape(n, 2 * h, 2 * w, c // 4))


class PostFilterNet(nn.Module):
    """F(x̂, k): the correction for a batch of even-sized images (N, H, W, 3) and counts (N,)."""

    width: int = 48
    depth: int = 3

    @nn.compact
    def __call__(self, x, iterations):
        z = space_to_depth(x) - 0.5
        k = jnp.broadcast_to(jnp.asarray(iterations, z.dtype).reshape(-1, 1, 1, 1) / 16.0,
                             (*z.shape[:3], 1))
        z = jnp.concatenate([z, k], axis=-1)
        for _ in range(self.depth + 1):
            z = nn.relu(nn.Conv(self.width, (3, 3))(z))
        return depth_to_space(nn.Conv(12, (3, 3), kernel_init=nn.initializers.zeros)(z))


@dataclasses.dataclass(frozen=True)
class PostFilter:
    """The post-filter as pure functions of its parameters (a zoo entry's `post_filter`)."""

    width: int = 48
    depth: int = 3

    @property
    def net(self) -> PostFilterNet:
        return PostFilterNet(self.width, self.depth)

    @property
    def halo(self) -> int:
        """Edge rows and columns that cover F's receptive field: depth + 2 convolutions at half
        resolution reach 2 (depth + 2) + 1 pixels, rounded up to an even count."""
        return 2 * (self.depth + 2) + 2

    def init(self, rng):
        x = jnp.zeros((1, 32, 32, 3), jnp.float32)
        return self.net.init(rng, x, jnp.ones((1,)))["params"]

    def filter_image(self, params, x, iterations):
        """x̃ = x̂ + F(x̂, k) for a batch (N, H, W, 3) in [0, 1], any H and W, not clipped."""
        _, h, w, _ = x.shape
        m = self.halo
        padded = jnp.pad(x, ((0, 0), (m, m + h % 2), (m, m + w % 2), (0, 0)), mode="edge")
        correction = self.net.apply({"params": params}, padded, iterations)
        return x + correction[:, m:m + h, m:m + w]

    def filter_in_bands(self, params, image: np.ndarray, iterations: int) -> np.ndarray:
        """`filter_image` of one decoded uint8 image (H, W, 3), BAND_ROWS rows at a time, each
        band with `halo` rows of the image (or edge replication) above and below: uint8."""
        h = image.shape[0]
        m = self.halo
        padded = np.pad(image, ((m, m + (-h) % BAND_ROWS), (0, 0), (0, 0)), mode="edge")
        out = np.empty_like(image)
        for y in range(0, h, BAND_ROWS):
            band = _filter_band(self, params, padded[y:y + BAND_ROWS + 2 * m], iterations)
            rows = min(BAND_ROWS, h - y)
            out[y:y + rows] = np.asarray(band)[:rows]
        return out


@functools.partial(jax.jit, static_argnums=0)
def _filter_band(post_filter: PostFilter, params, band, iterations):
    """The uint8 rows halo..-halo of a band filtered with `filter_image` (columns edge-padded,
    rows already carrying their halo)."""
    m = post_filter.halo
    x = jnp.asarray(band, jnp.float32)[None] / 255.0
    x = jnp.pad(x, ((0, 0), (0, 0), (m, m + x.shape[2] % 2), (0, 0)), mode="edge")
    y = x + post_filter.net.apply({"params": params}, x, jnp.full((1,), iterations, jnp.float32))
    y = y[0, m:-m, m:m + band.shape[1]]
    return jnp.round(jnp.clip(y, 0.0, 1.0) * 255.0).astype(jnp.uint8)
