"""The output contract: the name of every file a run writes under OUT and its schema.

Kept documents, ledger, edits and originals are the outputs (README "Output contract");
`_run.json`, `_markers/` and `_work/` serve resuming and the steps between global stages.
Everything that names or reads these files takes the names from here.
"""

from __future__ import annotations

import pyarrow as pa

RUN_FILE = "_run.json"
MANIFEST = "manifest.json"
DOCUMENTS, LEDGER, EDITS, ORIGINALS = "documents", "ledger", "edits", "originals"
OUTPUT_FOLDERS = (DOCUMENTS, LEDGER, EDITS, ORIGINALS)
MARKERS = "_markers"
WORK = "_work"
SITE_POLICIES = "site_policies"  # robots.txt/tdmrep.json found in the crawl, per host
OPTOUT_PREFIX = "optout-"  # OUT/ledger/optout-NNNNN.parquet: opt-outs applied after the run
OPTOUT_STAGE = "optout"

DOCUMENTS_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("metadata", pa.string())])
LEDGER_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("outcome", pa.string()),
    ("stage", pa.string()), ("stage_version", pa.int32()), ("reason", pa.string()),
    ("detail", pa.string()), ("bytes_in", pa.int64()), ("bytes_out", pa.int64()),
    ("publisher", pa.string()), ("domain", pa.string()),  # from metadata (provenance.py)
])
EDITS_SCHEMA = pa.schema([
    ("id", pa.string()), ("stage", pa.string()), ("stage_version", pa.int32()),
    ("reason", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("replacement", pa.string()), ("detail", pa.string()),
])
ORIGINALS_SCHEMA = pa.schema([("id", pa.string()), ("outcome", pa.string()), ("stage", pa.string()),
                              ("reason", pa.string()), ("text", pa.string())])
#: one edit as stored with its document between steps: an edits row without the id
EDIT_ROW = pa.struct([EDITS_SCHEMA.field(n) for n in EDITS_SCHEMA.names if n != "id"])
#: what a global stage decided for a document, between steps
DECISIONS_SCHEMA = pa.schema([("id", pa.string()), ("reason", pa.string()),
                              ("detail", pa.string()), ("metadata", pa.string()),
                              ("payload", pa.string())])
#: a document between recipe steps (`Document.to_row`), with what its ledger row needs
#: already worked out (`where`: the ledger's source; publisher and domain from its
#: metadata): a document the next step leaves alone goes to the outputs column by column
WORK_SCHEMA = pa.schema([
    ("id", pa.string()), ("text", pa.string()), ("metadata", pa.string()),
    ("source", pa.string()), ("where", pa.string()), ("bytes_in", pa.int64()),
    ("publisher", pa.string()), ("domain", pa.string()), ("edits", pa.list_(EDIT_ROW)),
    ("original", pa.string()),
])
#: one decided record on its way to the outputs: its ledger row's columns (`bytes_out`
#: aside: the writer measures the kept text) and what the other outputs take from it
#: (the kept text and metadata, its edits, the text as read for the originals sample)
OUTCOME_SCHEMA = pa.schema([
    *(LEDGER_SCHEMA.field(n) for n in LEDGER_SCHEMA.names if n != "bytes_out"),
    ("text", pa.string()), ("metadata", pa.string()), ("edits", pa.list_(EDIT_ROW)),
    ("original", pa.string()),
])


def part_name(index: int, suffix: str, step: int = 0) -> str:
    """`part-00003.parquet`; outcomes decided in a later step of the recipe get `-s1`, ..."""
    return f"part-{index:05d}{f'-s{step}' if step else ''}{suffix}"


def documents_name(index: int, fmt: str) -> str:
    return f"{DOCUMENTS}/{part_name(index, '.jsonl' if fmt == 'jsonl' else '.parquet')}"


def work_name(step: int, kind: str, index: int | None = None) -> str:
    """Intermediate files between recipe steps: `_work/s0/docs-00003.parquet`, ..."""
    name = f"{kind}.parquet" if index is None else f"{kind}-{index:05d}.parquet"
    return f"{WORK}/s{step}/{name}"


def shard_files(index: int, step: int, final: bool, fmt: str, originals: bool) -> dict[str, str]:
    """Every file one shard publishes in one step, by part: the ledger and edits rows of
    the outcomes decided in the step, the kept documents (last step) or the documents that
    go on and their rows for the global stage (`_work/`, other steps), and the originals
    sample when the run keeps one."""
    files = {"ledger": f"{LEDGER}/{part_name(index, '.parquet', step)}",
             "edits": f"{EDITS}/{part_name(index, '.parquet', step)}"}
    if final:
        files["documents"] = documents_name(index, fmt)
    else:
        files["work"] = work_name(step, "docs", index)
        files["keys"] = work_name(step, "keys", index)
    if originals:
        files["originals"] = f"{ORIGINALS}/{part_name(index, '.parquet', step)}"
    return files
