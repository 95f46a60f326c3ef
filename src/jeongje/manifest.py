"""The end of a run: merge the shards' stats, check the conservation law and write
`manifest.json`; and the manifest brought in line with opt-outs applied after the run."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .cost import run_cost
from .errors import ConservationError
from .io.card import write_card
from .io.layout import DOCUMENTS, LEDGER, MANIFEST, OUTPUT_FOLDERS, WORK, part_name
from .io.ledger import ledger_views, optout_files, read_optouts, rows
from .io.location import local_folder, open_store
from .io.markers import marker_name
from .io.metadata import restructure
from .io.store import Store, write_json_atomic
from .stats import Stats
from .version import __version__

if TYPE_CHECKING:  # the job is only handed over: this module is also the opt-out's
    from .job import Job


def finalize(job: Job, wall_seconds: float, workers: int) -> dict[str, Any]:
    """Merge shard stats, verify conservation and write `manifest.json`; return it."""
    stats = Stats()
    for step in range(job.steps):
        for shard in job.shards:
            marker = job.markers.shard(shard.index, step)
            if marker is None:
                raise ConservationError(
                    f"shard {shard.index} ({shard.file.name}) has no completion marker for step "
                    f"{step} at {job.out.location(marker_name(shard.index, step))}")
            stats = stats + Stats.from_dict(marker["stats"])
        if step < job.steps - 1:
            reduce = job.markers.reduce(step)
            if reduce is None:
                raise ConservationError(f"the global stage ending step {step} has no completion marker")
            stats = stats + Stats.from_dict(reduce["stats"])
    documents = {"format": job.options.format, "metadata": {"type": "object" if job.options.format == "jsonl"
                                                             else "json", "fields": 0}}
    if job.options.format == "parquet" and job.options.metadata == "struct":
        documents["metadata"] = restructure(job.out)
    # a worker killed while writing (and retried, as Ray does) leaves its staging file behind
    job.out.remove_temporaries(OUTPUT_FOLDERS)
    conservation = check_conservation(job, stats)
    outcomes = stats.by_outcome()
    files_in = sum(f.size for f in job.inputs)
    manifest = {
        "jeongje_version": __version__,
        "fingerprint": job.fingerprint,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recipe": job.recipe.to_dict(),
        "stage_versions": job.recipe.versions(),
        "options": job.options.manifest(),
        "resolved": {"workers": workers, "originals_per_reason": job.originals,
                     "site_policies": list(job.fields.site_policies)},
        "documents": documents,
        "inputs": [{"name": f.name, "path": f.path, "bytes": f.size, "format": f.format,
                    "compression": f.compression, "blake2b_128": s}
                   for f, s in zip(job.inputs, job.checksums, strict=True)],
        "shards": len(job.shards),
        "counts": {"records": stats.records, "kept": outcomes.get("kept", 0),
                   "dropped": outcomes.get("dropped", 0),
                   "quarantined": outcomes.get("quarantined", 0)},
        "by_outcome_stage_reason": stats.rows(),
        "edits": stats.edits,
        "skipped_records": stats.skipped,
        "stage_seconds": {k: {"wall": round(v[0], 3), "cpu": round(v[1], 3), "documents": int(v[2])}
                          for k, v in stats.stage_time.items()},
        "bytes": {"text_in": stats.bytes_in, "text_out": stats.bytes_out,
                  "files_in": files_in},
        "wall_seconds": round(wall_seconds, 3),
        "cost": run_cost(stats, files_in, wall_seconds, min(workers, len(job.shards)),
                         job.options.watts_per_core, job.options.pue, job.options.grid_intensity),
        "conservation": conservation,
        "warnings": rule_warnings(job, stats),
    }
    if read_optouts(job.out).num_rows:  # opt-outs applied after an earlier finish
        manifest = reconcile(local_folder(job.out), manifest)
    job.out.write_json(MANIFEST, manifest)
    write_card(job.out, manifest)
    job.out.remove_tree(WORK)  # intermediate files are only for resuming
    return manifest


MOST = 0.5  # a rule that drops more than this share of the records is worth a warning


def rule_warnings(job: Job, stats: Stats) -> list[dict[str, Any]]:
    """One warning per rule (stage and reason) that dropped more than half of the records:
    often a recipe made for other text (news thresholds on reviews), so it names the
    parameter to change with `--set` and its current value."""
    out = []
    stages = {s.name: s for s in job.recipe.stages}
    for row in stats.rows():
        if row["outcome"] != "dropped" or row["documents"] <= MOST * stats.records:
            continue
        stage = stages.get(row["stage"])
        param = type(stage).thresholds.get(row["reason"]) if stage is not None else None
        share = row["documents"] / stats.records
        where = f"{row['stage']}.{param}" if param else f"{row['stage']}.PARAM"
        value = stage.params().get(param) if stage is not None and param else None
        setting = f"--set {where}=VALUE" + (f" (now {json.dumps(value, ensure_ascii=False)})" if param else "")
        message = (f"{row['stage']} {row['reason']} dropped {row['documents']:,} of {stats.records:,} records "
                   f"({share:.1%}); if that is not meant, change it with {setting}, see `jeongje recipe "
                   f"show {job.recipe.name} --explain`" + ("" if job.recipe.name == "korean-web" else
                                                          ", or try -r korean-web for informal web text"))
        out.append({"stage": row["stage"], "reason": row["reason"], "documents": row["documents"],
                    "share": round(share, 4), "parameter": where, "message": message})
    return out


def check_conservation(job: Job, stats: Stats) -> dict[str, Any]:
    """inputs = kept + dropped + quarantined, one ledger row per record, ids unique."""
    outcomes = stats.by_outcome()
    kept, dropped, quar = (outcomes.get(k, 0) for k in ("kept", "dropped", "quarantined"))
    out = job.out
    ledger_files = out.list(LEDGER, "part-*.parquet")
    expected = {part_name(s.index, ".parquet", step) for s in job.shards for step in range(job.steps)}
    stray = [name for name in ledger_files if name not in expected]
    if stray:
        raise ConservationError(f"ledger holds files of no planned shard: {stray[:5]}")
    paths = [out.path(f"{LEDGER}/{name}") for name in ledger_files]
    ledger_rows = sum(_num_rows(out, p) for p in paths)
    doc_rows = count_documents(out)
    opted_out = read_optouts(out).num_rows  # kept at the run, removed by `jeongje optout` since
    ids = (pq.ParquetDataset(paths, filesystem=out.filesystem).read(columns=["id"]).column("id")
           if paths else pa.chunked_array([], pa.string()))
    import pyarrow.compute as pc  # not at module level: worker processes never need it

    distinct = pc.count_distinct(ids).as_py() if len(ids) else 0
    problems = []
    if kept + dropped + quar != stats.records:
        problems.append(f"records {stats.records} != kept {kept} + dropped {dropped} + "
                        f"quarantined {quar}")
    if ledger_rows != stats.records:
        problems.append(f"ledger has {ledger_rows} rows for {stats.records} input records")
    if doc_rows != kept - opted_out:
        problems.append(f"documents hold {doc_rows} rows but {kept} were kept"
                        + (f" and {opted_out} opted out since" if opted_out else ""))
    if distinct != ledger_rows:
        dupes = pc.value_counts(ids).filter(
            pc.greater(pc.struct_field(pc.value_counts(ids), [1]), 1))
        example = [d["values"] for d in dupes.to_pylist()[:5]]
        problems.append(f"{ledger_rows - distinct} ledger ids are not unique (e.g. {example}); "
                        "ids must be unique across input files: fix --id-field, or omit it so "
                        "ids derive from file and line")
    if problems:
        raise ConservationError("conservation check failed: " + "; ".join(problems))
    return {"records": stats.records, "kept": kept, "dropped": dropped, "quarantined": quar,
            "ledger_rows": ledger_rows, "document_rows": doc_rows, "unique_ids": distinct, "ok": True}


def _num_rows(out: Store, path: str) -> int:
    return pq.ParquetFile(path, filesystem=out.filesystem).metadata.num_rows


def count_documents(out: Store) -> int:
    """Rows in OUT/documents (Parquet or JSONL parts)."""
    total = 0
    for name in out.list(DOCUMENTS, "part-*.jsonl"):
        with out.open(f"{DOCUMENTS}/{name}") as f:
            total += sum(1 for _ in f)
    return total + sum(_num_rows(out, out.path(f"{DOCUMENTS}/{name}"))
                       for name in out.list(DOCUMENTS, "part-*.parquet"))


def write_reconciled(out: Path) -> dict[str, Any]:
    """Bring a local output's `manifest.json` in line with its opt-out events; return it."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest = reconcile(out, manifest)
    write_json_atomic(out / MANIFEST, manifest)
    write_card(open_store(out), manifest)
    return manifest


