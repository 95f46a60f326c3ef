"""Retroactive opt-outs: remove a publisher's documents from a finished output, without
reprocessing, and record each removal in the ledger.

Matching uses the kept documents' metadata only (publisher/press/site_name, the publisher a
rights notice or byline named, url/canonical_url host and its subdomains, the date), through
the rights stage's own registry matching (`stages.rights.match_registry`), so a registry
file means the same thing here as in a run. Each removal becomes a new ledger event in
`OUT/ledger/optout-NNNNN.parquet` (outcome `dropped`, stage `optout`, reason
`rights_optout`, the registry entry and the previous outcome in `detail`); the run's own
rows are never rewritten, so the ledger keeps what was kept then and dropped later. The
affected `documents/` parts are rewritten atomically, then the manifest. Applying the same
opt-out again finds nothing left to remove and changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .duck import arrow_table
from .errors import ConfigError
from .io.layout import LEDGER, LEDGER_SCHEMA, OPTOUT_PREFIX, OPTOUT_STAGE
from .io.ledger import ledger_views, optout_files, read_optouts, require_finished_run
from .io.location import local_folder
from .io.parts import rows_table
from .manifest import write_reconciled
from .provenance import DATE_FIELDS, PUBLISHER_FIELDS, URL_FIELDS
from .record import DROPPED, KEPT, dumps
from .stages.rights import DEFAULT_POLICY, RegistryEntry, load_registry, match_registry

REASON = "rights_optout"
VERSION = 1
THREADS = min(8, os.cpu_count() or 1)


@dataclass
class OptoutResult:
    """What an opt-out removed (or, on a dry run, would remove)."""

    matches: list[dict[str, Any]] = field(default_factory=list)  # id, publisher, domain, entry, part
    ledger_file: Path | None = None
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def removed(self) -> int:
        return 0 if self.dry_run else len(self.matches)


def entries_for(publishers: list[str] | tuple[str, ...] = (), domains: list[str] | tuple[str, ...] = (),
                registry: str | Path | None = None, since: date | None = None) -> list[Any]:
    """The registry entries an opt-out request stands for."""
    entries: list[Any] = [RegistryEntry(name=p, reservation="ai_training_prohibited", source="--publisher")
                          for p in publishers if p.strip()]
    for d in domains:
        host = d.strip().lower().removeprefix("www.").strip(".")
        if "/" in host or not host:
            raise ConfigError(f"--domain expects a host name such as news.example.kr, not {d!r}")
        entries.append(RegistryEntry(name=host, reservation="ai_training_prohibited", domains=(host,),
                                     source="--domain"))
    if registry is not None:
        import yaml

        path = Path(registry)
        try:
            names = {str(i["name"]) for i in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("publishers") or []}
            loaded = load_registry([str(path)])
        except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as e:
            raise ConfigError(f"{path}: not a publisher registry ({type(e).__name__}: {e})") from e
        entries += [e for e in loaded if e.name in names and DEFAULT_POLICY[e.reservation] == "drop"]
    if not entries:
        raise ConfigError("nothing to opt out: give --publisher, --domain or --registry "
                          "(registry entries count when their reservation is one the rights policy drops)")
    if since is not None:
        entries = [dataclasses.replace(e, since=max(since, e.since) if e.since else since) for e in entries]
    return entries


def _matcher(entries: list[Any]) -> Any:
    """A function of a document's metadata to the registry entry that covers it, or None:
    the rights stage's own matching, with the publisher a notice or byline named too."""
    publishers = [*PUBLISHER_FIELDS, "publisher_from_text"]

    def match(meta: dict[str, Any]) -> Any:
        rights_meta = meta.get("rights")
        named = [rights_meta["publisher"]] if isinstance(rights_meta, dict) \
            and isinstance(rights_meta.get("publisher"), str) else []
        return match_registry(entries, meta, named, publishers, list(URL_FIELDS),
                              list(DATE_FIELDS), use_since=True)

    return match


def _needles(entries: list[Any]) -> list[str]:
    """Substrings one of which the whitespace-free, lower-cased metadata JSON of every
    matching document contains: a cheap pre-filter before the exact match."""
    out = set()
    for e in entries:
        for key in (e.name, *e.aliases, *e.domains):
            n = "".join(str(key).split()).lower()
            if n:
                out.add(json.dumps(n, ensure_ascii=False)[1:-1])
    return sorted(out)


def _candidates(meta: pa.ChunkedArray, needles: list[str]) -> pa.ChunkedArray:
    norm = pc.replace_substring_regex(pc.utf8_lower(meta), r"\s+", "")
    mask = None
    for n in needles:
        m = pc.match_substring(norm, n)
        mask = m if mask is None else pc.or_(mask, m)
    return mask


def _document_parts(out: Path) -> list[Path]:
    folder = out / "documents"
    return sorted(folder.glob("part-*.parquet")) + sorted(folder.glob("part-*.jsonl"))


