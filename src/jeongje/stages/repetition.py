"""Repetition repair: remove a block that a scraper caught twice, keeping the first copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..korean.repetition import find_repeats
from ..record import Document, Drop, Span
from ..stage import Stage, register


@register
@dataclass
class RepetitionRepairer(Stage):
    """Delete verbatim repeats of a block of sentences that follow the block immediately
    (with or without line breaks). A block is at least `min_sentences` sentences or
    `min_chars` characters; shorter repeats (a chorus line, "감사합니다. 감사합니다.") stay.
    Documents still repetitive after repair are left to `filter.repetition`."""

    name: ClassVar[str] = "clean.repetition"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "remove scraper-doubled blocks (first copy kept)"

    min_sentences: int = 2
    min_chars: int = 60

    def __post_init__(self) -> None:
        if self.min_sentences < 1 or self.min_chars < 1:
            raise ValueError("min_sentences and min_chars must be >= 1")

    def process(self, doc: Document) -> Drop | None:
        repeats = find_repeats(doc.text, self.min_sentences, self.min_chars)
        if repeats:
            doc.edit(self.name, self.version, [
                Span(s, e, "repeated_block", "", {"copy_of": [fs, fe]}) for s, e, fs, fe in repeats])
            doc.metadata["repeated_blocks_removed"] = len(repeats)
        return None
