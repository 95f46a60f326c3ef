"""Repeated passages across documents are removed as edits (dedup.lines)."""

from __future__ import annotations

import json

import jeongje
from jeongje.recipe import recipe_from_dict
from tests.helpers import TOPICS, meta, write_jsonl

PROMO = "가온일보 앱을 내려받으면 오늘의 주요 뉴스를 가장 먼저 받아볼 수 있습니다"


def test_a_line_in_many_documents_is_removed_from_all_and_recorded(tmp_path):
    recs = []
    for i in range(14):
        body = f"{i}번째 기사입니다. " + TOPICS[i % len(TOPICS)]
        recs.append({"id": f"d{i:02d}", "text": f"{body}\n{PROMO}\n{TOPICS[(i + 1) % len(TOPICS)]}"})
    recs.append({"id": "flat", "text": f"{TOPICS[0]} {PROMO}"})  # no line breaks: untouched
    recs.append({"id": "rare", "text": f"{TOPICS[1]}\n드문 문장이 이 문서에만 한 줄로 들어 있다고 가정한다"})
    write_jsonl(tmp_path / "in.jsonl", recs)
    recipe = recipe_from_dict({"name": "lines", "stages": [
        "normalize.unicode", {"stage": "dedup.lines", "params": {"max_documents": 10}},
        {"stage": "filter.length", "params": {"min_chars": 10}}]})
    result = jeongje.run(str(tmp_path / "in.jsonl"), tmp_path / "out", recipe, workers=2,
                         shard_bytes=1000, progress=False)
    assert result.counts["kept"] == 16
    docs = {d["id"]: d for d in jeongje.read_documents(tmp_path / "out").to_pylist()}
    assert all(PROMO not in docs[f"d{i:02d}"]["text"] for i in range(14))
    assert PROMO in docs["flat"]["text"] and "드문 문장" in docs["rare"]["text"]
    assert meta(docs["d03"]["metadata"])["repeated_lines_removed"] == 1
    edits = [e for e in jeongje.read_edits(tmp_path / "out").to_pylist() if e["stage"] == "dedup.lines"]
    assert len(edits) == 14 and {json.loads(e["detail"])["documents"] for e in edits} == {14}
    original = {r["id"]: r["text"] for r in recs}
    e = next(e for e in edits if e["id"] == "d05")
    assert original["d05"][e["start"]:e["end"]] == PROMO + "\n"  # offsets into the text as received
