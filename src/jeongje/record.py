"""The one document record that flows through every stage, and what stages return.

A `Document` carries its text, where it came from, free metadata and the edits made to
its text so far. Stages never build ledger rows themselves: they edit text through
`Document.edit`, annotate `metadata`, or return a `Drop`. The runner turns those into
ledger and edit rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

KEPT = "kept"
DROPPED = "dropped"
QUARANTINED = "quarantined"
OUTCOMES = (KEPT, DROPPED, QUARANTINED)


@dataclass(slots=True, frozen=True)
class Source:
    """Where a record came from: a file and a 1-based line (JSONL) or 0-based row (Parquet)."""

    file: str
    line: int | None = None
    row: int | None = None
    offset: int | None = None  # byte offset of the record in the (decompressed) stream

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.row is not None:
            return f"{self.file}:{self.row}"
        return self.file

    def derived_id(self) -> str:
        """The stable id given to a record that has none: its file and line/row."""
        return str(self)


@dataclass(slots=True, frozen=True)
class Edit:
    """One change to a document's text.

    `start`/`end` are character offsets into the text as the editing stage received it;
    the span `[start, end)` was replaced by `replacement` (empty for a removal).
    """

    stage: str
    version: int
    reason: str
    start: int
    end: int
    replacement: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Span:
    """A span a stage wants replaced, in the coordinates of the text it received."""

    start: int
    end: int
    reason: str
    replacement: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Drop:
    """A stage's decision to remove a document, with its declared reason and evidence."""

    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Document:
    """A text document with provenance, metadata and its edit history."""

    id: str
    text: str
    source: Source
    metadata: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    bytes_in: int = 0

    def edit(self, stage: str, version: int, spans: list[Span]) -> None:
        """Replace non-overlapping spans of the current text and record each as an Edit.

        Offsets are character offsets into `self.text` as it is before this call.
        """
        if not spans:
            return
        ordered = sorted(spans, key=lambda s: (s.start, s.end))
        pos = 0
        for span in ordered:  # validate everything before changing anything
            if span.start < pos or span.end < span.start or span.end > len(self.text):
                raise ValueError(
                    f"{stage}: bad or overlapping span [{span.start},{span.end}) "
                    f"in a text of {len(self.text)} characters (doc {self.id})"
                )
            pos = span.end
        pieces: list[str] = []
        pos = 0
        for span in ordered:
            pieces.append(self.text[pos : span.start])
            pieces.append(span.replacement)
            pos = span.end
            self.edits.append(
                Edit(stage, version, span.reason, span.start, span.end, span.replacement, span.detail)
            )
        pieces.append(self.text[pos:])
        self.text = "".join(pieces)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_dict` inverts it exactly."""
        return {
            "id": self.id,
            "text": self.text,
            "source": {"file": self.source.file, "line": self.source.line,
                       "row": self.source.row, "offset": self.source.offset},
            "metadata": self.metadata,
            "edits": [
                {"stage": e.stage, "version": e.version, "reason": e.reason, "start": e.start,
                 "end": e.end, "replacement": e.replacement, "detail": e.detail}
                for e in self.edits
            ],
            "bytes_in": self.bytes_in,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            id=data["id"],
            text=data["text"],
            source=Source(**data["source"]),
            metadata=dict(data.get("metadata") or {}),
            edits=[Edit(**e) for e in data.get("edits") or []],
            bytes_in=int(data.get("bytes_in") or 0),
        )


@dataclass(slots=True)
class Quarantine:
    """A record that could not be read or processed: it becomes a `quarantined` ledger row."""

    id: str
    source: Source
    error: str
    stage: str = "read"
    reason: str = "read_error"
    detail: dict[str, Any] = field(default_factory=dict)
    bytes_in: int = 0


def dumps(value: Any) -> str:
    """Canonical JSON for metadata/detail columns (sorted keys, Unicode kept, stable)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
