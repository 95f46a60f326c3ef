"""Exact deduplication on the cleaned, normalised text.

Each document contributes a 128-bit BLAKE2b digest of its text with whitespace runs
collapsed (the text is already NFC and cleaned by the stages before it), its length and
its publication date. Documents sharing a digest form a cluster; one is kept by a
deterministic rule and the others are dropped with `duplicate_of` naming the kept one.
Kept members of clusters of two or more carry `dedup_cluster_id` and `dedup_cluster_size`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from ..duck import connect, stream
from ..provenance import DATE_FIELDS
from ..record import Document, Drop
from ..stage import Decision, GlobalStage, Resources, size_bytes
from .keep import DEFAULT_KEEP, KeepRule, document_date, keep_sql


@dataclass
class ExactDeduplicator(GlobalStage):
    """Keep one document per identical cleaned text. `keep` orders the tie-breakers:
    `earliest` (publication date from `date_fields`; undated documents last), `longest`,
    `smallest_id` (always applied last, so the choice never depends on input order)."""

    name: ClassVar[str] = "dedup.exact"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"exact_duplicate"})
    description: ClassVar[str] = "drop documents whose cleaned text repeats another's"
    key_schema: ClassVar[Any] = pa.schema([("digest", pa.binary(16)), ("length", pa.int64()),
                                           ("date", pa.string())])
    resource_params: ClassVar[frozenset[str]] = frozenset({"memory_limit"})
    requires: ClassVar[dict[str, str]] = {"duckdb": "duckdb>=1.3"}

    keep: list[KeepRule] = field(default_factory=lambda: list(DEFAULT_KEEP))
    date_fields: list[str] = field(default_factory=lambda: list(DATE_FIELDS))
    memory_limit: str = "4GB"  # DuckDB's, for the grouping by digest; it spills to disk past it

    def __post_init__(self) -> None:
        size_bytes(self.memory_limit)  # a ValueError (a ConfigError in a recipe) for a bad size

    def resources(self) -> Resources:
        return Resources(memory=self.memory_limit)

    def keys(self, doc: Document) -> dict[str, Any]:
        text = " ".join(doc.text.split())  # whitespace runs collapsed, ends stripped
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return {"digest": digest, "length": len(doc.text), "date": document_date(doc, self.date_fields)}

    def decide(self, keys: Any) -> Iterator[Decision]:
        # DuckDB groups the digests and ranks each group's members by the keep rule out of
        # core; only the rows of digests held by two or more documents come back, streamed
        # (memory follows neither the corpus nor the duplicates)
        con = connect(keys, self.memory_limit)
        rows = stream(con, f"""
            WITH d AS (SELECT digest FROM keys GROUP BY digest HAVING count(*) > 1),
                 m AS (SELECT k.digest, k.id, k.length, k.date FROM keys k SEMI JOIN d USING (digest))
            SELECT id, digest, first_value(id) OVER w, count(*) OVER w, row_number() OVER w = 1 FROM m
            WINDOW w AS (PARTITION BY digest ORDER BY {keep_sql(self.keep)}
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)""")
        for doc_id, digest, keeper, size, is_keeper in rows:
            cluster = f"exact-{digest.hex()[:16]}"
            if is_keeper:  # not `doc_id == keeper`: an id in two shards is kept once
                yield Decision(keeper, metadata={"dedup_cluster_id": cluster, "dedup_cluster_size": size})
            else:
                yield Decision(doc_id, Drop("exact_duplicate", {
                    "duplicate_of": keeper, "similarity": 1.0, "cluster": cluster, "cluster_size": size}))
