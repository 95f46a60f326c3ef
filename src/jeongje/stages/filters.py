"""Document filters: language (Hangul share) and length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..record import Document, Drop
from ..stage import Stage
from .counts import nonspace_counts

# script of every BMP code point: 0 none, 1 Hangul syllable, 2 Hangul jamo, 3 Han, 4 other
# letters (Latin with accents, Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, kana); code
# points beyond the BMP count as none
_SCRIPT_RANGES = {
    1: [(0xAC00, 0xD7A3)],
    2: [(0x3131, 0x318E), (0x1100, 0x11FF)],
    3: [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)],
    4: [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x370, 0x4FF), (0x590, 0x6FF), (0x900, 0xE7F),
        (0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)],
}
_SCRIPT = np.zeros(0x10001, dtype=np.uint8)
for _script, _ranges in _SCRIPT_RANGES.items():
    for _lo, _hi in _ranges:
        _SCRIPT[_lo:_hi + 1] = _script
JAMO_PER_SYLLABLE = 2.5  # a syllable block is written with two or three jamo


def script_counts(text: str) -> tuple[int, int, int]:
    """(Hangul letters, Han characters, other letters) in `text`.

    Hangul is counted in jamo, the letters a syllable block is written with (about 2.5 per
    syllable), so that 한국어 weighs like the Latin letters of an English term mixed into
    it ("Next.js App Router로 migration 후기" is Korean)."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_SCRIPT[np.minimum(points, 0x10000)], minlength=5)
    syllables, jamo, han, other = (int(c) for c in counts[1:5])
    return round(JAMO_PER_SYLLABLE * syllables) + jamo, han, other


SAMPLE_CHARS = 6000


def _sample(text: str) -> str:
    """The whole text, or for long texts its head, middle and tail (2,000 characters each):
    plenty to tell the script apart, at a fixed cost per document."""
    if len(text) <= SAMPLE_CHARS:
        return text
    third = SAMPLE_CHARS // 3
    mid = len(text) // 2
    return text[:third] + text[mid - third // 2 : mid + third // 2] + text[-third:]


@dataclass
class KoreanLanguageFilter(Stage):
    """Keep Korean: the Hangul share of letters (Hangul counted in jamo, Hanja weighted
    down) must reach `min_hangul_share`. Robust to English terms, digits and Hanja in
    Korean text and to short texts; needs no model download."""

    name: ClassVar[str] = "filter.language"
    version: ClassVar[int] = 2
    reasons: ClassVar[frozenset[str]] = frozenset({"language"})
    description: ClassVar[str] = "drop documents that are not Korean (Hangul share of letters)"
    thresholds: ClassVar[dict[str, str]] = {"language": "min_hangul_share"}

    min_hangul_share: float = 0.4
    """Min share of Hangul among the letters (Hangul counted in jamo, Hanja weighted)."""
    han_weight: float = 0.25
    """Weight of a Han character among the letters: Korean prose uses some Hanja; Chinese
    text is all Han."""
    min_letters: int = 2
    """Min letters of any script; fewer (digits, symbols, an empty text) is dropped."""

    def __post_init__(self) -> None:
        if not 0 <= self.min_hangul_share <= 1:
            raise ValueError("min_hangul_share must be within 0..1")

    def process(self, doc: Document) -> Drop | None:
        hangul, han, other = script_counts(_sample(doc.text))
        letters = hangul + other + self.han_weight * han
        share = hangul / letters if letters else 0.0
        if hangul + han + other < self.min_letters or share < self.min_hangul_share:
            return Drop("language", {"hangul_share": round(share, 4),
                                     "threshold": self.min_hangul_share,
                                     "letters": hangul + han + other})
        doc.metadata["hangul_share"] = round(share, 4)
        return None


@dataclass
class LengthFilter(Stage):
    """Drop documents shorter than `min_chars` (non-space characters) or longer than
    `max_chars` (0 = no upper limit)."""

    name: ClassVar[str] = "filter.length"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"too_short", "too_long"})
    description: ClassVar[str] = "drop documents outside a length range"
    thresholds: ClassVar[dict[str, str]] = {"too_short": "min_chars", "too_long": "max_chars"}

    min_chars: int = 100
    """Min non-space characters (korean-news 100: a news brief; korean-web 20)."""
    max_chars: int = 0
    """Max non-space characters; 0: no upper limit."""
    scores: bool = False
    """Store the measured length of a kept document in `metadata.scores["filter.length"]`."""

    def __post_init__(self) -> None:
        if self.min_chars < 0 or self.max_chars < 0:
            raise ValueError("min_chars and max_chars must be >= 0")

    def process(self, doc: Document) -> Drop | None:
        return self.process_batch([doc])[0]

    batched: ClassVar[bool] = True

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        out = []
        for doc, n in zip(docs, nonspace_counts([d.text for d in docs]), strict=True):
            drop = self._decide(n)
            if drop is None and self.scores:
                doc.metadata.setdefault("scores", {})[self.name] = {"chars": n}
            out.append(drop)
        return out

    def _decide(self, n: int) -> Drop | None:  # n: non-space characters
        if n < self.min_chars:
            return Drop("too_short", {"chars": n, "threshold": self.min_chars})
        if self.max_chars and n > self.max_chars:
            return Drop("too_long", {"chars": n, "threshold": self.max_chars})
        return None


