"""Everything the HTML report shows, read from a finished output folder with DuckDB.

`collect(out)` returns one JSON-ready dict: the run summary (from the manifest), aggregates
over the ledger and the edits (waterfall, removals by publisher and domain, length
histograms, dedup cluster sizes, rights classes, PII types) and the documents of the
browser, each with its ledger history, evidence and, when its original was sampled, the
original and final text cut into segments labelled by the edit that made them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io.layout import OPTOUT_STAGE
from ..io.ledger import ledger_views, require_finished_run, sql_str
from ..io.ledger import rows as _rows
from .spans import EditRow, order_edits, replay

TOP = 40  # rows of the by-publisher / by-domain tables and plots


def connect(out: Path) -> Any:
    """A DuckDB connection with views `ledger_events` (every event, opt-outs included),
    `ledger` (the current outcome per id), `edits`, `documents`, `originals`."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    ledger_views(con, out)
    _view(con, "edits", out / "edits", "part-*.parquet",
          "id VARCHAR, stage VARCHAR, stage_version INTEGER, reason VARCHAR, start BIGINT, "
          '"end" BIGINT, replacement VARCHAR, detail VARCHAR')
    _view(con, "originals", out / "originals", "part-*.parquet",
          "id VARCHAR, outcome VARCHAR, stage VARCHAR, reason VARCHAR, text VARCHAR")
    jsonl = sorted((out / "documents").glob("part-*.jsonl"))
    if jsonl:
        con.execute("CREATE VIEW documents AS SELECT id, text, metadata::VARCHAR AS metadata FROM "
                    f"read_json({sql_str(str(out / 'documents' / 'part-*.jsonl'))}, format='newline_delimited', "
                    "columns={'id': 'VARCHAR', 'text': 'VARCHAR', 'metadata': 'JSON'})")
    else:
        _view(con, "documents", out / "documents", "part-*.parquet",
              "id VARCHAR, text VARCHAR, metadata VARCHAR")
        kind = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'documents' "
                           "AND column_name = 'metadata'").fetchall()
        kind = kind[0] if kind else None
        if kind and kind[0].startswith("STRUCT"):  # --metadata struct: the report reads JSON text
            con.execute("CREATE OR REPLACE VIEW documents AS SELECT id, text, to_json(metadata)::VARCHAR "
                        f"AS metadata FROM read_parquet({sql_str(str(out / 'documents' / 'part-*.parquet'))})")
    return con


def _view(con: Any, name: str, folder: Path, pattern: str, empty: str) -> None:
    if any(folder.glob(pattern)):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({sql_str(str(folder / pattern))})")
    else:
        cols = ", ".join(f"NULL::{c.split()[-1]} AS {c.rsplit(' ', 1)[0]}" for c in empty.split(", "))
        con.execute(f"CREATE VIEW {name} AS SELECT {cols} WHERE false")


def collect(out: Path, per_reason: int = 25, all_below: int = 2000,
            log: Any = None) -> dict[str, Any]:
    """The report's data. The browser holds every record when the run has at most
    `all_below` records, else `per_reason` per (outcome, stage, reason), those with a
    sampled original first, chosen by a hash of the id, plus the kept twins they name."""
    manifest = require_finished_run(out)
    say = log or (lambda _msg: None)
    con = connect(out)
    stage_order = [s["stage"] for s in manifest.get("recipe", {}).get("stages", [])]
    say("aggregating the ledger")
    data: dict[str, Any] = {
        "run": _run_summary(out, manifest),
        "stage_order": ["read", *stage_order, OPTOUT_STAGE],
        "outcomes": _rows(con, """
            SELECT outcome, coalesce(stage, '') AS stage, max(stage_version) AS version,
                   coalesce(reason, '') AS reason, count(*) AS documents,
                   sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out
            FROM ledger GROUP BY ALL ORDER BY documents DESC"""),
        "by_publisher": by_key(con, "publisher"),
        "by_domain": by_key(con, "domain"),
        "lengths": _lengths(con),
        "clusters": cluster_sizes(con),
        "rights": _rows(con, """
            SELECT 'kept' AS outcome, coalesce(json_extract_string(metadata, '$.rights.class'), '(not classified)') AS class,
                   count(*) AS documents FROM documents GROUP BY ALL
            UNION ALL
            SELECT 'dropped', coalesce(json_extract_string(detail, '$.class'), reason), count(*)
            FROM ledger WHERE stage = 'rights.reservation' AND outcome = 'dropped' GROUP BY ALL
            UNION ALL
            SELECT 'opted out', reason, count(*) FROM ledger WHERE stage = 'optout' GROUP BY ALL
            ORDER BY documents DESC"""),
        "pii": _rows(con, """
            SELECT coalesce(json_extract_string(detail, '$.type'), reason) AS type, count(*) AS spans,
                   count(DISTINCT id) AS documents
            FROM edits WHERE stage = 'clean.pii' GROUP BY ALL ORDER BY spans DESC"""),
        "edits": _rows(con, """
            SELECT stage, reason, count(*) AS edits, count(DISTINCT id) AS documents,
                   sum("end" - start) AS chars_removed, sum(length(replacement)) AS chars_inserted
            FROM edits GROUP BY ALL ORDER BY edits DESC"""),
    }
    say("selecting documents for the browser")
    data["documents"], data["browser"] = _browser(con, stage_order, per_reason, all_below,
                                                  manifest["counts"]["records"])
    return data


