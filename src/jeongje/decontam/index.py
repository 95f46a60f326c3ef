"""The decontamination index: hashed character n-grams of folded benchmark items, each
pointing to the items that contain it; built once from benchmark files, saved as one
`.npz` file (numpy arrays and a JSON header, no pickle) and loaded once per worker.

Build: every item's texts (passage, question, options) are folded (`fold.py`: letters and
digits only, lower-cased, markers and line breaks gone) and cut into windows of `n`
folded characters; an n-gram found in more than `max_df` items (a stock phrase such as
`다음중옳지않은것은`) is left out, and an item keeps the count of its remaining n-grams. An
item with fewer than `min_ngrams` of them (a six-syllable review sentence) cannot be told
apart from ordinary text and is listed as `too_short` instead.

Match (`find`): a document's n-grams are looked up with one `searchsorted`; an item is
found when the document holds at least `min_ngrams` of its n-grams and either a share
`min_coverage` of them or, for an item with a passage, `long_ngrams` of them (a long
passage reproduced without its questions; options that quote a statute, as KMMLU's do,
are not enough on their own). The passage and the question of an item are also indexed
on their own (from `PART_MIN_NGRAMS` n-grams, about 40 letters): a page that carries
only the question, or only the passage, is found when it holds `part_coverage` (80%) of
that part's n-grams. An n-gram counts towards `max_df` once per item. The matched span is the run of matched windows (gaps of at most `max_gap`
folded characters closed) mapped back to character offsets of the document.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import fold as folding
from .benchmarks import Item
from .ngrams import ngram_hashes

FORMAT = 2
DEFAULT_N = 10
DEFAULT_MAX_DF = 50
DEFAULT_MIN_NGRAMS = 15
PART_MIN_NGRAMS = 30  # a passage or question on its own is indexed from about 40 letters
WHOLE, PASSAGE, QUESTION = 0, 1, 2
PARTS = ("item", "passage", "question")


@dataclass
class Match:
    """One benchmark item found in a document."""

    benchmark: str
    item: str
    matched: int  # distinct n-grams of the item found
    ngrams: int  # the item's n-grams in the index
    spans: list[tuple[int, int]]  # character offsets into the document
    part: str = "item"  # what was found: the whole item, or its passage or question alone

    @property
    def coverage(self) -> float:
        return self.matched / self.ngrams if self.ngrams else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "item": self.item, "coverage": round(self.coverage, 3),
                "ngrams": self.matched, "part": self.part, "spans": [list(s) for s in self.spans]}


@dataclass
class Index:
    n: int
    keys: np.ndarray  # uint64, sorted, unique
    starts: np.ndarray  # int64, len(keys) + 1: postings of keys[k] are postings[starts[k]:starts[k+1]]
    postings: np.ndarray  # int32 item numbers
    item_ngrams: np.ndarray  # int32 informative n-grams per item
    item_bench: np.ndarray  # int16 benchmark number per item
    item_passage: np.ndarray  # bool: the item has a passage (the long-match rule applies)
    item_part: np.ndarray  # uint8: WHOLE, or the PASSAGE or QUESTION of the item on its own
    item_ids: list[str]
    benchmarks: list[str]
    header: dict[str, Any] = field(default_factory=dict)
    checksum: str = ""
    _bits: tuple[int, np.ndarray] | None = field(default=None, init=False, repr=False)

    def save(self, path: str | Path) -> str:
        """Write the index to `path` (an `.npz` file); return its checksum."""
        header = {**self.header, "format": FORMAT, "fold_version": folding.VERSION, "n": self.n,
                  "benchmarks": self.benchmarks, "item_ids": self.item_ids}
        raw = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            np.savez(f, keys=self.keys, starts=self.starts, postings=self.postings,
                     item_ngrams=self.item_ngrams, item_bench=self.item_bench,
                     item_passage=self.item_passage, item_part=self.item_part, header=raw)
        tmp.replace(path)
        self.checksum = file_checksum(path)
        return self.checksum

    def find(self, text: str, **params: Any) -> list[Match]:
        """The items `text` contains (see `find_many`)."""
        return self.find_many([text], **params)[0]

    def find_many(self, texts: list[str], min_coverage: float = 0.4, min_ngrams: int = DEFAULT_MIN_NGRAMS,
                  long_ngrams: int = 40, max_gap: int = 64, part_coverage: float = 0.8) -> list[list[Match]]:
        """For each text, the items it contains (see the module docstring), in order of
        their first span. All texts are folded, hashed and looked up together."""
        out: list[list[Match]] = [[] for _ in texts]
        if not len(self.keys) or not texts:
            return out
        cps, where, doc = folding.fold_many(texts)
        hashes = ngram_hashes(cps, self.n)
        if not len(hashes):
            return out
        pos = np.flatnonzero(self._maybe(hashes) & (doc[: len(hashes)] == doc[self.n - 1:]))  # within one text
        k = np.searchsorted(self.keys, hashes[pos])
        np.minimum(k, len(self.keys) - 1, out=k)
        hit = self.keys[k] == hashes[pos]
        pos, key = pos[hit], k[hit]
        if len(pos) < min_ngrams:
            return out
        lo, hi = self.starts[key], self.starts[key + 1]
        count = hi - lo
        first = np.repeat(lo - (np.cumsum(count) - count), count)
        items = self.postings[first + np.arange(int(count.sum()))].astype(np.int64)
        at = np.repeat(pos, count)
        pair = doc[at] * len(self.item_ids) + items  # (text, item)
        keys_of = np.repeat(key, count)
        order = np.lexsort((keys_of, pair))
        pair_s, keys_s = pair[order], keys_of[order]
        distinct = np.ones(len(pair_s), dtype=bool)
        distinct[1:] = (pair_s[1:] != pair_s[:-1]) | (keys_s[1:] != keys_s[:-1])
        cand, matched = np.unique(pair_s[distinct], return_counts=True)
        cand_items = cand % len(self.item_ids)
        total = self.item_ngrams[cand_items]
        share = np.ceil(min_coverage * total)
        whole = np.where(self.item_passage[cand_items], np.minimum(share, long_ngrams), share)
        need = np.maximum(min_ngrams, np.where(self.item_part[cand_items] == WHOLE, whole,
                                               np.ceil(part_coverage * total)))
        ok = matched >= need
        best: dict[tuple[int, int, str], Match] = {}
        for p, got in zip(cand[ok].tolist(), matched[ok].tolist(), strict=True):
            d, item = divmod(p, len(self.item_ids))
            match = Match(self.benchmarks[self.item_bench[item]], self.item_ids[item], got,
                          int(self.item_ngrams[item]), _runs(np.unique(at[pair == p]), self.n, max_gap, where),
                          PARTS[self.item_part[item]])
            key = (d, int(self.item_bench[item]), match.item)
            if key not in best or (match.part == "item", match.matched) > (best[key].part == "item", best[key].matched):
                best[key] = match  # one match per item: the whole item before its parts
        for (d, _, _), match in best.items():
            out[d].append(match)
        for matches in out:
            matches.sort(key=lambda m: (m.spans[0], m.benchmark, m.item))
        return out


    def _maybe(self, hashes: np.ndarray) -> np.ndarray:
        """A bitmap over the top bits of the keys: False means surely not in the index. One
        memory access per n-gram instead of a binary search (most n-grams of a document are
        in no benchmark); about 16 bits per key, so a few percent pass without being keys."""
        if self._bits is None:
            bits = max(16, min(30, int(np.ceil(np.log2(max(len(self.keys), 1) * 16)))))
            flat = np.zeros(1 << bits, dtype=bool)
            flat[(self.keys >> np.uint64(64 - bits)).astype(np.int64)] = True
            self._bits = (bits, np.packbits(flat, bitorder="little"))
        bits, packed = self._bits
        at = (hashes >> np.uint64(64 - bits)).astype(np.int64)
        return ((packed[at >> 3] >> (at & 7).astype(np.uint8)) & 1).astype(bool)


def _runs(starts: np.ndarray, n: int, max_gap: int, where: np.ndarray) -> list[tuple[int, int]]:
    """Runs of matched windows (start positions in folded text) as character spans."""
    breaks = np.flatnonzero(np.diff(starts) > max_gap)
    firsts = np.concatenate(([0], breaks + 1))
    lasts = np.concatenate((breaks, [len(starts) - 1]))
    return [(int(where[starts[a]]), int(where[starts[b] + n - 1]) + 1) for a, b in zip(firsts, lasts, strict=True)]


def build_index(items: Iterable[Item], n: int = DEFAULT_N, max_df: int = DEFAULT_MAX_DF,
                min_ngrams: int = DEFAULT_MIN_NGRAMS, sources: list[dict[str, Any]] | None = None) -> Index:
    """An index of `items` (see the module docstring)."""
    t0 = time.perf_counter()
    benchmarks: list[str] = []
    bench_no: dict[str, int] = {}
    ids: list[str] = []
    bench_of: list[int] = []
    passage: list[bool] = []
    part: list[int] = []
    texts: list[str] = []
    for item in items:
        if item.benchmark not in bench_no:
            bench_no[item.benchmark] = len(benchmarks)
            benchmarks.append(item.benchmark)
        for kind, text in _entries(item):
            ids.append(item.id)
            bench_of.append(bench_no[item.benchmark])
            passage.append("passage" in item.roles)
            part.append(kind)
            texts.append(text)
    is_part = np.asarray(part, dtype=np.uint8) > 0
    chunks, lengths = [], []
    for lo in range(0, len(texts), 20000):  # in slices, to bound the memory of one pass
        cps, _, doc = folding.fold_many(texts[lo:lo + 20000])
        hashes = ngram_hashes(cps, n)
        owner = doc[: len(hashes)] + lo
        inside = doc[: len(hashes)] == doc[n - 1:]
        chunks.append(hashes[inside])
        lengths.append(owner[inside].astype(np.int32))
    all_hashes = np.concatenate(chunks) if chunks else np.zeros(0, np.uint64)
    owner = np.concatenate(lengths) if lengths else np.zeros(0, np.int32)
    order = np.argsort(all_hashes, kind="stable")  # owners stay ascending within a hash
    all_hashes, owner = all_hashes[order], owner[order]
    once = np.ones(len(all_hashes), dtype=bool)  # each (n-gram, item) once
    once[1:] = (all_hashes[1:] != all_hashes[:-1]) | (owner[1:] != owner[:-1])
    all_hashes, owner = all_hashes[once], owner[once]
    keys, first, df = np.unique(all_hashes, return_index=True, return_counts=True)
    whole_rows = np.concatenate(([0], np.cumsum(~is_part[owner])))  # df counts whole items only
    common = (whole_rows[first + df] - whole_rows[first]) > max_df
    drop = np.repeat(common, df)
    informative = np.bincount(owner[~drop], minlength=len(ids)).astype(np.int32)
    short = informative < np.where(is_part, PART_MIN_NGRAMS, min_ngrams)
    keep = ~drop & ~short[owner]
    owner, all_hashes = owner[keep], all_hashes[keep]
    keys, df = np.unique(all_hashes, return_counts=True)
    starts = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
    informative[short] = 0
    per_bench: dict[str, dict[str, int]] = {b: {"items": 0, "too_short": 0} for b in benchmarks}
    for b, s, p in zip(bench_of, short.tolist(), is_part.tolist(), strict=True):
        if not p:
            per_bench[benchmarks[b]]["items"] += 1
            per_bench[benchmarks[b]]["too_short"] += int(s)
    header = {"max_df": max_df, "min_ngrams": min_ngrams, "common_ngrams": int(common.sum()),
              "sources": sources or [], "per_benchmark": per_bench,
              "too_short": [[benchmarks[bench_of[i]], ids[i]] for i in np.flatnonzero(short & ~is_part).tolist()],
              "build_seconds": round(time.perf_counter() - t0, 2)}
    return Index(n, keys, starts, owner, informative, np.asarray(bench_of, dtype=np.int16),
                 np.asarray(passage, dtype=bool), np.asarray(part, dtype=np.uint8), ids, benchmarks, header)


def _entries(item: Item) -> list[tuple[int, str]]:
    """What an item is indexed as: the whole item, and on their own its passage (when it
    has questions or options too) and its question (when it has a passage or options)."""
    out = [(WHOLE, "\n".join(item.texts))]
    roles = set(item.roles)
    for kind, role in ((PASSAGE, "passage"), (QUESTION, "question")):
        if role in roles and len(roles) > 1:
            out.append((kind, "\n".join(t for t, r in zip(item.texts, item.roles, strict=True) if r == role)))
    return out


def load_index(path: str | Path) -> Index:
    """Read an index written by `Index.save`; a ValueError names what is wrong with it."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode("utf-8"))
            arrays = {k: z[k] for k in ("keys", "starts", "postings", "item_ngrams", "item_bench", "item_passage", "item_part")}
    except (OSError, KeyError, ValueError) as e:
        raise ValueError(f"{path} is not a decontamination index ({e}); build one with `jeongje decontam index`") from e
    if header.get("format") != FORMAT or header.get("fold_version") != folding.VERSION:
        raise ValueError(f"{path} was built by another version of the index (format {header.get('format')}, "
                         f"folding {header.get('fold_version')}); rebuild it with `jeongje decontam index`")
    return Index(int(header["n"]), arrays["keys"], arrays["starts"], arrays["postings"], arrays["item_ngrams"],
                 arrays["item_bench"], arrays["item_passage"], arrays["item_part"], header.pop("item_ids"), header.pop("benchmarks"), header,
                 file_checksum(path))


def file_checksum(path: str | Path) -> str:
    """BLAKE2b-128 of a file, as the manifest writes input checksums."""
    h = hashlib.blake2b(digest_size=16)
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
