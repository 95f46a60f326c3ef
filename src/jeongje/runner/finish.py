"""The last step of a recipe, column by column.

When nothing follows the last global stage and its decisions only drop and annotate
(`GlobalStage.edits_text` is False), the stored documents need no stage: each batch of
them becomes a table of outcomes built from the stored columns, and only a document the
stage annotates is touched in Python. The table goes through the same writer path as the
outcomes decided one document at a time (`ShardWriter.write_outcomes`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..io.layout import OUTCOME_SCHEMA
from ..io.work import StepInput
from ..io.writers import ShardWriter
from ..provenance import domain_of, publisher_of
from ..record import DROPPED, KEPT, dumps
from ..stage import GlobalStage
from ..stats import Stats
from ..steps import Step

FINISH_BATCH = 4096  # stored documents finished at a time


def finish_columns(stored: StepInput, step: Step, writer: ShardWriter, stats: Stats,
                   report: Callable[[int, int], None] | None) -> None:
    """Write the outcomes of every stored document of the shard (see module doc)."""
    stage = step.decided_by
    assert stage is not None and step.columnar
    decided = stored.decided()
    for batch in stored.batches(FINISH_BATCH):
        wall, cpu = time.perf_counter(), time.process_time()
        table = _outcomes(batch, decided, stage, writer.samples_originals)
        stats.timed(stage.name, time.perf_counter() - wall, time.process_time() - cpu, batch.num_rows)
        writer.write_outcomes(table, stats)
        writer.flush()
        if report is not None:
            report(batch.num_rows, 0)


def _outcomes(batch: pa.RecordBatch, decided: dict[str, tuple[str | None, str, str | None]],
              stage: GlobalStage, originals: bool) -> pa.Table:
    """The batch's `OUTCOME_SCHEMA` table: `GlobalStage.apply`'s default (the metadata,
    then the drop) carried out on the columns."""
    ids = batch.column("id").to_pylist()
    n = len(ids)
    outcome: list[str] = [KEPT] * n
    stage_name: list[str | None] = [None] * n
    version: list[int | None] = [None] * n
    reason: list[str | None] = [None] * n
    detail: list[str] = ["{}"] * n
    metadata: Any = batch.column("metadata")
    publisher = batch.column("publisher")
    domain = batch.column("domain")
    meta: list[str] | None = None
    for i, doc_id in enumerate(ids):
        d = decided.get(doc_id)
        if d is None:
            continue
        drop, why, annotation = d
        if annotation is not None:
            if meta is None:
                meta, publisher, domain = (metadata.to_pylist(), publisher.to_pylist(),
                                           domain.to_pylist())
            merged = json.loads(meta[i])
            merged.update(json.loads(annotation))
            meta[i] = dumps(merged)
            publisher[i], domain[i] = publisher_of(merged), domain_of(merged)
        if drop is not None:
            outcome[i], stage_name[i], version[i] = DROPPED, stage.name, stage.version
            reason[i], detail[i] = drop, why
    text = batch.column("text")
    columns = {
        "id": batch.column("id"), "source": batch.column("where"), "outcome": outcome,
        "stage": stage_name, "stage_version": version, "reason": reason, "detail": detail,
        "bytes_in": batch.column("bytes_in"), "publisher": publisher, "domain": domain,
        "text": text, "metadata": metadata if meta is None else meta,
        "edits": batch.column("edits"),
        "original": pc.coalesce(batch.column("original"), text) if originals else pa.nulls(n, pa.string()),
    }
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) if isinstance(columns[f.name], list)
                                 else columns[f.name] for f in OUTCOME_SCHEMA], schema=OUTCOME_SCHEMA)