def reconcile(out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with counts, per-reason rows, text bytes out and the opt-out history
    recomputed from the ledger's current outcomes (unchanged when no opt-out was applied)."""
    files = optout_files(out)
    if not files:
        return manifest
    import duckdb

    con = duckdb.connect()
    ledger_views(con, out)
    found = rows(con, """
        SELECT outcome, coalesce(stage, '') AS stage, coalesce(reason, '') AS reason, count(*) AS documents,
               sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out FROM ledger GROUP BY ALL""")
    order = {"kept": 0, "dropped": 1, "quarantined": 2}
    found.sort(key=lambda r: (order.get(r["outcome"], 9), -r["documents"], r["stage"], r["reason"]))
    counts = {"records": sum(r["documents"] for r in found)}
    for outcome in ("kept", "dropped", "quarantined"):
        counts[outcome] = sum(r["documents"] for r in found if r["outcome"] == outcome)
    history = []
    for f in files:
        t = pq.read_table(f, columns=["detail"])
        first = json.loads(t["detail"][0].as_py()) if t.num_rows else {}
        history.append({"file": f"{LEDGER}/{f.name}", "removed": t.num_rows, "at": first.get("applied_at"),
                        "request": first.get("request"),
                        "bytes": sum(json.loads(d).get("bytes_out_before") or 0 for d in t["detail"].to_pylist())})
    manifest = dict(manifest)
    manifest["counts"] = counts
    manifest["by_outcome_stage_reason"] = found
    manifest["bytes"] = dict(manifest.get("bytes", {}),
                             text_out=sum(r["bytes_out"] for r in found if r["outcome"] == "kept"))
    manifest["optouts"] = history
    conservation = dict(manifest.get("conservation", {}))
    conservation.update(kept=counts["kept"], dropped=counts["dropped"], optouts=sum(h["removed"] for h in history),
                        document_rows=count_documents(open_store(out)))
    conservation["ok"] = conservation["document_rows"] == counts["kept"]
    manifest["conservation"] = conservation
    return manifest
