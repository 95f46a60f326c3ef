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
])
EDITS_SCHEMA = pa.schema([
    ("id", pa.string()), ("stage", pa.string()), ("stage_version", pa.int32()),
    ("reason", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("replacement", pa.string()), ("detail", pa.string()),
])
OUTPUT_FOLDERS = ("documents", "ledger", "edits")
TMP_SUFFIX = ".tmp"


def part_name(index: int, suffix: str) -> str:
    return f"part-{index:05d}{suffix}"


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
    """Writes one shard's documents, ledger and edits; `commit()` publishes all three."""

    def __init__(self, out: Path, index: int, fmt: str = "parquet") -> None:
        doc_suffix = ".jsonl" if fmt == "jsonl" else ".parquet"
        self.documents = (
            _JsonlDocuments(out / "documents" / part_name(index, doc_suffix)) if fmt == "jsonl"
            else _ParquetTable(out / "documents" / part_name(index, doc_suffix), DOCUMENTS_SCHEMA)
        )
        self.ledger = _ParquetTable(out / "ledger" / part_name(index, ".parquet"), LEDGER_SCHEMA)
        self.edits = _ParquetTable(out / "edits" / part_name(index, ".parquet"), EDITS_SCHEMA)
        self._parts = (self.documents, self.ledger, self.edits)

    def kept(self, doc: Document) -> None:
        self.documents.add({"id": doc.id, "text": doc.text, "metadata": dumps(doc.metadata)})

    def ledger_row(self, **row: Any) -> None:
        self.ledger.add(row)

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
