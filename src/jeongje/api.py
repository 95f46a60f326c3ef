"""The library API: `run` a recipe over inputs, and read a finished run back.

A run flows down, once: the options are checked (options.py), the job is planned and its
output folder prepared (job.py), an executor runs its steps (executors/), and the manifest
is written after the conservation check (manifest.py).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from .executors import executor_for
from .io.layout import DOCUMENTS, DOCUMENTS_SCHEMA, EDITS, EDITS_SCHEMA, MANIFEST
from .io.ledger import read_folder
from .io.ledger import read_ledger as _read_ledger
from .io.location import is_url, open_store
from .io.parts import rows_table
from .job import Job, plan, prepare
from .manifest import finalize
from .options import RunOptions, describe
from .progress import Progress
from .recipe import Recipe, load_recipe, with_overrides


@dataclass
class RunResult:
    """A finished run: where it is (a local folder, or the URL it was given), its manifest,
    and whether it resumed an earlier one."""

    output: Path | str
    manifest: dict[str, Any]
    resumed: bool = False
    storage_options: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]

    def documents(self) -> pa.Table:
        return read_documents(self.output, self.storage_options)

    def ledger(self) -> pa.Table:
        return read_ledger(self.output, storage_options=self.storage_options)

    def edits(self) -> pa.Table:
        return read_edits(self.output, self.storage_options)


def run(inputs: str | Path | list[str | Path], output: str | Path,
        recipe: str | Path | Recipe = "korean-news", **options: Any) -> RunResult:
    """Run `recipe` over `inputs` into `output`; resume if `output` holds this same run.

    inputs: JSONL (plain, .gz, .zst), Parquet, WARC, HTML or text files, folders or globs.
    output: the output folder (README "Output contract"): a local path, or any fsspec URL
        the workers can write (`s3://bucket/prefix`, `gs://...`, `file:///...`).
    recipe: a built-in recipe name, a YAML path, or a `Recipe`; `set={"STAGE.PARAM": value}`
        changes parameters of it (as `--set`).

    Options (keyword arguments; the same as the `jeongje run` flags):
    {options}

    Raises ConfigError, InputError, OutputConflictError, OutputError, ConservationError,
    MissingDependencyError (all JeongjeError).
    """
    settings = RunOptions.of(**options)
    recipe = with_overrides(recipe, settings.set) if isinstance(recipe, Recipe) else load_recipe(recipe, settings.set)
    for stage in recipe.stages:  # a broken installation stops here, before OUT is touched
        stage.check()
    started = time.monotonic()
    store = open_store(output, settings.storage_options)
    sources = [str(i) for i in ([inputs] if isinstance(inputs, str | Path) else inputs)]
    job, resumed = prepare(plan(sources, store, recipe, settings),
                           log=_log if settings.progress else None)
    executor = executor_for(settings)
    bar = Progress(enabled=settings.progress)
    for note in _single_shard_notes(job, settings.workers):
        bar.note(note)
    try:
        executor.execute(job, bar)
    finally:
        bar.close()
    manifest = finalize(job, time.monotonic() - started, executor.workers)
    return RunResult(output if is_url(output) else Path(output), manifest, resumed,
                     settings.storage_options)


run.__doc__ = (run.__doc__ or "").replace("{options}", describe().strip())


def _single_shard_notes(job: Job, workers: int | None) -> list[str]:
    """A compressed JSONL file is one shard (its stream cannot be cut), so one worker reads
    it however many there are: say so, and how to split it, when that leaves cores idle."""
    import os

    cores = workers or os.cpu_count() or 1
    if cores < 2 or len(job.shards) >= cores:
        return []
    return [f"{f.name} ({f.size / 1e6:,.0f} MB, {f.compression}) is one shard: one worker reads a compressed "
            f"file; to use all {cores} workers, split it (for gzip: zcat {f.name} | split -l 500000 - "
            "part- && gzip part-*) or give it uncompressed"
            for f in job.inputs if f.compression and f.format == "jsonl" and f.size > job.options.shard_bytes // 8]


def _log(message: str) -> None:
    import sys

    print(f"jeongje: {message}", file=sys.stderr, flush=True)


# The readers below take a local folder or an output URL (with its `storage_options`).

def read_documents(output: str | Path, storage_options: dict[str, Any] | None = None) -> pa.Table:
    """Kept documents (`id`, `text`, `metadata` as a JSON string) of a finished run."""
    out = open_store(output, storage_options)
    jsonl = out.list(DOCUMENTS, "part-*.jsonl")
    if jsonl:
        rows = []
        for f in jsonl:
            with out.open(f"{DOCUMENTS}/{f}") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    rows.append({"id": d["id"], "text": d["text"],
                                 "metadata": json.dumps(d["metadata"], ensure_ascii=False,
                                                        sort_keys=True, separators=(",", ":"))})
        return rows_table(rows, DOCUMENTS_SCHEMA)
    return read_folder(out, DOCUMENTS, DOCUMENTS_SCHEMA)


def read_ledger(output: str | Path, history: bool = False,
                storage_options: dict[str, Any] | None = None) -> pa.Table:
    """One row per input record with its current outcome: id, source, outcome, stage,
    reason, detail, ... An opt-out applied after the run (`jeongje optout`) supersedes the
    run's `kept` row; `history=True` returns the superseded rows too (every event)."""
    return _read_ledger(open_store(output, storage_options), history)


def read_edits(output: str | Path, storage_options: dict[str, Any] | None = None) -> pa.Table:
    """One row per text edit: id, stage, reason, start, end, replacement, detail."""
    return read_folder(open_store(output, storage_options), EDITS, EDITS_SCHEMA)


def read_manifest(output: str | Path, storage_options: dict[str, Any] | None = None) -> dict[str, Any]:
    out = open_store(output, storage_options)
    return json.loads(out.read_bytes(MANIFEST).decode("utf-8"))  # type: ignore[no-any-return]
