"""A planned run: inputs, shards, recipe and fingerprint; preparing and finalizing OUT.

Executors take a `Job`, run `run_shard` on its pending shards however they like, and the
caller then calls `finalize`, which merges the shard markers, checks the conservation law
and writes `manifest.json`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .errors import ConservationError, InputError, OutputConflictError
from .io.inputs import SHARD_BYTES, InputFile, Shard, checksum, plan_shards, resolve_inputs
from .io.readers import FieldMap, read_shard
from .io.store import Store, local_folder, open_store
from .io.web import collect_site_files
from .io.writers import OUTPUT_FOLDERS, SITE_POLICIES, WORK, part_name, work_name
from .recipe import Recipe
from .record import Quarantine
from .runner import MARKERS, ShardTask, marker_name, read_marker, reduce_marker_name
from .stats import Stats

RUN_FILE = "_run.json"
MANIFEST = "manifest.json"


@dataclass
class Job:
    """Everything decided before any document is processed."""

    inputs: list[InputFile]
    checksums: list[str]
    shards: list[Shard]
    recipe: Recipe
    out: Store  # the output folder: a local path or an fsspec URL (io/store.py)
    fields: FieldMap = field(default_factory=FieldMap)
    format: str = "parquet"
    fingerprint: str = ""
    originals: int = 0  # originals kept per (outcome, stage, reason) and shard: -1 all, 0 none
    _markers: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def steps(self) -> int:
        return len(self.recipe.steps())

    def tasks(self, step: int = 0) -> list[ShardTask]:
        return [ShardTask(s, self.out, self.fields, self.format, self.fingerprint,
                          step, self.steps, self.originals) for s in self.shards]

    def pending(self, step: int = 0) -> list[ShardTask]:
        """Shards of `step` without a valid completion marker (all of them on a fresh run).
        Each folder is listed once (one request per folder on an object store)."""
        tasks = self.tasks(step)
        wanted = {t.shard.index: self._files(t) for t in tasks}
        folders = {MARKERS} | {n.rsplit("/", 1)[0] for names in wanted.values() for n in names}
        present = {f"{f}/{name}" for f in folders for name in self.out.list(f)}
        return [t for t in tasks if not self._done(t, wanted[t.shard.index], present)]

    def reduce_done(self, step: int) -> bool:
        marker = self.out.read_json(reduce_marker_name(step))
        return marker is not None and marker.get("fingerprint") == self.fingerprint

    def _files(self, task: ShardTask) -> list[str]:
        """The files a finished shard task has published."""
        i, step = task.shard.index, task.step
        names = [f"ledger/{part_name(i, '.parquet', step)}", f"edits/{part_name(i, '.parquet', step)}"]
        if task.final:
            names.append(f"documents/{part_name(i, '.jsonl' if self.format == 'jsonl' else '.parquet')}")
        else:
            names += [work_name(step, "docs", i), work_name(step, "keys", i)]
        if self.originals:
            names.append(f"originals/{part_name(i, '.parquet', step)}")
        return names

    def marker(self, index: int, step: int) -> dict[str, Any] | None:
        """The completion marker of shard `index` in `step` if it belongs to this run (a
        valid marker never changes, so each is read once: one request on an object store)."""
        name = marker_name(index, step)
        if name not in self._markers:
            marker = read_marker(self.out, index, step)
            if marker is None or marker.get("fingerprint") != self.fingerprint:
                return None
            self._markers[name] = marker
        return self._markers[name]  # type: ignore[no-any-return]

    def _done(self, task: ShardTask, files: list[str], present: set[str]) -> bool:
        if marker_name(task.shard.index, task.step) not in present:
            return False
        if self.marker(task.shard.index, task.step) is None:
            return False
        if all(name in present for name in files):
            return True
        del self._markers[marker_name(task.shard.index, task.step)]  # the shard runs again
        return False


def plan(inputs: list[str] | str, out: str | Store, recipe: Recipe, fields: FieldMap,
         fmt: str = "parquet", shard_bytes: int = SHARD_BYTES, originals: Any = 0) -> Job:
    """Resolve inputs, checksum them, cut shards and compute the run's fingerprint.

    `out` is a local folder, an fsspec URL or a Store (`io.store.open_store`); `originals`
    is the originals sample option (see `report.originals.resolve_limit`)."""
    from .report.originals import resolve_limit

    files = resolve_inputs(inputs)
    sums = [checksum(f.path) for f in files]
    job = Job(files, sums, plan_shards(files, shard_bytes), recipe, open_store(out), fields, fmt,
              originals=resolve_limit(originals, sum(f.size for f in files)))
    identity = {
        "inputs": [[f.name, f.size, s] for f, s in zip(files, sums, strict=True)],
        "recipe": _identity(recipe), "stage_versions": recipe.versions(),
        "fields": [fields.text, fields.id, fields.max_record_bytes, fields.encoding,
                   list(fields.site_policies)], "format": fmt,
        "shard_bytes": shard_bytes, "jeongje": __version__,
    }
    if job.originals:
        identity["originals"] = job.originals
    job.fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
    _check_text_field(job)
    return job


def _identity(recipe: Recipe) -> dict[str, Any]:
    """The recipe as far as it decides the output: resource parameters (a dedup stage's
    DuckDB memory_limit) left out, so a run resumes when only they change."""
    resolved = recipe.to_dict()
    for spec, stage in zip(resolved["stages"], recipe.stages, strict=True):
        spec["params"] = {k: v for k, v in spec["params"].items() if k not in stage.resource_params}
    return resolved


def _check_text_field(job: Job) -> None:
    """Fail early with a clear message when the text field is absent from the first record."""
    if not job.shards:
        return
    with closing(read_shard(job.shards[0], job.fields)) as records:
        first = next(records, None)
    if isinstance(first, Quarantine) and first.reason == "missing_text":
        raise InputError(f"{first.source}: {first.error}. Nothing was processed; pass the "
                         "right --text-field (and --id-field)")


def prepare_output(job: Job, overwrite: bool = False) -> bool:
    """Create or validate the output folder; return True when resuming an earlier run.

    `overwrite` starts afresh whatever the folder holds (only jeongje's own files and
    folders are removed)."""
    out = job.out
    if out.is_file(""):
        raise OutputConflictError(f"output {out} exists and is not a folder")
    if overwrite:
        _wipe(out)
    elif out.is_file(RUN_FILE):
        previous = json.loads(out.read_bytes(RUN_FILE).decode("utf-8"))
        if previous.get("fingerprint") != job.fingerprint:
            raise OutputConflictError(
                f"output folder {out} holds a different run ({_difference(previous, job)}); "
                "choose another --output or pass --overwrite to replace it"
            )
        out.remove_temporaries((*OUTPUT_FOLDERS, MARKERS, WORK))
        for name in (*OUTPUT_FOLDERS, MARKERS):
            out.makedirs(name)
        return True
    elif not out.is_empty():
        raise OutputConflictError(
            f"output folder {out} is not empty and holds no jeongje run; "
            "choose an empty or new folder, or pass --overwrite"
        )
    out.makedirs()
    # the run's identity first: a run killed right after this resumes instead of refusing
    out.write_json(RUN_FILE, {
        "fingerprint": job.fingerprint, "recipe": job.recipe.name,
        "inputs": [f.name for f in job.inputs], "format": job.format,
    })
    for name in (*OUTPUT_FOLDERS, MARKERS):
        out.makedirs(name)
    return False


def prepare_site_policies(job: Job, log: Callable[[str], None] | None = None) -> Job:
    """With WARC inputs, gather the crawl's robots.txt/tdmrep.json files under
    OUT/site_policies (once; a resumed run reuses them) and read them after the folders the
    user gave. Returns the job with its read options extended."""
    warcs = [f.path for f in job.inputs if f.format == "warc"]
    if not warcs:
        return job
    out = job.out
    done = f"{SITE_POLICIES}/.complete.json"
    state = out.read_json(done)
    if state is None or state.get("fingerprint") != job.fingerprint:
        out.remove_tree(SITE_POLICIES)
        with out.filling(SITE_POLICIES) as folder:
            n = collect_site_files(warcs, str(folder), job.fields.max_record_bytes, log)
        out.write_json(done, {"fingerprint": job.fingerprint, "files": n})
    fields = replace(job.fields, site_policies=(*job.fields.site_policies, out.location(SITE_POLICIES)))
    return replace(job, fields=fields)


def _difference(previous: dict[str, Any], job: Job) -> str:
    if previous.get("inputs") != [f.name for f in job.inputs]:
        return "other inputs"
    if previous.get("recipe") != job.recipe.name:
        return f"recipe {previous.get('recipe')!r}, not {job.recipe.name!r}"
    if previous.get("format") != job.format:
        return f"format {previous.get('format')}, not {job.format}"
    return "changed input contents, recipe parameters or settings"


def _wipe(out: Store) -> None:
    for name in (*OUTPUT_FOLDERS, MARKERS, WORK, SITE_POLICIES, "report"):
        out.remove_tree(name)
    for name in (RUN_FILE, MANIFEST):
        out.remove(name)


def finalize(job: Job, wall_seconds: float, workers: int, executor: str = "local") -> dict[str, Any]:
    """Merge shard stats, verify conservation and write `manifest.json`; return it."""
    stats = Stats()
    for step in range(job.steps):
        for shard in job.shards:
            marker = job.marker(shard.index, step)
            if marker is None:
                raise ConservationError(
                    f"shard {shard.index} ({shard.file.name}) has no completion marker for step "
                    f"{step} at {job.out.location(marker_name(shard.index, step))}")
            stats = stats + Stats.from_dict(marker["stats"])
        if step < job.steps - 1:
            reduce = job.out.read_json(reduce_marker_name(step))
            if reduce is None:
                raise ConservationError(f"the global stage ending step {step} has no completion marker")
            stats = stats + Stats.from_dict(reduce["stats"])
    conservation = check_conservation(job, stats)
    outcomes = stats.by_outcome()
    manifest = {
        "jeongje_version": __version__,
        "fingerprint": job.fingerprint,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recipe": job.recipe.to_dict(),
        "stage_versions": job.recipe.versions(),
        "options": {"text_field": job.fields.text, "id_field": job.fields.id,
                    "max_record_bytes": job.fields.max_record_bytes, "format": job.format,
                    "encoding": job.fields.encoding, "site_policies": list(job.fields.site_policies),
                    "workers": workers, "executor": executor, "originals": job.originals},
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
                  "files_in": sum(f.size for f in job.inputs)},
        "wall_seconds": round(wall_seconds, 3),
        "conservation": conservation,
    }
    from .report.optout import PREFIX, reconcile

    if job.out.list("ledger", f"{PREFIX}*.parquet"):  # opt-outs applied after an earlier finish
        manifest = reconcile(local_folder(job.out), manifest)
    job.out.write_json(MANIFEST, manifest)
    job.out.remove_tree(WORK)  # intermediate files are only for resuming
    return manifest


def check_conservation(job: Job, stats: Stats) -> dict[str, Any]:
    """inputs = kept + dropped + quarantined, one ledger row per record, ids unique."""
    outcomes = stats.by_outcome()
    kept, dropped, quar = (outcomes.get(k, 0) for k in ("kept", "dropped", "quarantined"))
    out = job.out
    ledger_files = out.list("ledger", "part-*.parquet")
    expected = {part_name(s.index, ".parquet", step) for s in job.shards for step in range(job.steps)}
    stray = [name for name in ledger_files if name not in expected]
    if stray:
        raise ConservationError(f"ledger holds files of no planned shard: {stray[:5]}")
    paths = [out.path(f"ledger/{name}") for name in ledger_files]
    ledger_rows = sum(_num_rows(out, p) for p in paths)
    doc_rows = _count_documents(job)
    from .report.optout import read_optouts

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


def _count_documents(job: Job) -> int:
    out = job.out
    if job.format == "jsonl":
        total = 0
        for name in out.list("documents", "part-*.jsonl"):
            with out.open(f"documents/{name}") as f:
                total += sum(1 for _ in f)
        return total
    return sum(_num_rows(out, out.path(f"documents/{name}")) for name in out.list("documents", "part-*.parquet"))
