"""The global decision that ends a step: a global stage decides once over the rows every
shard stored for it, and each shard gets the decisions for its documents.

Decisions stream: they are written to a local Parquet file as they come, in chunks, and
DuckDB sorts them into their shards' files, so memory does not grow with the number of
decided documents. The step's reduce marker is written last.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..duck import arrow_reader, parquet_view, session
from ..errors import JeongjeError, StageError
from ..io.layout import DECISIONS_SCHEMA, WORK, work_name
from ..io.markers import Markers
from ..io.parts import ShardTable, rows_table, write_table
from ..io.store import Store, spill_dir
from ..record import Decision, dumps
from ..stage import GlobalStage
from ..stats import Stats, peak_rss

DECISION_CHUNK = 65536  # decisions turned into rows at a time
SORT_MEMORY = "1GB"  # DuckDB's memory for sorting the decisions of a stage that declares none
#: the rows the decision reads (a pyarrow dataset) and the names of the stored row files
#: -> decisions; an executor may run the shuffle its own way (executors/ray.py)
Decide = Callable[[Any, list[str]], Iterable[Decision]]


def run_reduce(out: Store, step: int, stage: GlobalStage, shards: list[int], fingerprint: str,
               decide: Decide | None = None) -> Stats:
    """Run `stage`'s decision over the rows all `shards` stored for it in `step`, write each
    shard's decisions, then the step's reduce marker. `decide(dataset, names)` runs the
    decision instead of `stage.decide(dataset)`. A remote output's row files are first
    copied to the local spill folder: DuckDB reads local files."""
    stats = Stats()
    wall, cpu = time.perf_counter(), time.process_time()
    names = [work_name(step, "keys", i) for i in shards]
    stored = set(out.list(f"{WORK}/s{step}", "keys-*.parquet"))
    missing = [out.location(n) for n in names if n.rsplit("/", 1)[-1] not in stored]
    if missing:
        raise StageError(f"{stage.name}: stored rows missing ({missing[:3]}); rerun with --overwrite")
    n_rows = 0
    with out.fetch(names) as paths, tempfile.TemporaryDirectory(dir=spill_dir()) as tmp:
        spill = Path(tmp) / "decisions.parquet"
        decisions: Iterable[Decision] = ()
        try:
            n_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
            import pyarrow.dataset as pads  # only the reduce side needs it (it imports pandas)

            dataset = pads.dataset([str(p) for p in paths], format="parquet")
            if n_rows:
                decisions = decide(dataset, names) if decide is not None else stage.decide(dataset)
            _spill(stage, decisions, spill)
            _write_decisions(out, step, stage, shards, paths, spill, Path(tmp))
        except JeongjeError:
            raise
        except Exception as e:
            raise StageError(f"{stage.name}: the global decision failed over {len(paths)} stored "
                             f"row files under {out.location(WORK)}: {_reduce_error(stage, e)}") from e
        finally:
            if isinstance(decisions, Generator):  # one stopped by an error holds its DuckDB
                decisions.close()  # connection until it is closed
    stats.timed(f"{stage.name} (decide)", time.perf_counter() - wall, time.process_time() - cpu, n_rows)
    stats.peak_rss = peak_rss()
    Markers(out, fingerprint).write_reduce(step, {"step": step, "stage": stage.name, "stats": stats.to_dict()})
    return stats


def _reduce_error(stage: GlobalStage, e: Exception) -> str:
    import duckdb

    if isinstance(e, duckdb.OutOfMemoryException):  # DuckDB's advice names SQL settings
        return (f"DuckDB ran out of memory ({str(e).splitlines()[0]}); raise the stage's "
                f"memory_limit parameter (now {stage.resources().memory!r})")
    return f"{type(e).__name__}: {e}"


def _spill(stage: GlobalStage, decisions: Iterable[Decision], spill: Path) -> None:
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
    con = session(stage.resources().memory or SORT_MEMORY, str(tmp / "duckdb"))
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
