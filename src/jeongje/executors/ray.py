"""Ray executor: the same steps and the same `run_shard`, on a Ray cluster.

Shard tasks of a step become a Ray Data dataset of task descriptions, processed by
`map_batches` over a callable class, so stage setup happens once per actor; the global
decision of each step runs as a Ray task. Outputs are written by the same writers with the
same names, markers and contract as the local executor, so a run can move between
executors and resume. The output store (a shared folder or an object-store URL with its
storage options, io/store.py) travels inside each task, so workers on other nodes write to
the same place without configuration of their own. Ray is imported only here:
`pip install jeongje[ray]`.
"""

from __future__ import annotations

import pickle
from typing import Any

from ..errors import JeongjeError, MissingDependencyError
from ..job import Job
from ..progress import Progress
from ..recipe import recipe_from_dict
from ..runner import ShardTask, run_reduce, run_shard
from . import _reduce_here, run_steps


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise MissingDependencyError(
            "the Ray executor needs Ray: pip install 'jeongje[ray]'") from e
    return ray


class ShardRunner:
    """Callable class for `map_batches`: builds the recipe once per actor, then runs each
    shard task it receives with `run_shard`."""

    def __init__(self, recipe: dict[str, Any], step: int) -> None:
        self.recipe = recipe_from_dict(recipe)
        for stage in self.recipe.stages:
            stage.setup()
        steps = self.recipe.steps()
        self.stages, self.global_stage = steps[step]
        self.previous = steps[step - 1][1] if step else None

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        shards, docs = [], []
        for blob in batch["task"]:
            task: ShardTask = pickle.loads(blob)
            stats = run_shard(task, self.stages, None, self.global_stage, self.previous)
            shards.append(task.shard.index)
            docs.append(stats.records)
        return {"shard": shards, "records": docs}


class RayExecutor:
    """Runs a job's shard tasks on Ray (`address`: "auto", "ray://host:10001", or None to
    start a local Ray instance with `workers` CPUs)."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self.ray = _ray()

    def execute(self, job: Job, progress: Progress) -> None:
        ray = self.ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "ignore_reinit_error": True}
            if self.address:
                kwargs["address"] = self.address
            elif self.workers:
                kwargs["num_cpus"] = self.workers
            ray.init(**kwargs)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        recipe = job.recipe.to_dict()
        concurrency = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))

        def run_tasks(tasks: list[ShardTask], step: int) -> None:
            items = [{"task": pickle.dumps(t)} for t in tasks]
            ds = ray.data.from_items(items, override_num_blocks=len(items))
            done = ds.map_batches(
                ShardRunner, fn_constructor_kwargs={"recipe": recipe, "step": step},
                batch_size=1, concurrency=min(concurrency, len(tasks)), num_cpus=1,
                max_restarts=3, max_task_retries=3)
            try:
                for row in done.iter_rows():
                    progress.advance(int(row["records"]), 0)
                    progress.shard_done()
            except Exception as e:  # Ray wraps worker errors in its own exception types
                raise JeongjeError(f"a Ray task failed in step {step}: {e}; finished shards are "
                                   "kept: run the same command again to resume") from e

        remote_reduce = ray.remote(num_cpus=1, max_retries=3)(_reduce_here)

        def reduce(out: Any, step: int, stage: Any, shards: list[int], fingerprint: str) -> None:
            if hasattr(stage, "bucket_rows"):  # shuffle by band key across the cluster
                stage.setup()
                run_reduce(out, step, stage, shards, fingerprint,
                           decide=lambda dataset, names: _shuffled_decide(ray, stage, out, dataset, names))
            else:
                ray.get(remote_reduce.remote(out, step, stage, shards, fingerprint))

        run_steps(job, run_tasks, reduce=reduce)


def _shuffled_decide(ray: Any, stage: Any, out: Any, dataset: Any, names: list[str]) -> Any:
    """Candidate pairs by a Ray Data groupby on (band, hash) -- the shuffle runs on the
    cluster, whose workers read the stored rows from the output store (local or remote)
    -- then the stage verifies and clusters them."""
    rows = ray.data.read_parquet([out.path(n) for n in names], columns=["id", "bands"],
                                 filesystem=out.filesystem)
    buckets = rows.map_batches(stage.bucket_rows, batch_format="pyarrow")
    pairs = buckets.groupby(["band", "h"]).map_groups(stage.bucket_pairs, batch_format="pyarrow")
    found = [(r["id"], r["root"]) for r in pairs.iter_rows()]
    return stage.decide_from_pairs(dataset, found)
