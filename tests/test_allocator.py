"""rnncomp.allocator: with its settings a large block freed and allocated again reuses the
process's pages, and first-touched pages come in huge pages; with glibc's defaults every block
is mapped and page-faulted afresh, 4 KB at a time."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from rnncomp import allocator

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")

SIZE = 64 << 20  # over glibc's largest mmap threshold (32 MB)
PAGES = SIZE // 4096
ROUNDS = 8
THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")

# malloc, touch every page, free: minor page faults of the first block and of ROUNDS more
CHILD = f"""
import ctypes, os, resource, sys
from rnncomp import allocator
if sys.argv[1] == "retain":
    assert allocator.retain_freed_memory()
if sys.argv[1] == "tunables":
    allocator.exec_with_tunables()
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def cycle():
    p = libc.malloc({SIZE})
    ctypes.memset(p, 1, {SIZE})
    libc.free(p)
before = faults()
cycle()
first = faults() - before
for _ in range({ROUNDS}):
    cycle()
print(first, faults() - before - first, os.environ.get("GLIBC_TUNABLES", ""))
"""


def _run(mode: str) -> tuple[int, int, str]:
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    return int(out[0]), int(out[1]), (out[2] if len(out) > 2 else "")


def test_retained_memory_is_reused_without_page_faults():
    _, retained, _ = _run("retain")
    _, default, _ = _run("glibc")
    assert retained < PAGES // 10  # far under one block's pages over all rounds
    assert default > retained  # glibc's defaults map (and fault) each block again


def test_exec_with_tunables_restarts_the_command_with_them():
    first, again, tunables = _run("tunables")
    assert tunables.split(":") == list(allocator.TUNABLES)  # the restarted process has them
    assert again < PAGES // 10  # mmap_max=0 and trim_threshold: freed blocks are reused
    if "[never]" not in (THP.read_text() if THP.exists() else "[never]"):
        assert first < PAGES // 10  # hugetlb=1: 2 MB pages where the kernel allows them


def test_exec_with_tunables_keeps_a_users_own_choice(monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")
    allocator.exec_with_tunables()  # returns instead of replacing the test process
