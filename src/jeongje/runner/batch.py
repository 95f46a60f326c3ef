"""One batch of records through a step's stages: each record's outcome, and the documents
that go on to the step's global stage.

A stage that raises on a document quarantines that document (`stage_error`, the error and
where it was raised in the detail) and the others go on; a stage that breaks its contract
(an undeclared drop reason, a wrong number of results) stops the run with a StageError.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..errors import StageError, environment_failure
from ..io.writers import ShardWriter
from ..record import DROPPED, KEEP, QUARANTINED, Document, Drop, Outcome, Quarantine
from ..stage import GlobalStage, Stage
from ..stats import Stats


def run_batch(items: list[Document | Quarantine], stages: Sequence[Stage],
              global_stage: GlobalStage | None, writer: ShardWriter, stats: Stats) -> None:
    """Pass `items` (in input order) through `stages`, hand the survivors and their rows to
    `global_stage` (all steps but the last) or keep them (the last step), and write every
    outcome decided here."""
    outcomes: dict[int, Outcome] = {}
    if writer.samples_originals:  # the text as read, before any stage of the step edits it
        for item in items:
            if isinstance(item, Document) and item.original is None:
                item.original = item.text
    alive = [i for i, item in enumerate(items) if isinstance(item, Document)]
    for stage in stages:
        if not alive:
            break
        docs: list[Document] = [items[i] for i in alive]  # type: ignore[misc]
        wall, cpu = time.perf_counter(), time.process_time()
        results = apply_stage(stage, docs)
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
                outcomes[i] = Outcome(DROPPED, stage.name, stage.version, result.reason, result.detail)
            elif isinstance(result, TimedOut):
                outcomes[i] = Outcome(QUARANTINED, stage.name, stage.version, "stage_timeout",
                                      {"error": f"stage {stage.name} took longer than {result.seconds:g} s "
                                                "on this document", "limit_seconds": result.seconds})
            else:  # an exception raised while processing this document
                outcomes[i] = Outcome(QUARANTINED, stage.name, stage.version, "stage_error", {"error": result})
        alive = still
        if stage.replaces_text and writer.samples_originals:  # edits from here on refer to its output
            for i in alive:
                items[i].original = items[i].text
    if global_stage is not None and alive:  # survivors go on to the global stage
        wall, cpu = time.perf_counter(), time.process_time()
        docs = [items[i] for i in alive]  # type: ignore[misc]
        keys, errors = _keys(global_stage, docs)
        for i, error in zip(alive, errors, strict=True):
            if error is not None:
                outcomes[i] = Outcome(QUARANTINED, global_stage.name, global_stage.version,
                                      "stage_error", {"error": error})
        writer.survivors([d for d, e in zip(docs, errors, strict=True) if e is None], keys)
        stats.timed(global_stage.name, time.perf_counter() - wall, time.process_time() - cpu, len(alive))
    for i, item in enumerate(items):
        if isinstance(item, Quarantine):
            writer.decided(item, item.outcome())
        elif i in outcomes:
            writer.decided(item, outcomes[i])
        elif writer.final:
            writer.decided(item, KEEP)
        # else it went on to the next step, which writes its outcome
    writer.end_batch(stats)


def _keys(stage: GlobalStage, docs: list[Document]) -> tuple[pa.Table, list[str | None]]:
    """The global stage's rows for the documents, and per document the error that kept it
    from having one (None when it has its row). Should the batch fail, each document is
    tried on its own (`keys`) so that only the bad ones are quarantined."""
    try:
        table = _key_table(stage, stage.keys_batch(docs), len(docs))
        return table, [None] * len(docs)
    except StageError:
        raise
    except Exception as e:  # noqa: BLE001 - isolate the failing document below
        _stop_if_environment(e, stage)
    rows: list[dict[str, object]] = []
    errors: list[str | None] = []
    for doc in docs:
        try:
            row = stage.keys(doc)
            _key_table(stage, [row], 1)  # the row must fit the stage's key schema
            rows.append(row)
            errors.append(None)
        except StageError:
            raise
        except Exception as e:  # noqa: BLE001 - a bad document must not stop the run
            _stop_if_environment(e, stage)
            errors.append(describe(e))
    return _key_table(stage, rows, len(rows)), errors


def _key_table(stage: GlobalStage, rows: object, expected: int) -> pa.Table:
    """`keys_batch`'s result (a table, or a list of `keys` rows) as a table of the key
    schema; a StageError when it breaks the contract (rows, columns)."""
    schema = pa.schema(stage.key_schema)
    if isinstance(rows, list):
        rows = pa.Table.from_pydict({n: [r.get(n) for r in rows] for n in schema.names}, schema=schema)
    if not isinstance(rows, pa.Table) or rows.num_rows != expected or rows.schema.names != schema.names:
        shape = (f"a table of {rows.num_rows} rows with columns {rows.schema.names}"
                 if isinstance(rows, pa.Table) else type(rows).__name__)
        raise StageError(f"stage {stage.name}: keys_batch returned {shape} for {expected} documents; "
                         f"expected {expected} rows with columns {schema.names}")
    return rows


def apply_stage(stage: Stage, docs: list[Document]) -> list[Drop | None | str | TimedOut]:
    """Run a stage over documents, isolating failures: a document whose processing raises
    becomes an error string, one that takes longer than the stage's `time_bound()` a
    `TimedOut` (both quarantined by the caller), and the others go on."""
    for d in docs:
        d.begin_stage()
    with Watch(stage.time_bound()) as watch:
        if stage.batched:
            snapshots = [(d.text, len(d.edits), dict(d.metadata)) for d in docs]
            try:
                watch.begin(len(docs))
                results = stage.process_batch(docs)
                watch.end()
                if len(results) != len(docs):
                    raise StageError(f"stage {stage.name} returned {len(results)} results "
                                     f"for {len(docs)} documents")
                return list(results)
            except StageError:
                raise
            except (Exception, StageTimeout) as e:  # noqa: BLE001 - one document at a time
                watch.end()
                if isinstance(e, Exception):
                    _stop_if_environment(e, stage)
                for d, (text, n_edits, meta) in zip(docs, snapshots, strict=True):
                    d.text, d.metadata = text, meta
                    del d.edits[n_edits:]
        out: list[Drop | None | str | TimedOut] = []
        for d in docs:
            n_edits, text = len(d.edits), d.text
            try:
                watch.begin()
                result: Drop | None | str | TimedOut = stage.process(d)
                watch.end()
            except StageError:
                raise
            except StageTimeout:
                watch.end()
                result = TimedOut(watch.seconds)
            except Exception as e:  # noqa: BLE001 - a bad document must not stop the run
                watch.end()
                _stop_if_environment(e, stage)
                result = describe(e)
            if isinstance(result, str | TimedOut):
                d.text = text
                del d.edits[n_edits:]
            out.append(result)
        return out


@dataclass(frozen=True, slots=True)
class TimedOut:
    """A document on which a stage ran out of time (`stage_timeout`)."""

    seconds: float


class StageTimeout(BaseException):
    """Raised inside a stage's code when its document's time is up: a BaseException, so
    that a stage's own `except Exception` cannot swallow it."""


