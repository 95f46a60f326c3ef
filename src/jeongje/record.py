"""The one document record that flows through every stage, and what stages return.

A `Document` carries its text, where it came from, free metadata and the edits made to
its text so far. Stages never build ledger rows themselves: they edit text through
`Document.edit`, annotate `metadata`, or return a `Drop`; a global stage returns a
`Decision` per document. The runner turns those into one `Outcome` per record (its ledger
row) and edit rows. A record that cannot be read is a `Quarantine`.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
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
        if self.offset is not None:
            return f"{self.file}@{self.offset}"  # a WARC record
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

    def to_row(self) -> dict[str, Any]:
        """The edit as an edits row without the document id (detail as canonical JSON)."""
        return {"stage": self.stage, "stage_version": self.version, "reason": self.reason,
                "start": self.start, "end": self.end, "replacement": self.replacement,
                "detail": dumps(self.detail)}


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
    #: the text as read (or as a `replaces_text` stage made it) while the run keeps a sample
    #: of originals for the audit report and a stage has changed it since; None otherwise
    original: str | None = field(default=None, repr=False, compare=False)
    stage_mark: int = field(default=0, repr=False, compare=False)

    def edit(self, stage: str, version: int, spans: list[Span]) -> None:
        """Replace non-overlapping spans of the current text and record each as an Edit.

        `spans` use offsets into `self.text` as it is now. Recorded edits always use
        offsets into the text as the stage received it (see `begin_stage`): when a stage
        edits several times, later spans are mapped back through its earlier edits, and a
        span that touches an earlier replacement is merged with it.
        """
        if not spans:
            return
        ordered = [s for s in sorted(spans, key=lambda s: (s.start, s.end))
                   if s.start != s.end or s.replacement]  # no-ops are not edits
        pos = 0
        for span in ordered:  # validate everything before changing anything
            if span.start < pos or span.end < span.start or span.end > len(self.text):
                raise ValueError(
                    f"{stage}: bad or overlapping span [{span.start},{span.end}) "
                    f"in a text of {len(self.text)} characters (doc {self.id})"
                )
            pos = span.end
        prior = self.edits[self.stage_mark:]
        if prior and any(e.stage != stage for e in prior):
            raise ValueError(f"{stage}: edits of another stage since begin_stage (doc {self.id})")
        current = self.text
        pieces: list[str] = []
        pos = 0
        for span in ordered:
            pieces.append(current[pos : span.start])
            pieces.append(span.replacement)
            pos = span.end
        pieces.append(current[pos:])
        self.text = "".join(pieces)
        if not prior:
            self.edits.extend(Edit(stage, version, s.reason, s.start, s.end, s.replacement, s.detail)
                              for s in ordered)
            return
        composed = _compose_all(prior, ordered, current, self.text, stage, version)
        del self.edits[self.stage_mark:]
        self.edits.extend(composed)

    def begin_stage(self) -> None:
        """Mark where the current stage's edits start (called by the runner per stage)."""
        self.stage_mark = len(self.edits)

    def to_row(self) -> dict[str, Any]:
        """The document as one flat row of plain values (metadata, source and edit details as
        canonical JSON strings): how documents are stored between recipe steps. `from_row`
        inverts it exactly."""
        src = self.source
        return {
            "id": self.id, "text": self.text, "metadata": dumps(self.metadata),
            "source": dumps({"file": src.file, "line": src.line, "row": src.row, "offset": src.offset}),
            "bytes_in": self.bytes_in,
            "edits": [e.to_row() for e in self.edits],
            "original": self.original if self.original != self.text else None,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Document:
        return cls(row["id"], row["text"], Source(**json.loads(row["source"])),
                   json.loads(row["metadata"]),
                   [Edit(e["stage"], e["stage_version"], e["reason"], e["start"], e["end"],
                         e["replacement"], json.loads(e["detail"])) for e in row["edits"] or ()],
                   row["bytes_in"], original=row.get("original"))


def _compose_all(prior: list[Edit], spans: list[Span], before: str, after: str, stage: str,
                 version: int) -> list[Edit]:
    """Fold sorted, disjoint `spans` (offsets into `before`, the text after the `prior`
    edits; `after` is the text with the spans applied) into `prior` (offsets into the
    stage's input text), one span at a time from left to right.

    Each span only meets the prior edits around it: those that end before it are final
    and those that start after it are untouched, so the work grows with the number of
    edits, not with their product.
    """
    done: list[Edit] = []
    pending = deque(prior)
    base = 0  # the length change of the `done` edits
    shift = 0  # the length change of the spans applied so far
    for span in spans:
        a, b = span.start + shift, span.end + shift  # in the text with earlier spans applied
        while pending and pending[0].start + base + len(pending[0].replacement) < a:
            e = pending.popleft()
            done.append(e)
            base += len(e.replacement) - (e.end - e.start)
        window: list[Edit] = []
        delta = base
        while pending and pending[0].start + delta <= b:
            e = pending.popleft()
            window.append(e)
            delta += len(e.replacement) - (e.end - e.start)
        edge, off = a, shift  # text before `edge` is `after`'s, from there on `before`'s

        def cut(p: int, q: int, edge: int = edge, off: int = off) -> str:
            if q <= edge:
                return after[p:q]
            if p >= edge:
                return before[p - off:q - off]
            return after[p:edge] + before[edge - off:q - off]

        moved = Span(a, b, span.reason, span.replacement, span.detail)
        pending.extendleft(reversed(_compose(window, moved, cut, stage, version, base)))
        shift += len(span.replacement) - (span.end - span.start)
    return done + list(pending)


def _compose(prior: list[Edit], span: Span, cut: Callable[[int, int], str], stage: str,
             version: int, base: int = 0) -> list[Edit]:
    """Fold `span` (offsets into the current text: the text after the edits before
    `prior`, which change its length by `base`, and after `prior`; `cut(p, q)` is its
    slice) into `prior` (offsets into the stage's input text); return the sorted,
    non-overlapping result."""
    a, b = span.start, span.end
    ranges = []  # current-text range of each prior edit
    delta = base
    for e in prior:
        cs = e.start + delta
        ce = cs + len(e.replacement)
        ranges.append((cs, ce))
        delta += len(e.replacement) - (e.end - e.start)
    # strictly overlapping, or touching where either side is zero-length (insertions and
    # deletions at the same point are merged so their order cannot be lost)
    overlapped = {
        i for i, (cs, ce) in enumerate(ranges)
        if (cs < b and a < ce)
        or (cs <= b and a <= ce and (a == b or cs == ce or prior[i].start == prior[i].end))
    }
    lo = min([a] + [ranges[i][0] for i in overlapped])
    hi = max([b] + [ranges[i][1] for i in overlapped])

    def to_input(x: int, at_end: bool) -> int:
        shift = base
        for e, (cs, ce) in zip(prior, ranges, strict=True):
            if ce < x or (ce == x and (cs < x if at_end else True)):
                shift += len(e.replacement) - (e.end - e.start)
        return x - shift

    detail = dict(span.detail)
    if overlapped:
        detail.setdefault("merged_with", sorted({prior[i].reason for i in overlapped}))
    start_in = to_input(lo, False)
    end_in = start_in if lo == hi else to_input(hi, True)
    start_in = min([start_in] + [prior[i].start for i in overlapped])
    end_in = max([end_in] + [prior[i].end for i in overlapped])
    merged = Edit(stage, version, span.reason, start_in, end_in,
                  cut(lo, a) + span.replacement + cut(b, hi), detail)
    keyed = [(e.start, e.end, ranges[i][0], e) for i, e in enumerate(prior) if i not in overlapped]
    keyed.append((merged.start, merged.end, lo, merged))
    keyed.sort(key=lambda k: k[:3])  # same input point: keep the order in the current text
    return [k[3] for k in keyed]


@dataclass(slots=True)
class Decision:
    """What a global stage decided for one document: drop it, annotate it, or hand its
    `apply` a payload (for example the lines to remove)."""

    id: str
    drop: Drop | None = None
    metadata: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        """True when the decision changes nothing (no drop, no metadata, no payload)."""
        return self.drop is None and not self.metadata and not self.payload


@dataclass(slots=True, frozen=True)
class Outcome:
    """How a record's way through the recipe ended: kept, or dropped or quarantined by a
    stage (its name and version) for a reason, with the evidence. One ledger row each."""

    outcome: str  # KEPT | DROPPED | QUARANTINED
    stage: str | None = None
    version: int | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


KEEP = Outcome(KEPT)


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

    def outcome(self) -> Outcome:
        return Outcome(QUARANTINED, self.stage, None, self.reason, dict(self.detail, error=self.error))


def dumps(value: Any) -> str:
    """Canonical JSON for metadata/detail columns (sorted keys, Unicode kept, stable)."""
    if value == {} and type(value) is dict:
        return "{}"  # most edit details
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"),
                          allow_nan=False)
    except ValueError:  # NaN or an infinity (JSON has neither): written as the strings
        return json.dumps(_finite(value), ensure_ascii=False, sort_keys=True, default=str,
                          separators=(",", ":"), allow_nan=False)


def _finite(value: Any) -> Any:
    """`value` with every NaN/infinite float as the string "NaN", "Infinity" or "-Infinity"
    (how Python's own reader spells them), so that every JSON we write is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
