"""Writers for a shard's three outputs: kept documents, ledger rows and edit rows.

Each file is written under a temporary name and renamed into place only when the whole
shard is done, so a killed run never leaves a half-written file under a final name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..record import Document, dumps

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
# a document between recipe steps: its text in a column of its own (never JSON-escaped),
# the rest of it (source, metadata, edits) as JSON, and the text as read when sampled
WORK_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("doc", pa.string()),
                         ("original", pa.string())])
OUTPUT_FOLDERS = ("documents", "ledger", "edits", "originals")
WORK = "_work"
TMP_SUFFIX = ".tmp"


def part_name(index: int, suffix: str, step: int = 0) -> str:
    """`part-00003.parquet`; outcomes decided in a later step of the recipe get `-s1`, ..."""
    return f"part-{index:05d}{f'-s{step}' if step else ''}{suffix}"


def work_path(out: Path, step: int, kind: str, index: int | None = None) -> Path:
    """Intermediate files between recipe steps: `_work/s0/docs-00003.parquet`, ..."""
    name = f"{kind}.parquet" if index is None else f"{kind}-{index:05d}.parquet"
    return out / WORK / f"s{step}" / name


class _ParquetTable:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + TMP_SUFFIX)
        self.schema = schema
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


class _JsonlDocuments:
    """Kept documents in datatrove's JSONL shape: {"text", "id", "metadata": {...}}."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + TMP_SUFFIX)
        self.file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115

    def add(self, row: dict[str, Any]) -> None:
        self.file.write(json.dumps(
            {"text": row["text"], "id": row["id"], "metadata": json.loads(row["metadata"])},
            ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)


class ShardWriter:
    """Writes one shard's outputs for one step of the recipe; `commit()` publishes them.

    The last step writes kept documents; an earlier step writes the documents that go on
    (with their edits so far) and the rows its global stage asked for, under `_work/`.
    Ledger and edit rows are written by the step that decides a document's outcome.
    """

    def __init__(self, out: Path, index: int, fmt: str = "parquet", step: int = 0,
                 final: bool = True, key_schema: pa.Schema | None = None,
                 originals: int = 0) -> None:
        self.final = final
        if final:
            doc_suffix = ".jsonl" if fmt == "jsonl" else ".parquet"
            path = out / "documents" / part_name(index, doc_suffix)
            self.documents: Any = (_JsonlDocuments(path) if fmt == "jsonl"
                                   else _ParquetTable(path, DOCUMENTS_SCHEMA))
            parts: list[Any] = [self.documents]
        else:
            work = work_path(out, step, "docs", index)
            work.parent.mkdir(parents=True, exist_ok=True)
            self.documents = _ParquetTable(work, WORK_SCHEMA)
            assert key_schema is not None
            self.keys = _ParquetTable(work_path(out, step, "keys", index),
                                      pa.schema([("id", pa.string()), *key_schema]))
            parts = [self.documents, self.keys]
        self.ledger = _ParquetTable(out / "ledger" / part_name(index, ".parquet", step), LEDGER_SCHEMA)
        self.edits = _ParquetTable(out / "edits" / part_name(index, ".parquet", step), EDITS_SCHEMA)
        self._parts = (*parts, self.ledger, self.edits)
        self.originals: Any = None
        if originals:
            from ..report.originals import ORIGINALS, OriginalsSample

            self.originals = OriginalsSample(out / ORIGINALS / part_name(index, ".parquet", step),
                                             originals)
            self._parts = (*self._parts, self.originals)

    def survivor(self, doc: Document, key_row: dict[str, Any], original: str | None = None) -> None:
        """A document that goes on to the next step, and its row for the global stage;
        `original` (the text as read) travels with it when originals are sampled."""
        rest = doc.to_dict()
        self.documents.add({"id": doc.id, "text": rest.pop("text"), "doc": dumps(rest),
                            "original": original if self.originals is not None else None})
        self.keys.add({"id": doc.id, **key_row})

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
            self.edits.add({
                "id": doc.id, "stage": e.stage, "stage_version": e.version, "reason": e.reason,
                "start": e.start, "end": e.end, "replacement": e.replacement, "detail": dumps(e.detail),
            })

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


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path` via a temporary file and an atomic rename."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
