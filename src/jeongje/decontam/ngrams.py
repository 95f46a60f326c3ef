"""Hashed character n-grams of folded text, in numpy: one 64-bit value per window."""

from __future__ import annotations

import numpy as np

_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash (FNV prime)
_M1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser constants
_M2 = np.uint64(0x94D049BB133111EB)


def ngram_hashes(cps: np.ndarray, n: int) -> np.ndarray:
    """The hash of every window of `n` folded code points (len(cps) - n + 1 values, none for
    a shorter text). A polynomial hash mod 2**64 over the window, then mixed."""
    count = len(cps) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    c = cps.astype(np.uint64)
    h = c[:count].copy()
    for k in range(1, n):
        h *= _BASE
        h += c[k:k + count]
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return h
