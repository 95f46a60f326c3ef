"""Document filters: language (Hangul share) and length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..record import Document, Drop
from ..stage import Stage, register


def script_counts(text: str) -> tuple[int, int, int]:
    """(Hangul letters, Han characters, other letters) in `text`.

    Hangul is counted in jamo, the letters a syllable block is written with (two, or three
    with a final consonant), so that 한국어 weighs like the Latin letters of an English
    term mixed into it ("Next.js App Router로 migration 후기" is Korean)."""
    hangul = han = other = 0
    for ch in text:
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7A3:
            hangul += 3 if (o - 0xAC00) % 28 else 2
        elif 0x3131 <= o <= 0x318E or 0x1100 <= o <= 0x11FF:
            hangul += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
            han += 1
        elif ch.isalpha():
            other += 1
    return hangul, han, other


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
        hangul, han, other = script_counts(doc.text)
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
        n = sum(1 for ch in doc.text if not ch.isspace())
        if n < self.min_chars:
            return Drop("too_short", {"chars": n, "threshold": self.min_chars})
        if self.max_chars and n > self.max_chars:
            return Drop("too_long", {"chars": n, "threshold": self.max_chars})
        return None


