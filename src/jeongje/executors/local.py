"""The embedded executor: worker processes on this machine, no server needed."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .. import malloc
from ..errors import JeongjeError
from ..job import Job
from ..progress import Progress
from ..recipe import Recipe, recipe_from_dict
from ..runner.shard import ShardTask, run_shard
from ..steps import Step
from .base import run_steps

_worker_recipe: Recipe | None = None
_worker_ready: set[int] = set()  # steps whose stages this worker has set up
_worker_queue: Any = None


class LocalExecutor:
    """Runs a job's pending shards on `workers` processes (default: all cores).

    Output does not depend on the worker count: each shard is processed by the same
    function into its own files; a single worker runs in this process. A step whose
    stages declare more than one CPU runs fewer shards at a time.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._reports: Any = None

    def execute(self, job: Job, progress: Progress) -> None:
        """Run every step; worker processes start once and serve all steps (each one
        imports the recipe and sets up a step's stages the first time it runs one)."""
        ok = False
        try:
            run_steps(job, lambda tasks, step: self._run_step(job, tasks, step, progress), progress)
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
                initargs=(job.recipe.to_dict(), self._reports, os.getpid()))
        return self._pool

    def _run_step(self, job: Job, tasks: list[ShardTask], step: Step, progress: Progress) -> None:
        slots = max(1, int(self.workers // step.resources().cpus))
        if slots == 1 or len(tasks) == 1:
            step.setup()
            for task in tasks:
                run_shard(task, step, progress.advance)
                progress.shard_done()
            return
        pool = self._workers_pool(job)
        reports = self._reports
        waiting = list(tasks)
        futures: dict[Future[None], ShardTask] = {}
        try:
            while waiting or futures:
                while waiting and len(futures) < slots:
                    task = waiting.pop(0)
                    futures[pool.submit(_work, task, step.index)] = task
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
                            "command again to resume" + _script_hint(job)
                        ) from e
                    progress.shard_done()
            _drain(reports, progress)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _script_hint(job: Job) -> str:
    """What to do when stages come from the script that runs jeongje: every worker imports
    that script again (spawn), and without a `__main__` guard each one starts a run itself."""
    mine = sorted(s.name for s in job.recipe.stages if type(s).__module__ == "__main__")
    if not mine:
        return ""
    return (f". Stage {', '.join(mine)} is defined in the script that runs jeongje, which every worker "
            "process imports again: put the call to jeongje.run under `if __name__ == \"__main__\":`, "
            "or move the stage into a module and list it under the recipe's `imports:`")


def _init_worker(recipe: dict[str, Any], reports: Any, parent: int | None = None) -> None:
    global _worker_recipe, _worker_queue
    _die_with_parent(parent)
    malloc.tune()
    _worker_recipe = recipe_from_dict(recipe)
    _worker_queue = reports


def _die_with_parent(parent: int | None) -> None:
    """A worker gets SIGKILL when the process that started it dies (Linux PR_SET_PDEATHSIG):
    after a `kill -9` of the main process no worker goes on writing into the output while
    the rerun works there. Elsewhere nothing happens (the rerun's staging files carry their
    process id, so a straggler cannot take one of them either)."""
    if parent is None or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call: nobody will be told
        os._exit(1)


def _work(task: ShardTask, index: int) -> None:
    def report(docs: int, nbytes: int) -> None:
        _worker_queue.put((docs, nbytes))

    assert _worker_recipe is not None
    step = _worker_recipe.step(index)
    if index not in _worker_ready:
        step.setup()
        _worker_ready.add(index)
    run_shard(task, step, report)


def _drain(reports: Any, progress: Progress) -> None:
    while True:
        try:
            docs, nbytes = reports.get_nowait()
        except queue.Empty:
            return
        progress.advance(docs, nbytes)
