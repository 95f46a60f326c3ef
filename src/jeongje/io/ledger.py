"""Reading a run's ledger: the rows the run wrote, the opt-out events added after it
(`OUT/ledger/optout-NNNNN.parquet`), and the current outcome of every record, where an
opt-out supersedes the run's `kept` row.

The same "current ledger" is offered two ways: as an Arrow table (`read_ledger`, for the
library) and as DuckDB views (`ledger_views`, for the report, `stats` and the manifest's
recount after an opt-out); both are defined here and nowhere else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from .layout import LEDGER, LEDGER_SCHEMA, MANIFEST, OPTOUT_PREFIX, RUN_FILE
from .location import open_store
from .store import Store


def read_folder(out: Store, folder: str, schema: pa.Schema) -> pa.Table:
    """Every `part-*.parquet` of an output folder as one table (empty with `schema` if none)."""
    files = out.list(folder, "part-*.parquet")
    if not files:
        return schema.empty_table()
    return pa.concat_tables(pq.read_table(out.path(f"{folder}/{f}"), filesystem=out.filesystem)
                            for f in files)


def optout_files(out: Path) -> list[Path]:
    """The opt-out event files of a local output, in the order they were applied."""
    return sorted((out / LEDGER).glob(f"{OPTOUT_PREFIX}*.parquet"))


def read_optouts(out: str | Path | Store) -> pa.Table:
    """Every opt-out event recorded after the run (empty when there is none); `out` may
    be a store (a local folder or an output URL)."""
    store = open_store(out)
    files = store.list(LEDGER, f"{OPTOUT_PREFIX}*.parquet")
    if not files:
        return LEDGER_SCHEMA.empty_table()
    return pa.concat_tables([pq.read_table(store.path(f"{LEDGER}/{f}"), filesystem=store.filesystem)
                             for f in files])


def read_ledger(out: Store, history: bool = False) -> pa.Table:
    """One row per input record with its current outcome; `history=True` adds the rows an
    opt-out superseded (every event)."""
    import pyarrow.compute as pc

    ledger = read_folder(out, LEDGER, LEDGER_SCHEMA)
    later = read_optouts(out)
    if later.num_rows == 0:
        return ledger
    if not history:
        ledger = ledger.filter(pc.invert(pc.is_in(ledger["id"], later["id"])))
    return pa.concat_tables([ledger, later], promote_options="default")


def require_finished_run(out: Path) -> dict[str, Any]:
    """The manifest of a finished run in the local folder `out`, or an InputError saying
    what is missing."""
    if not out.is_dir():
        raise InputError(f"{out} is not a folder")
    manifest = out / MANIFEST
    if not manifest.is_file():
        what = ("a run that has not finished (no manifest.json yet): run the same `jeongje run` "
                "command again to finish it" if (out / RUN_FILE).is_file()
                else "no jeongje run (no manifest.json, no _run.json)")
        raise InputError(f"{out} holds {what}")
    if not any((out / LEDGER).glob("*.parquet")):
        raise InputError(f"{out} has a manifest but no ledger files under {out / LEDGER}")
    return json.loads(manifest.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def sql_str(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ledger_views(con: Any, out: Path) -> None:
    """DuckDB views over a local output's ledger: `ledger_events` (every event, opt-outs
    included, with `filename` and `later`) and `ledger` (the current outcome per id)."""
    glob = sql_str(str(out / LEDGER / "*.parquet"))
    columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({glob}, union_by_name=true)").fetchall()}
    extra = "" if {"publisher", "domain"} <= columns else ", NULL::VARCHAR AS publisher, NULL::VARCHAR AS domain"
    con.execute(f"CREATE VIEW ledger_events AS SELECT *{extra}, filename LIKE '%/{OPTOUT_PREFIX}%' AS later "
                f"FROM read_parquet({glob}, union_by_name=true, filename=true)")
    if optout_files(out):
        con.execute("CREATE VIEW ledger AS SELECT * EXCLUDE (filename, later) FROM ledger_events "
                    "QUALIFY row_number() OVER (PARTITION BY id ORDER BY later DESC, filename DESC) = 1")
    else:
        con.execute("CREATE VIEW ledger AS SELECT * EXCLUDE (filename, later) FROM ledger_events")


def rows(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """A query's rows as dicts."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
