"""What an executor is, and the one orchestration of a recipe's steps that every executor
follows: each step's pending shard tasks, then the global decision that ends the step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..job import Job
from ..progress import Progress
from ..runner.reduce import run_reduce
from ..runner.shard import ShardTask
from ..stage import GlobalStage
from ..steps import Step


class Executor(Protocol):
    """Runs a job: `execute(job, progress)` runs every unfinished step of it (by calling
    `run_steps` with its own way of running a list of shard tasks). `name` goes to the
    manifest; `workers` is the number of processes or actors it ran with."""

    name: str
    workers: int

    def execute(self, job: Job, progress: Progress) -> None: ...


RunTasks = Callable[[list[ShardTask], Step], None]
Reduce = Callable[[Job, Step], None]


def run_steps(job: Job, run_tasks: RunTasks, progress: Progress, reduce: Reduce | None = None) -> None:
    """Run every unfinished step of `job`: its pending shard tasks (`run_tasks`), then its
    global decision (`reduce`, in this process by default); `progress` hears of each."""
    steps = job.recipe.steps()
    if not job.pending(len(steps) - 1):
        return  # a finished run (its intermediate files are gone): nothing to redo
    for step in steps:
        if step.global_stage is not None and all(not job.pending(j) for j in range(step.index + 1, len(steps))):
            continue  # every later step is complete: this one's intermediate files are not needed
        tasks = job.pending(step.index)
        if tasks:
            progress.start_step(step.index, step.count, step.title, len(tasks),
                                sum(t.shard.input_bytes() for t in tasks) if step.index == 0 else 0)
            run_tasks(tasks, step)
            progress.end_step()
        if step.global_stage is not None and job.markers.reduce(step.index) is None:
            with progress.deciding(step.global_stage.name):
                (reduce or reduce_here)(job, step)


def reduce_here(job: Job, step: Step) -> None:
    """The global decision ending `step`, in this process."""
    assert step.global_stage is not None
    decide_step(job.out, step.index, step.global_stage, [s.index for s in job.shards], job.fingerprint)


def decide_step(out: object, index: int, stage: GlobalStage, shards: list[int], fingerprint: str) -> None:
    """The global decision as a plain function of picklable arguments (a Ray task runs it)."""
    stage.setup()
    run_reduce(out, index, stage, shards, fingerprint)  # type: ignore[arg-type]
