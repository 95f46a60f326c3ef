"""Near-duplicate deduplication: MinHash + LSH, grouped out of core with DuckDB.

Map side (`keys_batch`, per shard, vectorised): each document's MinHash signature and its
band hashes are stored as Parquet rows by the executor. Reduce side (`decide`): DuckDB
explodes the band hashes, groups by (band, hash) -- the shuffle -- and links every member
of a bucket to the bucket's smallest id; only candidate pairs are verified with the
estimated Jaccard similarity of their signatures (>= `threshold`); union-find turns the
verified pairs into clusters; a deterministic keep rule picks one document per cluster.
Nothing but candidate pairs and cluster members is held in Python memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa

from ..record import Document, Drop
from ..stage import Decision, GlobalStage, register
from .keep import DATE_FIELDS, DEFAULT_KEEP, KeepRule, document_date, keep_order
from .signatures import band_hashes, shingle_hashes, signatures


@register
@dataclass
class MinHashDeduplicator(GlobalStage):
    """Drop near-duplicates (same wire story at several outlets, edited re-posts), keeping
    one document per cluster by `keep` (earliest date, then longest, then smallest id).
    Shingles: `shingle` = "char" (default, n=5) or "word" (eojeol n-grams). `num_perm` =
    `bands` x `rows`; a pair becomes a candidate if any band matches and is kept as a
    duplicate if its Jaccard similarity reaches `threshold`: estimated from the signatures
    (`verify: estimate`, default) or computed exactly from the stored shingle sets of the
    candidates (`verify: exact`, which stores 8 bytes per distinct shingle)."""

    name: ClassVar[str] = "dedup.minhash"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"near_duplicate"})
    description: ClassVar[str] = "drop near-duplicate documents (MinHash LSH, Korean char n-grams)"
    key_schema: ClassVar[Any] = pa.schema([
        ("signature", pa.list_(pa.uint32())), ("bands", pa.list_(pa.uint64())),
        ("length", pa.int64()), ("date", pa.string()), ("shingles", pa.list_(pa.uint64()))])

    shingle: Literal["char", "word"] = "char"
    ngram: int = 5
    bands: int = 20
    rows: int = 5
    threshold: float = 0.7
    verify: Literal["estimate", "exact"] = "estimate"
    keep: list[KeepRule] = field(default_factory=lambda: list(DEFAULT_KEEP))
    date_fields: list[str] = field(default_factory=lambda: list(DATE_FIELDS))
    memory_limit: str = "4GB"

    def __post_init__(self) -> None:
        if self.ngram < 1 or self.bands < 1 or self.rows < 1:
            raise ValueError("ngram, bands and rows must be >= 1")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be within (0, 1]")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def keys(self, doc: Document) -> dict[str, Any]:
        return self.keys_batch([doc])[0]

    def keys_batch(self, docs: list[Document]) -> list[dict[str, Any]]:
        hashes = [shingle_hashes(d.text, self.shingle, self.ngram) for d in docs]
        sig = signatures(hashes, self.num_perm)
        bands = band_hashes(sig, self.bands, self.rows)
        exact = self.verify == "exact"
        return [{"signature": sig[i].tolist(), "bands": bands[i].tolist(),
                 "length": len(d.text), "date": document_date(d, self.date_fields),
                 "shingles": np.unique(hashes[i]).tolist() if exact else []}
                for i, d in enumerate(docs)]

    # The reduce in two halves, so that an executor can run the shuffle itself:
    # bucket_rows/bucket_pairs group (band, hash) buckets (DuckDB here, a distributed
    # groupby on a cluster), decide_from_pairs verifies and clusters the candidate pairs.

    def decide(self, keys: Any) -> list[Decision]:
        con = self._connect(keys)
        pairs = con.execute("""
            WITH b AS (SELECT id, unnest(bands) AS h, generate_subscripts(bands, 1) AS band FROM keys),
                 g AS (SELECT band, h, min(id) AS root FROM b GROUP BY band, h HAVING count(*) > 1)
            SELECT DISTINCT b.id, g.root FROM b JOIN g USING (band, h) WHERE b.id <> g.root
            ORDER BY 1, 2""").fetchall()
        return self._cluster(con, pairs)

    @staticmethod
    def bucket_rows(batch: pa.Table) -> pa.Table:
        """Map side of the shuffle: one row (band, h, id) per band hash of each document."""
        ids = batch.column("id").to_pylist()
        bands = batch.column("bands").to_pylist()
        n = len(bands[0]) if bands else 0
        return pa.table({"band": pa.array([b for _ in ids for b in range(n)], pa.int32()),
                         "h": pa.array([h for row in bands for h in row], pa.uint64()),
                         "id": pa.array([i for i in ids for _ in range(n)], pa.string())})

    @staticmethod
    def bucket_pairs(group: pa.Table) -> pa.Table:
        """Reduce side of the shuffle: one bucket -> each member linked to its smallest id."""
        ids = sorted(set(group.column("id").to_pylist()))
        root = ids[0] if ids else None
        return pa.table({"id": pa.array(ids[1:], pa.string()),
                         "root": pa.array([root] * max(len(ids) - 1, 0), pa.string())})

    def decide_from_pairs(self, keys: Any, pairs: list[tuple[str, str]]) -> list[Decision]:
        """Verify and cluster candidate pairs found by an external shuffle."""
        return self._cluster(self._connect(keys), sorted(set(pairs)))

    def _connect(self, keys: Any) -> Any:
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{self.memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.register("keys", keys)
        return con

    def _cluster(self, con: Any, pairs: list[tuple[str, str]]) -> list[Decision]:
        if not pairs:
            return []
        con.execute("CREATE TEMP TABLE cand (id VARCHAR)")
        con.executemany("INSERT INTO cand VALUES (?)", [(i,) for i in {x for p in pairs for x in p}])
        info = {row[0]: row[1:4] for row in con.execute(
            "SELECT k.id, k.signature, k.length, k.date FROM keys k JOIN cand USING (id)").fetchall()}
        sigs = {i: np.asarray(v[0], dtype=np.uint32) for i, v in info.items()}
        if self.verify == "exact":
            sets = {row[0]: np.asarray(row[1], dtype=np.uint64) for row in con.execute(
                "SELECT k.id, k.shingles FROM keys k JOIN cand USING (id)").fetchall()}

            def sim(a: str, b: str) -> float:
                inter = len(np.intersect1d(sets[a], sets[b], assume_unique=True))
                return inter / (len(sets[a]) + len(sets[b]) - inter)
        else:

            def sim(a: str, b: str) -> float:
                return float(np.mean(sigs[a] == sigs[b]))
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        for a, b in pairs:
            if sim(a, b) >= self.threshold:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        clusters: dict[str, list[str]] = {}
        for doc_id in parent.keys() | {p for p in parent.values()}:
            clusters.setdefault(find(doc_id), []).append(doc_id)
        decisions: list[Decision] = []
        for members in clusters.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda i: self._order(i, info[i]))
            keeper = members[0]
            cluster = f"near-{keeper}"
            decisions.append(Decision(keeper, metadata={"dedup_cluster_id": cluster,
                                                        "dedup_cluster_size": len(members)}))
            for other in members[1:]:
                decisions.append(Decision(other, Drop("near_duplicate", {
                    "duplicate_of": keeper, "similarity": round(sim(other, keeper), 4),
                    "similarity_kind": self.verify, "threshold": self.threshold,
                    "cluster": cluster, "cluster_size": len(members)})))
        return decisions

    def _order(self, doc_id: str, info: tuple[Any, ...]) -> tuple[Any, ...]:
        _, length, date = info
        return keep_order(self.keep, doc_id, length, date)
