"""The stage contract's declarations are true of every registered stage, and what the
executors read from them (resources) is what the stages mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from jeongje.registry import registry
from jeongje.stage import BucketShuffle, GlobalStage, Resources, Stage


@pytest.mark.parametrize("name", sorted(registry()))
def test_declarations_match_what_each_stage_does(name, tmp_path):
    from tests.decontam.helpers import required_params

    cls = registry()[name]
    params = required_params(tmp_path).get(name, {})
    # batched: the runner hands whole batches only to a stage that says it has its own
    assert cls.batched == (cls.process_batch is not Stage.process_batch), name
    if issubclass(cls, GlobalStage):
        # edits_text: a stage whose apply edits text never takes the column finish
        assert cls.edits_text == (cls.apply is not GlobalStage.apply), name
        if issubclass(cls, BucketShuffle):
            assert set(cls.bucket_columns) <= {"id", *cls.key_schema.names}, name
        stage = cls()
        assert stage.resources().memory == getattr(stage, "memory_limit", None), name
    else:
        assert cls(**params).resources() == Resources(), name


def test_only_minhash_offers_the_bucket_shuffle():
    assert [n for n, c in registry().items() if issubclass(c, BucketShuffle)] == ["dedup.minhash"]


@pytest.mark.parametrize("text, expected", [("4GB", 4 * 10**9), ("512MB", 512 * 10**6), ("1 GiB", 2**30),
                                            ("100KB", 100_000), ("2000", 2000), ("1.5GB", 1_500_000_000)])
def test_memory_is_read_as_duckdb_writes_it(text, expected):
    assert Resources(memory=text).memory_bytes() == expected
    assert Resources().memory_bytes() is None


def test_a_stage_of_your_own_that_overrides_apply_or_process_batch_is_never_skipped(tmp_path):
    """An `apply` of your own may edit text: the last step then goes per document (never
    the column finish), and a `process_batch` of your own is called on batches."""
    import jeongje
    from jeongje.dedup.exact import ExactDeduplicator
    from jeongje.recipe import recipe_from_dict
    from jeongje.record import Span
    from jeongje.registry import register
    from tests.helpers import korean_doc, write_jsonl

    @register
    @dataclass
    class TaggedExact(ExactDeduplicator):
        name: ClassVar[str] = "test.tagged_exact"

        def apply(self, doc, decision):
            doc.edit(self.name, self.version, [Span(0, 0, "tag", "[태그] ")])
            return super().apply(doc, decision)

    calls = []

    @register
    @dataclass
    class Counted(Stage):
        name: ClassVar[str] = "test.counted"
        version: ClassVar[int] = 1

        def process(self, doc):
            raise AssertionError("process_batch is the stage's own; process is never called")

        def process_batch(self, docs):
            calls.append(len(docs))
            return [None] * len(docs)

    assert TaggedExact.edits_text and not ExactDeduplicator.edits_text
    assert Counted.batched and not Stage.batched
    path = write_jsonl(tmp_path / "in.jsonl", [korean_doc(i % 3) | {"id": f"d{i}"} for i in range(6)])
    recipe = recipe_from_dict({"name": "t", "stages": ["test.counted", "test.tagged_exact"]})
    result = jeongje.run(str(path), tmp_path / "out", recipe, workers=1, progress=False)
    assert calls == [6] and result.counts["kept"] == 3
    kept = jeongje.read_documents(tmp_path / "out").to_pylist()
    assert all(d["text"].startswith("[태그] ") for d in kept)
    tags = [e for e in jeongje.read_edits(tmp_path / "out").to_pylist() if e["reason"] == "tag"]
    assert len(tags) == 6  # every decided document: the kept ones and the dropped ones keep their edits
