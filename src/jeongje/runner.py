"""`run_shard`: the one function every executor calls to process a shard.

It reads the shard, passes documents through the recipe's stages in batches, writes kept
documents, one ledger row per input record and the edit rows, publishes the three files
atomically, and finally writes the shard's completion marker. Executors own parallelism,
retries and merging; this function owns what happens to each record.
"""

from __future__ import annotations

import json
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import JeongjeError, StageError
from .io.inputs import Shard
from .io.readers import FieldMap, read_shard
from .io.store import Store, spill_dir
from .io.web import Skipped
from .io.writers import (
    DECISIONS_SCHEMA,
    DOCUMENTS_SCHEMA,
    EDITS_SCHEMA,
    LEDGER_SCHEMA,
    SITE_POLICIES,
    WORK,
    WORK_SCHEMA,
    ShardTable,
    ShardWriter,
    rows_table,
    work_document,
    work_name,
    write_table,
)
from .record import DROPPED, KEPT, QUARANTINED, Document, Drop, Quarantine, dumps
from .report.facts import domain_of, publisher_of
from .stage import Decision, GlobalStage, Stage
from .stats import Stats

BATCH_SIZE = 512
MARKERS = "_markers"
IO_STAGE = "(read+write)"  # time outside any stage: parsing, writing Parquet

Report = Callable[[int, int], None]  # (documents, input bytes) since the last call


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs to process one shard in one step of the recipe (picklable).

    A recipe without global stages has one step. Each global stage (deduplication) ends a
    step: the step's documents that go on are stored under `_work/`, the global stage
    decides once over all shards, and the next step starts from the stored documents.
    """

    shard: Shard
    out: Store
    fields: FieldMap
    format: str
    fingerprint: str
    step: int = 0
    steps: int = 1
    originals: int = 0  # originals kept per (outcome, stage, reason): -1 all, 0 none

    @property
    def final(self) -> bool:
        return self.step == self.steps - 1


def marker_name(index: int, step: int = 0) -> str:
    prefix = f"s{step}-" if step else ""
    return f"{MARKERS}/{prefix}shard-{index:05d}.json"


def reduce_marker_name(step: int) -> str:
    return f"{MARKERS}/s{step}-reduce.json"


def run_shard(task: ShardTask, stages: list[Stage], report: Report | None = None,
              global_stage: GlobalStage | None = None,
              previous: GlobalStage | None = None) -> Stats:
    """Process one shard through one step and write its completion marker; return its stats.

    `stages` are the step's per-document stages; `global_stage` (all steps but the last)
    receives the documents that go on; `previous` is the global stage that ended the step
    before, whose decisions are applied first.
    """
    out = task.out
    stats = Stats()
    writer = ShardWriter(out, task.shard.index, task.format, task.step, task.final,
                         global_stage.key_schema if global_stage is not None else None,
                         task.originals)
    pending_bytes = [0]

    def on_bytes(n: int) -> None:
        pending_bytes[0] += n

    batch: list[Document | Quarantine | tuple[Document, Decision, str | None]] = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        if (previous is not None and task.final and not stages
                and type(previous).apply is GlobalStage.apply):
            _finish_columns(out, task, previous, writer, stats, report)
        else:
            items = (_read_step0(task, on_bytes, stats) if task.step == 0
                     else _read_step(out, task, previous))
            for item in items:
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    _run_batch(batch, stages, writer, stats, global_stage, previous)
                    if report is not None:
                        report(len(batch), pending_bytes[0])
                        pending_bytes[0] = 0
                    batch = []
            _run_batch(batch, stages, writer, stats, global_stage, previous)
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
        "shard": task.shard.index, "step": task.step, "file": task.shard.file.name,
        "start": task.shard.start, "end": task.shard.end, "fingerprint": task.fingerprint,
        "stats": stats.to_dict(),
    }
    out.write_json(marker_name(task.shard.index, task.step), marker)
    return stats


def _read_step0(task: ShardTask, on_bytes: Callable[[int], None], stats: Stats
                ) -> Iterator[Document | Quarantine]:
    seen: set[str] = set()
    for item in read_shard(task.shard, _local_policies(task), on_bytes):
        if isinstance(item, Skipped):
            stats.skip(item.kind)
            continue
        if isinstance(item, Document):
            if item.id in seen:
                item = Quarantine(item.id, item.source, reason="duplicate_id",
                                  error=f"id {item.id!r} appears more than once in "
                                        f"{task.shard.file.name}; ids must be unique",
                                  bytes_in=item.bytes_in)
            else:
                seen.add(item.id)
        yield item


def _local_policies(task: ShardTask) -> FieldMap:
    """The read options with a remote output's `site_policies` folder (gathered from the
    crawl) replaced by a local copy, made once per process: SitePolicies reads local folders."""
    remote = task.out.location(SITE_POLICIES)
    if not task.out.remote or remote not in task.fields.site_policies:
        return task.fields
    local = task.out.mirror(SITE_POLICIES, task.fingerprint)
    return replace(task.fields, site_policies=tuple(local if f == remote else f
                                                    for f in task.fields.site_policies))


def _step_files(out: Store, task: ShardTask) -> tuple[list[dict[str, Any]], pq.ParquetFile]:
    """The previous step's decision rows for this shard and its stored documents."""
    step = task.step - 1
    name = work_name(step, "decisions", task.shard.index)
    docs_name = work_name(step, "docs", task.shard.index)
    if not out.is_file(name) or not out.is_file(docs_name):
        raise StageError(f"intermediate files of step {step} for shard {task.shard.index} are "
                         f"missing under {out.location(WORK)}; rerun with --overwrite")
    rows = pq.read_table(out.path(name), filesystem=out.filesystem).to_pylist()
    docs = pq.ParquetFile(out.path(docs_name), filesystem=out.filesystem)
    if not docs.schema_arrow.equals(WORK_SCHEMA):
        raise StageError(f"intermediate files of step {step} under {out.location(WORK)} were written "
                         "by another version of jeongje; rerun with --overwrite")
    return rows, docs


