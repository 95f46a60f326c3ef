"""The stage contract's declarations are true of every registered stage, and what the
executors read from them (resources) is what the stages mean."""

from __future__ import annotations

import pytest

from jeongje.registry import registry
from jeongje.stage import BucketShuffle, GlobalStage, Resources, Stage


@pytest.mark.parametrize("name", sorted(registry()))
def test_declarations_match_what_each_stage_does(name):
    cls = registry()[name]
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
        assert cls().resources() == Resources(), name


def test_only_minhash_offers_the_bucket_shuffle():
    assert [n for n, c in registry().items() if issubclass(c, BucketShuffle)] == ["dedup.minhash"]


@pytest.mark.parametrize("text, expected", [("4GB", 4 * 10**9), ("512MB", 512 * 10**6), ("1 GiB", 2**30),
                                            ("100KB", 100_000), ("2000", 2000), ("1.5GB", 1_500_000_000)])
def test_memory_is_read_as_duckdb_writes_it(text, expected):
    assert Resources(memory=text).memory_bytes() == expected
    assert Resources().memory_bytes() is None
