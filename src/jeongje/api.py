"""The library API: `run` a recipe over inputs, and read a finished run back."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ConfigError
from .io.inputs import SHARD_BYTES
from .io.readers import MAX_RECORD_BYTES, FieldMap
from .io.store import Store, is_url, open_store
from .job import MANIFEST, finalize, plan, prepare_output, prepare_site_policies
from .progress import Progress
from .recipe import Recipe, load_recipe
from .web.charset import codec_for

Format = Literal["parquet", "jsonl"]


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


def run(
    inputs: str | Path | list[str | Path],
    output: str | Path,
    recipe: str | Path | Recipe = "korean-news",
    *,
    workers: int | None = None,
    format: Format = "parquet",
    text_field: str = "text",
    id_field: str | None = "id",
    max_record_bytes: int = MAX_RECORD_BYTES,
    overwrite: bool = False,
    progress: bool | None = None,
    shard_bytes: int = SHARD_BYTES,
    encoding: str = "utf-8",
    site_policies: list[str | Path] | None = None,
    executor: Literal["local", "ray"] = "local",
    address: str | None = None,
    originals: int | Literal["auto", "all", "none"] = "auto",
    storage_options: dict[str, Any] | None = None,
) -> RunResult:
    """Run `recipe` over `inputs` into `output`; resume if `output` holds this same run.

    Args:
        inputs: JSONL (plain, .gz, .zst) or Parquet files, folders or globs.
        output: the output folder (see README "Output contract"): a local path, or any
            fsspec URL the workers can write (`s3://bucket/prefix`, `gs://...`,
            `file:///...`; s3 needs `jeongje[s3]`).
        recipe: a built-in recipe name, a YAML path, or a `Recipe`.
        workers: worker processes; default all cores. Output is the same for any value.
        format: `parquet` (default) or `jsonl` for the kept documents.
        text_field: input field holding the text.
        id_field: input field holding the id; records without one get `file:line`.
        max_record_bytes: larger records are quarantined as `too_large`.
        overwrite: replace an output folder that holds a different run.
        progress: show progress (bar on a terminal, log lines otherwise); default on.
        shard_bytes: plain JSONL and Parquet files are split into shards of about this size.
        encoding: encoding of JSONL and plain-text inputs: a codec name or "auto" (Korean-
            first detection). Web pages decode by HTTP header, then <meta>, then detection.
        site_policies: folders of HOST/robots.txt and HOST/.well-known/tdmrep.json for web
            inputs; those a WARC input holds are gathered into OUT/site_policies and used too.
        executor: `local` (worker processes on this machine) or `ray` (needs jeongje[ray]).
        address: with `ray`, the cluster to join ("auto", "ray://head:10001"); by default a
            local Ray instance with `workers` CPUs is started.
        originals: texts as read kept for the report's document browser
            (`OUT/originals/`): a count per (outcome, stage, reason) and shard chosen by a
            hash of the id, "all", "none", or "auto" (everything when the inputs are under
            32 MiB, else 200).
        storage_options: with an output URL, the options of its fsspec filesystem
            (s3fs: `endpoint_url`, `key`, `secret`, `profile`, `client_kwargs`, ...). They
            travel with every task to the workers and are never written to the output;
            without them the filesystem's own configuration applies (AWS_* variables, ...).

    Raises:
        ConfigError, InputError, OutputConflictError, OutputError, ConservationError,
        MissingDependencyError (all JeongjeError).
    """
    if format not in ("parquet", "jsonl"):
        raise ConfigError(f"format must be 'parquet' or 'jsonl', not {format!r}")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, not {workers}")
    if max_record_bytes < 1:
        raise ConfigError("max_record_bytes must be positive")
    if executor not in ("local", "ray"):
        raise ConfigError(f"executor must be 'local' or 'ray', not {executor!r}")
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    if encoding != "auto" and codec_for(encoding) is None:
        raise ConfigError(f"unknown encoding {encoding!r}: give a codec name (utf-8, cp949, "
                          "euc-kr, johab, iso-2022-kr, ...) or 'auto'")
    fields = FieldMap(text=text_field, id=id_field or None, max_record_bytes=max_record_bytes,
                      encoding=encoding,
                      site_policies=tuple(str(Path(p).resolve()) for p in site_policies or ()))
    started = time.monotonic()
    store = open_store(output, storage_options)
    job = plan([str(i) for i in inputs], store, recipe, fields, format, shard_bytes, originals)
    resumed = prepare_output(job, overwrite)
    job = prepare_site_policies(job, log=_log if progress is not False else None)
    if executor == "ray":
        from .executors.ray import RayExecutor

        runner: Any = RayExecutor(address, workers)
    else:
        from .executors.local import LocalExecutor

        runner = LocalExecutor(workers)
    pending = job.pending()
    total_tasks = len(job.shards) * job.steps
    done_tasks = sum(len(job.shards) - len(job.pending(k)) for k in range(job.steps))
    bar = Progress(sum(_shard_bytes(t.shard) for t in pending), total_tasks, done_tasks,
                   enabled=progress)
    try:
        runner.execute(job, bar)
    finally:
        bar.close()
    manifest = finalize(job, time.monotonic() - started, runner.workers or 0, executor)
    return RunResult(output if is_url(output) else Path(output), manifest, resumed,
                     storage_options)


def _log(message: str) -> None:
    import sys

    print(f"jeongje: {message}", file=sys.stderr, flush=True)


def _shard_bytes(shard: Any) -> int:
    if shard.file.format == "warc":
        return (shard.file.size if shard.end is None else shard.end) - shard.start
    if shard.end is not None and shard.file.format == "jsonl" and shard.file.compression is None:
        return shard.end - shard.start
    if shard.file.format == "parquet":
        try:
            meta = pq.ParquetFile(shard.file.path).metadata
        except Exception:  # noqa: BLE001 - the reader quarantines unreadable files
            return 0
        end = meta.num_row_groups if shard.end is None else shard.end
        return sum(meta.row_group(i).total_byte_size for i in range(shard.start, end))
    return shard.file.size


def _read_folder(out: Store, folder: str) -> pa.Table:
    files = out.list(folder, "part-*.parquet")
    if not files:
        from .io.writers import DOCUMENTS_SCHEMA, EDITS_SCHEMA, LEDGER_SCHEMA

        schema = {"documents": DOCUMENTS_SCHEMA, "ledger": LEDGER_SCHEMA, "edits": EDITS_SCHEMA}
        return schema[folder].empty_table()
    return pa.concat_tables(pq.read_table(out.path(f"{folder}/{f}"), filesystem=out.filesystem)
                            for f in files)


# The readers below take a local folder or an output URL (with its `storage_options`).

def read_documents(output: str | Path, storage_options: dict[str, Any] | None = None) -> pa.Table:
    """Kept documents (`id`, `text`, `metadata` as a JSON string) of a finished run."""
    out = open_store(output, storage_options)
    jsonl = out.list("documents", "part-*.jsonl")
    if jsonl:
        rows = []
        for f in jsonl:
            with out.open(f"documents/{f}") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    rows.append({"id": d["id"], "text": d["text"],
                                 "metadata": json.dumps(d["metadata"], ensure_ascii=False,
                                                        sort_keys=True, separators=(",", ":"))})
        from .io.writers import DOCUMENTS_SCHEMA, rows_table

        return rows_table(rows, DOCUMENTS_SCHEMA)
    return _read_folder(out, "documents")


def read_ledger(output: str | Path, history: bool = False,
                storage_options: dict[str, Any] | None = None) -> pa.Table:
    """One row per input record with its current outcome: id, source, outcome, stage,
    reason, detail, ... An opt-out applied after the run (`jeongje optout`) supersedes the
    run's `kept` row; `history=True` returns the superseded rows too (every event)."""
    import pyarrow.compute as pc

    from .report.optout import read_optouts

    out = open_store(output, storage_options)
    ledger = _read_folder(out, "ledger")
    later = read_optouts(out)
    if later.num_rows == 0:
        return ledger
    if not history:
        ledger = ledger.filter(pc.invert(pc.is_in(ledger["id"], later["id"])))
    return pa.concat_tables([ledger, later], promote_options="default")


def read_edits(output: str | Path, storage_options: dict[str, Any] | None = None) -> pa.Table:
    """One row per text edit: id, stage, reason, start, end, replacement, detail."""
    return _read_folder(open_store(output, storage_options), "edits")


def read_manifest(output: str | Path, storage_options: dict[str, Any] | None = None) -> dict[str, Any]:
    out = open_store(output, storage_options)
    return json.loads(out.read_bytes(MANIFEST).decode("utf-8"))  # type: ignore[no-any-return]
