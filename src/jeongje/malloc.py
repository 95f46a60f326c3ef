"""glibc malloc settings for processes that churn through large, short-lived buffers.

Every batch allocates and frees arrays and strings of a few MB (the joined texts and
shingle hashes of `dedup.minhash`, Parquet pages, JSON). With glibc's defaults, blocks
above its mmap threshold are mapped and unmapped on every batch and the free top of the
heap is handed back to the kernel, so each batch page-faults the same memory in again.
On the 100k-document dedup benchmark (one worker) that was 1.17 million minor page faults
and 3.1 s of system time; with a fixed 32 MB mmap threshold, a 128 MB trim threshold and a
64 MB top pad it is 0.13 million and 1.5 s, at the same peak RSS. Other C libraries are
left alone.

Only processes jeongje owns are tuned: its worker processes and the `jeongje` command. A
program that calls `jeongje.run` keeps its own allocator settings (the tuned process holds
on to up to ~200 MB of freed memory).
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameters
_tuned = False


def tune() -> None:
    """Apply the settings to this process (once; a no-op outside Linux/glibc)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: keep their malloc
            return
        libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 128 << 20)
        libc.mallopt(M_TOP_PAD, 64 << 20)
    except (OSError, AttributeError):
        return
