"""Executors run a Job's shards; every executor calls `jeongje.runner.run_shard`.

`run_steps` is the one orchestration of a recipe's steps (per-shard tasks, then the global
decision that ends each step); an executor only says how a list of shard tasks runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..job import Job
from ..runner import ShardTask, run_reduce
from ..stage import GlobalStage


def run_steps(job: Job, run_tasks: Callable[[list[ShardTask], int], None],
              reduce: Callable[..., Any] | None = None) -> None:
    """Run every unfinished step of `job`: its pending shard tasks, then its global stage
    (`reduce(out, step, stage, shard_indexes, fingerprint)`, in this process by default)."""
    steps = job.recipe.steps()
    if not job.pending(len(steps) - 1):
        return  # a finished run (its intermediate files are gone): nothing to redo
    for step, (_stages, global_stage) in enumerate(steps):
        if global_stage is not None and all(not job.pending(j) for j in range(step + 1, len(steps))):
            continue  # every later step is complete: this one's intermediate files are not needed
        tasks = job.pending(step)
        if tasks:
            run_tasks(tasks, step)
        if global_stage is not None and not job.reduce_done(step):
            (reduce or _reduce_here)(job.out, step, global_stage, [s.index for s in job.shards],
                                     job.fingerprint)


def _reduce_here(out: Any, step: int, stage: GlobalStage, shards: list[int], fingerprint: str) -> None:
    stage.setup()
    run_reduce(out, step, stage, shards, fingerprint)