def _read_part(path: Path, columns: list[str]) -> pa.Table:
    """A documents part's columns, with `metadata` as JSON text whichever way the run
    stored it (JSON text, a struct column, or JSONL objects)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path, columns=columns)
        if "metadata" in columns and pa.types.is_struct(table.schema.field("metadata").type):
            import duckdb  # a struct column as JSON text, the key order as stored

            con = duckdb.connect()
            con.register("part", table)
            listed = ", ".join('"' + c + '"' if c != "metadata" else "to_json(metadata)::VARCHAR AS metadata"
                               for c in columns)
            table = arrow_table(con.sql(f"SELECT {listed} FROM part"))
            con.close()
        return table
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append({"id": d["id"], "text": d.get("text"), "metadata": dumps(d.get("metadata") or {})})
    return pa.Table.from_pylist(rows).select(columns) if rows else pa.table({c: pa.array([], pa.string()) for c in columns})


def find(out: Path, entries: list[Any], log: Any = None) -> list[dict[str, Any]]:
    """Kept documents in `out/documents` that an entry covers: id, part, entry name."""
    rights = _matcher(entries)
    needles = _needles(entries)
    found: list[dict[str, Any]] = []
    parts = _document_parts(out)

    def candidates(part: Path) -> pa.Table:  # Arrow releases the GIL: parts are read in threads
        table = _read_part(part, ["id", "metadata"])
        return table.filter(_candidates(table["metadata"], needles)) if table.num_rows else table

    with ThreadPoolExecutor(THREADS) as pool:
        for n, (part, table) in enumerate(zip(parts, pool.map(candidates, parts), strict=True), 1):
            found += _matches(rights, part, table)
            if log is not None and (n % 50 == 0 or n == len(parts)):
                log(f"scanned {n}/{len(parts)} document parts, {len(found):,} matches")
    return found


def _matches(rights: Any, part: Path, table: pa.Table) -> list[dict[str, Any]]:
    found = []
    for doc_id, meta_json in zip(table["id"].to_pylist(), table["metadata"].to_pylist(), strict=True):
        entry = rights(json.loads(meta_json) if meta_json else {})
        if entry is not None:
            found.append({"id": doc_id, "part": part, "entry": entry})
    return found


def optout(output: str | Path, publishers: list[str] | tuple[str, ...] = (),
           domains: list[str] | tuple[str, ...] = (), registry: str | Path | None = None,
           since: date | None = None, dry_run: bool = False, log: Any = None) -> OptoutResult:
    """Remove every kept document an opt-out covers from a finished output (see module doc).

    Returns what was removed (on a dry run: what would be). Raises InputError when `output`
    is not a finished run (or is an output URL: opt out in a local copy) and ConfigError for
    an empty or invalid request.
    """
    out = local_folder(output)
    started = time.perf_counter()
    require_finished_run(out)
    entries = entries_for(publishers, domains, registry, since)
    request = {k: v for k, v in {"publishers": list(publishers), "domains": list(domains),
                                 "registry": str(registry) if registry else None,
                                 "since": since.isoformat() if since else None}.items() if v}
    matches = find(out, entries, log)
    already = set(read_optouts(out).column("id").to_pylist())
    new = [m for m in matches if m["id"] not in already]  # the rest: an interrupted earlier opt-out
    result = OptoutResult([{"id": m["id"], "entry": m["entry"].name, "part": m["part"].name} for m in matches],
                          dry_run=dry_run)
    if dry_run or not matches:
        result.seconds = time.perf_counter() - started
        return result
    if new:
        result.ledger_file = _write_events(out, new, request)
    by_part: dict[Path, set[str]] = {}
    for m in matches:
        by_part.setdefault(m["part"], set()).add(m["id"])
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda item: _rewrite_part(*item), by_part.items()))
    write_reconciled(out)
    if (out / "report" / "index.html").is_file():
        from .report.html import write_report  # the report is refreshed, never read here

        write_report(out, log=log)
    result.seconds = time.perf_counter() - started
    return result


def _write_events(out: Path, matches: list[dict[str, Any]], request: dict[str, Any]) -> Path:
    import duckdb

    con = duckdb.connect()
    ledger_views(con, out)
    ids = pa.table({"id": [m["id"] for m in matches]})
    con.register("wanted", ids)
    run_rows = {r[0]: r[1:] for r in con.execute(
        "SELECT id, source, bytes_in, bytes_out, publisher, domain FROM ledger "
        "WHERE id IN (SELECT id FROM wanted) AND outcome = 'kept'").fetchall()}
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rows = []
    for m in sorted(matches, key=lambda m: m["id"]):
        source, bytes_in, bytes_out, publisher, domain = run_rows.get(m["id"], (None, 0, 0, None, None))
        e = m["entry"]
        detail = {"registry_entry": e.name, "registry_source": e.source, "aliases": list(e.aliases),
                  "domains": list(e.domains), "reservation": e.reservation,
                  "since": e.since.isoformat() if e.since else None, "request": request,
                  "previous_outcome": KEPT, "bytes_out_before": bytes_out, "applied_at": at}
        rows.append({"id": m["id"], "source": source, "outcome": DROPPED, "stage": OPTOUT_STAGE,
                     "stage_version": VERSION, "reason": REASON, "detail": dumps(detail),
                     "bytes_in": bytes_in, "bytes_out": 0, "publisher": publisher, "domain": domain})
    seq = len(optout_files(out)) + 1
    path = out / LEDGER / f"{OPTOUT_PREFIX}{seq:05d}.parquet"
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(rows_table(rows, LEDGER_SCHEMA), tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def _rewrite_part(part: Path, ids: set[str]) -> None:
    tmp = part.with_name(part.name + ".tmp")
    if part.suffix == ".parquet":
        table = pq.read_table(part)
        keep = pc.invert(pc.is_in(table["id"], pa.array(sorted(ids), pa.string())))
        pq.write_table(table.filter(keep), tmp, compression="zstd")
    else:
        with open(part, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
            for line in src:
                if json.loads(line)["id"] not in ids:
                    dst.write(line)
    os.replace(tmp, part)
