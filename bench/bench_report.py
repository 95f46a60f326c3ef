"""Benchmark `jeongje report` and `jeongje optout` on a synthetic finished output.

Builds an output folder with N ledger rows (default 1M) directly as Parquet -- documents,
ledger, edits, originals and manifest in the shapes a run writes, with 200 publishers,
dedup clusters, PII edits and rights classes -- then times, as separate processes, the
report, an opt-out dry run, an opt-out of one publisher (its documents are spread over
every part, so every part is rewritten), the same opt-out again (idempotent: nothing
changes) and the report after it. Prints wall, CPU, peak RSS and the report's size.

    .venv/bin/python bench/bench_report.py              # 1M rows
    .venv/bin/python bench/bench_report.py --rows 100000 --keep
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from measure import markdown, measure  # noqa: E402

from jeongje.io.layout import DOCUMENTS_SCHEMA, EDITS_SCHEMA, LEDGER_SCHEMA, ORIGINALS_SCHEMA  # noqa: E402

DROPS = [("normalize.mojibake", "mojibake"), ("filter.language", "language"),
         ("rights.reservation", "rights_reserved"), ("filter.spam", "spam"),
         ("filter.length", "too_short"), ("filter.repetition", "dup_line_frac"),
         ("filter.quality", "no_stopwords"), ("dedup.exact", "exact_duplicate"),
         ("dedup.minhash", "near_duplicate")]
SENTENCES = ["서울시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다.",
             "가람군 농가들이 올해 첫 햇사과를 출하했다.", "해솔항 여객터미널이 리모델링을 마치고 다시 문을 열었다.",
             "청솔대 연구진이 수면 시간과 기억력의 관계를 분석했다.", "대명구가 어린이 보호구역 단속 카메라를 늘린다.",
             "온새미로 전자가 접이식 태블릿 시제품을 공개했다."]


def build(out: Path, rows: int, parts: int, seed: int = 7) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    for name in ("documents", "ledger", "edits", "originals"):
        (out / name).mkdir(parents=True)
    texts = [" ".join(SENTENCES[j % 6] for j in range(i, i + 4 + i % 12)) for i in range(500)]
    publishers = [f"신문{i:03d}" for i in range(200)]
    pub_weights = 1 / np.arange(1, 201)
    pub_weights /= pub_weights.sum()
    counts = {"kept": 0, "dropped": 0, "quarantined": 0}
    per_part = -(-rows // parts)
    for p in range(parts):
        n = min(per_part, rows - p * per_part)
        if n <= 0:
            break
        base = p * per_part
        ids = [f"doc-{base + i:08d}" for i in range(n)]
        u = rng.random(n)
        outcome = np.where(u < 0.6, "kept", np.where(u < 0.97, "dropped", "quarantined"))
        drop = rng.integers(0, len(DROPS), n)
        pub = rng.choice(200, n, p=pub_weights)
        text_i = rng.integers(0, len(texts), n)
        bytes_in = np.array([len(texts[t].encode()) for t in text_i]) + 40
        stage, reason, detail, bytes_out, publisher, domain = [], [], [], [], [], []
        for i in range(n):
            o = outcome[i]
            publisher.append(publishers[pub[i]] if o != "quarantined" else None)
            domain.append(f"news{pub[i]:03d}.example.kr" if o != "quarantined" else None)
            if o == "kept":
                stage.append(None)
                reason.append(None)
                detail.append("{}")
                bytes_out.append(int(bytes_in[i]) - 40)
            elif o == "quarantined":
                stage.append("read")
                reason.append("invalid_json")
                detail.append('{"error":"invalid JSON at column 3"}')
                bytes_out.append(0)
            else:
                s, r = DROPS[drop[i]]
                stage.append(s)
                reason.append(r)
                if s.startswith("dedup."):
                    twin = f"doc-{max(0, base + i - 1):08d}"
                    detail.append(json.dumps({"cluster": f"c-{twin}", "cluster_size": 2 + i % 3, "duplicate_of": twin}))
                elif s == "rights.reservation":
                    detail.append('{"class":"ai_training_prohibited","matched":"무단 전재 및 재배포, AI학습 이용 금지","source":"notice"}')
                else:
                    detail.append('{"threshold":0.4,"value":0.1}')
                bytes_out.append(0)
        counts_o = {k: int((outcome == k).sum()) for k in counts}
        for k in counts:
            counts[k] += counts_o[k]
        ledger = pa.table({"id": ids, "source": [f"in-{p}.jsonl:{i + 1}" for i in range(n)], "outcome": outcome.tolist(),
                           "stage": stage, "stage_version": [1 if s else None for s in stage], "reason": reason,
                           "detail": detail, "bytes_in": bytes_in.tolist(), "bytes_out": bytes_out,
                           "publisher": publisher, "domain": domain}, schema=LEDGER_SCHEMA)
        pq.write_table(ledger, out / "ledger" / f"part-{p:05d}.parquet", compression="zstd")
        kept = np.flatnonzero(outcome == "kept")
        docs = pa.table({
            "id": [ids[i] for i in kept], "text": [texts[text_i[i]] for i in kept],
            "metadata": [json.dumps({"publisher": publishers[pub[i]], "url": f"https://www.news{pub[i]:03d}.example.kr/a/{base + i}",
                                     "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "rights": {"class": "none"}},
                                    ensure_ascii=False) for i in kept]}, schema=DOCUMENTS_SCHEMA)
        pq.write_table(docs, out / "documents" / f"part-{p:05d}.parquet", compression="zstd")
        edited = np.flatnonzero(rng.random(n) < 0.8)
        edits = pa.table({"id": [ids[i] for i in edited], "stage": ["clean.pii"] * len(edited),
                          "stage_version": [1] * len(edited), "reason": ["pii"] * len(edited),
                          "start": [0] * len(edited), "end": [20] * len(edited),
                          "replacement": ["<|PHONE|>"] * len(edited),
                          "detail": ['{"type":"PHONE"}'] * len(edited)}, schema=EDITS_SCHEMA)
        pq.write_table(edits, out / "edits" / f"part-{p:05d}.parquet", compression="zstd")
        sample = [i for i in range(min(n, 400))]
        originals = pa.table({"id": [ids[i] for i in sample], "outcome": [outcome[i] for i in sample],
                              "stage": [stage[i] for i in sample], "reason": [reason[i] for i in sample],
                              "text": ["0123456789abcdefghij" + texts[text_i[i]] for i in sample]}, schema=ORIGINALS_SCHEMA)
        pq.write_table(originals, out / "originals" / f"part-{p:05d}.parquet", compression="zstd")
    manifest = {"jeongje_version": "bench", "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "recipe": {"name": "korean-news", "stages": [{"stage": s} for s, _ in DROPS] + [{"stage": "clean.pii"}]},
                "options": {"workers": 8}, "shards": parts, "inputs": [],
                "counts": {"records": rows, **counts}, "by_outcome_stage_reason": [], "edits": {},
                "stage_seconds": {}, "bytes": {"text_in": 0, "text_out": 0, "files_in": 0}, "wall_seconds": 0,
                "conservation": {"ok": True}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--parts", type=int, default=32)
    ap.add_argument("--keep", action="store_true", help="keep the synthetic output folder")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jeongje-bench-report-"))
    out = tmp / "out"
    t0 = time.perf_counter()
    counts = build(out, args.rows, args.parts)
    print(f"built {args.rows:,} ledger rows ({counts['kept']:,} kept documents, {args.parts} parts) "
          f"in {time.perf_counter() - t0:.1f}s under {out}", file=sys.stderr)
    jeongje = [sys.executable, "-m", "jeongje"]
    steps = [
        ("report", [*jeongje, "report", str(out)]),
        ("optout --dry-run", [*jeongje, "optout", str(out), "--publisher", "신문001", "--dry-run"]),
        ("optout (1 publisher)", [*jeongje, "optout", str(out), "--publisher", "신문001"]),
        ("optout again (no change)", [*jeongje, "optout", str(out), "--publisher", "신문001"]),
        ("optout --domain (report updated)", [*jeongje, "optout", str(out), "--domain", "news002.example.kr"]),
    ]
    rows = []
    for label, cmd in steps:
        m = measure(cmd)
        if m.returncode != 0:
            sys.exit(f"{label} failed ({m.returncode}):\n{m.stderr}")
        last = [line for line in m.stdout.splitlines() if line.startswith(("optout:", "report:"))]
        rows.append({"step": label, "wall s": m.wall_s, "CPU s": m.cpu_s, "peak RSS MB": m.peak_rss_mb,
                     "result": last[-1].split(": ", 1)[1][:70] if last else ""})
    size = (out / "report" / "index.html").stat().st_size / 1e6
    print(f"\nsynthetic output: {args.rows:,} ledger rows, {counts['kept']:,} kept documents; "
          f"report {size:.1f} MB")
    print(markdown(rows, ["step", "wall s", "CPU s", "peak RSS MB", "result"]))
    if not args.keep:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
