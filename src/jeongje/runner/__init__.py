"""Running a recipe step on a shard, and the global decision between steps.

`shard.run_shard(task, step)` is the one function every executor calls for a shard
(the map side); `reduce.run_reduce` runs a global stage's decision over what every shard
stored (the reduce side). Executors own parallelism, retries and merging; these own what
happens to each record.
"""
