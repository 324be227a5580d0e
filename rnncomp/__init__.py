"""rnncomp: learned variable-rate image compression with recurrent networks in JAX/Flax.

    import rnncomp
    data = rnncomp.compress(image, iterations=8)   # bytes: a progressive file
    image = rnncomp.decompress(data)               # numpy uint8; iterations=k for a preview
"""

from rnncomp.codec.codec import compress, decompress, info

__version__ = "0.1.0"
__all__ = ["__version__", "compress", "decompress", "info"]