def _read_step(out: Store, task: ShardTask, previous: GlobalStage | None
               ) -> Iterator[tuple[Document, Decision, str | None]]:
    """The documents the previous step passed on, each with the previous global stage's
    decision (an empty one when it decided nothing for that document) and its text as read
    (used only when originals are sampled)."""
    rows, docs = _step_files(out, task)
    decisions: dict[str, Decision] = {}
    for row in rows:
        drop = Drop(row["reason"], json.loads(row["detail"])) if row["reason"] else None
        meta = json.loads(row["metadata"]) if row["metadata"] else None
        payload = json.loads(row["payload"]) if row["payload"] else None
        decisions[row["id"]] = Decision(row["id"], drop, meta, payload)
    for record_batch in docs.iter_batches(batch_size=BATCH_SIZE):
        for row in record_batch.to_pylist():
            doc = work_document(row)
            original = row["original"] if row["original"] is not None else row["text"]
            yield doc, decisions.get(doc.id, Decision(doc.id)), original


FINISH_BATCH = 4096  # stored documents finished at a time by `_finish_columns`


def _finish_columns(out: Store, task: ShardTask, previous: GlobalStage, writer: ShardWriter,
                    stats: Stats, report: Report | None) -> None:
    """The last step of a recipe when nothing follows its last global stage and that
    stage only drops and annotates (the default `apply`): the stored documents go to the
    outputs column by column. The rows come out exactly as `_run_batch` would write them,
    in the same order; only a document the stage annotates is touched in Python."""
    rows, docs = _step_files(out, task)
    # id -> (reason, detail, metadata), the JSON as the decision spill wrote it
    last = {r["id"]: r for r in rows}  # as in `_read_step`: an id's last decision counts
    decided = {k: (r["reason"] or None, r["detail"], r["metadata"] or None) for k, r in last.items()
               if r["reason"] or r["metadata"] or r["payload"]}  # what _run_batch applies
    for batch in docs.iter_batches(batch_size=FINISH_BATCH):
        _finish_batch(batch, decided, previous, writer, stats)
        writer.flush()
        if report is not None:
            report(batch.num_rows, 0)


