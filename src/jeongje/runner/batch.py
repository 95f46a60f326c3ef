"""One batch of records through a step's stages: each record's outcome, and the documents
that go on to the step's global stage.

A stage that raises on a document quarantines that document (`stage_error`, the error and
where it was raised in the detail) and the others go on; a stage that breaks its contract
(an undeclared drop reason, a wrong number of results) stops the run with a StageError.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence

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


def apply_stage(stage: Stage, docs: list[Document]) -> list[Drop | None | str]:
    """Run a stage over documents, isolating failures: a document whose processing raises
    becomes an error string (quarantined by the caller) and the others go on."""
    for d in docs:
        d.begin_stage()
    if stage.batched:
        snapshots = [(d.text, len(d.edits), dict(d.metadata)) for d in docs]
        try:
            results = stage.process_batch(docs)
            if len(results) != len(docs):
                raise StageError(f"stage {stage.name} returned {len(results)} results "
                                 f"for {len(docs)} documents")
            return list(results)
        except StageError:
            raise
        except Exception as e:  # noqa: BLE001 - fall back to one document at a time
            _stop_if_environment(e, stage)
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
            _stop_if_environment(e, stage)
            d.text = text
            del d.edits[n_edits:]
            out.append(describe(e))
    return out


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
