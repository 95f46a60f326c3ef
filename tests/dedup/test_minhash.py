"""MinHash signatures and the near-duplicate stage."""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jeongje
from jeongje.dedup.cluster import components, star, union_find
from jeongje.dedup.minhash import MinHashDeduplicator, common_values
from jeongje.dedup.signatures import (
    _densify,
    band_hashes,
    batch_shingle_hashes,
    flat_signatures,
    shingle_hashes,
    signatures,
    similarity,
)
from jeongje.errors import ConfigError, StageError
from jeongje.recipe import recipe_from_dict
from jeongje.record import Document, Source
from tests.helpers import KOREAN, write_jsonl

STORY = ("가온시는 내년부터 65세 이상 시민에게 시내버스 요금을 지원한다고 3일 밝혔다. 지원 대상은 약 8만 명으로, "
         "연간 예산은 120억원 규모다. 시는 교통카드 등록 절차를 간소화하고, 읍면 지역에는 찾아가는 "
         "등록 창구를 운영할 계획이다. 시의회는 다음 달 관련 조례안을 심의한다.")


def true_jaccard(a: str, b: str) -> float:
    x, y = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    return len(x & y) / len(x | y)


def test_char_shingles_see_korean_and_are_stable():
    h = shingle_hashes("발표했다 발표했다")
    assert len(h) == len("발표했다 발표했다") - 4
    assert shingle_hashes(STORY).tolist() == shingle_hashes(STORY).tolist()
    assert len(shingle_hashes("")) == 1 and len(shingle_hashes("가")) == 1  # never empty
    assert shingle_hashes("가  나\n다").tolist() == shingle_hashes("가 나 다").tolist()
    decomposed = unicodedata.normalize("NFD", STORY)  # jamo, as some pages and old files have it
    assert decomposed != STORY and shingle_hashes(decomposed).tolist() == shingle_hashes(STORY).tolist()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(STORY) - 1), st.integers(1, 40))
def test_estimate_tracks_true_jaccard(cut, length):
    edited = STORY[:cut] + "새로 들어간 문장이 있다." + STORY[cut + length:]
    sa, sb = signatures([shingle_hashes(STORY), shingle_hashes(edited)], 256)
    assert abs(similarity(sa, sb) - true_jaccard(STORY, edited)) < 0.15


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("가나다 a\n\tÉ"), max_size=12), max_size=8),
       st.integers(1, 6), st.sampled_from(["char", "word"]))
def test_batch_shingles_are_each_texts_shingles(texts, n, kind):
    flat, counts = batch_shingle_hashes(texts, kind, n)
    each = [shingle_hashes(t, kind, n) for t in texts]
    assert counts.tolist() == [len(h) for h in each]
    assert flat.tolist() == [x for h in each for x in h.tolist()]
    assert flat_signatures(flat, counts, 16).tolist() == signatures(each, 16).tolist()


def _densify_one_by_one(sig, empty):
    """The plain statement of rotation densification, bin by bin."""
    num_perm = sig.shape[1]
    for row in np.nonzero(empty.any(axis=1))[0]:
        filled = np.nonzero(~empty[row])[0]
        for j in np.nonzero(empty[row])[0] if len(filled) else []:
            k = filled[np.searchsorted(filled, j) % len(filled)]
            sig[row, j] = np.uint32((int(sig[row, k]) + (k - j) % num_perm * 0x9E3779B1) & 0xFFFFFFFE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**32 - 2), min_size=7, max_size=7), min_size=1, max_size=6),
       st.lists(st.lists(st.booleans(), min_size=7, max_size=7), min_size=6, max_size=6))
def test_densification_fills_every_empty_bin_from_the_next_filled_one(values, holes):
    sig = np.array(values, dtype=np.uint32)
    empty = np.array(holes[: len(values)], dtype=bool)
    sig[empty] = 0xFFFFFFFF
    expected = sig.copy()
    _densify_one_by_one(expected, empty)
    _densify(sig, empty)
    assert sig.tolist() == expected.tolist()


