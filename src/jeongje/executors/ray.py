"""Ray executor: the same steps and the same `run_shard`, on a Ray cluster.

Shard tasks of a step become a Ray Data dataset of task descriptions, processed by
`map_batches` over a callable class, so stage setup happens once per actor; the global
decision of each step runs as a Ray task, or, for a stage that declares the
`BucketShuffle` contract, with its bucket grouping as a Ray Data groupby across the
cluster. CPUs and memory come from what the stages declare (`Stage.resources`). Outputs
are written by the same writers with the same names, markers and contract as the local
executor, so a run can move between executors and resume. The output store (a shared
folder or an object-store URL with its storage options, io/store.py) travels inside each
task, so workers on other nodes write to the same place without configuration of their
own. Ray is imported only here: `pip install jeongje[ray]`.
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
from .base import decide_step, run_steps


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise MissingDependencyError(
            "the Ray executor needs Ray: pip install 'jeongje[ray]'") from e
    return ray


class ShardRunner:
    """Callable class for `map_batches`: builds the recipe's step once per actor, then runs
    each shard task it receives with `run_shard`."""

    def __init__(self, recipe: dict[str, Any], step: int) -> None:
        self.step = recipe_from_dict(recipe).step(step)
        self.step.setup()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        shards, docs = [], []
        for blob in batch["task"]:
            task: ShardTask = pickle.loads(blob)
            stats = run_shard(task, self.step)
            shards.append(task.shard.index)
            docs.append(stats.records)
        return {"shard": shards, "records": docs}


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
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        recipe = job.recipe.to_dict()
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.workers = self.requested or cpus

        def run_tasks(tasks: list[ShardTask], step: Step) -> None:
            needs = step.resources()
            items = [{"task": pickle.dumps(t)} for t in tasks]
            ds = ray.data.from_items(items, override_num_blocks=len(items))
            done = ds.map_batches(
                ShardRunner, fn_constructor_kwargs={"recipe": recipe, "step": step.index},
                batch_size=1, concurrency=max(1, min(int(self.workers // needs.cpus), len(tasks))),
                num_cpus=needs.cpus, max_restarts=3, max_task_retries=3)
            try:
                for row in done.iter_rows():
                    progress.advance(int(row["records"]), 0)
                    progress.shard_done()
            except Exception as e:  # Ray wraps worker errors in its own exception types
                raise JeongjeError(f"a Ray task failed in step {step.index}: {e}; finished shards are "
                                   "kept: run the same command again to resume") from e

        def reduce(job: Job, step: Step) -> None:
            stage = step.global_stage
            assert stage is not None
            shards = [s.index for s in job.shards]
            if isinstance(stage, BucketShuffle):  # group by bucket key across the cluster
                stage.setup()
                run_reduce(job.out, step.index, stage, shards, job.fingerprint,
                           decide=lambda dataset, names: _shuffled_decide(ray, stage, job.out, dataset, names))
                return
            # the CPUs the stage declares; its memory is DuckDB's spill threshold, which the
            # decision stays within, not a reservation Ray must find on one node (a node
            # with less schedulable memory would leave the task waiting forever)
            task = ray.remote(num_cpus=stage.resources().cpus, max_retries=3)(decide_step)
            ray.get(task.remote(job.out, step.index, stage, shards, job.fingerprint))

        run_steps(job, run_tasks, reduce=reduce)


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
    rows = ray.data.read_parquet([out.path(n) for n in names], columns=list(stage.bucket_columns),
                                 filesystem=out.filesystem)
    buckets = rows.map_batches(stage.bucket_rows, batch_format="pyarrow")
    pairs = buckets.groupby(list(stage.bucket_key), num_partitions=_partitions(ray, dataset.count_rows()))
    pairs = pairs.map_groups(stage.bucket_pairs, batch_format="pyarrow")
    found = [(r["id"], r["root"]) for r in pairs.iter_rows()]
    return stage.decide_from_pairs(dataset, found)
