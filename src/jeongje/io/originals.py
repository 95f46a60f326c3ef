"""A bounded, deterministic sample of input texts, for the report's document browser.

Removed text cannot be recovered from the edits (an edit keeps its replacement, not what
it replaced), so the run keeps the text as read for a sample of records:
`OUT/originals/part-NNNNN[-sS].parquet` with `id`, `outcome`, `stage`, `reason`, `text`.
Each shard keeps, per (outcome, stage, reason), the `limit` records with the smallest
BLAKE2b hash of their id, so the sample depends on the inputs and the shard plan only,
never on the worker count or the order shards finish in. `limit` -1 keeps every record
(the default for small runs), 0 none.
"""

from __future__ import annotations

import hashlib
import heapq
from typing import Any, Literal

import pyarrow as pa

from ..errors import ConfigError
from .layout import ORIGINALS_SCHEMA
from .parts import ShardTable
from .store import Store

PER_REASON = 200            # per (outcome, stage, reason) and shard
ALL_BELOW_BYTES = 32 << 20  # "auto" keeps everything when the inputs are smaller than this
Option = int | Literal["auto", "all", "none"]


def resolve_limit(option: Option, input_bytes: int) -> int:
    """The per-shard, per-reason limit for a run: -1 all, 0 none, N."""
    if option == "auto":
        return -1 if input_bytes <= ALL_BELOW_BYTES else PER_REASON
    if option == "all":
        return -1
    if option == "none":
        return 0
    if isinstance(option, int) and not isinstance(option, bool) and option >= 0:
        return option
    raise ConfigError(f"originals must be 'auto', 'all', 'none' or a count >= 0, not {option!r}")


def id_rank(doc_id: str) -> int:
    """The sampling key of an id: the first 8 bytes of its BLAKE2b hash."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big")


class OriginalsSample:
    """One shard's originals file; the same add/flush/close/commit/abort protocol as the
    other parts of a shard, published atomically with them."""

    def __init__(self, out: Store, name: str, limit: int) -> None:
        self.limit = limit
        self.table = ShardTable(out, name, ORIGINALS_SCHEMA)
        # (outcome, stage, reason) -> max-heap of (-rank, id, row) holding the smallest ranks
        self.heaps: dict[tuple[str, str, str], list[tuple[int, str, dict[str, Any]]]] = {}

    def wants(self, outcome: str, stage: str | None, reason: str | None, doc_id: str) -> bool:
        """Whether `add` would keep this record now (its text can then be fetched)."""
        if self.limit < 0:
            return True
        heap = self.heaps.get((outcome, stage or "", reason or ""), [])
        return len(heap) < self.limit or (-id_rank(doc_id), doc_id) > heap[0][:2]

    def add(self, outcome: str, stage: str | None, reason: str | None, doc_id: str, text: str) -> None:
        """Offer a record's text as read (kept when `wants` says so)."""
        row = {"id": doc_id, "outcome": outcome, "stage": stage, "reason": reason, "text": text}
        if self.limit < 0:
            self.table.add(row)
            return
        if not self.wants(outcome, stage, reason, doc_id):
            return
        heap = self.heaps.setdefault((outcome, stage or "", reason or ""), [])
        item = (-id_rank(doc_id), doc_id, row)
        if len(heap) < self.limit:
            heapq.heappush(heap, item)
        else:
            heapq.heapreplace(heap, item)

    def write_table(self, table: pa.Table) -> None:
        """Every row of `table` (`ORIGINALS_SCHEMA` columns): for a sample of everything."""
        assert self.limit < 0
        self.table.write_table(table.cast(ORIGINALS_SCHEMA))

    def flush(self) -> None:
        self.table.flush()

    def close(self) -> None:
        for key in sorted(self.heaps):
            for _, _, row in sorted(self.heaps[key], key=lambda t: t[1]):
                self.table.add(row)
        self.heaps = {}
        self.table.close()

    def commit(self) -> None:
        self.table.commit()

    def abort(self) -> None:
        self.table.abort()
