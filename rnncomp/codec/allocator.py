"""Keep freed memory in the process: glibc malloc settings for the codec's per-call buffers.

XLA:CPU allocates each call's outputs and temporaries with malloc, tens of MB per iteration for a
768x512 image. By default glibc serves such blocks with fresh mmaps (above 32 MB, and from the
runtime's worker threads, whose arenas are mmap'd heaps) and gives them back to the kernel when
they are freed, so every call page-faults its buffers in again. Measured on the 2-core CPU
(`experiments/benchmarks/codec_profile.py kodim23.png --iterations 8`, compress and decompress 4
times): 2.9 M minor page faults and 5.3 s of system time in an 18 s run. One arena
(M_ARENA_MAX = 1) that never maps (M_MMAP_MAX = 0) and never trims below 2 GB free
(M_TRIM_THRESHOLD) keeps the pages: 0.14 M faults and 0.4 s. The peak RSS stays the largest
the process needed; freed memory is reused, not returned, until the process ends.

The CLI applies this before its first JAX computation. A Python program can call
`retain_freed_memory()` the same way, before JAX starts its threads (the first array
operation); later, threads that already have an arena keep it. Only glibc has these settings:
elsewhere the call does nothing.
"""

import ctypes
import functools
import platform

# mallopt parameters, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
TRIM_THRESHOLD = 2**31 - 1  # mallopt takes an int


@functools.cache
def retain_freed_memory() -> bool:
    """Apply the settings above (once per process); True where glibc accepted all three."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    settings = ((M_ARENA_MAX, 1), (M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return all(mallopt(param, value) == 1 for param, value in settings)
