"""Document filters: language (Hangul share) and length."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from ..record import Document, Drop
from ..stage import Stage, register

_SYLLABLES = re.compile("[\uac00-\ud7a3]+")
_JAMO = re.compile("[\u3131-\u318e\u1100-\u11ff]+")
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+")
# letters of other scripts: Latin (with accents), Greek, Cyrillic, Hebrew, Arabic, Indic,
# Thai, kana
_OTHER = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u04ff\u0590-\u06ff\u0900-\u0e7f"
                    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]+")
JAMO_PER_SYLLABLE = 2.5  # a syllable block is written with two or three jamo


def _count(rx: re.Pattern[str], text: str) -> int:
    return sum(map(len, rx.findall(text)))


def script_counts(text: str) -> tuple[int, int, int]:
    """(Hangul letters, Han characters, other letters) in `text`.

    Hangul is counted in jamo, the letters a syllable block is written with (about 2.5 per
    syllable), so that 한국어 weighs like the Latin letters of an English term mixed into
    it ("Next.js App Router로 migration 후기" is Korean)."""
    hangul = round(JAMO_PER_SYLLABLE * _count(_SYLLABLES, text)) + _count(_JAMO, text)
    return hangul, _count(_HAN, text), _count(_OTHER, text)


SAMPLE_CHARS = 6000


def _sample(text: str) -> str:
    """The whole text, or for long texts its head, middle and tail (2,000 characters each):
    plenty to tell the script apart, at a fixed cost per document."""
    if len(text) <= SAMPLE_CHARS:
        return text
    third = SAMPLE_CHARS // 3
    mid = len(text) // 2
    return text[:third] + text[mid - third // 2 : mid + third // 2] + text[-third:]


@register
@dataclass
class KoreanLanguageFilter(Stage):
    """Keep Korean: the Hangul share of letters (Hangul counted in jamo, Hanja weighted
    down) must reach `min_hangul_share`. Robust to English terms, digits and Hanja in
    Korean text and to short texts; needs no model download."""

    name: ClassVar[str] = "filter.language"
    version: ClassVar[int] = 2
    reasons: ClassVar[frozenset[str]] = frozenset({"language"})
    description: ClassVar[str] = "drop documents that are not Korean (Hangul share of letters)"

    min_hangul_share: float = 0.4
    han_weight: float = 0.25  # Korean prose uses some Hanja; Chinese text is all Han
    min_letters: int = 2

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


@register
@dataclass
class LengthFilter(Stage):
    """Drop documents shorter than `min_chars` (non-space characters) or longer than
    `max_chars` (0 = no upper limit)."""

    name: ClassVar[str] = "filter.length"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"too_short", "too_long"})
    description: ClassVar[str] = "drop documents outside a length range"

    min_chars: int = 100
    max_chars: int = 0

    def __post_init__(self) -> None:
        if self.min_chars < 0 or self.max_chars < 0:
            raise ValueError("min_chars and max_chars must be >= 0")

    def process(self, doc: Document) -> Drop | None:
        n = len("".join(doc.text.split()))  # non-space characters
        if n < self.min_chars:
            return Drop("too_short", {"chars": n, "threshold": self.min_chars})
        if self.max_chars and n > self.max_chars:
            return Drop("too_long", {"chars": n, "threshold": self.max_chars})
        return None


