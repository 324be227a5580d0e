"""rnncomp: learned variable-rate image compression with recurrent networks in JAX/Flax.

    import rnncomp
    data = rnncomp.compress(image, iterations=8)   # bytes: a progressive file
    image = rnncomp.decompress(data)               # numpy uint8; iterations=k for a preview
"""

__version__ = "0.1.0"
__all__ = ["__version__", "compress", "decompress", "info"]

_CODEC_FUNCTIONS = ("compress", "decompress", "info")


def __getattr__(name: str):
    """The codec's functions, imported on first use: `import rnncomp` (and so the CLI's start,
    before it may re-execute itself, `rnncomp.allocator`) does not load JAX."""
    if name in _CODEC_FUNCTIONS:
        from rnncomp.codec import codec

        return getattr(codec, name)
    raise AttributeError(f"module 'rnncomp' has no attribute {name!r}")
