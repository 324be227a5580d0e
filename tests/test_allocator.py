"""rnncomp.codec.allocator: with the settings applied, a large block that is freed and allocated
again reuses the process's pages; with glibc's defaults it is mapped and page-faulted afresh."""

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")

SIZE = 64 << 20  # over glibc's largest mmap threshold (32 MB)
ROUNDS = 8

# malloc, touch every page, free; in a fresh process, since the settings are process-wide
CHILD = f"""
import ctypes, resource, sys
from rnncomp.codec import allocator
applied = allocator.retain_freed_memory() if sys.argv[1] == "retain" else False
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
def cycle():
    p = libc.malloc({SIZE})
    ctypes.memset(p, 1, {SIZE})
    libc.free(p)
cycle()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range({ROUNDS}):
    cycle()
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


def test_retained_memory_is_reused_without_page_faults():
    applied, retained = _faults("retain")
    _, default = _faults("glibc")
    assert applied == "True"
    pages = SIZE // 4096
    assert retained < pages // 10  # far under one block's pages over all rounds
    assert default > retained  # glibc's defaults map (and fault) each block again

