"""Cleaning throughput: the korean-news recipe (no dedup) on real news + petitions.

Builds one JSONL input from ../shared/data (news `body` and petition `content` as `text`,
other fields kept), runs `jeongje run` as a user would, and prints wall, CPU, MB/s and
MB/s per core, plus each stage's CPU seconds and MB/s from the run's manifest.

    .venv/bin/python bench/bench_clean.py [--data ../shared/data] [--workers 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import yaml  # noqa: E402
from measure import markdown, measure  # noqa: E402

from jeongje.recipe import load_recipe  # noqa: E402


def build_input(data: Path, out: Path, repeat: int) -> tuple[int, int]:
    docs = total = 0
    with open(out, "w", encoding="utf-8") as f:
        for r in range(repeat):
            sources = [(data / "ko-news-2019" / "articles.jsonl", "body")]
            sources += [(Path(p), "content") for p in sorted(glob.glob(str(data / "ko-petitions" / "*.jsonl")))]
            for path, field in sources:
                with open(path, encoding="utf-8") as src:
                    for i, line in enumerate(src):
                        rec = json.loads(line)
                        text = rec.pop(field)
                        rec = {"id": f"{path.stem}-{i}-r{r}", "text": text, **{k: v for k, v in rec.items() if k != "id"}}
                        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        docs += 1
                        total += len(text.encode("utf-8"))
    return docs, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=1, help="concatenate the corpus N times")
    ap.add_argument("--recipe", default="korean-news",
                    help="recipe to measure; its dedup.* stages are left out (cleaning only)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jeongje-clean-"))
    try:
        docs, nbytes = build_input(Path(args.data), tmp / "input.jsonl", args.repeat)
        recipe = load_recipe(args.recipe).to_dict()
        recipe["stages"] = [s for s in recipe["stages"] if not s["stage"].startswith("dedup.")]
        (tmp / "recipe.yaml").write_text(yaml.safe_dump(recipe, allow_unicode=True), encoding="utf-8")
        cmd = [sys.executable, "-m", "jeongje", "run", "-i", str(tmp / "input.jsonl"), "-o",
               str(tmp / "out"), "-r", str(tmp / "recipe.yaml"), "--workers", str(args.workers), "--no-progress",
               "--shard-bytes", str(8 * 1024 * 1024)]
        m = measure(cmd)
        if m.returncode:
            sys.exit(m.stderr)
        manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mb = nbytes / 1e6
    print(f"korean-news cleaning (recipe {args.recipe}), {docs:,} documents, {mb:.1f} MB of text, "
          f"{args.workers} workers\n")
    print(markdown([{
        "documents": docs, "text MB": mb, "wall s": m.wall_s, "CPU s": m.cpu_s,
        "MB/s": mb / m.wall_s, "MB/s per core (text MB / CPU s)": mb / m.cpu_s,
        "peak RSS MB": m.peak_rss_mb, "kept": manifest["counts"]["kept"],
        "dropped": manifest["counts"]["dropped"], "quarantined": manifest["counts"]["quarantined"],
    }], ["documents", "text MB", "wall s", "CPU s", "MB/s", "MB/s per core (text MB / CPU s)",
         "peak RSS MB", "kept", "dropped", "quarantined"]))
    rows = []
    for stage, t in sorted(manifest["stage_seconds"].items(), key=lambda kv: -kv[1]["cpu"]):
        rows.append({"stage": stage, "CPU s": t["cpu"], "documents": t["documents"],
                     "MB/s (text in / stage CPU s)": mb / t["cpu"] if t["cpu"] else None})
    print("\nper stage (CPU seconds summed over workers):\n")
    print(markdown(rows, ["stage", "CPU s", "documents", "MB/s (text in / stage CPU s)"]))


if __name__ == "__main__":
    main()