class Watch:
    """The per-document time bound of one stage over one batch. One interval timer
    (SIGALRM) is armed for the batch; per document only its start time is noted, and the
    alarm, when it comes, either stops the document that has used its time or re-arms for
    what is left of it. Works in a process's main thread (where the local executor runs
    stages); elsewhere (some Ray actors) stages run without the bound."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.budget = seconds
        self.started: float | None = None  # when the current document started
        self.armed = (seconds > 0 and os.name == "posix"  # SIGALRM and setitimer
                      and threading.current_thread() is threading.main_thread())
        self.previous: Any = None

    def __enter__(self) -> Watch:
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    def begin(self, documents: int = 1) -> None:
        self.budget = self.seconds * documents
        self.started = time.monotonic()

    def end(self) -> None:
        self.started = None

    def _alarm(self, signum: int, frame: Any) -> None:
        left = self.seconds
        if self.started is not None:
            left = self.budget - (time.monotonic() - self.started)
            if left <= self.budget * 0.001:
                self.started = None
                signal.setitimer(signal.ITIMER_REAL, self.seconds)  # armed for the next one
                raise StageTimeout()
        signal.setitimer(signal.ITIMER_REAL, left)


def _stop_if_environment(e: Exception, stage: Stage) -> None:
    """A missing package, memory or disk is the environment's failure, not the document's:
    it stops the run (one error, resumable) instead of quarantining every document."""
    failure = environment_failure(e, f"running stage {stage.name}")
    if failure is not None:
        raise failure from e


def describe(e: BaseException) -> str:
    """An exception as a ledger detail: its type, message and where it was raised."""
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}: {e}{where}"