def _finish_batch(batch: pa.RecordBatch, decided: dict[str, tuple[str | None, str, str | None]],
                  previous: GlobalStage, writer: ShardWriter, stats: Stats) -> None:
    ids = batch.column("id").to_pylist()
    n = len(ids)
    outcome: list[str] = [KEPT] * n
    stage: list[str | None] = [None] * n
    version: list[int | None] = [None] * n
    reason: list[str | None] = [None] * n
    detail: list[str] = ["{}"] * n
    metadata: Any = batch.column("metadata")
    publisher = batch.column("publisher").to_pylist()
    domain = batch.column("domain").to_pylist()
    kept = np.ones(n, dtype=bool)
    meta: list[str] | None = None
    wall, cpu, applied = time.perf_counter(), time.process_time(), 0
    for i, doc_id in enumerate(ids):
        d = decided.get(doc_id)
        if d is None:
            continue
        drop, why, annotation = d
        applied += 1
        if annotation is not None:  # GlobalStage.apply: the metadata, then the drop
            if meta is None:
                meta = metadata.to_pylist()
            merged = json.loads(meta[i])
            merged.update(json.loads(annotation))
            meta[i] = dumps(merged)
            publisher[i], domain[i] = publisher_of(merged), domain_of(merged)
        if drop is not None:
            outcome[i], stage[i], version[i] = DROPPED, previous.name, previous.version
            reason[i], detail[i] = drop, why
            kept[i] = False
    if applied:
        stats.timed(previous.name, time.perf_counter() - wall, time.process_time() - cpu, applied)
    if meta is not None:
        metadata = pa.array(meta, pa.string())
    text = batch.column("text")
    bytes_in = batch.column("bytes_in")
    bytes_out = np.where(kept, pc.binary_length(text).to_numpy(zero_copy_only=False), 0)
    writer.ledger.write_table(pa.Table.from_arrays([
        batch.column("id"), batch.column("where"), pa.array(outcome, pa.string()),
        pa.array(stage, pa.string()), pa.array(version, pa.int32()), pa.array(reason, pa.string()),
        pa.array(detail, pa.string()), bytes_in, pa.array(bytes_out, pa.int64()),
        pa.array(publisher, pa.string()), pa.array(domain, pa.string())], schema=LEDGER_SCHEMA))
    mask = pa.array(kept)
    writer.documents.write_table(pa.Table.from_arrays(
        [batch.column("id"), text, metadata], schema=DOCUMENTS_SCHEMA).filter(mask))
    edits = batch.column("edits")  # every outcome here (kept, dropped) keeps its edits
    parents = pc.list_parent_indices(edits)
    fields = pc.list_flatten(edits).flatten()
    writer.edits.write_table(pa.Table.from_arrays(
        [batch.column("id").take(parents), *fields], schema=EDITS_SCHEMA))
    sizes_in = bytes_in.to_pylist()
    sizes_out = bytes_out.tolist()
    for i in range(n):
        stats.count(outcome[i], stage[i] or "", reason[i] or "", sizes_in[i], sizes_out[i])
    for edit_stage, edit_reason in zip(fields[0].to_pylist(), fields[2].to_pylist(), strict=True):
        stats.edited(edit_stage, edit_reason)
    sample = writer.originals
    if sample is not None:  # only the texts the sample takes become Python strings
        originals = pc.coalesce(batch.column("original"), text)
        for i in range(n):
            if sample.wants(outcome[i], stage[i], reason[i], ids[i]):
                sample.add(outcome[i], stage[i], reason[i], ids[i], originals[i].as_py())


def read_marker(out: Store, index: int, step: int = 0) -> dict[str, Any] | None:
    return out.read_json(marker_name(index, step))  # type: ignore[no-any-return]


