"""`filter.repetition`: Gopher's repetition rules with FineWeb-2's Korean thresholds.

Words are whitespace eojeol (`str.split()`), not the Kiwi morphemes FineWeb-2 tuned its
kor_Hang thresholds on (huggingface/fineweb-2 `configs/kor_Hang.yml`); the measurements use
`str` methods and `collections.Counter`, no per-character loops.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from ..record import Document, Drop
from ..stage import Stage
from .counts import check_fractions, rounded

# Gopher = Rae et al. 2021, "Scaling Language Models" (arXiv 2112.11446), Table A1.
# kor_Hang = FineWeb-2 huggingface/fineweb-2 configs/kor_Hang.yml (see research/peers.md).
KOR_HANG_TOP_NGRAMS = {2: 0.282, 3: 0.228, 4: 0.185}
KOR_HANG_DUP_NGRAMS = {5: 0.201, 6: 0.184, 7: 0.168, 8: 0.154, 9: 0.14, 10: 0.127}

_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(number of items seen before, characters in them): Gopher's find_duplicates."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def _ngrams(words: list[str], n: int) -> zip:
    return zip(*(words[i:] for i in range(n)), strict=False)  # n-grams: shorter tails end it


_MORE_THAN_ONCE = (1).__lt__  # c -> 1 < c, called from C by map()


def _repeated(counts: Counter[tuple[str, ...]]) -> Iterable[tuple[str, ...]]:
    """The n-grams that occur at least twice, filtered in C (most occur once)."""
    return itertools.compress(counts.keys(), map(_MORE_THAN_ONCE, counts.values()))


def _repeated_chars(counts: Counter[tuple[str, ...]]) -> int:
    """An upper bound on the characters of words inside n-grams that occur at least twice
    (every occurrence counted in full, overlaps included)."""
    return sum(counts[g] * sum(map(len, g)) for g in _repeated(counts))


def dup_ngram_chars(words: list[str], n: int, counts: Counter[tuple[str, ...]] | None = None) -> int:
    """Characters in repeated n-grams, as Gopher's find_all_duplicate counts them (a seen
    n-gram adds its characters and jumps n words ahead). N-grams occurring once never matter
    to that scan, so only the positions of repeated ones are visited (selected in C), and
    documents without any repeated n-gram skip it. `counts`: the n-gram counts, when the
    caller has them."""
    grams = list(_ngrams(words, n))
    if counts is None:
        if len(set(grams)) == len(grams):
            return 0
        counts = Counter(grams)
    repeated = itertools.compress(range(len(grams)), map(_MORE_THAN_ONCE, map(counts.__getitem__, grams)))
    seen: set[tuple[str, ...]] = set()
    chars = idx = 0
    for pos in repeated:
        if pos < idx:
            continue
        gram = grams[pos]
        if gram in seen:
            chars += sum(map(len, gram))
            idx = pos + n
        else:
            seen.add(gram)
    return chars


@dataclass
class RepetitionFilter(Stage):
    """Drop documents still highly repetitive after repair (Gopher repetition rules):
    duplicate lines and paragraphs, the character share of the most frequent 2/3/4-gram of
    eojeol and of repeated 5..10-grams. A threshold of 0 disables its rule."""

    name: ClassVar[str] = "filter.repetition"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset(
        {"dup_line_frac", "dup_para_frac", "top_ngram", "dup_ngram"})
    description: ClassVar[str] = "drop documents with many repeated lines, paragraphs or n-grams"
    thresholds: ClassVar[dict[str, str]] = {"dup_line_frac": "dup_line_frac", "dup_para_frac": "dup_para_frac",
                                            "top_ngram": "top_ngrams", "dup_ngram": "dup_ngrams"}

    dup_line_frac: float = 0.374
    """Max share of non-empty lines that repeat an earlier line (by count). FineWeb-2 kor_Hang
    dup_line_frac 0.374 (FineWeb-2 applies it to the line count, as here)."""
    dup_line_char_frac: float = 0.2
    """Max share of the text's characters in repeated lines. Gopher Table A1, 0.20."""
    dup_para_frac: float = 0.3
    """Max share of paragraphs (blank-line separated) that repeat an earlier one, by count.
    Gopher 0.30. FineWeb-2 disabled it because trafilatura output has no paragraphs; Korean
    news input here keeps them."""
    dup_para_char_frac: float = 0.2
    """Max share of the text's characters in repeated paragraphs. Gopher 0.20."""
    top_ngrams: dict[int, float] = field(default_factory=lambda: dict(KOR_HANG_TOP_NGRAMS))
    """n -> max character share of the most frequent n-gram of eojeol (FineWeb-2 kor_Hang)."""
    top_ngram_min_count: int = 3
    """The most frequent n-gram counts only if it occurs this often. Gopher counts it even
    once, so a short text that merely repeats one phrase twice (a photo caption restating
    the lead, a petition restating its demand) passes the 0.185-0.282 shares; a pair of
    repeats is the duplicate n-gram rule's business."""
    dup_ngrams: dict[int, float] = field(default_factory=lambda: dict(KOR_HANG_DUP_NGRAMS))
    """n -> max character share of repeated n-grams of eojeol (FineWeb-2 kor_Hang)."""

    def __post_init__(self) -> None:
        for label, table in (("top_ngrams", self.top_ngrams), ("dup_ngrams", self.dup_ngrams)):
            if any(n < 1 or not 0 <= t <= 1 for n, t in table.items()):
                raise ValueError(f"{label}: n must be >= 1 and thresholds within 0..1")
        check_fractions(self, "dup_line_frac", "dup_line_char_frac", "dup_para_frac",
                         "dup_para_char_frac")
        if self.top_ngram_min_count < 1:
            raise ValueError("top_ngram_min_count must be >= 1")

    def process(self, doc: Document) -> Drop | None:
        text = doc.text
        size = len(text)
        if not text.strip():
            return None  # nothing to measure; emptiness is filter.quality's business
        if "\n" in text:
            drop = self._blocks(text, size)
            if drop:
                return drop
        words = text.split()
        # Every occurrence of an n-gram contains an occurrence of its first (n-1)-gram, so the
        # top count can only fall as n grows; once it is below what a rule needs, the longer
        # n-grams are not counted at all (most documents stop at the 2-grams).
        top, unique_from = len(words), len(words) + 1  # no n-gram repeats for n >= unique_from
        bigrams: Counter[tuple[str, ...]] | None = None
        longest: list[int] | None = None  # word lengths, longest first, when needed
        for n, limit in sorted(self.top_ngrams.items()):
            if top < self.top_ngram_min_count:
                break
            if limit and len(words) >= n:
                if n > 2:
                    if longest is None:
                        longest = sorted(map(len, words), reverse=True)[: max(self.top_ngrams)]
                    if top * sum(longest[:n]) / size <= limit:
                        continue  # even the n longest words, `top` times, stay within the limit
                counts = Counter(_ngrams(words, n))
                if n == 2:
                    bigrams = counts
                top = max(counts.values())
                if top < 2:
                    unique_from = n
                if top < self.top_ngram_min_count:
                    continue
                # the first n-gram with the top count, as Counter.most_common(1) picks it
                gram = next(g for g, c in counts.items() if c == top)
                share = top * sum(map(len, gram)) / size
                if share > limit:
                    return Drop("top_ngram", {"value": rounded(share), "threshold": limit, "n": n})
        active = {n: t for n, t in self.dup_ngrams.items() if t}
        known: dict[int, Counter[tuple[str, ...]]] = {}
        if active and min(active) >= 2 and bigrams is not None:
            # Every word of a repeated n-gram sits in an occurrence of a repeated m-gram for
            # each m <= n, so the characters of those occurrences bound every dup_ngram share
            # with n >= m: below the smallest threshold no n can fire and the scans are
            # skipped (an exact shortcut, not a heuristic). The 2-grams are counted already;
            # the shortest dup_ngram n-grams give a tighter bound for the documents left.
            if _repeated_chars(bigrams) / size <= min(active.values()):
                return None
            first = min(active)
            if first < unique_from:
                known[first] = Counter(_ngrams(words, first))
                if _repeated_chars(known[first]) / size <= min(active.values()):
                    return None
        for n, limit in sorted(self.dup_ngrams.items()):
            if n >= unique_from:
                break
            if not limit:
                continue
            chars = dup_ngram_chars(words, n, known.get(n))
            if not chars:
                break  # no repeated n-gram means no repeated longer n-gram either
            if chars / size > limit:
                return Drop("dup_ngram", {"value": rounded(chars / size), "threshold": limit, "n": n})
        return None

    def _blocks(self, text: str, size: int) -> Drop | None:
        paras = [p for p in (q.strip() for q in _PARA_SPLIT.split(text)) if p]
        lines = [ln for ln in (s.strip() for s in text.split("\n")) if ln]
        for reason, blocks, frac, char_frac in (
                ("dup_para_frac", paras, self.dup_para_frac, self.dup_para_char_frac),
                ("dup_line_frac", lines, self.dup_line_frac, self.dup_line_char_frac)):
            if len(blocks) < 2:
                continue
            n, chars = _duplicates(blocks)
            if frac and n / len(blocks) > frac:
                return Drop(reason, {"value": rounded(n / len(blocks)), "threshold": frac,
                                     "by": "count"})
            if char_frac and chars / size > char_frac:
                return Drop(reason, {"value": rounded(chars / size), "threshold": char_frac,
                                     "by": "chars"})
        return None
