"""Near-duplicate deduplication: MinHash + LSH, grouped out of core with DuckDB.

Map side (`keys_batch`, per shard, vectorised): each document's MinHash signature, its
band hashes, its number of distinct shingles and (`verify: exact`, the default) the
shingle set itself are stored as Parquet rows by the executor. Reduce side (`decide`):
DuckDB explodes the band hashes and groups by (band, hash) -- the shuffle; the members
of a bucket become candidate pairs (every pair of a small bucket, each member with the
smallest id in a large one). Each candidate pair is verified inside DuckDB: its Jaccard
similarity (>= `threshold`) or its containment, the share of the smaller shingle set
found in the larger (>= `containment`, for a copy with a paragraph added, dropped or cut
off), counted exactly from the stored shingle sets or estimated from the signatures. The
documents of verified pairs are numbered in keep order and clustered with numpy arrays
(cluster.py: `star` by default, each dropped document verified against the kept one;
`union-find` on request); the decisions stream out of DuckDB in chunks: no Python object
per pair outlives its chunk, whatever the number of duplicates.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa

from ..duck import arrow_reader, connect, stream
from ..provenance import DATE_FIELDS
from ..record import Document, Drop
from ..stage import BucketShuffle, Decision, GlobalStage, Resources, size_bytes
from .cluster import components, star, union_find
from .keep import DEFAULT_KEEP, KeepRule, document_date, keep_order, keep_sql
from .signatures import band_hashes, batch_shingle_hashes, flat_signatures

#: a bucket of at most this many documents gives all its pairs as candidates (a larger one
#: links each member to its smallest id): a star cluster needs the pair of a copy and its
#: kept document, which two copies of one story found in one bucket would otherwise lack
ALL_PAIRS = 32
#: containment counts only for a smaller set whose document has at least this share of
#: distinct shingles (a page that repeats one sentence is inside every page that has it)
VARIED = 0.5
#: a candidate pair is counted exactly only if its estimated Jaccard is at least the least
#: a link needs (0.4 for containment by default) less this: 3 standard deviations of a
#: 100-value estimate
PREFILTER = 0.15


@dataclass
class MinHashDeduplicator(GlobalStage, BucketShuffle):
    """Drop near-duplicates (same wire story at several outlets, edited re-posts, a copy with
    a paragraph added or cut), keeping one document per cluster by `keep` (earliest date,
    then longest, then smallest id). Shingles: `shingle` = "char" (default, n=5) or "word"
    (eojeol n-grams). `num_perm` = `bands` x `rows`; a pair becomes a candidate if any band
    matches and is a duplicate if its Jaccard similarity reaches `threshold` or its
    containment (the smaller shingle set's share found in the larger) reaches
    `containment` while the smaller set has at least `min_shingles` shingles (a one-line
    review inside a long one is no copy). `verify: exact` (default) counts both from the
    stored shingle sets (4 bytes per distinct shingle); `estimate` takes them from the
    signatures, which over-accepts short texts. `clustering: star` (default) drops only
    documents verified against their cluster's kept document; `union-find` drops every
    document connected to it through verified pairs (chains: the dropped one may be far
    from the kept one)."""

    name: ClassVar[str] = "dedup.minhash"
    version: ClassVar[int] = 3  # 2: shingles of the NFC text; 3: containment, star clusters, exact
    reasons: ClassVar[frozenset[str]] = frozenset({"near_duplicate"})
    description: ClassVar[str] = "drop near-duplicate documents (MinHash LSH, Korean char n-grams)"
    key_schema: ClassVar[Any] = pa.schema([
        ("signature", pa.list_(pa.uint32())), ("bands", pa.list_(pa.uint64())),
        ("length", pa.int64()), ("date", pa.string()), ("distinct", pa.int64()),
        ("shingles", pa.list_(pa.uint32())), ("numbers", pa.list_(pa.uint32()))])
    resource_params: ClassVar[frozenset[str]] = frozenset({"memory_limit"})
    requires: ClassVar[dict[str, str]] = {"duckdb": "duckdb>=1.3", "numpy": "numpy"}
    bucket_columns: ClassVar[tuple[str, ...]] = ("id", "bands", "length", "date")
    bucket_key: ClassVar[tuple[str, ...]] = ("band", "h")

    shingle: Literal["char", "word"] = "char"
    ngram: int = 5
    bands: int = 25
    rows: int = 4
    threshold: float = 0.7
    containment: float = 0.65
    containment_min_jaccard: float = 0.4
    figures: Literal["always", "containment", "never"] = "always"
    figures_min: int = 4
    figures_shared: float = 0.5
    min_shingles: int = 50
    verify: Literal["exact", "estimate"] = "exact"
    clustering: Literal["star", "union-find"] = "star"
    keep: list[KeepRule] = field(default_factory=lambda: list(DEFAULT_KEEP))
    date_fields: list[str] = field(default_factory=lambda: list(DATE_FIELDS))
    memory_limit: str = "4GB"

    def __post_init__(self) -> None:
        if self.ngram < 1 or self.bands < 1 or self.rows < 1:
            raise ValueError("ngram, bands and rows must be >= 1")
        size_bytes(self.memory_limit)  # a ValueError (a ConfigError in a recipe) for a bad size
        if not 0 < self.threshold <= 1 or not 0 < self.containment <= 1:
            raise ValueError("threshold and containment must be within (0, 1]")

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
        # each document's distinct shingles as 32-bit values, for the whole batch at once
        # (one sort of document << 32 | value): half the bytes of 64 bits, and a chance
        # collision between two documents' sets is ~ |A| |B| / 2^32, far below a rounding
        owner = np.repeat(np.arange(len(docs), dtype=np.uint64), counts)
        both = np.sort((owner << np.uint64(32)) | (all_h & np.uint64(0xFFFFFFFF)))
        if len(both):  # sort + run starts: numpy 2's hash-based np.unique was 10x slower here
            both = both[np.concatenate([[True], both[1:] != both[:-1]])]
        distinct = np.bincount((both >> np.uint64(32)).astype(np.int64), minlength=len(docs))
        exact = self.verify == "exact"
        values = (both & np.uint64(0xFFFFFFFF)).astype(np.uint32) if exact else np.empty(0, np.uint32)
        return pa.Table.from_arrays([
            _lists(np.ascontiguousarray(sig).ravel(), [sig.shape[1]] * len(docs), pa.uint32()),
            _lists(np.ascontiguousarray(bands).ravel(), [bands.shape[1]] * len(docs), pa.uint64()),
            pa.array([len(d.text) for d in docs], pa.int64()),
            pa.array([document_date(d, self.date_fields) for d in docs], pa.string()),
            pa.array(distinct, pa.int64()),
            _lists(values, distinct.tolist() if exact else [0] * len(docs), pa.uint32()),
            pa.array([numbers(d.text) for d in docs], pa.list_(pa.uint32())),
        ], schema=self.key_schema)

    # The reduce in two halves, so that an executor can run the shuffle itself:
    # bucket_rows/bucket_pairs group (band, hash) buckets (DuckDB here, a distributed
    # groupby on a cluster), decide_from_pairs verifies and clusters the candidate pairs.

    def decide(self, keys: Any) -> Iterator[Decision]:
        con = connect(keys, self.memory_limit)
        con.execute("""CREATE TEMP TABLE b AS SELECT id, unnest(bands) AS h, generate_subscripts(bands, 1) AS band,
                              length, date FROM keys""")
        con.execute(f"""
            CREATE TEMP TABLE pairs AS
            WITH g AS (SELECT band, h, count(*) AS n, first(id ORDER BY {keep_sql(self.keep)}) AS root
                       FROM b GROUP BY band, h HAVING count(*) > 1),
                 small AS (SELECT b.* FROM b SEMI JOIN (SELECT band, h FROM g WHERE n <= {ALL_PAIRS}) USING (band, h))
            SELECT DISTINCT x.id AS a, y.id AS b FROM small x JOIN small y USING (band, h) WHERE x.id < y.id
            UNION SELECT b.id, g.root FROM b JOIN g USING (band, h) WHERE g.n > {ALL_PAIRS} AND b.id <> g.root""")
        con.execute("DROP TABLE b")
        return self._cluster(con)

    def bucket_rows(self, batch: pa.Table) -> pa.Table:
        """Map side of the shuffle: one row (band, h, id, length, date) per band hash of each document."""
        ids = batch.column("id").to_pylist()
        bands = batch.column("bands").to_pylist()
        n = len(bands[0]) if bands else 0
        return pa.table({"band": pa.array([b for _ in ids for b in range(n)], pa.int32()),
                         "h": pa.array([h for row in bands for h in row], pa.uint64()),
                         "id": pa.array([i for i in ids for _ in range(n)], pa.string()),
                         "length": pa.array([v for v in batch.column("length").to_pylist() for _ in range(n)], pa.int64()),
                         "date": pa.array([v for v in batch.column("date").to_pylist() for _ in range(n)], pa.string())})

    def bucket_pairs(self, group: pa.Table) -> pa.Table:
        """Reduce side of the shuffle: one bucket -> its candidate pairs (id, root): every
        pair of a bucket of at most ALL_PAIRS documents, else each member with the member
        the keep rule prefers (the likely kept document of a star cluster)."""
        rows = {r["id"]: r for r in group.select(["id", "length", "date"]).to_pylist()}
        ids = sorted(rows)
        if len(ids) <= ALL_PAIRS:
            pairs = [(y, x) for i, x in enumerate(ids) for y in ids[i + 1:]]
        else:
            root = min(ids, key=lambda i: keep_order(self.keep, i, rows[i]["length"], rows[i]["date"]))
            pairs = [(y, root) for y in ids if y != root]
        return pa.table({"id": pa.array([p[0] for p in pairs], pa.string()),
                         "root": pa.array([p[1] for p in pairs], pa.string())})

    def decide_from_pairs(self, keys: Any, pairs: list[tuple[str, str]]) -> Iterator[Decision]:
        """Verify and cluster candidate pairs found by an external shuffle."""
        con = connect(keys, self.memory_limit)
        con.register("found", pa.table({"a": pa.array([p[0] for p in pairs], pa.string()),
                                        "b": pa.array([p[1] for p in pairs], pa.string())}))
        con.execute("CREATE TEMP TABLE pairs AS SELECT DISTINCT a, b FROM found")
        return self._cluster(con)

    def _similarity_sql(self, pairs: str) -> str:
        """(a, b, j, c, shorter) for every row of the table `pairs`, computed inside DuckDB:
        the Jaccard similarity j of the two shingle sets, the containment c (the share of
        the smaller set found in the larger) and the smaller set's size. `verify: exact`
        counts the common shingles; `estimate` takes j from the signatures and c from j and
        the set sizes (|A n B| = j (|A| + |B|) / (1 + j))."""
        if self.verify == "exact":
            inter = "p.i"  # counted by `_count`
        else:
            inter = ("(list_sum(list_transform(ka.signature, lambda x, i: (x = kb.signature[i])::INTEGER))"
                     " / len(ka.signature)) AS jj, jj * (ka.distinct + kb.distinct) / (1 + jj)")
        # `varied`: the smaller set's share of distinct shingles among its document's
        # shingles (a page repeating one sentence is "contained" in any page with it)
        return f"""
            SELECT a, b, max(i / (na + nb - i)) AS j, max(least(1.0, i / least(na, nb))) AS c,
                   max(least(na, nb)) AS shorter, min(figures) AS figures,
                   max(CASE WHEN na <= nb THEN na / greatest(la - {self.ngram - 1}, 1)
                            ELSE nb / greatest(lb - {self.ngram - 1}, 1) END) AS varied FROM (
              SELECT p.a, p.b, ka.distinct::DOUBLE AS na, kb.distinct::DOUBLE AS nb, ka.length AS la,
                     kb.length AS lb, {inter} AS i,
                     CASE WHEN least(len(ka.numbers), len(kb.numbers)) < {int(self.figures_min)} THEN 1.0
                          ELSE len(list_intersect(ka.numbers, kb.numbers))
                               / least(len(ka.numbers), len(kb.numbers)) END AS figures
              FROM {pairs} p JOIN keys ka ON ka.id = p.a JOIN keys kb ON kb.id = p.b)
            GROUP BY a, b"""

    def _verified(self, con: Any, pairs: str) -> str:
        """The verified ones among the pairs (a < b) of the query `pairs`, with (j, c)."""
        if self.verify == "exact":
            pairs = self._count(con, pairs)
        figures = f"figures >= {float(self.figures_shared)!r}"
        return f"""
            SELECT a, b, j, c FROM ({self._similarity_sql(pairs)})
            WHERE (j >= {float(self.threshold)!r} {"AND " + figures if self.figures == "always" else ""})
               OR (c >= {float(self.containment)!r} AND j >= {float(self.containment_min_jaccard)!r}
                   AND shorter >= {int(self.min_shingles)} AND varied >= {VARIED}
                   {"" if self.figures == "never" else "AND " + figures})"""

    def _count(self, con: Any, pairs: str) -> str:
        """The table `counted` (a, b, i): the common shingles of each pair of the query
        `pairs` that the signatures do not rule out (see PREFILTER), counted in numpy over
        the joined shingle lists as DuckDB streams them (4x faster than list_intersect)."""
        least = max(0.0, min(self.threshold, self.containment_min_jaccard) - PREFILTER)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE plausible AS SELECT row_number() OVER () AS rn, a, b FROM (
              SELECT DISTINCT p.a, p.b FROM {pairs} p JOIN keys ka ON ka.id = p.a JOIN keys kb ON kb.id = p.b
              WHERE list_sum(list_transform(ka.signature, lambda x, i: (x = kb.signature[i])::INTEGER))
                    >= {least!r} * len(ka.signature))""")
        rn: list[np.ndarray] = []
        common: list[np.ndarray] = []
        for batch in arrow_reader(con.sql("""
                SELECT p.rn, ka.shingles AS sa, kb.shingles AS sb
                FROM plausible p JOIN keys ka ON ka.id = p.a JOIN keys kb ON kb.id = p.b"""), 8192):
            rn.append(batch.column(0).to_numpy())
            common.append(common_values(batch.column(1), batch.column(2)))
        con.register("common", pa.table({
            "rn": np.concatenate(rn) if rn else np.empty(0, np.int64),
            "i": (np.concatenate(common) if common else np.empty(0, np.int64)).astype(np.float64)}))
        con.execute("""CREATE OR REPLACE TEMP TABLE counted AS
                       SELECT p.a, p.b, c.i FROM plausible p JOIN common c USING (rn)""")
        con.unregister("common")
        return "counted"

    def _cluster(self, con: Any) -> Iterator[Decision]:
        """Verify the candidate `pairs` in DuckDB (max(): an id in two shards has its rows
        twice), number the documents of verified pairs in keep order, cluster them with
        numpy arrays (never one Python object per pair), and stream the decisions. For
        `star`, the pairs of every small connected group that LSH did not offer are
        verified too (a copy and its kept document may share no band while both share one
        with a third copy): more drops, each still verified against its kept document."""
        distinct = "(SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM pairs WHERE a <> b)"
        con.execute(f"CREATE TEMP TABLE edges AS {self._verified(con, distinct)}")
        con.execute(f"""
            CREATE TEMP TABLE cand AS SELECT id, (row_number() OVER (ORDER BY {keep_sql(self.keep)})) - 1 AS ix
            FROM (SELECT id, max(length) AS length, max(date) AS date FROM keys
                  SEMI JOIN (SELECT a AS id FROM edges UNION SELECT b FROM edges) USING (id) GROUP BY id)""")
        n = con.execute("SELECT count(*) FROM cand").fetchone()[0]
        if not n:
            return
        query = """SELECT ca.ix AS x, cb.ix AS y, e.j, e.c FROM edges e
                   JOIN cand ca ON ca.id = e.a JOIN cand cb ON cb.id = e.b ORDER BY x, y"""
        e = con.execute(query).fetchnumpy()
        x, y = np.asarray(e["x"], np.int64), np.asarray(e["y"], np.int64)
        if self.clustering == "star":
            con.register("groups", pa.table({"ix": np.arange(n, dtype=np.int64), "g": components(n, x, y)}))
            unoffered = f"""(
                WITH m AS (SELECT c.id, r.g FROM groups r JOIN cand c USING (ix) WHERE r.g IN (
                             SELECT g FROM groups GROUP BY g HAVING count(*) BETWEEN 3 AND {ALL_PAIRS}))
                SELECT p.a, p.b FROM (SELECT x.id AS a, y.id AS b FROM m x JOIN m y USING (g) WHERE x.id < y.id) p
                ANTI JOIN edges e USING (a, b))"""
            con.execute(f"INSERT INTO edges {self._verified(con, unoffered)}")
            e = con.execute(query).fetchnumpy()
            x, y = np.asarray(e["x"], np.int64), np.asarray(e["y"], np.int64)
        policy = star if self.clustering == "star" else union_find
        keeper, via, edge = policy(n, x, y)
        size = np.bincount(keeper, minlength=n)
        linked = edge >= 0
        j = np.where(linked, np.asarray(e["j"], np.float64)[edge], np.nan)
        c = np.where(linked, np.asarray(e["c"], np.float64)[edge], np.nan)
        con.register("clustered", pa.table({
            "ix": np.arange(n, dtype=np.int64), "keeper": keeper, "via": via, "size": size[keeper],
            "kept": ~linked, "j": j, "c": c}))
        for doc_id, keeper_id, via_id, members, kept, jac, cont in stream(con, """
                SELECT m.id, k.id, v.id, r.size, r.kept, r.j, r.c FROM clustered r
                JOIN cand m ON m.ix = r.ix JOIN cand k ON k.ix = r.keeper JOIN cand v ON v.ix = r.via
                WHERE r.size > 1"""):
            cluster = f"near-{keeper_id}"
            if kept:
                yield Decision(doc_id, metadata={"dedup_cluster_id": cluster, "dedup_cluster_size": members})
                continue
            by_jaccard = jac >= self.threshold
            yield Decision(doc_id, Drop("near_duplicate", {
                "duplicate_of": keeper_id, "linked_through": via_id,
                "similarity": round(jac if by_jaccard else cont, 4),
                "measure": "jaccard" if by_jaccard else "containment",
                "threshold": self.threshold if by_jaccard else self.containment,
                "jaccard": round(jac, 4), "containment": round(cont, 4), "verify": self.verify,
                "clustering": self.clustering, "cluster": cluster, "cluster_size": members}))


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> list[int]:
    """The distinct figures of a text (digit runs, with their decimal points and thousands
    separators), hashed: two template articles differ in them, two copies of one story do not."""
    return sorted({zlib.crc32(m.encode()) for m in _NUMBER.findall(text)})


def common_values(sa: pa.ListArray, sb: pa.ListArray) -> np.ndarray:
    """How many values each row's two lists share (each list sorted, without repeats): the
    rows' values tagged with the row number are two sorted arrays, searched in each other."""
    n = len(sa)
    tag = np.arange(n, dtype=np.uint64)
    ka = (np.repeat(tag, sa.value_lengths().to_numpy()) << np.uint64(32)) | sa.flatten().to_numpy().astype(np.uint64)
    kb = (np.repeat(tag, sb.value_lengths().to_numpy()) << np.uint64(32)) | sb.flatten().to_numpy().astype(np.uint64)
    if len(kb) == 0:
        return np.zeros(n, np.int64)
    pos = np.minimum(np.searchsorted(kb, ka), len(kb) - 1)
    hit = kb[pos] == ka
    return np.bincount((ka[hit] >> np.uint64(32)).astype(np.int64), minlength=n)


def _lists(flat: np.ndarray, sizes: list[int], kind: pa.DataType) -> pa.Array:
    """A list column of consecutive runs of `flat` with the given sizes."""
    offsets = np.zeros(len(sizes) + 1, np.int32)
    np.cumsum(sizes, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, kind))
