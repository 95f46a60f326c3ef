"""`run_shard`: the one function every executor calls to process a shard in a step.

It reads the shard (the input in the first step, what the step before stored in the
others), passes its records through the step's stages in batches, writes one ledger row
per record decided in the step, the edit rows and the kept documents (or the documents
that go on), publishes the files atomically, and writes the shard's completion marker
last.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from ..errors import output_failure
from ..io.inputs import Shard
from ..io.layout import SITE_POLICIES
from ..io.markers import Markers
from ..io.readers import FieldMap, read_shard
from ..io.store import Store
from ..io.web import Skipped
from ..io.work import StepInput
from ..io.writers import ShardWriter
from ..record import Document, Quarantine
from ..stats import Stats, peak_rss
from ..steps import Step
from .batch import run_batch
from .finish import finish_columns

BATCH_SIZE = 512
IO_STAGE = "(read+write)"  # time outside any stage: parsing, writing Parquet

Report = Callable[[int, int], None]  # (documents, input bytes) since the last call


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs to process one shard of a run, in any step (picklable):
    the shard, the output store, how to read inputs, the documents' format, the run's
    fingerprint (written into the markers) and the originals sample limit."""

    shard: Shard
    out: Store
    fields: FieldMap
    format: str
    fingerprint: str
    originals: int = 0  # originals kept per (outcome, stage, reason): -1 all, 0 none


def run_shard(task: ShardTask, step: Step, report: Report | None = None) -> Stats:
    """Process one shard through `step` and write its completion marker; return its stats."""
    stats = Stats()
    key_schema = step.global_stage.key_schema if step.global_stage is not None else None
    writer = ShardWriter(task.out, task.shard.index, task.format, step.index, step.final,
                         key_schema, task.originals)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        if step.columnar:
            finish_columns(StepInput(task.out, step.index - 1, task.shard.index), step, writer,
                           stats, report)
        else:
            pending = [0]  # input bytes read since the last report

            def on_bytes(n: int) -> None:
                pending[0] += n

            if step.index == 0:
                records: Iterable[Document | Quarantine] = _read_input(task, on_bytes, stats)
                stages = step.stages
            else:
                stored = StepInput(task.out, step.index - 1, task.shard.index)
                records, stages = stored.documents(BATCH_SIZE), step.bind(stored.decisions())
            for batch in _batches(records, BATCH_SIZE):
                run_batch(batch, stages, step.global_stage, writer, stats)
                if report is not None:
                    report(len(batch), pending[0])
                    pending[0] = 0
        writer.commit()
    except OSError as e:  # the readers handle their own files: this is about writing OUT
        writer.abort()
        raise output_failure(e, f"writing shard {task.shard.index} to {task.out}") from e
    except BaseException:
        writer.abort()
        raise
    staged_wall = sum(t[0] for t in stats.stage_time.values())
    staged_cpu = sum(t[1] for t in stats.stage_time.values())
    stats.timed(IO_STAGE, time.perf_counter() - wall0 - staged_wall,
                time.process_time() - cpu0 - staged_cpu, stats.records)
    stats.peak_rss = peak_rss()
    Markers(task.out, task.fingerprint).write_shard(task.shard.index, step.index, {
        "shard": task.shard.index, "step": step.index, "file": task.shard.file.name,
        "start": task.shard.start, "end": task.shard.end, "stats": stats.to_dict()})
    return stats


def _batches(records: Iterable[Document | Quarantine], size: int) -> Iterator[list[Document | Quarantine]]:
    """Consecutive lists of `size` records; the last one may be shorter, or empty when
    there are no records at all (a step always runs at least one batch)."""
    batch: list[Document | Quarantine] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch


def _read_input(task: ShardTask, on_bytes: Callable[[int], None], stats: Stats
                ) -> Iterator[Document | Quarantine]:
    """The shard's input records; a repeated id within the file is a `duplicate_id`
    quarantine row, records that are not documents (WARC requests, ...) are counted."""
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
