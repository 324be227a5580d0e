"""JAX's persistent compilation cache for the codec: a shape compiled once stays compiled.

The codec turns it on at its first compress or decompress in a process (the CLI goes through the
same calls; importing rnncomp or training does not). Compiled programs are then stored in, and
read back from, ``$RNNCOMP_CACHE_DIR``, by default ``$XDG_CACHE_HOME/rnncomp/jax`` (or
``~/.cache/rnncomp/jax``); ``RNNCOMP_CACHE_DIR=off`` turns it off. A directory that cannot be
created or written only means no cache. If JAX's cache directory is already configured (e.g.
``JAX_COMPILATION_CACHE_DIR``), that one is used as it is. The setting is process-wide: once on,
the cache also stores the process's other compilations. Like any JAX cache it holds executable
code, so it is created private (mode 700) and must not be writable by others.
"""

import functools
import os
from pathlib import Path

import jax


def cache_dir() -> Path | None:
    """The directory the environment asks for, or None for RNNCOMP_CACHE_DIR=off."""
    value = os.environ.get("RNNCOMP_CACHE_DIR")
    if value == "off":
        return None
    if value:
        return Path(value).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnncomp" / "jax"


@functools.cache
def enable() -> str | None:
    """Turn the cache on (once per process); returns its directory, or None when there is none."""
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    path = cache_dir()
    if path is None:
        return None
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(path, os.W_OK | os.X_OK):
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    # Store every program: JAX's defaults skip those compiled in under 1 s, which on CPU are
    # most of the codec's (one per shape and channel group).
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return str(path)
