"""Repeated passages across documents: a line that stands in many documents of a corpus
(the same promo paragraph under every article of an outlet, a site-wide notice line) is
removed from all of them, each removal an edit.

Map side: the 64-bit hashes of each document's distinct lines of at least `min_chars`
characters. Reduce side: DuckDB counts the documents per line hash -- a grouping by key,
the same shuffle as the other dedup stages -- and every document holding a line found in
more than `max_documents` documents gets the list of such lines to remove.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa

from ..duck import connect, stream
from ..record import Document, Drop, Span
from ..stage import Decision, GlobalStage, Resources, size_bytes


def _line_hash(line: str) -> int:
    digest = hashlib.blake2b(" ".join(line.split()).encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "little") >> 1  # fits a signed 64-bit column


@dataclass
class RepeatedLineRemover(GlobalStage):
    """Remove lines (of at least `min_chars` non-space characters) that occur in more than
    `max_documents` documents of the corpus. Texts without line breaks are untouched."""

    name: ClassVar[str] = "dedup.lines"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "remove lines repeated across many documents (site-wide boilerplate)"
    key_schema: ClassVar[Any] = pa.schema([("lines", pa.list_(pa.int64()))])
    resource_params: ClassVar[frozenset[str]] = frozenset({"memory_limit"})
    requires: ClassVar[dict[str, str]] = {"duckdb": "duckdb>=1.3"}
    edits_text: ClassVar[bool] = True  # apply removes the repeated lines

    max_documents: int = 10
    min_chars: int = 20
    memory_limit: str = "4GB"

    def __post_init__(self) -> None:
        if self.max_documents < 1 or self.min_chars < 1:
            raise ValueError("max_documents and min_chars must be >= 1")
        size_bytes(self.memory_limit)  # a ValueError (a ConfigError in a recipe) for a bad size

    def resources(self) -> Resources:
        return Resources(memory=self.memory_limit)

    def _lines(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end including the line break, hash) of each long-enough line."""
        out, pos = [], 0
        for raw in text.split("\n"):
            end = pos + len(raw)
            if len("".join(raw.split())) >= self.min_chars:
                out.append((pos, min(end + 1, len(text)), _line_hash(raw)))
            pos = end + 1
        return out

    def keys(self, doc: Document) -> dict[str, Any]:
        if "\n" not in doc.text:
            return {"lines": []}
        return {"lines": sorted({h for _, _, h in self._lines(doc.text)})}

    def decide(self, keys: Any) -> Iterator[Decision]:
        con = connect(keys, self.memory_limit)
        rows = stream(con, f"""
            WITH l AS (SELECT id, unnest(lines) AS h FROM keys),
                 f AS (SELECT h, count(*) AS n FROM l GROUP BY h HAVING count(*) > {int(self.max_documents)})
            SELECT l.id, list(l.h ORDER BY l.h), list(f.n ORDER BY l.h)
            FROM l JOIN f USING (h) GROUP BY l.id""")
        for doc_id, hashes, counts in rows:
            yield Decision(doc_id, payload={"lines": [str(h) for h in hashes], "documents": counts})

    def apply(self, doc: Document, decision: Decision) -> Drop | None:
        payload = decision.payload or {}
        counts = dict(zip(payload.get("lines", []), payload.get("documents", []), strict=False))
        spans = [Span(s, e, "repeated_passage", "", {"documents": counts[str(h)]})
                 for s, e, h in self._lines(doc.text) if str(h) in counts]
        if spans:
            doc.edit(self.name, self.version, spans)
            doc.metadata["repeated_lines_removed"] = len(spans)
        return None