def test_bands_match_for_identical_signatures_only():
    sig = signatures([shingle_hashes(STORY), shingle_hashes(STORY), shingle_hashes(KOREAN)], 100)
    bands = band_hashes(sig, 20, 5)
    assert (bands[0] == bands[1]).all() and not (bands[0] == bands[2]).any()


def rows_for(stage, docs):
    rows = stage.keys_batch(docs)  # one table for the batch, in document order
    assert rows.schema == stage.key_schema and rows.num_rows == len(docs)
    if len(docs) > 1:
        assert rows.slice(1, 1).to_pylist() == [stage.keys(docs[1])]  # keys() agrees with the batch
    return rows.add_column(0, "id", pa.array([d.id for d in docs], pa.string()))


def test_near_duplicates_cluster_with_evidence_and_a_deterministic_keeper():
    stage = MinHashDeduplicator()
    docs = [Document("w2", STORY.replace("3일", "4일"), Source("f", line=1), {"date": "2024-05-04"}),
            Document("w1", STORY, Source("f", line=2), {"date": "2024-05-03"}),
            Document("w3", "(서울=한빛뉴스) 김민준 기자 = " + STORY, Source("f", line=3), {}),
            Document("other", KOREAN, Source("f", line=4), {})]
    decisions = {d.id: d for d in stage.decide(rows_for(stage, docs))}
    assert decisions["w1"].drop is None and decisions["w1"].metadata["dedup_cluster_size"] == 3
    for dup in ("w2", "w3"):
        detail = decisions[dup].drop.detail
        assert decisions[dup].drop.reason == "near_duplicate"
        assert detail["duplicate_of"] == "w1" and detail["similarity"] >= 0.7
    assert "other" not in decisions
    again = {d.id: d for d in stage.decide(rows_for(stage, docs[::-1]))}
    assert again == decisions


@pytest.mark.parametrize("params, message", [
    ({"bands": 0}, "must be >= 1"), ({"threshold": 1.5}, "threshold"), ({"shingle": "morph"}, "not one of"),
])
def test_parameters_are_validated(params, message):
    with pytest.raises(ConfigError, match=message):
        recipe_from_dict({"name": "x", "stages": [{"stage": "dedup.minhash", "params": params}]})


def test_batch_signatures_have_one_row_per_document():
    """Identical texts in one batch get identical rows (no state leaks between documents)."""
    sig = signatures([shingle_hashes(STORY * 20)] * 3, 128)
    assert sig.shape == (3, 128) and sig.dtype == np.uint32 and len(set(map(tuple, sig))) == 1


def test_exact_verification_uses_true_jaccard():
    stage = MinHashDeduplicator(verify="exact")
    edited = STORY.replace("3일", "4일")
    docs = [Document("a", STORY, Source("f", line=1)), Document("b", edited, Source("f", line=2))]
    decisions = {d.id: d for d in stage.decide(rows_for(stage, docs))}
    detail = decisions["b"].drop.detail
    assert detail["verify"] == "exact" and detail["measure"] == "jaccard"
    assert detail["similarity"] == detail["jaccard"] == round(true_jaccard(STORY, edited), 4)


def true_containment(a: str, b: str) -> float:
    x, y = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    return len(x & y) / min(len(x), len(y))


PARAGRAPH = ("한편 시는 버스 노선 개편안도 함께 내놓았다. 외곽 순환 노선 두 개를 새로 만들고, 배차 간격이 "
             "30분을 넘는 읍면 노선에는 수요응답형 버스를 투입한다. 개편안은 공청회를 거쳐 확정된다.")


def test_a_copy_with_a_paragraph_added_is_found_by_containment():
    """Below the Jaccard threshold, but every shingle of the original is in the longer copy."""
    stage = MinHashDeduplicator(bands=25, rows=4)
    longer = STORY + "\n\n" + PARAGRAPH + " " + PARAGRAPH.replace("두 개", "세 개")
    assert true_jaccard(STORY, longer) < 0.7
    docs = [Document("short", STORY, Source("f", line=1)), Document("long", longer, Source("f", line=2))]
    decisions = {d.id: d for d in stage.decide(rows_for(stage, docs))}
    detail = decisions["short"].drop.detail  # the longest is kept
    assert detail["duplicate_of"] == "long" and detail["measure"] == "containment"
    assert detail["similarity"] == detail["containment"] == round(true_containment(STORY, longer), 4)
    assert detail["jaccard"] == round(true_jaccard(STORY, longer), 4) < detail["threshold"] <= detail["similarity"]


