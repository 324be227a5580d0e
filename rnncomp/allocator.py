"""glibc malloc settings for XLA's per-call buffers: keep freed memory, back it with huge pages.

XLA:CPU allocates each call's outputs and temporaries with malloc: tens of MB per codec
iteration for a 768x512 image, hundreds of MB per training step. By default glibc serves such
blocks with fresh mmaps (above 32 MB, and from the runtime's worker threads, whose arenas are
mmap'd heaps), gives them back to the kernel when they are freed, and lets the kernel back them
with 4 KB pages, so every call page-faults its buffers in again. Measured on the 2-core CPU:

- codec (`experiments/benchmarks/codec_profile.py kodim23.png --iterations 8`, compress and
  decompress 4 times): 2.9 M minor page faults and 5.3 s of system time in an 18 s run;
- training (`experiments/benchmarks/malloc_step.py`: a 16-iteration step of `cpu_gdn`, batch
  32 of 32x32): 180 k faults and 0.38 s of system time per 1.34 s step.

The CLI applies one remedy per kind of command, each the one that measured faster:

- `retain_freed_memory()`, for compress, decompress and eval: one arena that never maps and
  never trims (mallopt M_ARENA_MAX = 1, M_MMAP_MAX = 0, M_TRIM_THRESHOLD, at run time, before
  JAX starts its threads): 0.14 M faults and 0.4 s in the codec run above, compress and
  decompress about 15 % faster. Training's threads contend for one arena: slower.
- `exec_with_tunables()`, for train: glibc reads its tunables only at start, so the command
  re-executes itself with transparent huge pages on malloc's memory (glibc.malloc.hugetlb=1,
  glibc >= 2.35, where the kernel's THP mode is `madvise` or `always`), no mmaps and no
  trimming below 2 GB free: 800 faults and 0.12 s per step, the step 3-12 % faster in
  alternating runs. Huge pages made the codec slower on small images.

Freed memory is then reused, not returned, until the process ends: the peak RSS stays the
largest the process needed. Elsewhere than glibc on Linux both do nothing.
"""

import ctypes
import functools
import os
import platform
import sys

# mallopt parameters, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
TRIM_THRESHOLD = 2**31 - 1  # mallopt takes an int
TUNABLES = ("glibc.malloc.hugetlb=1", "glibc.malloc.mmap_max=0",
            f"glibc.malloc.trim_threshold={TRIM_THRESHOLD}")


def _glibc() -> bool:
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def exec_with_tunables() -> None:
    """Re-execute this process's command line with `TUNABLES` added to GLIBC_TUNABLES; does
    nothing when GLIBC_TUNABLES already sets glibc.malloc.hugetlb (so the new process goes on,
    and a user's own choice stands), outside glibc, or when the interpreter is unknown."""
    current = os.environ.get("GLIBC_TUNABLES", "")
    if not _glibc() or "glibc.malloc.hugetlb" in current or not sys.executable:
        return
    env = {**os.environ, "GLIBC_TUNABLES": ":".join(filter(None, (current, *TUNABLES)))}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    except OSError:
        return  # run on with glibc's defaults


@functools.cache
def retain_freed_memory() -> bool:
    """One arena that never maps and never trims (once per process); True where glibc accepted
    all three settings. Call it before JAX's first computation: threads that already have an
    arena keep it."""
    if not _glibc():
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    settings = ((M_ARENA_MAX, 1), (M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return all(mallopt(param, value) == 1 for param, value in settings)