def run_reduce(out: Store, step: int, stage: GlobalStage, shards: list[int], fingerprint: str,
               decide: Callable[[Any, list[str]], Iterable[Decision]] | None = None) -> Stats:
    """Run a global stage's decision over the rows all shards stored for it, and write each
    shard's decisions; then the step's reduce marker. `decide(dataset, names)` lets an
    executor run the shuffle its own way (`names`: the stored row files in `out`); by
    default `stage.decide(dataset)`. A remote output's row files are first copied to the
    local spill folder: DuckDB reads local files.

    Decisions stream: they are written to a local Parquet file as they come, in chunks,
    and DuckDB sorts them into their shards' files, so memory does not grow with the
    number of decided documents."""
    stats = Stats()
    wall, cpu = time.perf_counter(), time.process_time()
    names = [work_name(step, "keys", i) for i in shards]
    stored = set(out.list(f"{WORK}/s{step}", "keys-*.parquet"))
    missing = [out.location(n) for n in names if n.rsplit("/", 1)[-1] not in stored]
    if missing:
        raise StageError(f"{stage.name}: stored rows missing ({missing[:3]}); rerun with --overwrite")
    with out.fetch(names) as paths, tempfile.TemporaryDirectory(dir=spill_dir()) as tmp:
        spill = Path(tmp) / "decisions.parquet"
        decisions: Iterable[Decision] = ()
        try:
            n_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
            import pyarrow.dataset as pads  # only the reduce side needs it (it imports pandas)

            dataset = pads.dataset([str(p) for p in paths], format="parquet")
            if n_rows:
                decisions = decide(dataset, names) if decide is not None else stage.decide(dataset)
            _spill_decisions(stage, decisions, spill)
            _write_decisions(out, step, stage, shards, paths, spill, Path(tmp))
        except JeongjeError:
            raise
        except Exception as e:
            raise StageError(f"{stage.name}: the global decision failed over {len(paths)} stored "
                             f"row files under {out.location(WORK)}: {_reduce_error(stage, e)}") from e
        finally:
            close = getattr(decisions, "close", None)  # a generator stopped by an error holds
            if close is not None:  # its DuckDB connection until it is closed
                close()
    stats.timed(f"{stage.name} (decide)", time.perf_counter() - wall, time.process_time() - cpu, n_rows)
    out.write_json(reduce_marker_name(step), {"step": step, "stage": stage.name,
                                              "fingerprint": fingerprint, "stats": stats.to_dict()})
    return stats


def _reduce_error(stage: GlobalStage, e: Exception) -> str:
    if type(e).__name__ == "OutOfMemoryException":  # DuckDB's; its advice names SQL settings
        return (f"DuckDB ran out of memory ({str(e).splitlines()[0]}); raise the stage's "
                f"memory_limit parameter (now {getattr(stage, 'memory_limit', '?')!r})")
    return f"{type(e).__name__}: {e}"


DECISION_CHUNK = 65536  # decisions turned into rows at a time


def _spill_decisions(stage: GlobalStage, decisions: Iterable[Decision], spill: Path) -> None:
    """Write the decisions as DECISIONS_SCHEMA rows to `spill`, a chunk at a time."""
    with pq.ParquetWriter(spill, DECISIONS_SCHEMA) as writer:
        chunk: list[dict[str, Any]] = []
        for d in decisions:
            if d.drop is not None and d.drop.reason not in stage.reasons:
                raise StageError(f"stage {stage.name} emitted undeclared drop reason {d.drop.reason!r}")
            chunk.append({
                "id": d.id, "reason": d.drop.reason if d.drop else None,
                "detail": dumps(d.drop.detail) if d.drop else None,
                "metadata": dumps(d.metadata) if d.metadata else None,
                "payload": dumps(d.payload) if d.payload else None})
            if len(chunk) >= DECISION_CHUNK:
                writer.write_table(rows_table(chunk, DECISIONS_SCHEMA))
                chunk = []
        writer.write_table(rows_table(chunk, DECISIONS_SCHEMA))


