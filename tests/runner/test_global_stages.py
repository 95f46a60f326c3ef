"""How the executor carries a global stage's decisions to the documents: they stream (a
generator is enough), in any order, are spilled in chunks and sorted into their shards'
files; an undeclared reason or an id no shard holds is an error, never a silent pass."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa
import pytest

import jeongje
import jeongje.runner.reduce
import jeongje.runner.shard
from jeongje.errors import StageError
from jeongje.recipe import recipe_from_dict
from jeongje.record import Document, Drop
from jeongje.registry import register
from jeongje.stage import Decision, GlobalStage
from tests.helpers import KOREAN, meta, snapshot, write_jsonl


@register
@dataclass
class EveryThird(GlobalStage):
    """Drops documents numbered 0, 3, 6 and 9, annotates 52, 55 and 58 (the shards in
    between get no decision); the decisions come out of a generator, largest first."""

    name: ClassVar[str] = "test.every_third"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"third"})
    description: ClassVar[str] = "a test stage"
    key_schema: ClassVar[Any] = pa.schema([("n", pa.int64())])

    reason: str = "third"
    stranger: str = ""  # an id to decide that no document has

    def keys(self, doc: Document) -> dict[str, Any]:
        return {"n": int(doc.id[1:])}

    def decide(self, keys: Any):  # type: ignore[override]
        table = keys.to_table()
        rows = sorted(zip(table.column("n").to_pylist(), table.column("id").to_pylist(), strict=True), reverse=True)
        for n, doc_id in rows:
            if n % 3 == 0 and n < 12:
                yield Decision(doc_id, Drop(self.reason, {"n": n}))
            elif n % 3 == 1 and n > 50:
                yield Decision(doc_id, metadata={"after_third": n - 1})
        if self.stranger:
            yield Decision(self.stranger, Drop("third"))


@pytest.fixture
def numbered(tmp_path):
    folder = tmp_path / "in"
    write_jsonl(folder / "a.jsonl", [{"id": f"d{i}", "text": f"{i}번째 글. {KOREAN}"} for i in range(0, 60, 2)])
    write_jsonl(folder / "b.jsonl", [{"id": f"d{i}", "text": f"{i}번째 글. {KOREAN}"} for i in range(1, 60, 2)])
    return folder


def run(folder, out, **params):
    recipe = recipe_from_dict({"name": "t", "stages": [{"stage": "test.every_third", "params": params}]})
    return jeongje.run(str(folder), out, recipe, workers=1, shard_bytes=1200, progress=False)


def test_streamed_decisions_reach_their_documents_in_every_shard(numbered, tmp_path, monkeypatch):
    result = run(numbered, tmp_path / "out")
    assert result.counts == {"records": 60, "kept": 56, "dropped": 4, "quarantined": 0}
    assert len(list((tmp_path / "out" / "ledger").glob("part-*-s1.parquet"))) > 4  # many shards
    ledger = {r["id"]: r for r in jeongje.read_ledger(tmp_path / "out").to_pylist()}
    for i in range(0, 12, 3):
        assert ledger[f"d{i}"]["reason"] == "third" and json.loads(ledger[f"d{i}"]["detail"]) == {"n": i}
    kept = {d["id"]: meta(d["metadata"]) for d in jeongje.read_documents(tmp_path / "out").to_pylist()}
    assert kept["d55"] == {"after_third": 54} and kept["d56"] == kept["d31"] == {}
    assert sum(bool(m) for m in kept.values()) == 3
    # decisions turned into rows two at a time: the same files
    monkeypatch.setattr(jeongje.runner.reduce, "DECISION_CHUNK", 2)
    run(numbered, tmp_path / "chunked")
    assert snapshot(tmp_path / "chunked") == snapshot(tmp_path / "out")


def test_an_undeclared_reason_or_an_unknown_id_is_an_error(numbered, tmp_path):
    with pytest.raises(StageError, match="undeclared drop reason 'fourth'"):
        run(numbered, tmp_path / "a", reason="fourth")
    with pytest.raises(StageError, match="decided 1 ids that no shard holds"):
        run(numbered, tmp_path / "b", stranger="nobody")


def _rows_in_order(out, name):
    """A folder's rows, file by file, in the order they were written."""
    import pyarrow.parquet as pq

    return [r for f in sorted((out / name).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


@pytest.mark.parametrize("fmt, originals", [("parquet", "all"), ("jsonl", 3)])
def test_the_column_finish_writes_what_the_per_document_path_writes(tmp_path, monkeypatch, fmt, originals):
    """A last global stage that only drops and annotates finishes its documents column by
    column; the rows (and their order) must be those of the per-document path, which a
    stage whose `apply` edits text takes. Near-copies carry publisher/URL metadata and edits
    from normalize.unicode (some on both sides of the dedup), and one line is broken."""
    from jeongje.dedup.minhash import MinHashDeduplicator

    folder = tmp_path / "in"
    other = ("바닷가 마을 도서관이 다음 달부터 주말 야간 개관을 시작한다. 주민들은 저녁 산책 뒤에 "
             "신문과 잡지를 읽을 수 있게 됐다며 반겼다. 도서관은 어린이 그림책 코너도 새로 꾸밀 예정이다.")
    variants = [base for story in (KOREAN, other) for base in (
        story, story.replace("다.", "다!"), "  " + story.replace(". ", ".  "),
        unicodedata.normalize("NFD", story[:20]) + story[20:], f"{story}\n\n\n\n덧붙임 한 줄.")]
    records = [{"id": f"n{i:03d}", "text": f"{i % 7}호 {variants[i % 10]}", "press": f"신문{i % 3}",
                "url": f"https://www.news{i % 4}.example/a/{i}", "date": f"2024-05-{1 + i % 9:02d}"}
               for i in range(80)]
    records += [{"id": f"u{i}", "text": " ".join(f"{i * 7919 + j * 104729}번 항목" for j in range(30))}
                for i in range(20)]
    write_jsonl(folder / "a.jsonl", records[::2])
    write_jsonl(folder / "b.jsonl", records[1::2])
    with open(folder / "b.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "broken", "text": \n')
    recipe = recipe_from_dict({"name": "t", "stages": [{"stage": "normalize.unicode"}, {"stage": "dedup.minhash"}]})
    finished = []
    real_finish = jeongje.runner.shard.finish_columns  # a spy: the real finish runs
    monkeypatch.setattr(jeongje.runner.shard, "finish_columns",
                        lambda *a: finished.append(a[0].index) or real_finish(*a))
    fast = jeongje.run(str(folder), tmp_path / "fast", recipe, workers=1, progress=False, format=fmt,
                       originals=originals, shard_bytes=6000)
    assert len(finished) == fast.manifest["shards"] > 2  # every shard's last step went by columns
    # declared as editing text, the stage's decisions take the per-document path
    monkeypatch.setattr(MinHashDeduplicator, "edits_text", True)
    slow = jeongje.run(str(folder), tmp_path / "slow", recipe, workers=1, progress=False, format=fmt,
                       originals=originals, shard_bytes=6000)
    assert len(finished) == fast.manifest["shards"]  # the per-document path this time
    counts = fast.manifest["counts"]
    assert counts["dropped"] > 20 and counts["quarantined"] == 1 and counts["kept"] > 20
    assert fast.manifest["counts"] == slow.manifest["counts"]
    assert fast.manifest["edits"] == slow.manifest["edits"] and fast.manifest["edits"]
    for name in ("ledger", "edits", "originals"):
        assert _rows_in_order(tmp_path / "fast", name) == _rows_in_order(tmp_path / "slow", name)
    if fmt == "parquet":
        docs = _rows_in_order(tmp_path / "fast", "documents")
        assert docs == _rows_in_order(tmp_path / "slow", "documents")
        assert sum("dedup_cluster_size" in meta(d["metadata"]) for d in docs) >= 2
    else:
        for f in sorted((tmp_path / "fast" / "documents").iterdir()):
            assert f.read_bytes() == (tmp_path / "slow" / "documents" / f.name).read_bytes()
    ledger = _rows_in_order(tmp_path / "fast", "ledger")
    assert {r["publisher"] for r in ledger if r["id"].startswith("n")} == {"신문0", "신문1", "신문2"}
    assert {r["domain"] for r in ledger if r["id"].startswith("n")} == {f"news{i}.example" for i in range(4)}
