"""Map a document's recorded edits back onto its original text, for side-by-side display.

Each stage's edits have offsets into the text that stage received, and stages ran in
recipe order. Replaying the stages in order over "pieces" (slices of the original, or text
a stage inserted) tells, for every character of the original, which edit removed it, and
for every character of the final text, whether it is original text or a replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# a piece of the current text: (text, offset into the original or None, edit index or None)
Piece = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class EditRow:
    """One edit row as read from `OUT/edits/` (offsets into the stage's input text)."""

    stage: str
    version: int | None
    reason: str
    start: int
    end: int
    replacement: str
    detail: dict[str, Any]


@dataclass
class Replayed:
    """The original and final text cut into segments `[text, edit index or -1]`."""

    original: list[list[Any]]
    final: list[list[Any]]
    final_text: str
    edits: list[EditRow]


def order_edits(edits: list[EditRow], stage_order: list[str]) -> list[EditRow]:
    """Edits grouped by stage in recipe order (unknown stages last), by offset within one."""
    rank = {name: i for i, name in enumerate(stage_order)}
    return sorted(edits, key=lambda e: (rank.get(e.stage, len(rank)), e.stage, e.start, e.end))


def replay(original: str, edits: list[EditRow]) -> Replayed:
    """Apply `edits` (already in `order_edits` order) to `original`.

    Raises:
        ValueError: an edit lies outside the text its stage received or overlaps another
            edit of the same stage, i.e. the edits do not belong to this original.
    """
    pieces: list[Piece] = [(original, 0, None)] if original else []
    marks: list[tuple[int, int, int]] = []  # original [start, end) removed by edit k
    i = 0
    while i < len(edits):
        j = i
        while j < len(edits) and edits[j].stage == edits[i].stage:
            j += 1
        pieces = _apply(pieces, list(enumerate(edits))[i:j], marks)
        i = j
    final = _merge([(t, -1 if k is None else k) for t, _, k in pieces])
    return Replayed(_original_segments(original, marks), final, "".join(t for t, _, _ in pieces), edits)


def _apply(pieces: list[Piece], stage_edits: list[tuple[int, EditRow]],
           marks: list[tuple[int, int, int]]) -> list[Piece]:
    length = sum(len(t) for t, _, _ in pieces)
    pos = 0
    for _, e in stage_edits:
        if e.start < pos or e.end < e.start or e.end > length:
            raise ValueError(f"edit {e.stage}/{e.reason} [{e.start},{e.end}) does not fit a text "
                             f"of {length} characters")
        pos = e.end
    pieces = _split(pieces, sorted({p for _, e in stage_edits for p in (e.start, e.end)}))
    out: list[Piece] = []
    pos = i = 0
    for k, e in stage_edits:
        while i < len(pieces) and pos + len(pieces[i][0]) <= e.start:
            out.append(pieces[i])
            pos += len(pieces[i][0])
            i += 1
        while i < len(pieces) and pos < e.end:
            text, origin, _ = pieces[i]
            if origin is not None:
                marks.append((origin, origin + len(text), k))
            pos += len(text)
            i += 1
        if e.replacement:
            out.append((e.replacement, None, k))
    out.extend(pieces[i:])
    return out


def _split(pieces: list[Piece], bounds: list[int]) -> list[Piece]:
    """Cut pieces so that every position in `bounds` falls between two pieces."""
    out: list[Piece] = []
    pos = b = 0
    for text, origin, k in pieces:
        start = 0
        while b < len(bounds) and bounds[b] <= pos:
            b += 1
        while b < len(bounds) and bounds[b] < pos + len(text):
            cut = bounds[b] - pos
            out.append((text[start:cut], None if origin is None else origin + start, k))
            start = cut
            b += 1
        out.append((text[start:], None if origin is None else origin + start, k))
        pos += len(text)
    return [p for p in out if p[0]]


def _original_segments(original: str, marks: list[tuple[int, int, int]]) -> list[list[Any]]:
    segments: list[tuple[str, int]] = []
    pos = 0
    for start, end, k in sorted(marks):
        if start > pos:
            segments.append((original[pos:start], -1))
        segments.append((original[start:end], k))
        pos = max(pos, end)
    if pos < len(original):
        segments.append((original[pos:], -1))
    return _merge(segments)


def _merge(segments: list[tuple[str, int]]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for text, k in segments:
        if out and out[-1][1] == k:
            out[-1][0] += text
        elif text:
            out.append([text, k])
    return out
