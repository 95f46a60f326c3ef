"""The files between recipe steps (`OUT/_work/sS/`): the documents a step passes on, the
rows its global stage asked for, and that stage's decisions, per shard.

A step `S` stores `docs-NNNNN.parquet` (`WORK_SCHEMA`: `Document.to_row` plus what the
ledger row needs) and `keys-NNNNN.parquet` (the global stage's `key_schema`); its global
decision writes `decisions-NNNNN.parquet`; step `S+1` reads the three back. A missing or
foreign file is an error, never a silent pass-through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StageError
from ..provenance import domain_of, publisher_of
from ..record import Decision, Document, Drop
from .layout import WORK, WORK_SCHEMA, work_name
from .store import Store


def work_row(doc: Document) -> dict[str, Any]:
    """The stored row of a document that goes on to the next step."""
    return {**doc.to_row(), "where": str(doc.source), "publisher": publisher_of(doc.metadata),
            "domain": domain_of(doc.metadata)}


def key_table_schema(key_schema: Any) -> pa.Schema:
    """The schema of a step's stored key rows: the document id, then the stage's columns."""
    return pa.schema([("id", pa.string()), *key_schema])


class StepInput:
    """What shard `index` starts step `step + 1` from: the documents step `step` stored
    and the decisions its global stage made for them."""

    def __init__(self, out: Store, step: int, index: int) -> None:
        self.out, self.step, self.index = out, step, index
        names = work_name(step, "decisions", index), work_name(step, "docs", index)
        if not out.is_file(names[0]) or not out.is_file(names[1]):
            raise StageError(f"intermediate files of step {step} for shard {index} are missing "
                             f"under {out.location(WORK)}; rerun with --overwrite")
        self.rows = pq.read_table(out.path(names[0]), filesystem=out.filesystem).to_pylist()
        self.stored = pq.ParquetFile(out.path(names[1]), filesystem=out.filesystem)
        if not self.stored.schema_arrow.equals(WORK_SCHEMA):
            raise StageError(f"intermediate files of step {step} under {out.location(WORK)} were "
                             "written by another version of jeongje; rerun with --overwrite")

    def decisions(self) -> dict[str, Decision]:
        """Decision per document id (should an id have several, the last one counts)."""
        decisions: dict[str, Decision] = {}
        for row in self.rows:
            drop = Drop(row["reason"], json.loads(row["detail"])) if row["reason"] else None
            meta = json.loads(row["metadata"]) if row["metadata"] else None
            payload = json.loads(row["payload"]) if row["payload"] else None
            decisions[row["id"]] = Decision(row["id"], drop, meta, payload)
        return decisions

    def decided(self) -> dict[str, tuple[str | None, str, str | None]]:
        """The decisions that change something, as stored: id -> (drop reason, detail
        JSON, metadata JSON); the last one of an id counts, as in `decisions`."""
        last = {r["id"]: r for r in self.rows}
        return {k: (r["reason"] or None, r["detail"], r["metadata"] or None) for k, r in last.items()
                if r["reason"] or r["metadata"] or r["payload"]}

    def batches(self, size: int) -> Iterator[pa.RecordBatch]:
        """The stored documents as Arrow record batches of `WORK_SCHEMA`."""
        yield from self.stored.iter_batches(batch_size=size)

    def documents(self, size: int) -> Iterator[Document]:
        """The stored documents, in order, with the text as read when it was kept."""
        for batch in self.batches(size):
            for row in batch.to_pylist():
                yield Document.from_row(row)
