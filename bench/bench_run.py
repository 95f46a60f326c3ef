"""Benchmark a full `jeongje run` (default recipe) and show that memory stays flat.

Runs the CLI on a growing prefix of the input files (1 file, half, all) in a fresh output
folder each time and prints wall, CPU seconds, peak RSS of the process tree, docs/s and
MB/s (uncompressed text read, and files on disk) as one table, plus the ratio of the
largest to the smallest run's peak RSS.

    .venv/bin/python bench/bench_run.py --input ../shared/data/ko-reviews-nsmc \
        --text-field review --id-field review_id
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
from measure import markdown, measure  # noqa: E402

from jeongje.io.inputs import resolve_inputs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--id-field", default="id")
    ap.add_argument("--recipe", default="korean-news")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--steps", default="2,half,all", help="prefixes of the file list to run")
    args = ap.parse_args()
    files = [f.path for f in resolve_inputs([args.input])]
    rows = []
    for step in args.steps.split(","):
        n = {"half": max(1, len(files) // 2), "all": len(files)}.get(step) or int(step)
        chosen = files[:n]
        out = Path(tempfile.mkdtemp(prefix="jeongje-bench-"))
        cmd = [sys.executable, "-m", "jeongje", "run", "--output", str(out / "run"),
               "--recipe", args.recipe, "--workers", str(args.workers), "--no-progress",
               "--text-field", args.text_field, "--id-field", args.id_field]
        for f in chosen:
            cmd += ["--input", f]
        m = measure(cmd)
        if m.returncode != 0:
            sys.exit(f"run failed ({m.returncode}):\n{m.stderr}")
        manifest = json.loads((out / "run" / "manifest.json").read_text())
        shutil.rmtree(out)
        c = manifest["counts"]
        text_mb = manifest["bytes"]["text_in"] / 1e6
        file_mb = manifest["bytes"]["files_in"] / 1e6
        rows.append({
            "files": n, "documents": c["records"], "kept": c["kept"], "dropped": c["dropped"],
            "quarantined": c["quarantined"], "text MB": text_mb, "files MB": file_mb,
            "wall s": m.wall_s, "CPU s": m.cpu_s, "peak RSS MB (tree)": m.peak_rss_mb,
            "peak RSS MB (1 proc)": m.peak_single_mb, "docs/s": c["records"] / m.wall_s,
            "text MB/s": text_mb / m.wall_s, "conservation": "ok" if manifest["conservation"]["ok"] else "FAIL",
        })
        print(f"done: {n} files, {c['records']:,} documents in {m.wall_s:.1f}s", file=sys.stderr)
    print(f"jeongje run, recipe {args.recipe}, {args.workers} workers, input {args.input}\n")
    print(markdown(rows, list(rows[0])))
    first, last = rows[0], rows[-1]
    print(f"\npeak RSS (tree) grows x{last['peak RSS MB (tree)'] / first['peak RSS MB (tree)']:.2f} "
          f"while documents grow x{last['documents'] / first['documents']:.1f}")


if __name__ == "__main__":
    main()