def _run_summary(out: Path, m: dict[str, Any]) -> dict[str, Any]:
    return {
        "output": str(out.resolve()), "jeongje_version": m.get("jeongje_version"),
        "finished_at": m.get("finished_at"), "recipe": m.get("recipe", {}).get("name"),
        "options": m.get("options", {}), "counts": m.get("counts", {}), "bytes": m.get("bytes", {}),
        "wall_seconds": m.get("wall_seconds"), "shards": m.get("shards"),
        "inputs": [{k: i.get(k) for k in ("name", "bytes", "format", "compression", "blake2b_128")}
                   for i in m.get("inputs", [])],
        "stage_seconds": [{"stage": k, **v} for k, v in m.get("stage_seconds", {}).items()],
        "stage_versions": m.get("stage_versions", {}), "cost": m.get("cost", {}),
        "conservation": m.get("conservation", {}), "optouts": m.get("optouts", []),
    }


def cluster_sizes(con: Any) -> list[dict[str, Any]]:
    """Duplicate clusters per dedup stage and size (from the drops' `cluster`/`cluster_size`)."""
    return _rows(con, """
        WITH c AS (
          SELECT stage, json_extract_string(detail, '$.cluster') AS cluster,
                 max(TRY_CAST(json_extract(detail, '$.cluster_size') AS BIGINT)) AS size
          FROM ledger_events WHERE stage LIKE 'dedup.%' AND json_extract(detail, '$.cluster') IS NOT NULL
          GROUP BY ALL)
        SELECT stage, size, count(*) AS clusters, count(*) * (size - 1) AS removed
        FROM c GROUP BY stage, size ORDER BY stage, size""")


def by_key(con: Any, column: str, top: int = TOP) -> list[dict[str, Any]]:
    """Records, kept and removed per publisher (or domain), the most removed first."""
    rows = _rows(con, f"""
        WITH g AS (
          SELECT coalesce({column}, '(unknown)') AS key, count(*) AS records,
                 count(*) FILTER (outcome = 'kept') AS kept,
                 count(*) FILTER (outcome = 'dropped') AS dropped,
                 sum(bytes_in) FILTER (outcome = 'dropped') AS bytes_dropped
          FROM ledger WHERE outcome <> 'quarantined' GROUP BY ALL),
        r AS (
          SELECT coalesce({column}, '(unknown)') AS key, stage || ' / ' || reason AS why, count(*) AS n
          FROM ledger WHERE outcome = 'dropped' GROUP BY ALL)
        SELECT g.*, (SELECT list({{'why': why, 'n': n}} ORDER BY n DESC, why) FROM r WHERE r.key = g.key) AS reasons
        FROM g ORDER BY dropped DESC, records DESC, key LIMIT {int(top)}""")
    for r in rows:
        r["bytes_dropped"] = r["bytes_dropped"] or 0
        r["reasons"] = r["reasons"] or []
    return rows


def _lengths(con: Any) -> dict[str, Any]:
    """Histograms of text length in UTF-8 bytes on a log2 scale: every record as read, and
    the kept documents as written."""
    rows = _rows(con, """
        SELECT 'before' AS series, floor(log2(greatest(bytes_in, 1)))::INT AS bin, count(*) AS n
        FROM ledger WHERE outcome <> 'quarantined' GROUP BY ALL
        UNION ALL
        SELECT 'after', floor(log2(greatest(bytes_out, 1)))::INT, count(*)
        FROM ledger WHERE outcome = 'kept' GROUP BY ALL""")
    present = [r["bin"] for r in rows]
    bins = list(range(min(present), max(present) + 1)) if present else []  # no gaps on the log axis
    series = {s: {r["bin"]: r["n"] for r in rows if r["series"] == s} for s in ("before", "after")}
    return {"bins": [[2 ** b, 2 ** (b + 1)] for b in bins],
            "before": [series["before"].get(b, 0) for b in bins],
            "after": [series["after"].get(b, 0) for b in bins]}