def _sentences(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    syllables = [chr(c) for c in range(0xAC00, 0xD7A4, 53)]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(12, 18))) + "다." for _ in range(n)]


def test_star_clusters_do_not_chain_past_the_threshold():
    """a ~ b and b ~ c, but a and c are apart: union-find drops c as a duplicate of a,
    star keeps c (its only verified link is to b, which is dropped)."""
    s = _sentences(12)
    a, b, c = " ".join(s[0:10]), " ".join(s[1:11]), " ".join(s[2:12])
    assert true_jaccard(a, b) >= 0.7 and true_jaccard(b, c) >= 0.7 and true_jaccard(a, c) < 0.7
    docs = [Document(i, t, Source("f", line=n), {"date": f"2024-01-0{n}"})
            for n, (i, t) in enumerate([("a", a), ("b", b), ("c", c)], 1)]
    params = {"bands": 50, "rows": 2, "containment": 0.95}
    star = {d.id: d for d in MinHashDeduplicator(**params).decide(rows_for(MinHashDeduplicator(**params), docs))}
    assert star["b"].drop.detail["duplicate_of"] == "a" and "c" not in star
    uf_stage = MinHashDeduplicator(**params, clustering="union-find")
    uf = {d.id: d for d in uf_stage.decide(rows_for(uf_stage, docs))}
    detail = uf["c"].drop.detail
    assert detail["duplicate_of"] == "a" and detail["linked_through"] == "b"
    assert detail["similarity"] == round(true_jaccard(b, c), 4) and detail["clustering"] == "union-find"


def _greedy_star(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """The plain statement: in keep order, an unclaimed node claims its unclaimed neighbours."""
    keeper: list[int | None] = [None] * n
    for v in range(n):
        if keeper[v] is None:
            keeper[v] = v
            for a, b in edges:
                for u, w in ((a, b), (b, a)):
                    if u == v and keeper[w] is None:
                        keeper[w] = v
    return [k for k in keeper if k is not None]


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
@settings(max_examples=200, deadline=None)
def test_star_rounds_equal_the_greedy_walk_and_link_each_drop_to_its_keeper(case):
    n, edges = case
    x = np.array([a for a, _ in edges], dtype=np.int64)
    y = np.array([b for _, b in edges], dtype=np.int64)
    keeper, via, edge = star(n, x, y)
    assert keeper.tolist() == _greedy_star(n, edges)
    for v in range(n):
        if keeper[v] != v:  # dropped: linked by a verified edge straight to its keeper
            assert via[v] == keeper[v] and {int(x[edge[v]]), int(y[edge[v]])} == {v, int(keeper[v])}
            assert keeper[keeper[v]] == keeper[v] and keeper[v] < v
    uf_keeper, uf_via, uf_edge = union_find(n, x, y)
    assert uf_keeper.tolist() == components(n, x, y).tolist()
    for v in range(n):
        if uf_keeper[v] != v:
            assert {int(x[uf_edge[v]]), int(y[uf_edge[v]])} == {v, int(uf_via[v])}


def test_the_shuffle_halves_give_the_same_decisions_as_decide():
    """bucket_rows -> group by (band, h) -> bucket_pairs -> decide_from_pairs, as an executor
    runs it across a cluster, decides exactly what decide() does in one process."""
    stage = MinHashDeduplicator()
    docs = [Document(f"d{i}", STORY.replace("3일", f"{i}일"), Source("f", line=i)) for i in range(1, 6)]
    docs.append(Document("x", KOREAN, Source("f", line=9)))
    keys = rows_for(stage, docs)
    rows = stage.bucket_rows(keys.select(list(stage.bucket_columns)))
    groups: dict[tuple[int, int], list[str]] = {}
    for r in rows.to_pylist():
        groups.setdefault((r["band"], r["h"]), []).append(r)
    pairs = []
    for members in groups.values():
        part = stage.bucket_pairs(pa.Table.from_pylist(members, schema=rows.schema))
        pairs += list(zip(part.column("id").to_pylist(), part.column("root").to_pylist(), strict=True))
    assert {d.id: d for d in stage.decide_from_pairs(keys, pairs)} == {d.id: d for d in stage.decide(keys)}


@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
@settings(max_examples=200, deadline=None)
def test_numpy_components_equal_a_plain_union_find(case):
    n, edges = case
    parent = list(range(n))

    def find(v):
        while parent[v] != v:
            v = parent[v]
        return v

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    x = np.array([a for a, _ in edges], dtype=np.int64)
    y = np.array([b for _, b in edges], dtype=np.int64)
    assert components(n, x, y).tolist() == [find(v) for v in range(n)]


def test_a_memory_limit_too_small_for_duckdb_is_a_clear_error(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"id": f"s{i}", "text": f"{i}번 기사. {STORY}"} for i in range(3000)])
    recipe = recipe_from_dict({"name": "t", "stages": [{"stage": "dedup.minhash", "params": {"memory_limit": "1MB"}}]})
    with pytest.raises(StageError, match=r"DuckDB ran out of memory .*raise the stage's memory_limit parameter "
                                         r"\(now '1MB'\)"):
        jeongje.run(str(tmp_path / "in.jsonl"), tmp_path / "out", recipe, workers=1, progress=False)
    # memory_limit is not part of the run's identity: the same command with more resumes
    # (the first step's shards are done) instead of being refused as another run
    done = sorted(p.name for p in (tmp_path / "out" / "_markers").glob("shard-*.json"))
    assert done
    roomy = recipe_from_dict({"name": "t", "stages": [{"stage": "dedup.minhash", "params": {"memory_limit": "1GB"}}]})
    result = jeongje.run(str(tmp_path / "in.jsonl"), tmp_path / "out", roomy, workers=1, progress=False)
    assert result.counts["records"] == 3000 and result.counts["dropped"] > 2900  # near-copies of one story


