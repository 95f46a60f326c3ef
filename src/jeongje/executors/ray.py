"""Ray executor: the same steps and the same `run_shard`, on a Ray cluster.

A run starts one pool of `ShardWorker` actors (Ray core actors: each builds the recipe
once and sets a step up the first time it runs one), and every step's shard tasks, and
the global decisions of stages without the shuffle contract, run on it: no actor starts
per step (a Ray Data `map_batches` per step cost seconds of actor start-up each). The
decision of a stage that declares `BucketShuffle` groups its buckets with a Ray Data
groupby across the cluster; the pool is stopped first (its actors hold their CPUs, which
the shuffle's tasks need) and started again for the next step. CPUs come from what the stages declare (`Stage.resources`).
A worker killed mid-shard is restarted and its task retried, three times at most.
Outputs are written by the same writers with the same names, markers and contract as the
local executor, so a run can move between executors and resume. The output store (a
shared folder or an object-store URL with its storage options, io/store.py) travels
inside each task, so workers on other nodes write to the same place without
configuration of their own. Ray is imported only here: `pip install jeongje[ray]`.
"""

from __future__ import annotations

import pickle
from typing import Any

from ..errors import JeongjeError, MissingDependencyError
from ..job import Job
from ..progress import Progress
from ..recipe import recipe_from_dict
from ..runner.reduce import run_reduce
from ..runner.shard import ShardTask, run_shard
from ..stage import BucketShuffle, GlobalStage
from ..steps import Step
from .base import run_steps

RETRIES = 3  # restarts of a killed worker, and retries of the task it held


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise MissingDependencyError(
            "the Ray executor needs Ray: pip install 'jeongje[ray]'") from e
    return ray


class ShardWorker:
    """A Ray actor that runs shard tasks and global decisions of one run: the recipe is
    built once, each step set up the first time the actor runs one."""

    def __init__(self, recipe: dict[str, Any]) -> None:
        self.recipe = recipe_from_dict(recipe)
        self.ready: set[int] = set()

    def _step(self, index: int) -> Step:
        step = self.recipe.step(index)
        if index not in self.ready:
            step.setup()
            self.ready.add(index)
        return step

    def run(self, task: bytes, index: int) -> tuple[int, int]:
        shard: ShardTask = pickle.loads(task)
        return shard.shard.index, run_shard(shard, self._step(index)).records

    def decide(self, out: Any, index: int, shards: list[int], fingerprint: str) -> None:
        stage = self.recipe.step(index).global_stage
        assert stage is not None
        stage.check()
        stage.setup()
        run_reduce(out, index, stage, shards, fingerprint)


class RayExecutor:
    """Runs a job's shard tasks on Ray (`address`: "auto", "ray://host:10001", or None to
    start a local Ray instance with `workers` CPUs)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.requested = workers
        self.workers = workers or 0
        self.ray = _ray()

    def execute(self, job: Job, progress: Progress) -> None:
        ray = self.ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "ignore_reinit_error": True}
            if self.address:
                kwargs["address"] = self.address
            elif self.requested:
                kwargs["num_cpus"] = self.requested
            ray.init(**kwargs)
        ray.data.DataContext.get_current().enable_progress_bars = False
        self.workers = self.requested or max(1, int(ray.cluster_resources().get("CPU", 1)))
        pools: dict[float, list[Any]] = {}  # actors by the CPUs each asks for

        def actors(cpus: float) -> list[Any]:
            if cpus not in pools:
                worker = ray.remote(num_cpus=cpus, max_restarts=RETRIES, max_task_retries=RETRIES)(ShardWorker)
                size = max(1, min(int(self.workers // cpus), len(job.shards)))
                pools[cpus] = [worker.remote(job.recipe.to_dict()) for _ in range(size)]
            return pools[cpus]

        def run_tasks(tasks: list[ShardTask], step: Step) -> None:
            pool = ray.util.ActorPool(actors(step.resources().cpus))
            blobs = [pickle.dumps(t) for t in tasks]
            sizes = {t.shard.index: t.shard.input_bytes() if step.index == 0 else 0 for t in tasks}
            with _errors(ray, f"in step {step.index}"):
                for shard, records in pool.map_unordered(lambda actor, blob: actor.run.remote(blob, step.index), blobs):
                    progress.advance(int(records), 0)
                    progress.shard_done(sizes[shard])

        def release() -> None:
            """Stop the pool's actors: they hold their CPUs while they live."""
            for pool in pools.values():
                for actor in pool:
                    ray.kill(actor)
            pools.clear()

        def reduce(job: Job, step: Step) -> None:
            stage = step.global_stage
            assert stage is not None
            shards = [s.index for s in job.shards]
            with _errors(ray, f"in the global decision of step {step.index} ({stage.name})"):
                if isinstance(stage, BucketShuffle):  # group by bucket key across the cluster
                    release()  # the shuffle's Ray Data tasks need the CPUs the pool holds
                    stage.setup()
                    run_reduce(job.out, step.index, stage, shards, job.fingerprint,
                               decide=lambda dataset, names: _shuffled_decide(ray, stage, job.out, dataset, names))
                else:  # on a worker of the pool: no start-up of its own
                    ray.get(actors(stage.resources().cpus)[0].decide.remote(job.out, step.index, shards,
                                                                             job.fingerprint))

        try:
            run_steps(job, run_tasks, progress, reduce=reduce)
        finally:
            release()


class _errors:
    """Ray's errors as jeongje's: an error jeongje raised on a worker (a missing package,
    a full disk) as itself; anything else as a JeongjeError that says how to resume."""

    def __init__(self, ray: Any, where: str) -> None:
        self.ray, self.where = ray, where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, tb: Any) -> bool:
        if error is None:
            return False
        if isinstance(error, self.ray.exceptions.RayTaskError) and isinstance(error.cause, JeongjeError):
            raise error.cause from None  # (the RayTaskError is one too, with Ray's traceback in it)
        if isinstance(error, JeongjeError):
            return False
        if isinstance(error, Exception):
            raise JeongjeError(f"a Ray task failed {self.where}: {error}; finished shards are kept: "
                               "run the same command again to resume") from error
        return False


SHUFFLE_ROWS = 250_000  # stored documents per shuffle partition (each gives one row per band)


def _partitions(ray: Any, documents: int) -> int:
    """Shuffle partitions: enough for every CPU of the cluster and for partitions of about
    SHUFFLE_ROWS documents, at most Ray Data's default of 200 (which, for a small step,
    costs seconds of scheduling: 9 s for the 76 documents of the bundled sample)."""
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return min(200, max(cpus, -(-documents // SHUFFLE_ROWS)))


def _shuffled_decide(ray: Any, stage: GlobalStage, out: Any, dataset: Any, names: list[str]) -> Any:
    """Candidate pairs by a Ray Data groupby on the stage's bucket key -- the shuffle runs
    on the cluster, whose workers read the stored rows from the output store (local or
    remote) -- then the stage verifies and clusters them."""
    assert isinstance(stage, BucketShuffle)
    rows = ray.data.read_parquet([out.path(n) for n in names], filesystem=out.filesystem)
    buckets = rows.select_columns(list(stage.bucket_columns)).map_batches(stage.bucket_rows, batch_format="pyarrow")
    pairs = buckets.groupby(list(stage.bucket_key), num_partitions=_partitions(ray, dataset.count_rows()))
    pairs = pairs.map_groups(stage.bucket_pairs, batch_format="pyarrow")
    found = [(r["id"], r["root"]) for r in pairs.iter_rows()]
    return stage.decide_from_pairs(dataset, found)