def _browser(con: Any, stage_order: list[str], per_reason: int, all_below: int,
             records: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    limit = "" if records <= all_below else (
        "QUALIFY row_number() OVER (PARTITION BY l.outcome, l.stage, l.reason "
        f"ORDER BY o.id IS NOT NULL DESC, md5(l.id)) <= {int(per_reason)}")
    con.execute(f"""
        CREATE TEMP TABLE chosen AS
        SELECT l.id FROM ledger l LEFT JOIN (SELECT DISTINCT id FROM originals) o ON o.id = l.id
        {limit}""")
    con.execute("""
        INSERT INTO chosen
        SELECT DISTINCT json_extract_string(detail, '$.duplicate_of') FROM ledger
        WHERE id IN (SELECT id FROM chosen) AND json_extract_string(detail, '$.duplicate_of') IS NOT NULL
          AND json_extract_string(detail, '$.duplicate_of') NOT IN (SELECT id FROM chosen)""")
    events: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(con, """
            SELECT id, source, outcome, stage, stage_version AS version, reason, detail, bytes_in, bytes_out,
                   publisher, domain, later
            FROM ledger_events WHERE id IN (SELECT id FROM chosen) ORDER BY id, later, filename"""):
        r["detail"] = json.loads(r["detail"]) if r["detail"] else {}
        events.setdefault(r["id"], []).append(r)
    originals = dict(con.execute("SELECT id, any_value(text) FROM originals WHERE id IN (SELECT id FROM chosen) "
                                 "GROUP BY id").fetchall())
    finals = dict(con.execute("SELECT id, text FROM documents WHERE id IN (SELECT id FROM chosen)").fetchall())
    edits: dict[str, list[EditRow]] = {}
    for doc_id, stage, version, reason, start, end, replacement, detail in con.execute("""
            SELECT id, stage, stage_version, reason, start, "end", replacement, detail FROM edits
            WHERE id IN (SELECT id FROM chosen)""").fetchall():
        edits.setdefault(doc_id, []).append(
            EditRow(stage, version, reason, start, end, replacement, json.loads(detail) if detail else {}))
    docs = []
    problems = 0
    for doc_id in sorted(events):
        history = events[doc_id]
        current = history[-1]
        doc: dict[str, Any] = {k: current[k] for k in ("id", "source", "outcome", "stage", "version", "reason",
                                                       "detail", "publisher", "domain")}
        doc["history"] = [{k: e[k] for k in ("outcome", "stage", "version", "reason", "detail", "later")}
                          for e in history]
        doc["bytes_in"] = history[0]["bytes_in"]
        rows = order_edits(edits.get(doc_id, []), stage_order)
        doc["edits"] = [{"stage": e.stage, "version": e.version, "reason": e.reason, "start": e.start,
                         "end": e.end, "replacement": e.replacement, "detail": e.detail} for e in rows]
        original, final = originals.get(doc_id), finals.get(doc_id)
        doc["has_original"] = original is not None
        if original is not None:
            try:
                replayed = replay(original, rows)
            except ValueError as e:
                doc["replay_error"] = str(e)
                problems += 1
            else:
                doc["original_segments"] = replayed.original
                doc["final_segments"] = replayed.final
                if final is not None and final != replayed.final_text:
                    doc["replay_error"] = "the edits replayed over the original do not give the kept text"
                    problems += 1
                if final is None and current["outcome"] != "kept":
                    doc["final_note"] = "text when it was dropped (original with the edits made until then)"
        if "final_segments" not in doc and final is not None:
            doc["final_segments"] = [[final, -1]]
        docs.append(doc)
    sampled = con.execute("SELECT count(DISTINCT id) FROM originals").fetchone()[0]
    return docs, {"records": records, "shown": len(docs), "with_original": sum(d["has_original"] for d in docs),
                  "originals_sampled": sampled, "per_reason": per_reason, "all_below": all_below,
                  "everything": records <= all_below, "replay_problems": problems}
