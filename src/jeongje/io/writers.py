"""Writers for a shard's three outputs: kept documents, ledger rows and edit rows.

Each file is staged (under a temporary name, or a local file for a remote output) and
published by the output store only when the whole shard is done, so a killed run never
leaves a half-written file under a final name (see io/store.py).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..record import Document, Edit, Source, dumps
from ..report.facts import domain_of, publisher_of
from .store import Store

DOCUMENTS_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("metadata", pa.string())])
LEDGER_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("outcome", pa.string()),
    ("stage", pa.string()), ("stage_version", pa.int32()), ("reason", pa.string()),
    ("detail", pa.string()), ("bytes_in", pa.int64()), ("bytes_out", pa.int64()),
    ("publisher", pa.string()), ("domain", pa.string()),  # from metadata (report.facts)
])
EDITS_SCHEMA = pa.schema([
    ("id", pa.string()), ("stage", pa.string()), ("stage_version", pa.int32()),
    ("reason", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("replacement", pa.string()), ("detail", pa.string()),
])
DECISIONS_SCHEMA = pa.schema([("id", pa.string()), ("reason", pa.string()),
                              ("detail", pa.string()), ("metadata", pa.string()),
                              ("payload", pa.string())])
# a document between recipe steps, with what its ledger row needs already worked out
# (`where`: the ledger's source; publisher and domain from its metadata), its edits as
# edit rows, and the text as read when originals are sampled (null when it is the text
# itself, as it is for a document no stage has changed yet): a document that the next
# step leaves alone goes to the outputs column by column, never through Python objects
EDIT_ROW = pa.struct([EDITS_SCHEMA.field(n) for n in EDITS_SCHEMA.names if n != "id"])
WORK_SCHEMA = pa.schema([
    ("id", pa.string()), ("text", pa.string()), ("metadata", pa.string()),
    ("source", pa.string()), ("where", pa.string()), ("bytes_in", pa.int64()),
    ("publisher", pa.string()), ("domain", pa.string()), ("edits", pa.list_(EDIT_ROW)),
    ("original", pa.string()),
])
OUTPUT_FOLDERS = ("documents", "ledger", "edits", "originals")
WORK = "_work"
SITE_POLICIES = "site_policies"  # robots.txt/tdmrep.json found in the crawl, per host


def part_name(index: int, suffix: str, step: int = 0) -> str:
    """`part-00003.parquet`; outcomes decided in a later step of the recipe get `-s1`, ..."""
    return f"part-{index:05d}{f'-s{step}' if step else ''}{suffix}"


def work_name(step: int, kind: str, index: int | None = None) -> str:
    """Intermediate files between recipe steps: `_work/s0/docs-00003.parquet`, ..."""
    name = f"{kind}.parquet" if index is None else f"{kind}-{index:05d}.parquet"
    return f"{WORK}/s{step}/{name}"


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """A table of row dicts (a missing key is null), built column by column: the same table
    as `pa.Table.from_pylist`, which walks the dicts about 20x slower."""
    return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in schema.names},
                                schema=schema)


def write_table(out: Store, name: str, table: pa.Table) -> None:
    """Write a whole Parquet table to `name` in `out`, published atomically."""
    tmp = out.staging(name)
    try:
        pq.write_table(table, tmp)
        out.publish(tmp, name)
    except BaseException:
        out.discard(tmp)
        raise


class ShardTable:
    """A Parquet file written in parts (row dicts or tables) and published by `commit`."""

    def __init__(self, out: Store, name: str, schema: pa.Schema, compression: str = "zstd") -> None:
        self.out, self.name = out, name
        self.tmp = out.staging(name)
        self.schema = schema
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(self.tmp, schema, compression=compression)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def write_table(self, table: pa.Table) -> None:
        self.flush()
        self.writer.write_table(table)

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(rows_table(self.rows, self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()

    def commit(self) -> None:
        self.out.publish(self.tmp, self.name)

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.out.discard(self.tmp)


def _edit_row(e: Edit) -> dict[str, Any]:
    return {"stage": e.stage, "stage_version": e.version, "reason": e.reason, "start": e.start,
            "end": e.end, "replacement": e.replacement, "detail": dumps(e.detail)}


def work_document(row: dict[str, Any]) -> Document:
    """The Document a WORK_SCHEMA row stores (`original` aside)."""
    return Document(row["id"], row["text"], Source(**json.loads(row["source"])),
                    json.loads(row["metadata"]),
                    [Edit(e["stage"], e["stage_version"], e["reason"], e["start"], e["end"],
                          e["replacement"], json.loads(e["detail"])) for e in row["edits"]],
                    row["bytes_in"])


class _JsonlDocuments:
    """Kept documents in datatrove's JSONL shape: {"text", "id", "metadata": {...}}."""

    def __init__(self, out: Store, name: str) -> None:
        self.out, self.name = out, name
        self.tmp = out.staging(name)
        self.file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115

    def add(self, row: dict[str, Any]) -> None:
        self.file.write(json.dumps(
            {"text": row["text"], "id": row["id"], "metadata": json.loads(row["metadata"])},
            ensure_ascii=False) + "\n")

    def write_table(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            self.add(row)

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
                 final: bool = True, key_schema: pa.Schema | None = None,
                 originals: int = 0) -> None:
        self.final = final
        if final:
            doc_suffix = ".jsonl" if fmt == "jsonl" else ".parquet"
            name = f"documents/{part_name(index, doc_suffix)}"
            self.documents: Any = (_JsonlDocuments(out, name) if fmt == "jsonl"
                                   else ShardTable(out, name, DOCUMENTS_SCHEMA))
            parts: list[Any] = [self.documents]
        else:
            # intermediate files, read once and removed: LZ4 writes faster than zstd and
            # reads several times faster
            self.documents = ShardTable(out, work_name(step, "docs", index), WORK_SCHEMA, "lz4")
            assert key_schema is not None
            self.keys = ShardTable(out, work_name(step, "keys", index),
                                   pa.schema([("id", pa.string()), *key_schema]), "lz4")
            parts = [self.documents, self.keys]
        self.ledger = ShardTable(out, f"ledger/{part_name(index, '.parquet', step)}", LEDGER_SCHEMA)
        self.edits = ShardTable(out, f"edits/{part_name(index, '.parquet', step)}", EDITS_SCHEMA)
        self._parts = (*parts, self.ledger, self.edits)
        self.originals: Any = None
        if originals:
            from ..report.originals import ORIGINALS, OriginalsSample

            self.originals = OriginalsSample(out, f"{ORIGINALS}/{part_name(index, '.parquet', step)}",
                                             originals)
            self._parts = (*self._parts, self.originals)

    def survivor(self, doc: Document, key_row: dict[str, Any], original: str | None = None) -> None:
        """A document that goes on to the next step, and its row for the global stage;
        `original` (the text as read) travels with it when originals are sampled."""
        self._work_doc(doc, original)
        self.keys.add({"id": doc.id, **key_row})

    def survivors(self, docs: list[Document], keys: pa.Table, originals: list[str | None]) -> None:
        """Documents that go on, with their rows for the global stage as one table (one
        row per document, in order, with the stage's key columns)."""
        for doc, original in zip(docs, originals, strict=True):
            self._work_doc(doc, original)
        ids = pa.array([doc.id for doc in docs], pa.string())
        self.keys.write_table(pa.Table.from_arrays([ids, *keys.columns], schema=self.keys.schema))

    def _work_doc(self, doc: Document, original: str | None) -> None:
        src = doc.source
        self.documents.add({
            "id": doc.id, "text": doc.text, "metadata": dumps(doc.metadata),
            "source": dumps({"file": src.file, "line": src.line, "row": src.row, "offset": src.offset}),
            "where": str(src), "bytes_in": doc.bytes_in, "publisher": publisher_of(doc.metadata),
            "domain": domain_of(doc.metadata), "edits": [_edit_row(e) for e in doc.edits],
            "original": original if self.originals is not None and original != doc.text else None})

    def kept(self, doc: Document) -> None:
        self.documents.add({"id": doc.id, "text": doc.text, "metadata": dumps(doc.metadata)})

    def ledger_row(self, **row: Any) -> None:
        self.ledger.add(row)

    def original(self, outcome: str, stage: str | None, reason: str | None, doc_id: str,
                 text: str | None) -> None:
        """Offer a record's text as read to the originals sample (when the run keeps one)."""
        if self.originals is not None and text is not None:
            self.originals.add(outcome, stage, reason, doc_id, text)

    def edit_rows(self, doc: Document) -> None:
        for e in doc.edits:
            self.edits.add({"id": doc.id, **_edit_row(e)})

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

