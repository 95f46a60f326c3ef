"""How the executor carries a global stage's decisions to the documents: they stream (a
generator is enough), in any order, are spilled in chunks and sorted into their shards'
files; an undeclared reason or an id no shard holds is an error, never a silent pass."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa
import pytest

import jeongje
import jeongje.runner
from jeongje.errors import StageError
from jeongje.recipe import recipe_from_dict
from jeongje.record import Document, Drop
from jeongje.stage import Decision, GlobalStage, register

from .conftest import KOREAN, write_jsonl
from .test_run import snapshot


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
    kept = {d["id"]: json.loads(d["metadata"]) for d in jeongje.read_documents(tmp_path / "out").to_pylist()}
    assert kept["d55"] == {"after_third": 54} and kept["d56"] == kept["d31"] == {}
    assert sum(bool(m) for m in kept.values()) == 3
    # decisions turned into rows two at a time: the same files
    monkeypatch.setattr(jeongje.runner, "DECISION_CHUNK", 2)
    run(numbered, tmp_path / "chunked")
    assert snapshot(tmp_path / "chunked") == snapshot(tmp_path / "out")


def test_an_undeclared_reason_or_an_unknown_id_is_an_error(numbered, tmp_path):
    with pytest.raises(StageError, match="undeclared drop reason 'fourth'"):
        run(numbered, tmp_path / "a", reason="fourth")
    with pytest.raises(StageError, match="decided 1 ids that no shard holds"):
        run(numbered, tmp_path / "b", stranger="nobody")
