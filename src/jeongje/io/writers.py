"""A shard's outputs in one step: ledger and edit rows, kept documents (last step) or the
documents that go on with their global-stage rows (other steps), and the originals sample.

Every decided record reaches the outputs through one path, `ShardWriter.write_outcomes`,
which takes a table of `OUTCOME_SCHEMA` rows: records decided one document at a time
(`decided`, then `end_batch`) and stored documents finished column by column (the last
step, runner/finish.py) go through the same code, so their rows cannot drift apart. Each
file is staged and published by the output store only when the whole shard is done
(`commit`), so a killed run never leaves a half-written file under a final name.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..provenance import domain_of, publisher_of
from ..record import KEPT, QUARANTINED, Document, Outcome, Quarantine, dumps
from ..stats import Stats
from .layout import DOCUMENTS_SCHEMA, EDITS_SCHEMA, LEDGER_SCHEMA, OUTCOME_SCHEMA, WORK_SCHEMA, shard_files
from .originals import OriginalsSample
from .parts import ShardTable, rows_table
from .store import Store
from .work import key_table_schema, work_row

_LEDGER_COLUMNS = [n for n in LEDGER_SCHEMA.names if n != "bytes_out"]


class _JsonlDocuments:
    """Kept documents in datatrove's JSONL shape: {"text", "id", "metadata": {...}}."""

    def __init__(self, out: Store, name: str) -> None:
        self.out, self.name = out, name
        self.tmp = out.staging(name)
        self.file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115

    def write_table(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            self.file.write(json.dumps(
                {"text": row["text"], "id": row["id"], "metadata": json.loads(row["metadata"])},
                ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def commit(self) -> None:
        self.out.publish(self.tmp, self.name)

    def abort(self) -> None:
        self.file.close()
        self.out.discard(self.tmp)


class ShardWriter:
    """Writes one shard's outputs for one step of the recipe; `commit()` publishes them.

    The last step writes kept documents; an earlier step writes the documents that go on
    (with their edits so far) and the rows its global stage asked for, under `_work/`.
    Ledger and edit rows are written by the step that decides a document's outcome.
    """

    def __init__(self, out: Store, index: int, fmt: str = "parquet", step: int = 0,
                 final: bool = True, key_schema: Any = None, originals: int = 0) -> None:
        self.final = final
        files = shard_files(index, step, final, fmt, bool(originals))
        parts: list[Any] = []
        if final:
            self.documents: Any = (_JsonlDocuments(out, files["documents"]) if fmt == "jsonl"
                                   else ShardTable(out, files["documents"], DOCUMENTS_SCHEMA))
            parts.append(self.documents)
        else:
            # intermediate files, read once and removed: LZ4 writes faster than zstd and
            # reads several times faster
            self.work = ShardTable(out, files["work"], WORK_SCHEMA, "lz4")
            self.keys = ShardTable(out, files["keys"], key_table_schema(key_schema), "lz4")
            parts += [self.work, self.keys]
        self.ledger = ShardTable(out, files["ledger"], LEDGER_SCHEMA)
        self.edits = ShardTable(out, files["edits"], EDITS_SCHEMA)
        parts += [self.ledger, self.edits]
        self.originals: OriginalsSample | None = None
        if originals:
            self.originals = OriginalsSample(out, files["originals"], originals)
            parts.append(self.originals)
        self._parts = tuple(parts)
        self._decided: list[dict[str, Any]] = []

    @property
    def samples_originals(self) -> bool:
        """True when the run keeps texts as read (documents then carry `original`)."""
        return self.originals is not None

    def survivors(self, docs: list[Document], keys: pa.Table) -> None:
        """Documents that go on to the next step, with their rows for the global stage as
        one table (one row per document, in order, with the stage's key columns)."""
        for doc in docs:
            self.work.add(work_row(doc))
        ids = pa.array([doc.id for doc in docs], pa.string())
        self.keys.write_table(pa.Table.from_arrays([ids, *keys.columns], schema=self.keys.schema))

    def decided(self, item: Document | Quarantine, outcome: Outcome) -> None:
        """A record whose outcome is decided; written with the batch by `end_batch`."""
        if isinstance(item, Quarantine):
            self._decided.append({"id": item.id, "source": str(item.source), "outcome": outcome.outcome,
                                  "stage": outcome.stage, "stage_version": outcome.version,
                                  "reason": outcome.reason, "detail": dumps(outcome.detail),
                                  "bytes_in": item.bytes_in, "edits": []})
            return
        kept = outcome.outcome == KEPT
        meta = item.metadata
        self._decided.append({
            "id": item.id, "source": str(item.source), "outcome": outcome.outcome,
            "stage": outcome.stage, "stage_version": outcome.version, "reason": outcome.reason,
            "detail": dumps(outcome.detail), "bytes_in": item.bytes_in,
            "publisher": publisher_of(meta), "domain": domain_of(meta),
            "text": item.text if kept else None, "metadata": dumps(meta) if kept else None,
            "edits": [e.to_row() for e in item.edits], "original": item.original})

    def end_batch(self, stats: Stats) -> None:
        """Write the records decided since the last call, then flush every part."""
        if self._decided:
            self.write_outcomes(rows_table(self._decided, OUTCOME_SCHEMA), stats)
            self._decided = []
        self.flush()

    def write_outcomes(self, table: pa.Table, stats: Stats) -> None:
        """Write decided records (`OUTCOME_SCHEMA` rows, in input order) to every output:
        a ledger row each (`bytes_out`: the UTF-8 bytes of the kept text), the kept
        documents, the edits of kept and dropped documents (not of quarantined ones: their
        text went nowhere), and the texts as read that the originals sample takes."""
        table = table.combine_chunks()
        n = table.num_rows
        if not n:
            return
        outcome = table.column("outcome")
        kept = pc.equal(outcome, KEPT)
        text = table.column("text")
        bytes_out = pc.if_else(kept, pc.binary_length(text).cast(pa.int64()), pa.scalar(0, pa.int64()))
        columns = {c: table.column(c) for c in _LEDGER_COLUMNS}
        self.ledger.write_table(pa.Table.from_arrays(
            [bytes_out if c == "bytes_out" else columns[c] for c in LEDGER_SCHEMA.names],
            schema=LEDGER_SCHEMA))
        if self.final:
            documents = pa.Table.from_arrays([table.column("id"), text, table.column("metadata")],
                                             schema=DOCUMENTS_SCHEMA)
            # (a filter copies every text: not when everything is kept, as is common)
            self.documents.write_table(documents if pc.all(kept).as_py() else documents.filter(kept))
        edits = table.column("edits")
        parents = pc.list_parent_indices(edits)
        fields = pc.list_flatten(edits).flatten()
        written = pa.Table.from_arrays([table.column("id").take(parents), *fields], schema=EDITS_SCHEMA)
        quarantined = pc.equal(outcome.take(parents), QUARANTINED)
        if pc.any(quarantined).as_py():
            written = written.filter(pc.invert(quarantined))
        self.edits.write_table(written)
        counted = pa.table({"outcome": outcome, "stage": pc.fill_null(table.column("stage"), ""),
                            "reason": pc.fill_null(table.column("reason"), ""),
                            "bytes_in": table.column("bytes_in"), "bytes_out": bytes_out})
        for g in counted.group_by(["outcome", "stage", "reason"], use_threads=False).aggregate(
                [([], "count_all"), ("bytes_in", "sum"), ("bytes_out", "sum")]).to_pylist():
            stats.count(g["outcome"], g["stage"], g["reason"], g["bytes_in_sum"] or 0, g["bytes_out_sum"] or 0,
                        records=g["count_all"])
        if written.num_rows:
            for g in written.group_by(["stage", "reason"], use_threads=False).aggregate(
                    [([], "count_all")]).to_pylist():
                stats.edited(g["stage"], g["reason"], g["count_all"])
        if self.originals is not None:
            self._sample(table)

    def _sample(self, table: pa.Table) -> None:
        """Offer the texts as read (`original`, null: not offered) to the originals sample;
        only the texts it takes become Python strings."""
        assert self.originals is not None
        original = table.column("original").chunk(0)
        offered = original.is_valid()
        if self.originals.limit < 0:  # every record: the rows as they are
            self.originals.write_table(pa.Table.from_arrays(
                [table.column(c) for c in ("id", "outcome", "stage", "reason")] + [original],
                names=["id", "outcome", "stage", "reason", "text"]).filter(offered))
            return
        ids, outcomes, stages, reasons = (table.column(c).to_pylist() for c in ("id", "outcome", "stage", "reason"))
        for i in np.flatnonzero(offered.to_numpy(zero_copy_only=False)).tolist():
            if self.originals.wants(outcomes[i], stages[i], reasons[i], ids[i]):
                self.originals.add(outcomes[i], stages[i], reasons[i], ids[i], original[i].as_py())

    def flush(self) -> None:
        for part in self._parts:
            part.flush()

    def commit(self) -> None:
        for part in self._parts:
            part.close()
        for part in self._parts:
            part.commit()

    def abort(self) -> None:
        for part in self._parts:
            part.abort()
