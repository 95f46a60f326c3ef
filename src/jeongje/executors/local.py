"""The embedded executor: worker processes on this machine, no server needed."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .. import malloc
from ..errors import JeongjeError
from ..job import Job
from ..progress import Progress
from ..recipe import Recipe, recipe_from_dict
from ..runner import ShardTask, run_shard
from ..stage import GlobalStage, Stage
from . import run_steps

_worker_recipe: Recipe | None = None
_worker_queue: Any = None


class LocalExecutor:
    """Runs a job's pending shards on `workers` processes (default: all cores).

    Output does not depend on the worker count: each shard is processed by the same
    function into its own files; a single worker runs in this process.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._reports: Any = None

    def execute(self, job: Job, progress: Progress) -> None:
        """Run every step; worker processes start once and serve all steps (each one
        imports and sets up the whole recipe, which costs seconds of CPU)."""
        ok = False
        try:
            run_steps(job, lambda tasks, step: self._run_step(job, tasks, step, progress))
            ok = True
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=ok, cancel_futures=True)
                self._pool = None

    def _workers_pool(self, job: Job) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = mp.get_context("spawn")
            self._reports = ctx.Queue()
            self._pool = ProcessPoolExecutor(
                min(self.workers, len(job.shards)), mp_context=ctx, initializer=_init_worker,
                initargs=(job.recipe.to_dict(), self._reports))
        return self._pool

    def _run_step(self, job: Job, tasks: list[ShardTask], step: int, progress: Progress) -> None:
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            stages, global_stage, previous = _step_stages(_build(job.recipe), step)
            for task in tasks:
                run_shard(task, stages, progress.advance, global_stage, previous)
                progress.shard_done()
            return
        pool = self._workers_pool(job)
        reports = self._reports
        futures: dict[Future[None], ShardTask] = {pool.submit(_work, t): t for t in tasks}
        try:
            while futures:
                done, _ = wait(futures, timeout=0.25, return_when=FIRST_COMPLETED)
                _drain(reports, progress)
                for fut in done:
                    task = futures.pop(fut)
                    try:
                        fut.result()
                    except BrokenProcessPool as e:
                        raise JeongjeError(
                            f"a worker process died while processing shard {task.shard.index} "
                            f"({task.shard.file.name}); finished shards are kept: run the same "
                            "command again to resume"
                        ) from e
                    progress.shard_done()
            _drain(reports, progress)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _step_stages(recipe: Recipe, step: int) -> tuple[list[Stage], GlobalStage | None, GlobalStage | None]:
    steps = recipe.steps()
    stages, global_stage = steps[step]
    return stages, global_stage, steps[step - 1][1] if step else None


def _build(recipe: Recipe) -> Recipe:
    for stage in recipe.stages:
        stage.setup()
    return recipe


def _init_worker(recipe: dict[str, Any], reports: Any) -> None:
    global _worker_recipe, _worker_queue
    malloc.tune()
    _worker_recipe = _build(recipe_from_dict(recipe))
    _worker_queue = reports


def _work(task: ShardTask) -> None:
    def report(docs: int, nbytes: int) -> None:
        _worker_queue.put((docs, nbytes))

    assert _worker_recipe is not None
    stages, global_stage, previous = _step_stages(_worker_recipe, task.step)
    run_shard(task, stages, report, global_stage, previous)


def _drain(reports: Any, progress: Progress) -> None:
    while True:
        try:
            docs, nbytes = reports.get_nowait()
        except queue.Empty:
            return
        progress.advance(docs, nbytes)
