"""Near-duplicate deduplication: MinHash + LSH, grouped out of core with DuckDB.

Map side (`keys_batch`, per shard, vectorised): each document's MinHash signature and its
band hashes are stored as Parquet rows by the executor. Reduce side (`decide`): DuckDB
explodes the band hashes, groups by (band, hash) -- the shuffle -- and links every member
of a bucket to the bucket's smallest id; only candidate pairs are verified with the
estimated Jaccard similarity of their signatures (>= `threshold`); union-find turns the
verified pairs into clusters; a deterministic keep rule picks one document per cluster.
Candidate pairs stay in DuckDB (which spills to disk past `memory_limit`), are verified
there, and only the verified edges come out, as numpy arrays of integer ids. The keep rule
runs in DuckDB too (a window order), and the decisions stream out of it in chunks: no
Python object outlives its chunk, whatever the number of duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa

from ..duck import connect, stream
from ..provenance import DATE_FIELDS
from ..record import Document, Drop
from ..stage import BucketShuffle, Decision, GlobalStage, Resources, size_bytes
from .keep import DEFAULT_KEEP, KeepRule, document_date, keep_sql
from .signatures import band_hashes, batch_shingle_hashes, flat_signatures


@dataclass
class MinHashDeduplicator(GlobalStage, BucketShuffle):
    """Drop near-duplicates (same wire story at several outlets, edited re-posts), keeping
    one document per cluster by `keep` (earliest date, then longest, then smallest id).
    Shingles: `shingle` = "char" (default, n=5) or "word" (eojeol n-grams). `num_perm` =
    `bands` x `rows`; a pair becomes a candidate if any band matches and is kept as a
    duplicate if its Jaccard similarity reaches `threshold`: estimated from the signatures
    (`verify: estimate`, default) or computed exactly from the stored shingle sets of the
    candidates (`verify: exact`, which stores 8 bytes per distinct shingle)."""

    name: ClassVar[str] = "dedup.minhash"
    version: ClassVar[int] = 2  # 2: shingles of the NFC text
    reasons: ClassVar[frozenset[str]] = frozenset({"near_duplicate"})
    description: ClassVar[str] = "drop near-duplicate documents (MinHash LSH, Korean char n-grams)"
    key_schema: ClassVar[Any] = pa.schema([
        ("signature", pa.list_(pa.uint32())), ("bands", pa.list_(pa.uint64())),
        ("length", pa.int64()), ("date", pa.string()), ("shingles", pa.list_(pa.uint64()))])
    resource_params: ClassVar[frozenset[str]] = frozenset({"memory_limit"})
    requires: ClassVar[dict[str, str]] = {"duckdb": "duckdb>=1.3", "numpy": "numpy"}
    bucket_columns: ClassVar[tuple[str, ...]] = ("id", "bands")
    bucket_key: ClassVar[tuple[str, ...]] = ("band", "h")

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
        size_bytes(self.memory_limit)  # a ValueError (a ConfigError in a recipe) for a bad size
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be within (0, 1]")

    def resources(self) -> Resources:
        return Resources(memory=self.memory_limit)

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def keys(self, doc: Document) -> dict[str, Any]:
        return self.keys_batch([doc]).to_pylist()[0]  # type: ignore[no-any-return]

    def keys_batch(self, docs: list[Document]) -> pa.Table:
        """The batch's rows as one table built from the numpy arrays (no Python list per
        document): signatures and band hashes as list columns over their flat arrays."""
        all_h, counts = batch_shingle_hashes([d.text for d in docs], self.shingle, self.ngram)
        sig = flat_signatures(all_h, counts, self.num_perm)
        bands = band_hashes(sig, self.bands, self.rows)
        shingles = ([np.unique(h) for h in np.split(all_h, np.cumsum(counts)[:-1])]
                    if self.verify == "exact" and docs else [np.empty(0, np.uint64)] * len(docs))
        return pa.Table.from_arrays([
            _lists(np.ascontiguousarray(sig).ravel(), [sig.shape[1]] * len(docs), pa.uint32()),
            _lists(np.ascontiguousarray(bands).ravel(), [bands.shape[1]] * len(docs), pa.uint64()),
            pa.array([len(d.text) for d in docs], pa.int64()),
            pa.array([document_date(d, self.date_fields) for d in docs], pa.string()),
            _lists(np.concatenate(shingles) if shingles else np.empty(0, np.uint64),
                   [len(x) for x in shingles], pa.uint64()),
        ], schema=self.key_schema)

    # The reduce in two halves, so that an executor can run the shuffle itself:
    # bucket_rows/bucket_pairs group (band, hash) buckets (DuckDB here, a distributed
    # groupby on a cluster), decide_from_pairs verifies and clusters the candidate pairs.

    def decide(self, keys: Any) -> Iterator[Decision]:
        con = connect(keys, self.memory_limit)
        con.execute("""
            CREATE TEMP TABLE pairs AS
            WITH b AS (SELECT id, unnest(bands) AS h, generate_subscripts(bands, 1) AS band FROM keys),
                 g AS (SELECT band, h, min(id) AS root FROM b GROUP BY band, h HAVING count(*) > 1)
            SELECT DISTINCT b.id AS a, g.root AS b FROM b JOIN g USING (band, h) WHERE b.id <> g.root""")
        return self._cluster(con)

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

    def decide_from_pairs(self, keys: Any, pairs: list[tuple[str, str]]) -> Iterator[Decision]:
        """Verify and cluster candidate pairs found by an external shuffle."""
        con = connect(keys, self.memory_limit)
        con.register("found", pa.table({"a": pa.array([p[0] for p in pairs], pa.string()),
                                        "b": pa.array([p[1] for p in pairs], pa.string())}))
        con.execute("CREATE TEMP TABLE pairs AS SELECT DISTINCT a, b FROM found")
        return self._cluster(con)

    def _similarity_sql(self, pairs: str) -> str:
        """(a, b, sim) for every row of the table `pairs`, computed inside DuckDB."""
        if self.verify == "exact":
            return f"""
                SELECT a, b, i / (len(sa) + len(sb) - i) AS sim FROM (
                  SELECT p.a, p.b, ka.shingles AS sa, kb.shingles AS sb,
                         len(list_intersect(ka.shingles, kb.shingles))::DOUBLE AS i
                  FROM {pairs} p JOIN keys ka ON ka.id = p.a JOIN keys kb ON kb.id = p.b)"""
        # the share of equal positions, per row (no unnest and regroup: half the memory)
        return f"""
            SELECT p.a AS a, p.b AS b,
                   list_sum(list_transform(ka.signature, lambda x, i: (x = kb.signature[i])::INTEGER))
                   / len(ka.signature) AS sim
            FROM {pairs} p JOIN keys ka ON ka.id = p.a JOIN keys kb ON kb.id = p.b"""

    def _cluster(self, con: Any) -> Iterator[Decision]:
        """Verify the candidate `pairs` in DuckDB, join the verified ones into components
        with numpy arrays of integer ids (never one Python object per pair), and keep one
        document per component."""
        con.execute("""CREATE TEMP TABLE cand AS
                       SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS ix
                       FROM (SELECT a AS id FROM pairs UNION SELECT b FROM pairs)""")
        n = con.execute("SELECT count(*) FROM cand").fetchone()[0]
        if not n:
            return
        edges = con.execute(f"""
            SELECT ca.ix AS x, cb.ix AS y FROM ({self._similarity_sql("pairs")}) s
            JOIN cand ca ON ca.id = s.a JOIN cand cb ON cb.id = s.b
            WHERE s.sim >= {float(self.threshold)!r}""").fetchnumpy()
        roots = components(n, np.asarray(edges["x"], np.int64), np.asarray(edges["y"], np.int64))
        con.register("roots", pa.table({"ix": np.arange(n, dtype=np.int64), "root": roots}))
        # members of clusters of two or more, each with its cluster's keeper (the keep rule as
        # a window order) and size; then each dropped member's similarity to its keeper
        con.execute(f"""
            CREATE TEMP TABLE ranked AS
            SELECT id, first_value(id) OVER w AS keeper, count(*) OVER w AS size,
                   row_number() OVER w = 1 AS is_keeper FROM (
              SELECT c.id, r.root, k.length, k.date FROM cand c JOIN roots r USING (ix) JOIN keys k USING (id)
              WHERE r.root IN (SELECT root FROM roots GROUP BY root HAVING count(*) > 1))
            WINDOW w AS (PARTITION BY root ORDER BY {keep_sql(self.keep)}
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)""")
        con.execute("CREATE TEMP VIEW links AS SELECT DISTINCT id AS a, keeper AS b FROM ranked WHERE NOT is_keeper")
        # max(): one similarity per link even when an id is in two shards (its rows repeat)
        for doc_id, keeper, size, is_keeper, sim in stream(con, f"""
                SELECT r.id, r.keeper, r.size, r.is_keeper, s.sim FROM ranked r LEFT JOIN (
                  SELECT a, b, max(sim) AS sim FROM ({self._similarity_sql("links")}) GROUP BY a, b) s
                ON s.a = r.id AND s.b = r.keeper"""):
            cluster = f"near-{keeper}"
            if is_keeper:
                yield Decision(keeper, metadata={"dedup_cluster_id": cluster, "dedup_cluster_size": size})
            else:
                yield Decision(doc_id, Drop("near_duplicate", {
                    "duplicate_of": keeper, "similarity": round(sim, 4), "similarity_kind": self.verify,
                    "threshold": self.threshold, "cluster": cluster, "cluster_size": size}))


def _lists(flat: np.ndarray, sizes: list[int], kind: pa.DataType) -> pa.Array:
    """A list column of consecutive runs of `flat` with the given sizes."""
    offsets = np.zeros(len(sizes) + 1, np.int32)
    np.cumsum(sizes, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, kind))


def components(n: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Connected components of the graph on 0..n-1 with edges (x[i], y[i]): each node's
    label is the smallest node of its component (min-label propagation with pointer
    jumping, all in numpy arrays)."""
    labels = np.arange(n, dtype=np.int64)
    if len(x) == 0:
        return labels
    while True:
        low = np.minimum(labels[x], labels[y])
        new = labels.copy()
        np.minimum.at(new, x, low)
        np.minimum.at(new, y, low)
        while True:  # a label is always a node at or below its own: jump to the root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new