def test_work_files_of_another_version_are_an_error_not_a_crash(tmp_path):
    """A run stopped between steps and resumed by a jeongje whose stored documents have
    another layout says so (and how to go on) instead of failing on a missing column."""
    import pyarrow.parquet as pq

    write_jsonl(tmp_path / "in.jsonl", [{"id": f"s{i}", "text": f"{i}번 기사. {STORY}"} for i in range(300)])
    tight = recipe_from_dict({"name": "t", "stages": [{"stage": "dedup.minhash", "params": {"memory_limit": "1MB"}}]})
    with pytest.raises(StageError, match="ran out of memory"):
        jeongje.run(str(tmp_path / "in.jsonl"), tmp_path / "out", tight, workers=1, progress=False)
    (docs,) = (tmp_path / "out" / "_work" / "s0").glob("docs-*.parquet")
    old = pq.read_table(docs).select(["id", "text", "original"])  # an earlier layout
    pq.write_table(old.append_column("doc", pa.array(["{}"] * old.num_rows)), docs)
    roomy = recipe_from_dict({"name": "t", "stages": [{"stage": "dedup.minhash", "params": {"memory_limit": "1GB"}}]})
    with pytest.raises(StageError, match="written by another version of jeongje; rerun with --overwrite"):
        jeongje.run(str(tmp_path / "in.jsonl"), tmp_path / "out", roomy, workers=1, progress=False)


@given(st.lists(st.tuples(st.sets(st.integers(0, 2**32 - 1), max_size=20), st.sets(st.integers(0, 50), max_size=20)),
                max_size=12), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_common_values_counts_each_rows_shared_values(rows, cut):
    sa = pa.array([sorted(a) for a, _ in rows], pa.list_(pa.uint32()))
    sb = pa.array([sorted(b | set(list(a)[:3])) for a, b in rows], pa.list_(pa.uint32()))
    sa, sb = sa.slice(min(cut, len(rows))), sb.slice(min(cut, len(rows)))  # batches are slices
    expected = [len(set(x.as_py()) & set(y.as_py())) for x, y in zip(sa, sb, strict=True)]
    assert common_values(sa, sb).tolist() == expected
