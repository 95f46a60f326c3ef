"""A planned run: inputs, shards, recipe, options and fingerprint; and the output folder
made ready for it (a new run, a resumed one, or a conflict).

`plan` decides everything before any document is processed; `prepare` checks and sets up
OUT. Executors then run the job's pending shard tasks step by step (executors/base.py),
and `manifest.finalize` checks the result and writes the manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError, OutputConflictError
from .io.inputs import InputFile, Shard, checksum, plan_shards, resolve_inputs
from .io.layout import MANIFEST, MARKERS, OUTPUT_FOLDERS, RUN_FILE, SITE_POLICIES, WORK, shard_files
from .io.markers import Markers
from .io.originals import resolve_limit
from .io.readers import FieldMap, read_shard
from .io.store import Store
from .io.web import collect_site_files
from .options import RunOptions
from .recipe import Recipe
from .record import Quarantine
from .runner.shard import ShardTask
from .version import __version__


@dataclass
class Job:
    """Everything decided before any document is processed."""

    inputs: list[InputFile]
    checksums: list[str]
    shards: list[Shard]
    recipe: Recipe
    out: Store  # the output folder: a local path or an fsspec URL (io/store.py)
    options: RunOptions = field(default_factory=RunOptions)
    fields: FieldMap = field(default_factory=FieldMap)  # how to read inputs (site policies added by prepare)
    fingerprint: str = ""
    originals: int = 0  # originals kept per (outcome, stage, reason) and shard: -1 all, 0 none
    _markers: Markers | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def markers(self) -> Markers:
        """The completion markers of this run (of its output and fingerprint)."""
        if self._markers is None or (self._markers.out, self._markers.fingerprint) != (self.out, self.fingerprint):
            self._markers = Markers(self.out, self.fingerprint)
        return self._markers

    @property
    def steps(self) -> int:
        return len(self.recipe.steps())

    def task(self, shard: Shard) -> ShardTask:
        return ShardTask(shard, self.out, self.fields, self.options.format, self.fingerprint,
                         self.originals)

    def pending(self, step: int = 0) -> list[ShardTask]:
        """Tasks of the shards of `step` without a valid completion marker (all of them on
        a fresh run)."""
        final = step == self.steps - 1
        files = {s.index: shard_files(s.index, step, final, self.options.format, bool(self.originals)).values()
                 for s in self.shards}
        todo = set(self.markers.pending(step, files))
        return [self.task(s) for s in self.shards if s.index in todo]


def plan(inputs: list[str] | str, out: Store, recipe: Recipe, options: RunOptions) -> Job:
    """Resolve inputs, checksum them, cut shards and compute the run's fingerprint."""
    files = resolve_inputs(inputs)
    sums = [checksum(f.path) for f in files]
    originals = resolve_limit(options.originals, sum(f.size for f in files))
    identity = {
        "inputs": [[f.name, f.size, s] for f, s in zip(files, sums, strict=True)],
        "recipe": _identity(recipe), "stage_versions": recipe.versions(),
        # the originals sample as it resolves for these inputs ("auto" is "all" for small ones)
        "options": {**options.identity(), "originals": originals}, "jeongje": __version__,
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
    job = Job(files, sums, plan_shards(files, options.shard_bytes), recipe, out, options,
              options.fields(), fingerprint, originals)
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


def prepare(job: Job, log: Callable[[str], None] | None = None) -> tuple[Job, bool]:
    """Create or validate the output folder and gather a crawl's site policies; return the
    job ready to run and whether it resumes an earlier run. `options.overwrite` starts
    afresh whatever the folder holds (only jeongje's own files and folders are removed)."""
    resumed = _prepare_output(job)
    return _site_policies(job, log), resumed


def _prepare_output(job: Job) -> bool:
    out = job.out
    if out.is_file(""):
        raise OutputConflictError(f"output {out} exists and is not a folder")
    if job.options.overwrite:
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
        "inputs": [f.name for f in job.inputs], "format": job.options.format,
    })
    for name in (*OUTPUT_FOLDERS, MARKERS):
        out.makedirs(name)
    return False


def _site_policies(job: Job, log: Callable[[str], None] | None) -> Job:
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
    if previous.get("format") != job.options.format:
        return f"format {previous.get('format')}, not {job.options.format}"
    return "changed input contents, recipe parameters or settings"


def _wipe(out: Store) -> None:
    for name in (*OUTPUT_FOLDERS, MARKERS, WORK, SITE_POLICIES, "report"):
        out.remove_tree(name)
    for name in (RUN_FILE, MANIFEST):
        out.remove(name)
