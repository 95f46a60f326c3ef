"""Sentence units for Korean text with and without line breaks.

A unit ends after a run of `. ! ? …` (a `.` between digits does not end one: 3.5%, 2024.3.5)
or at a line break. Units keep their offsets, so callers can cut the text exactly; Korean
news flattened by crawlers (`…했다.이어 …`) splits correctly because no space is needed.
"""

from __future__ import annotations

import re

_UNIT = re.compile(r"[^\n.!?…]*(?:(?:(?<=\d)\.(?=\d)[^\n.!?…]*)*)(?:[.!?…]+[\"'”’」』)\]]*|\n|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank unit, in order; whitespace between units is excluded."""
    spans = []
    end = len(text)
    for m in _UNIT.finditer(text):
        unit = m.group()
        stripped = unit.strip()
        if stripped:
            s = m.start() + len(unit) - len(unit.lstrip())
            spans.append((s, s + len(stripped)))
        if m.end() == end:
            break
    return spans
