"""`run_shard`: the one function every executor calls to process a shard.

It reads the shard, passes documents through the recipe's stages in batches, writes kept
documents, one ledger row per input record and the edit rows, publishes the three files
atomically, and finally writes the shard's completion marker. Executors own parallelism,
retries and merging; this function owns what happens to each record.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StageError
from .io.inputs import Shard
from .io.readers import FieldMap, read_shard
from .io.writers import ShardWriter, write_json_atomic
from .record import DROPPED, KEPT, QUARANTINED, Document, Drop, Quarantine, dumps
from .stage import Stage
from .stats import Stats

BATCH_SIZE = 512
MARKERS = "_markers"
IO_STAGE = "(read+write)"  # time outside any stage: parsing, writing Parquet

Report = Callable[[int, int], None]  # (documents, input bytes) since the last call


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs to process one shard (picklable)."""

    shard: Shard
    out: str
    fields: FieldMap
    format: str
    fingerprint: str


def marker_path(out: Path, index: int) -> Path:
    return out / MARKERS / f"shard-{index:05d}.json"


def run_shard(task: ShardTask, stages: list[Stage], report: Report | None = None) -> Stats:
    """Process one shard end to end and write its completion marker; return its stats."""
    out = Path(task.out)
    stats = Stats()
    writer = ShardWriter(out, task.shard.index, task.format)
    pending_bytes = [0]

    def on_bytes(n: int) -> None:
        pending_bytes[0] += n

    seen: set[str] = set()
    batch: list[Document | Quarantine] = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        for item in read_shard(task.shard, task.fields, on_bytes):
            if isinstance(item, Document):
                if item.id in seen:
                    item = Quarantine(item.id, item.source, reason="duplicate_id",
                                      error=f"id {item.id!r} appears more than once in "
                                            f"{task.shard.file.name}; ids must be unique",
                                      bytes_in=item.bytes_in)
                else:
                    seen.add(item.id)
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                _run_batch(batch, stages, writer, stats)
                if report is not None:
                    report(len(batch), pending_bytes[0])
                    pending_bytes[0] = 0
                batch = []
        _run_batch(batch, stages, writer, stats)
        if report is not None:
            report(len(batch), pending_bytes[0])
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    staged_wall = sum(t[0] for t in stats.stage_time.values())
    staged_cpu = sum(t[1] for t in stats.stage_time.values())
    stats.timed(IO_STAGE, time.perf_counter() - wall0 - staged_wall,
                time.process_time() - cpu0 - staged_cpu, stats.records)
    marker = {
        "shard": task.shard.index, "file": task.shard.file.name, "start": task.shard.start,
        "end": task.shard.end, "fingerprint": task.fingerprint, "stats": stats.to_dict(),
    }
    write_json_atomic(marker_path(out, task.shard.index), marker)
    return stats


def read_marker(out: Path, index: int) -> dict[str, Any] | None:
    path = marker_path(out, index)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _run_batch(batch: list[Document | Quarantine], stages: list[Stage], writer: ShardWriter,
               stats: Stats) -> None:
    # decision per position: None = still alive, else (outcome, stage, version, reason, detail)
    decisions: dict[int, tuple[str, str, int, str, dict[str, Any]]] = {}
    alive = [i for i, item in enumerate(batch) if isinstance(item, Document)]
    for stage in stages:
        if not alive:
            break
        docs = [batch[i] for i in alive]
        wall, cpu = time.perf_counter(), time.process_time()
        results = _apply_stage(stage, docs)  # type: ignore[arg-type]
        stats.timed(stage.name, time.perf_counter() - wall, time.process_time() - cpu, len(docs))
        still = []
        for i, result in zip(alive, results, strict=True):
            if result is None:
                still.append(i)
            elif isinstance(result, Drop):
                if result.reason not in stage.reasons:
                    raise StageError(
                        f"stage {stage.name} emitted undeclared drop reason {result.reason!r}; "
                        f"declared: {sorted(stage.reasons)}"
                    )
                decisions[i] = (DROPPED, stage.name, stage.version, result.reason, result.detail)
            else:  # an exception raised while processing this document
                decisions[i] = (QUARANTINED, stage.name, stage.version, "stage_error",
                                {"error": result})
        alive = still
    for i, item in enumerate(batch):
        if isinstance(item, Quarantine):
            detail = dict(item.detail, error=item.error)
            writer.ledger_row(id=item.id, source=str(item.source), outcome=QUARANTINED,
                              stage=item.stage, stage_version=None, reason=item.reason,
                              detail=dumps(detail), bytes_in=item.bytes_in, bytes_out=0)
            stats.count(QUARANTINED, item.stage, item.reason, item.bytes_in, 0)
            continue
        doc = item
        decision = decisions.get(i)
        if decision is None:
            size = len(doc.text.encode("utf-8", "surrogatepass"))
            writer.kept(doc)
            writer.ledger_row(id=doc.id, source=str(doc.source), outcome=KEPT, stage=None,
                              stage_version=None, reason=None, detail="{}",
                              bytes_in=doc.bytes_in, bytes_out=size)
            stats.count(KEPT, "", "", doc.bytes_in, size)
        else:
            outcome, stage_name, version, reason, detail = decision
            writer.ledger_row(id=doc.id, source=str(doc.source), outcome=outcome, stage=stage_name,
                              stage_version=version, reason=reason, detail=dumps(detail),
                              bytes_in=doc.bytes_in, bytes_out=0)
            stats.count(outcome, stage_name, reason, doc.bytes_in, 0)
        if outcome_keeps_edits(decision):
            writer.edit_rows(doc)
            for e in doc.edits:
                stats.edited(e.stage, e.reason)
    writer.flush()


def outcome_keeps_edits(decision: tuple[str, str, int, str, dict[str, Any]] | None) -> bool:
    """Edits are recorded for kept and dropped documents, not for quarantined ones."""
    return decision is None or decision[0] == DROPPED


def _apply_stage(stage: Stage, docs: list[Document]) -> list[Drop | None | str]:
    """Run a stage over documents, isolating failures: a document whose processing raises
    becomes an error string (quarantined by the caller) and the others go on."""
    for d in docs:
        d.begin_stage()
    if type(stage).process_batch is not Stage.process_batch:
        snapshots = [(d.text, len(d.edits), dict(d.metadata)) for d in docs]
        try:
            results = stage.process_batch(docs)
            if len(results) != len(docs):
                raise StageError(f"stage {stage.name} returned {len(results)} results "
                                 f"for {len(docs)} documents")
            return list(results)
        except StageError:
            raise
        except Exception:  # noqa: BLE001 - fall back to one document at a time
            for d, (text, n_edits, meta) in zip(docs, snapshots, strict=True):
                d.text, d.metadata = text, meta
                del d.edits[n_edits:]
    out: list[Drop | None | str] = []
    for d in docs:
        n_edits, text = len(d.edits), d.text
        try:
            out.append(stage.process(d))
        except StageError:
            raise
        except Exception as e:  # noqa: BLE001 - a bad document must not stop the run
            d.text = text
            del d.edits[n_edits:]
            out.append(_describe(e))
    return out


def _describe(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}: {e}{where}"
