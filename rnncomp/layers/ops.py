"""Small pure array helpers: depth-to-space, padding to a multiple of the total stride, cropping."""

import jax.numpy as jnp


def depth_to_space(x, block: int = 2):
    """(N, H, W, C*b*b) -> (N, H*b, W*b, C), TensorFlow's depth_to_space channel order."""
    n, h, w, c = x.shape
    x = x.reshape(n, h, w, block, block, c // (block * block))
    x = x.transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * block, w * block, c // (block * block))


def space_to_depth(x, block: int = 2):
    """(N, H*b, W*b, C) -> (N, H, W, C*b*b), the inverse of `depth_to_space`."""
    n, h, w, c = x.shape
    x = x.reshape(n, h // block, block, w // block, block, c)
    x = x.transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // block, w // block, block * block * c)


def pad_to_multiple(x, multiple: int = 16):
    """Pad (N, H, W, C) at the bottom and right by edge replication to multiples of `multiple`."""
    h, w = x.shape[1:3]
    ph, pw = -h % multiple, -w % multiple
    if ph == 0 and pw == 0:
        return x
    return jnp.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")


def crop(x, height: int, width: int):
    """Undo `pad_to_multiple`."""
    return x[:, :height, :width, :]
