"""MinHash signatures for Korean text, vectorised with numpy.

Shingles are character n-grams (default; Korean-correct: no tokenizer, so contractions and
spacing errors cannot break them) or eojeol (whitespace word) n-grams, hashed to 64 bits
with a polynomial rolling hash over code points and a splitmix64 finaliser, all from the
same normalised string. Signatures use one-permutation hashing (Li, Owen & Zhang 2012):
each shingle hash picks one of `num_perm` bins by its high bits and competes there with
its low bits, so a document costs O(shingles) instead of O(shingles x permutations); empty
bins of short texts are filled by rotation densification (Shrivastava & Li 2014). The
fraction of equal bins between two signatures estimates the Jaccard similarity of their
shingle sets.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np

_P = np.uint64(0x100000001B3)  # odd multiplier of the rolling hash
_EMPTY = np.uint32(0xFFFFFFFF)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def normalise(text: str) -> str:
    """The string shingles are taken from: NFC (Hangul typed as decomposed jamo is the same
    syllables), whitespace runs folded, Latin lower-cased."""
    if not unicodedata.is_normalized("NFC", text):  # a quick check; almost every text is
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split()).lower()  # as re.sub(r"\s+", " ", text).strip(), 5x faster


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX2
    return h ^ (h >> np.uint64(31))


def _rolling(units: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of every run of `n` consecutive units (the whole array if shorter)."""
    if len(units) == 0:
        units = np.zeros(1, dtype=np.uint64)
    n = min(n, len(units))
    count = len(units) - n + 1
    h = np.zeros(count, dtype=np.uint64)
    for k in range(n):
        h = h * _P + units[k : k + count]
    return _mix(h + np.uint64(n))


def shingle_hashes(text: str, kind: str = "char", n: int = 5) -> np.ndarray:
    """64-bit hashes of the document's character or eojeol n-grams (never empty)."""
    norm = normalise(text)
    if kind == "char":
        units = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    else:
        units = np.array([int.from_bytes(hashlib.blake2b(w.encode("utf-8", "surrogatepass"),
                                                         digest_size=8).digest(), "little")
                          for w in norm.split(" ") if w], dtype=np.uint64)
    return _rolling(units, n)


def batch_shingle_hashes(texts: list[str], kind: str = "char", n: int = 5
                         ) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_hashes` of every text, concatenated, and how many each text has.

    Character shingles of the whole batch come from one rolling hash over the joined
    texts (windows that cross from one text into the next are left out), so the numpy
    calls are per batch, not per document; the values are those of `shingle_hashes`.
    """
    if kind != "char" or not texts:
        hashes = [shingle_hashes(t, kind, n) for t in texts]
        counts = np.array([len(h) for h in hashes], dtype=np.int64)
        return (np.concatenate(hashes) if hashes else np.empty(0, np.uint64)), counts
    norms = [normalise(t) for t in texts]
    lengths = np.array([len(t) for t in norms], dtype=np.int64)
    units = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    long = lengths >= n
    counts = np.where(long, lengths - n + 1, 1)  # a text shorter than n is one shingle
    starts = np.cumsum(lengths) - lengths
    windows = len(units) - n + 1
    long_h = np.empty(0, dtype=np.uint64)
    if long.any():  # then the joined texts have at least one window
        h = np.zeros(windows, dtype=np.uint64)
        for k in range(n):
            h = h * _P + units[k : k + windows]
        per = counts[long]
        first = np.cumsum(per) - per
        at = np.arange(int(per.sum()), dtype=np.int64) + np.repeat(starts[long] - first, per)
        long_h = _mix(h[at] + np.uint64(n))
    if long.all():
        return long_h, counts
    in_long = np.repeat(long, counts)
    out = np.empty(len(in_long), dtype=np.uint64)
    out[in_long] = long_h
    out[~in_long] = [_rolling(units[a : a + m], n)[0]
                     for a, m in zip(starts[~long].tolist(), lengths[~long].tolist(), strict=True)]
    return out, counts


def signatures(hashes: list[np.ndarray], num_perm: int) -> np.ndarray:
    """One-permutation MinHash signatures (uint32, shape docs x num_perm) for a batch."""
    if not hashes:
        return np.full((0, num_perm), _EMPTY, dtype=np.uint32)
    return flat_signatures(np.concatenate(hashes), np.array([len(h) for h in hashes]), num_perm)


def flat_signatures(all_h: np.ndarray, counts: np.ndarray, num_perm: int) -> np.ndarray:
    """`signatures` of documents whose hashes are concatenated in `all_h` (`counts` each)."""
    docs = len(counts)
    sig = np.full(docs * num_perm, _EMPTY, dtype=np.uint32)
    if docs == 0:
        return sig.reshape(0, num_perm)
    owner = np.repeat(np.arange(docs, dtype=np.uint64), counts)
    bins = ((all_h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
    values = (all_h & np.uint64(0xFFFFFFFE)).astype(np.uint32)  # 0xFFFFFFFF marks empty bins
    np.minimum.at(sig, owner * np.uint64(num_perm) + bins, values)
    sig = sig.reshape(docs, num_perm)
    empty = sig == _EMPTY
    if empty.any():
        _densify(sig, empty)
    return sig


def _densify(sig: np.ndarray, empty: np.ndarray) -> None:
    """Fill empty bins from the next non-empty bin to the right (circularly), offset by the
    distance so that borrowed values stay comparable across documents."""
    num_perm = sig.shape[1]
    rows = np.nonzero(empty.any(axis=1) & ~empty.all(axis=1))[0]  # all empty: nothing to borrow
    if len(rows) == 0:
        return
    filled = ~empty[rows]
    twice = np.arange(2 * num_perm)
    # the next filled bin at or after each bin, counted on the row laid out twice
    at = np.where(np.concatenate([filled, filled], axis=1), twice, 2 * num_perm)
    nxt = np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1][:, :num_perm]
    distance = (nxt - twice[:num_perm]).astype(np.uint64)
    borrowed = np.take_along_axis(sig[rows], nxt % num_perm, axis=1).astype(np.uint64)
    values = ((borrowed + distance * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
    sig[rows] = np.where(filled, sig[rows], values)


def band_hashes(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """64-bit hash of each band of `rows` signature values (shape docs x bands)."""
    docs = sig.shape[0]
    blocks = sig[:, : bands * rows].astype(np.uint64).reshape(docs, bands, rows)
    h = np.zeros((docs, bands), dtype=np.uint64)
    for r in range(rows):
        h = h * _P + blocks[:, :, r]
    return _mix(h + np.arange(bands, dtype=np.uint64))  # the band index keeps bands apart


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal signature values."""
    return float(np.mean(a == b))