def _write_decisions(out: Store, step: int, stage: GlobalStage, shards: list[int], paths: list[Any],
                     spill: Path, tmp: Path) -> None:
    """Each shard's decisions file, sorted by id: DuckDB finds the shard of every decided
    id (the last one, should an id be in several) and sorts the spilled decisions by
    (shard, id) out of core; the files are then written one after the other."""
    from .dedup.duck import arrow_reader, parquet_view, session

    con = session(getattr(stage, "memory_limit", "1GB"), str(tmp / "duckdb"))
    files = _DecisionFiles(out, [work_name(step, "decisions", i) for i in shards])
    try:
        parquet_view(con, "spilled", [str(spill)])
        con.execute("CREATE TEMP TABLE dec AS SELECT * FROM spilled")
        con.execute("CREATE TEMP TABLE loc (id VARCHAR, pos INTEGER)")
        for pos, path in enumerate(paths):
            parquet_view(con, f"shard{pos}", [str(path)])
            con.execute(f"INSERT INTO loc SELECT id, {pos} FROM shard{pos} SEMI JOIN dec USING (id)")
        lost = con.execute("SELECT count(*) FROM dec ANTI JOIN loc USING (id)").fetchall()[0][0]
        if lost:
            raise StageError(f"stage {stage.name} decided {lost} ids that no shard holds")
        # a total order: should an id get several decisions, the last one (which the next
        # step applies) is the same on every run -- a drop after the annotations
        reader = arrow_reader(con.sql("""
            SELECT l.pos, d.* FROM dec d JOIN (SELECT id, max(pos) AS pos FROM loc GROUP BY id) l USING (id)
            ORDER BY l.pos, d.id, d.reason NULLS FIRST, d.detail, d.metadata, d.payload"""), DECISION_CHUNK)
        for batch in reader:
            if not batch.num_rows:
                continue
            pos = batch.column(0).to_numpy()
            starts = [0, *(np.flatnonzero(pos[1:] != pos[:-1]) + 1).tolist()]
            for lo, hi in zip(starts, [*starts[1:], len(pos)], strict=True):
                files.write(int(pos[lo]), pa.Table.from_batches([batch.slice(lo, hi - lo)]).drop_columns(["pos"]))
        files.close()
    except BaseException:
        files.abort()
        raise
    finally:
        con.close()


class _DecisionFiles:
    """The decisions files of a step's shards, written in shard order (rows arrive sorted
    by shard): each is opened when its first rows come, shards without any get an empty
    file, and each file is published when the next one starts."""

    def __init__(self, out: Store, names: list[str]) -> None:
        self.out, self.names = out, names
        self.done = 0  # files before this one are published
        self.open: ShardTable | None = None

    def write(self, pos: int, table: pa.Table) -> None:
        if self.open is None or pos != self.done:
            self._advance(pos)
            self.open = ShardTable(self.out, self.names[pos], DECISIONS_SCHEMA)
        self.open.write_table(table)

    def close(self) -> None:
        self._advance(len(self.names))

    def abort(self) -> None:
        if self.open is not None:
            self.open.abort()
            self.open = None

    def _advance(self, pos: int) -> None:
        if self.open is not None:
            self.open.close()
            self.open.commit()
            self.open = None
            self.done += 1
        for skipped in range(self.done, pos):
            write_table(self.out, self.names[skipped], rows_table([], DECISIONS_SCHEMA))
        self.done = pos


