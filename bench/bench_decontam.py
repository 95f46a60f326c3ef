"""Benchmark decontamination: index build time, planted-leak recall per way and per
benchmark, false positives on the unplanted corpora, and matching speed (MB/s on one core).

    .venv/bin/python bench/bench_decontam.py                    # ko-bench, 30 items per benchmark and way
    .venv/bin/python bench/bench_decontam.py --reviews 200000   # add NSMC reviews to the negatives

Everything is built at run time from ../shared/data; nothing is written into the repository
(the index goes to a temporary folder).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import decontam_planted as planted  # noqa: E402

from jeongje import decontam  # noqa: E402
from jeongje.decontam.stage import Decontaminator  # noqa: E402
from jeongje.record import Document, Source  # noqa: E402


def run(stage: Decontaminator, texts: list[str]) -> tuple[list[list[dict]], float]:
    out, cpu = [], 0.0
    for lo in range(0, len(texts), 256):
        docs = [Document(str(i), t, Source("bench")) for i, t in enumerate(texts[lo:lo + 256])]
        t0 = time.process_time()
        stage.process_batch(docs)
        cpu += time.process_time() - t0
        out += [d.metadata.get("contamination", {}).get("items", []) for d in docs]
    return out, cpu


def _nsmc_premises(data: Path) -> set[str]:
    """The KLUE NLI items whose premise KLUE took from an NSMC review."""
    path = data / "ko-bench" / "klue" / "official" / "klue_benchmark" / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json"
    return {r["guid"] for r in json.loads(path.read_text(encoding="utf-8")) if r["source"] == "NSMC"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--per-benchmark", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reviews", type=int, default=0, help="NSMC reviews added to the negatives")
    args = parser.parse_args()
    data = Path(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        index = f"{tmp}/ko-bench.npz"
        t0 = time.perf_counter()
        header = decontam.build([str(data / "ko-bench")], index)
        build = time.perf_counter() - t0
        items = sum(c["items"] for c in header["per_benchmark"].values())
        print(f"index: {items:,} items of {len(header['per_benchmark'])} benchmarks, {header['ngrams']:,} n-grams, "
              f"built in {build:.1f} s ({Path(index).stat().st_size / 1e6:.0f} MB)")
        stage = Decontaminator(index=index, policy="tag")
        stage.setup()
        records = planted.build(data, args.seed, args.per_benchmark, {tuple(x) for x in header["too_short"]})
        found, _ = run(stage, [r["text"] for r in records])
        scores = planted.score(records, [[planted.Found(m["benchmark"], m["item"]) for m in f] for f in found])
        print(f"\nplanted: {scores['planted']} documents; recall {scores['all']:.4f}")
        print("| way | recall |\n|---|---|")
        for way in planted.WAYS:
            print(f"| {way} | {scores[f'way:{way}']:.3f} |")
        print("\n| benchmark | recall | items | too short to match |\n|---|---|---|---|")
        for name, c in sorted(header["per_benchmark"].items()):
            print(f"| {name} | {scores.get(f'benchmark:{name}', float('nan')):.3f} | {c['items']:,} | {c['too_short']:,} |")
        negatives = planted.negatives(data)
        if args.reviews:
            with gzip.open(sorted((data / "ko-reviews-nsmc").glob("reviews-0*.jsonl.gz"))[0], "rt", encoding="utf-8") as f:
                for i, line in zip(range(args.reviews), f, strict=False):
                    negatives.append((f"review-{i}", json.loads(line)["review"]))
        hits, _ = run(stage, [t for _, t in negatives])
        from_nsmc = _nsmc_premises(data)
        matched = [(nid, t, f) for (nid, t), f in zip(negatives, hits, strict=True) if f]
        # KLUE NLI took 600 of its premises from NSMC reviews: a review found as one is a true overlap
        overlap = [(nid, f) for nid, t, f in matched
                   if nid.startswith("review-") and all(m["item"] in from_nsmc for m in f)]
        false = [(nid, f) for nid, t, f in matched if (nid, f) not in overlap]
        print(f"\nnegatives: {len(negatives):,} documents, {len(false)} false positives "
              f"({len(false) / len(negatives) * 1e4:.2f} per 10,000); {len(overlap)} reviews that are "
              "KLUE NLI premises (true overlaps)")
        for nid, f in false + overlap:
            print("  ", nid, [(m["benchmark"], m["item"], m["coverage"]) for m in f])
        news = [t for nid, t in negatives if nid.startswith("news-")]
        size = sum(len(t.encode("utf-8")) for t in news)
        best = min(run(stage, news)[1] for _ in range(3))
        print(f"\nspeed: ko-news-2019 {size / 1e6:.1f} MB in {best:.2f} s CPU = {size / 1e6 / best:.1f} MB/s per core "
              "(decontaminate alone, batches of 256)")


if __name__ == "__main__":
    main()
