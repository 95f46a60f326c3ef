"""A per-document time bound for every stage (issue 20): a document on which a stage runs
too long becomes a `stage_timeout` quarantine row naming the stage, and the run goes on
with the next document, in per-document and in batched stages."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import ClassVar

import pyarrow.parquet as pq

import jeongje
from jeongje.recipe import recipe_from_dict
from jeongje.registry import register
from jeongje.stage import Stage
from tests.helpers import distinct_doc, write_jsonl

SLOW = "느린 문서"


def _catastrophic(text: str) -> None:
    re.match(r"(a*)*b", "a" * 40)  # exponential backtracking: never ends by itself


@register
@dataclass
class Stalls(Stage):
    name: ClassVar[str] = "test.stalls"
    version: ClassVar[int] = 1

    def time_bound(self) -> float:
        return 0.5

    def process(self, doc):
        if SLOW in doc.text:
            try:
                _catastrophic(doc.text)
            except Exception:  # a stage's own broad handler must not swallow the bound
                return None
        return None


@register
@dataclass
class StallsInBatches(Stage):
    name: ClassVar[str] = "test.stalls_batched"
    version: ClassVar[int] = 1

    def time_bound(self) -> float:
        return 0.5

    def process_batch(self, docs):
        for d in docs:
            self.process(d)
        return [None] * len(docs)

    def process(self, doc):
        if SLOW in doc.text:
            while True:
                time.sleep(0.01)
        doc.metadata["seen"] = True
        return None


def test_a_stalled_document_is_a_stage_timeout_and_the_run_goes_on(tmp_path):
    docs = [distinct_doc(i) for i in range(6)]
    docs[2]["text"] += SLOW
    docs[4]["text"] += SLOW
    path = write_jsonl(tmp_path / "in.jsonl", docs)
    for stage in ("test.stalls", "test.stalls_batched"):
        out = tmp_path / stage
        t = time.perf_counter()
        counts = jeongje.run(str(path), out, recipe_from_dict({"name": "t", "stages": [stage]}),
                             workers=1, progress=False).counts
        assert time.perf_counter() - t < 60
        assert counts["records"] == 6 and counts["kept"] == 4 and counts["quarantined"] == 2
        rows = {r["id"]: r for r in pq.read_table(out / "ledger").to_pylist()}
        for i in (2, 4):
            row = rows[docs[i]["id"]]
            assert (row["stage"], row["reason"]) == (stage, "stage_timeout")
            assert json.loads(row["detail"])["limit_seconds"] == 0.5
