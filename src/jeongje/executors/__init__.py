"""Executors run a job's shard tasks, step by step; every executor calls
`jeongje.runner.shard.run_shard(task, step)` for a shard and `run_reduce` for a global
decision (see base.py). `local.py`: worker processes on this machine; `ray.py`: a Ray
cluster (Ray is imported only there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..options import RunOptions
    from .base import Executor


def executor_for(options: RunOptions) -> Executor:
    """The executor the options name, with its worker count (and Ray address)."""
    if options.executor == "ray":
        from .ray import RayExecutor

        return RayExecutor(options.address, options.workers)
    from .local import LocalExecutor

    return LocalExecutor(options.workers)
