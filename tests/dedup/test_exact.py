"""Exact deduplication as a global stage: keeper rule, ledger evidence, steps and resume."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import jeongje
from jeongje.dedup.exact import ExactDeduplicator
from jeongje.dedup.keep import DEFAULT_KEEP, keep_order, keep_sql
from jeongje.errors import StageError
from jeongje.recipe import recipe_from_dict
from jeongje.record import Document, Source
from tests.helpers import KOREAN, meta, snapshot, write_jsonl

RECIPE = {"name": "dedup", "stages": [{"stage": "normalize.unicode"}, {"stage": "dedup.exact"},
                                      {"stage": "filter.length", "params": {"min_chars": 10}}]}


def keys_table(stage, docs):
    rows = [{"id": d.id, **stage.keys(d)} for d in docs]
    return pa.Table.from_pylist(rows, schema=pa.schema([("id", pa.string()), *stage.key_schema]))


def test_keeper_is_earliest_then_longest_then_smallest_id():
    stage = ExactDeduplicator()
    docs = [Document("b", KOREAN, Source("f", line=1), {"date": "2024-03-02"}),
            Document("c", KOREAN + "  ", Source("f", line=2), {"date": "2024-03-01"}),  # same after space folding
            Document("a", KOREAN, Source("f", line=3), {}),
            Document("z", "다른 기사다.", Source("f", line=4), {})]
    decisions = {d.id: d for d in stage.decide(keys_table(stage, docs))}
    assert decisions["c"].drop is None and decisions["c"].metadata["dedup_cluster_size"] == 3
    assert decisions["a"].drop.detail["duplicate_of"] == "c"
    assert decisions["b"].drop.reason == "exact_duplicate"
    assert "z" not in decisions
    by_length = ExactDeduplicator(keep=["longest"])
    decided = {d.id: d for d in by_length.decide(keys_table(by_length, docs))}
    assert decided["c"].drop is None  # the longest raw text
    shuffled = {d.id: d for d in stage.decide(keys_table(stage, docs[::-1]))}
    assert shuffled == decisions  # order-free


@pytest.fixture
def dupes(tmp_path):
    folder = tmp_path / "in"
    base = [{"id": f"n{i}", "text": f"{i}번 기사. {KOREAN}"} for i in range(40)]
    copies = [{"id": f"x{i}", "text": f"{i}번 기사.  {KOREAN}"} for i in range(0, 40, 4)]
    write_jsonl(folder / "a.jsonl", base[:20] + copies[5:])
    write_jsonl(folder / "b.jsonl", base[20:] + copies[:5])
    return folder


def run(folder, out, **kw):
    kw.setdefault("progress", False)
    return jeongje.run(str(folder), out, recipe_from_dict(RECIPE), **kw)


def test_duplicates_across_files_and_shards_keep_one_each(dupes, tmp_path):
    result = run(dupes, tmp_path / "out", workers=2, shard_bytes=1500)
    assert result.counts == {"records": 50, "kept": 40, "dropped": 10, "quarantined": 0}
    ledger = {r["id"]: r for r in jeongje.read_ledger(tmp_path / "out").to_pylist()}
    for i in range(0, 40, 4):
        row = ledger[f"x{i}"]
        assert (row["stage"], row["reason"]) == ("dedup.exact", "exact_duplicate")
        assert json.loads(row["detail"])["duplicate_of"] == f"n{i}"  # same length: smallest id
    kept = {d["id"]: meta(d["metadata"]) for d in jeongje.read_documents(tmp_path / "out").to_pylist()}
    assert kept["n4"]["dedup_cluster_size"] == 2 and "dedup_cluster_id" not in kept["n5"]
    assert not (tmp_path / "out" / "_work").exists()  # intermediate files go when the run is done


def test_same_output_whatever_the_worker_count_and_after_resume(dupes, tmp_path):
    run(dupes, tmp_path / "w1", workers=1, shard_bytes=1500)
    run(dupes, tmp_path / "w2", workers=2, shard_bytes=1500)
    assert snapshot(tmp_path / "w1") == snapshot(tmp_path / "w2")
    out = tmp_path / "w2"
    (out / "manifest.json").unlink()
    for marker in (out / "_markers").glob("s1-shard-*.json"):
        marker.unlink()  # as if killed after the global decision, before step 1 finished
    with pytest.raises(StageError, match="intermediate files of step 0 .* are missing"):
        run(dupes, out, workers=2, shard_bytes=1500)  # a finished run removed them: an error, not a pass-through
    run(dupes, out, workers=2, shard_bytes=1500, overwrite=True)
    assert snapshot(out) == snapshot(tmp_path / "w1")


@given(st.lists(st.tuples(st.text(min_size=1, max_size=4), st.integers(0, 5),
                          st.one_of(st.none(), st.sampled_from(["2024-01-02", "2024-01-10", "2023-12-31", ""]))),
                min_size=1, max_size=12),
       st.sampled_from([DEFAULT_KEEP, ["longest"], ["earliest"], ["smallest_id"], ["longest", "earliest"]]))
@settings(max_examples=150, deadline=None)
def test_the_keep_rule_in_duckdb_orders_as_keep_order(rows, rules):
    rows = [r for r in rows if "\x00" not in r[0]]
    assume(rows)
    con = duckdb.connect()
    con.register("m", pa.table({"id": [r[0] for r in rows], "length": [r[1] for r in rows],
                                "date": pa.array([r[2] for r in rows], pa.string())}))
    got = con.execute(f"SELECT id, length, date FROM m ORDER BY {keep_sql(rules)}").fetchall()
    assert got == sorted(rows, key=lambda r: keep_order(rules, *r))

