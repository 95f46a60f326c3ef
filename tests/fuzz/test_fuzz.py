"""The fast subset of the fuzz harness (tests/fuzz/harness.py): a few dozen generated cases
over every family, each folder run twice (default shards, one worker; tiny shards, two
workers). The full run is `python -m tests.fuzz.harness --cases 10000 --kills 20`."""

from __future__ import annotations

from tests.fuzz.harness import fuzz


def test_fuzz_fast_subset(tmp_path):
    result = fuzz(cases=40, seed=3, work=tmp_path, per_batch=40, fast=True)
    figures = result["figures"]
    assert figures["cases"] == 40
    assert not figures.get("crashes") and not figures.get("lost_or_doubled"), result["problems"][:5]
    assert not figures.get("shard_differences"), result["problems"][:5]
    # known and open (README): one id in two shards of a file stops the tiny-shard run at
    # the conservation check; anything else is a finding
    other = [p for p in result["problems"] if "ledger ids are not unique" not in p]
    assert not other, other[:5]