def _run_batch(batch: list[Any], stages: list[Stage], writer: ShardWriter, stats: Stats,
               global_stage: GlobalStage | None, previous: GlobalStage | None) -> None:
    # decision per position: None = still alive, else (outcome, stage, version, reason, detail)
    decisions: dict[int, tuple[str, str, int, str, dict[str, Any]]] = {}
    applied = 0
    # the text as read, for the originals sample (before any stage of step 0 edits it)
    originals: dict[int, str | None] = {}
    if writer.originals is not None:
        originals = {i: item[2] if isinstance(item, tuple) else item.text
                     for i, item in enumerate(batch) if not isinstance(item, Quarantine)}
    wall, cpu = time.perf_counter(), time.process_time()
    for i, item in enumerate(batch):
        if isinstance(item, tuple):  # a document from the previous step, with its decision
            doc, decision, _ = item
            batch[i] = doc
            if previous is None or (decision.drop is None and not decision.metadata
                                    and not decision.payload):
                continue
            doc.begin_stage()
            applied += 1
            try:
                drop = previous.apply(doc, decision)
            except Exception as e:  # noqa: BLE001 - a bad document must not stop the run
                decisions[i] = (QUARANTINED, previous.name, previous.version, "stage_error",
                                {"error": _describe(e)})
                continue
            if drop is not None:
                decisions[i] = (DROPPED, previous.name, previous.version, drop.reason, drop.detail)
    if applied:
        stats.timed(previous.name, time.perf_counter() - wall, time.process_time() - cpu, applied)
    alive = [i for i, item in enumerate(batch) if isinstance(item, Document) and i not in decisions]
    for stage in stages:
        if not alive:
            break
        docs = [batch[i] for i in alive]
        wall, cpu = time.perf_counter(), time.process_time()
        results = _apply_stage(stage, docs)
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
        if stage.replaces_text and originals:  # edits from here on refer to its output
            originals.update({i: batch[i].text for i in alive})
    if global_stage is not None and alive:  # survivors go on to the global stage
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            rows: Any = global_stage.keys_batch([batch[i] for i in alive])
        except Exception:  # noqa: BLE001 - isolate the failing document below
            rows = []
            for i in alive:
                try:
                    rows.append(global_stage.keys(batch[i]))
                except Exception as e:  # noqa: BLE001 - a bad document must not stop the run
                    rows.append(_describe(e))
        if isinstance(rows, pa.Table):  # the whole batch's rows as one table
            if rows.num_rows != len(alive) or rows.schema.names != global_stage.key_schema.names:
                raise StageError(f"stage {global_stage.name}: keys_batch returned a table of "
                                 f"{rows.num_rows} rows with columns {rows.schema.names} for "
                                 f"{len(alive)} documents; expected {global_stage.key_schema.names}")
            writer.survivors([batch[i] for i in alive], rows, [originals.get(i) for i in alive])
        else:
            for i, row in zip(alive, rows, strict=True):
                if isinstance(row, str):
                    decisions[i] = (QUARANTINED, global_stage.name, global_stage.version,
                                    "stage_error", {"error": row})
                else:
                    writer.survivor(batch[i], row, originals.get(i))
        stats.timed(global_stage.name, time.perf_counter() - wall, time.process_time() - cpu, len(alive))
    for i, item in enumerate(batch):
        if isinstance(item, Quarantine):
            detail = dict(item.detail, error=item.error)
            writer.ledger_row(id=item.id, source=str(item.source), outcome=QUARANTINED,
                              stage=item.stage, stage_version=None, reason=item.reason,
                              detail=dumps(detail), bytes_in=item.bytes_in, bytes_out=0,
                              publisher=None, domain=None)
            stats.count(QUARANTINED, item.stage, item.reason, item.bytes_in, 0)
            continue
        doc = item
        decision = decisions.get(i)
        if decision is None:
            if not writer.final:
                continue  # goes on to the next step; its outcome is written there
            size = len(doc.text.encode("utf-8", "surrogatepass"))
            writer.kept(doc)
            writer.ledger_row(id=doc.id, source=str(doc.source), outcome=KEPT, stage=None,
                              stage_version=None, reason=None, detail="{}",
                              bytes_in=doc.bytes_in, bytes_out=size,
                              publisher=publisher_of(doc.metadata), domain=domain_of(doc.metadata))
            writer.original(KEPT, None, None, doc.id, originals.get(i))
            stats.count(KEPT, "", "", doc.bytes_in, size)
        else:
            outcome, stage_name, version, reason, detail = decision
            writer.ledger_row(id=doc.id, source=str(doc.source), outcome=outcome, stage=stage_name,
                              stage_version=version, reason=reason, detail=dumps(detail),
                              bytes_in=doc.bytes_in, bytes_out=0,
                              publisher=publisher_of(doc.metadata), domain=domain_of(doc.metadata))
            writer.original(outcome, stage_name, reason, doc.id, originals.get(i))
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
