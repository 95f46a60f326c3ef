"""Executors run a Job's shards; every executor calls `jeongje.runner.run_shard`."""
