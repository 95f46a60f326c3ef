"""The global phase of `dedup.minhash` at corpus scale: peak memory and time of the
decision over N documents' stored key rows, on this machine.

Real text at 10 million documents would take hours to shingle here, and the map side is
measured elsewhere (bench_dedup.py); the global phase only sees key rows, so this script
writes them synthetically, in the exact layout a run stores (`OUT/_work/s0/keys-*.parquet`,
the stage's key schema): every document gets a pseudo-random MinHash signature, and every
`--dup-every`-th document is a planted near-duplicate of a document in another shard (the
same signature with 20 of its 100 values replaced: estimated Jaccard 0.8, above the 0.7
threshold). Band hashes come from the stage's own `band_hashes`. Then the real reduce of a
run (`runner.run_reduce`: DuckDB grouping, verification, clustering, the keep rule, the
decisions spilled and sorted into per-shard files) runs in a child process, measured with
measure.py, and the decisions are checked: every planted duplicate dropped, nothing else.

    .venv/bin/python bench/bench_global.py --docs 10000000 --memory-limit 4GB --work /tmp/jeongje-global
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from measure import markdown, measure  # noqa: E402

from jeongje.dedup.minhash import MinHashDeduplicator, _lists  # noqa: E402
from jeongje.dedup.signatures import _mix, band_hashes  # noqa: E402
from jeongje.io.layout import work_name  # noqa: E402
from jeongje.runner.shard import BATCH_SIZE  # noqa: E402

PERM = 100
CHANGED = 20  # values replaced in a planted duplicate's signature
DUP_EVERY = 5  # documents 4, 9, 14, ... are planted duplicates


def _values(doc: np.ndarray, salt: int) -> np.ndarray:
    """PERM pseudo-random uint32 values per document number (a pure function of it)."""
    x = doc.astype(np.uint64)[:, None] * np.uint64(PERM) + np.arange(PERM, dtype=np.uint64)
    return (_mix(x + np.uint64(salt << 40)) >> np.uint64(32)).astype(np.uint32)


def _ids(doc: np.ndarray) -> pa.Array:
    return pa.array([f"d{i:09d}" for i in doc.tolist()], pa.string())


def original_of(doc: np.ndarray, n: int, per_shard: int) -> np.ndarray:
    """The document a planted duplicate copies: one shard further on, never a duplicate
    itself, and a different one for each duplicate."""
    o = (doc + per_shard + 1) % n
    return o - (o % DUP_EVERY == DUP_EVERY - 1)


def write_keys(out: Path, n: int, shards: int) -> int:
    stage = MinHashDeduplicator()
    schema = pa.schema([("id", pa.string()), *stage.key_schema])
    per_shard = -(-n // shards)
    planted = 0
    for s in range(shards):
        doc = np.arange(s * per_shard, min(n, (s + 1) * per_shard), dtype=np.int64)
        dup = doc % DUP_EVERY == DUP_EVERY - 1
        base = np.where(dup, original_of(doc, n, per_shard), doc)
        sig = _values(base, 1)
        changed = _values(doc, 2)
        sig[dup, :CHANGED] = changed[dup, :CHANGED]  # the copy differs in 20 values
        planted += int(dup.sum())
        bands = band_hashes(sig, stage.bands, stage.rows)
        m = len(doc)
        table = pa.Table.from_arrays([
            _ids(doc), _lists(sig.ravel(), [PERM] * m, pa.uint32()),
            _lists(bands.ravel(), [stage.bands] * m, pa.uint64()),
            pa.array(np.where(dup, 1900, 2000)), pa.nulls(m, pa.string()),  # originals are kept (longest)
            _lists(np.empty(0, np.uint64), [0] * m, pa.uint64()),
        ], schema=schema)
        path = out / work_name(0, "keys", s)
        path.parent.mkdir(parents=True, exist_ok=True)
        (out / "_markers").mkdir(exist_ok=True)  # where the reduce writes its marker
        pq.write_table(table, path, compression="lz4", row_group_size=BATCH_SIZE)  # a row group per batch, as runs write
    return planted


def decide(out: Path, shards: int, memory_limit: str) -> None:
    """The child process: the reduce of a run, as the local executor calls it."""
    from jeongje.io.location import open_store
    from jeongje.runner.reduce import run_reduce

    t = time.perf_counter()
    run_reduce(open_store(str(out)), 0, MinHashDeduplicator(memory_limit=memory_limit), list(range(shards)),
               "bench-global")
    print(f"decided in {time.perf_counter() - t:.1f} s", flush=True)


def check(out: Path, shards: int) -> tuple[int, int]:
    """(planted duplicates dropped, other documents dropped) from the decisions files."""
    hit = wrong = 0
    for s in range(shards):
        t = pq.read_table(out / work_name(0, "decisions", s), columns=["id", "reason"])
        dropped = t.filter(pc.is_valid(t.column("reason"))).column("id").to_pylist()
        ids = np.array([int(i[1:]) for i in dropped], np.int64)
        is_dup = ids % DUP_EVERY == DUP_EVERY - 1
        hit += int(is_dup.sum())
        wrong += int((~is_dup).sum())
    return hit, wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, action="append", help="corpus size (repeatable); default 1M")
    ap.add_argument("--shards", type=int, default=0, help="shards (default: one per 500k documents)")
    ap.add_argument("--memory-limit", action="append", help="DuckDB memory_limit (repeatable); default 4GB")
    ap.add_argument("--work", default="/tmp/jeongje-global", help="scratch folder (removed after each size)")
    ap.add_argument("--decide", nargs=3, metavar=("OUT", "SHARDS", "LIMIT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.decide:
        decide(Path(args.decide[0]), int(args.decide[1]), args.decide[2])
        return
    rows = []
    for n in args.docs or [1_000_000]:
        shards = args.shards or max(1, -(-n // 500_000))
        out = Path(args.work) / f"n{n}"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        planted = write_keys(out, n, shards)
        keys_mb = sum(p.stat().st_size for p in (out / "_work").rglob("keys-*.parquet")) / 1e6
        print(f"[{n:,} docs] key rows written in {time.perf_counter() - t:.0f} s ({keys_mb:,.0f} MB)", flush=True)
        for limit in args.memory_limit or ["4GB"]:
            m = measure([sys.executable, __file__, "--decide", str(out), str(shards), limit])
            if m.returncode:
                sys.exit(m.stderr[-3000:])
            hit, wrong = check(out, shards)
            print(f"[{n:,} docs, memory_limit {limit}] {m.wall_s:.0f} s, peak RSS {m.peak_rss_mb:,.0f} MB", flush=True)
            rows.append({"documents": n, "key rows MB": keys_mb, "memory_limit": limit, "wall s": m.wall_s,
                         "CPU s": m.cpu_s, "peak RSS MB": m.peak_rss_mb,
                         "peak RSS / doc B": m.peak_rss_mb * 2**20 / n, "planted": planted,
                         "planted dropped": hit, "others dropped": wrong})
        shutil.rmtree(out, ignore_errors=True)
    print("\ndedup.minhash global phase (run_reduce in one process; DuckDB spills past memory_limit)\n")
    print(markdown(rows, list(rows[0])))


if __name__ == "__main__":
    main()
