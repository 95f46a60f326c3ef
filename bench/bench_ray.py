"""Local executor vs Ray on one machine, and a scaling estimate from measured stage costs.

Runs the korean-news recipe on the same input (real news + petitions, as bench_clean.py
builds it) with `--executor local` and `--executor ray` (a local Ray instance with the
same number of CPUs), checks that the outputs are identical, and prints wall, CPU, peak
RSS and the Ray/local ratio. Then it estimates the wall time on 10, 100 and 1000 cores
from the run's per-stage CPU seconds: map-side work divides by the cores, each global
decision (dedup reduce) runs once, and the measured fixed cost of starting the run stays.

    .venv/bin/python bench/bench_ray.py [--repeat 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_clean import build_input  # noqa: E402
from measure import markdown, measure  # noqa: E402


def snapshot(out: Path) -> dict[str, list[str]]:
    import pyarrow.parquet as pq

    return {n: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False)
                      for r in pq.read_table(out / n).to_pylist()) for n in ("documents", "ledger", "edits")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jeongje-ray-"))
    try:
        docs, nbytes = build_input(Path(args.data), tmp / "input.jsonl", args.repeat)
        rows, manifests = [], {}
        for executor in ("local", "ray"):
            out = tmp / executor
            m = measure([sys.executable, "-m", "jeongje", "run", "-i", str(tmp / "input.jsonl"), "-o", str(out),
                         "--workers", str(args.workers), "--executor", executor, "--no-progress",
                         "--shard-bytes", str(4 * 1024 * 1024)])
            if m.returncode:
                sys.exit(m.stderr[-3000:])
            manifests[executor] = json.loads((out / "manifest.json").read_text())
            rows.append({"executor": executor, "documents": docs, "text MB": nbytes / 1e6,
                         "wall s": m.wall_s, "CPU s": m.cpu_s, "peak RSS MB": m.peak_rss_mb,
                         "docs/s": docs / m.wall_s, "MB/s": nbytes / 1e6 / m.wall_s})
        identical = snapshot(tmp / "local") == snapshot(tmp / "ray")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"korean-news on {docs:,} documents ({nbytes / 1e6:.1f} MB), {args.workers} CPUs\n")
    print(markdown(rows, list(rows[0])))
    print(f"\nRay / local wall: x{rows[1]['wall s'] / rows[0]['wall s']:.2f}; outputs identical: {identical}")
    seconds = manifests["local"]["stage_seconds"]
    serial = sum(v["cpu"] for k, v in seconds.items() if k.endswith("(decide)"))
    parallel = sum(v["cpu"] for v in seconds.values()) - serial
    fixed = max(rows[0]["wall s"] - parallel / args.workers - serial, 0.0)
    print("\nscaling estimate from the local run's stage CPU seconds (map side divides by cores; "
          "the dedup decisions run once; start-up stays):\n")
    est = []
    for cores in (args.workers, 10, 100, 1000):
        wall = parallel / cores + serial + fixed
        est.append({"cores": cores, "estimated wall s": wall, "estimated MB/s": nbytes / 1e6 / wall,
                    "docs per hour (millions)": docs / wall * 3600 / 1e6})
    print(markdown(est, list(est[0])))
    print(f"\nmap-side CPU {parallel:.1f} s, serial decision CPU {serial:.1f} s, fixed {fixed:.1f} s. "
          "Beyond ~100 cores the serial decision and start-up dominate: shard the decision by band "
          "key across the cluster to go further.")


if __name__ == "__main__":
    main()
