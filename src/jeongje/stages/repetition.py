"""Repetition repair: remove a block that a scraper caught twice, keeping the first copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..korean.repetition import find_repeats
from ..record import Document, Drop, Span
from ..stage import Stage


@dataclass
class RepetitionRepairer(Stage):
    """Delete verbatim repeats of a block of sentences, keeping the first copy (with or
    without line breaks). A copy right after its block is removed from `min_sentences`
    sentences or `min_chars` characters; a copy further on (paragraphs 2-4 caught again at
    the end) from `far_min_sentences` sentences and `far_min_chars` characters. Shorter
    repeats (a chorus line, "감사합니다. 감사합니다.", a refrain) stay. Documents still
    repetitive after repair are left to `filter.repetition`."""

    name: ClassVar[str] = "clean.repetition"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "remove scraper-doubled blocks (first copy kept)"

    min_sentences: int = 2
    min_chars: int = 60
    far_min_sentences: int = 2
    far_min_chars: int = 100

    def __post_init__(self) -> None:
        if min(self.min_sentences, self.min_chars, self.far_min_sentences, self.far_min_chars) < 1:
            raise ValueError("minimum sentences and characters must be >= 1")

    def process(self, doc: Document) -> Drop | None:
        repeats = find_repeats(doc.text, self.min_sentences, self.min_chars,
                               self.far_min_sentences, self.far_min_chars)
        if repeats:
            doc.edit(self.name, self.version, [
                Span(s, e, "repeated_block", "", {"copy_of": [fs, fe]}) for s, e, fs, fe in repeats])
            doc.metadata["repeated_blocks_removed"] = len(repeats)
        return None
