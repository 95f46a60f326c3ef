"""Web ingest throughput: jeongje on a WARC built from our pages vs the extractor alone.

Builds one gzip-per-record WARC from the nine Korean pages in tests/fixtures/web (written by
us), each repeated `--copies` times with its paragraphs rotated and numbered so that no two
pages are identical, in UTF-8 and EUC-KR alternately. Then measures, on the same pages:

* `trafilatura alone`: one process calling trafilatura.extract (precision mode, as our
  stage) on payloads already in memory and already decoded: the floor any tool built on
  it pays;
* `jeongje extract`: `jeongje run` with a recipe of `extract.html` only (WARC framing,
  HTTP parsing, charset detection, rights signals, extraction, ledger and outputs);
* `jeongje korean-news`: the whole default recipe (cleaning, PII, dedup...).

    .venv/bin/python bench/bench_web.py [--copies 300] [--files 4] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from measure import markdown, measure  # noqa: E402

from tests.helpers import FIXTURES, Page, fixture_pages, write_warc  # noqa: E402


def build(folder: Path, copies: int, files: int) -> tuple[list[bytes], int]:
    pages, payloads = [], []
    names = fixture_pages()
    for c in range(copies):
        for name in names:
            html = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
            paras = re.findall(r"<p>(.*?)</p>", html, flags=re.S)
            if len(paras) > 1:  # rotate and number paragraphs: every page is distinct
                k = c % len(paras)
                for old, new in zip(paras, paras[k:] + paras[:k], strict=True):
                    html = html.replace(f"<p>{old}</p>", f"<p>\x00{new}</p>", 1)
                html = html.replace("\x00", "")
            html = html.replace("</h1>", f" {c}호</h1>", 1)
            if c % 2:
                html = re.sub(r"charset=[\"']?utf-8", "charset=euc-kr", html, flags=re.I)
                body = html.encode("cp949", "replace")
            else:
                body = html.encode("utf-8")
            payloads.append(body)
            pages.append(Page(f"https://news.example.co.kr/{name}/{c}", body))
    for k in range(files):  # a crawl comes as many WARC files; each is one shard
        write_warc(folder / f"crawl-{k:03d}.warc.gz", pages[k::files])
    return payloads, sum(len(p) for p in payloads)


def extractor_alone(payloads: list[bytes]) -> tuple[float, float]:
    import trafilatura

    texts = [p.decode("cp949" if b"euc-kr" in p[:2000] else "utf-8", "replace") for p in payloads]
    trafilatura.extract(texts[0])  # warm up
    w0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        trafilatura.extract(t, favor_precision=True, include_comments=False)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=300)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--files", type=int, default=4, help="WARC files the pages are spread over")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jeongje-bench-web-"))
    try:
        warc = tmp / "crawl"
        payloads, html_bytes = build(warc, args.copies, args.files)
        n = len(payloads)
        mb = html_bytes / 1e6
        size = sum(p.stat().st_size for p in warc.iterdir()) / 1e6
        print(f"input: {n} pages, {mb:.1f} MB of HTML, {args.files} WARC files, {size:.1f} MB "
              "(gzip per record)")
        (tmp / "extract.yaml").write_text("name: extract-only\nstages:\n  - stage: extract.html\n")
        wall, cpu = extractor_alone(payloads)
        rows = [{"run": "trafilatura alone (1 process)", "workers": 1, "wall_s": wall, "cpu_s": cpu,
                 "pages_s": n / wall, "MB_s": mb / wall, "MB_s_core": mb / cpu}]
        base_core = mb / cpu
        for recipe in ("extract", "korean-news"):
            for w in args.workers:
                out = tmp / f"out-{recipe}-{w}"
                cmd = [sys.executable, "-m", "jeongje", "run", "-i", str(warc), "-o", str(out),
                       "--no-progress", "--workers", str(w), "-r",
                       str(tmp / "extract.yaml") if recipe == "extract" else recipe]
                m = measure(cmd)
                if m.returncode != 0:
                    raise SystemExit(m.stderr)
                rows.append({"run": f"jeongje {recipe}", "workers": w, "wall_s": m.wall_s,
                             "cpu_s": m.cpu_s, "pages_s": n / m.wall_s, "MB_s": mb / m.wall_s,
                             "MB_s_core": mb / m.cpu_s, "peak_rss_mb": m.peak_rss_mb})
        for r in rows:
            r["per_core_vs_extractor"] = r["MB_s_core"] / base_core
        print(markdown(rows, ["run", "workers", "wall_s", "cpu_s", "pages_s", "MB_s", "MB_s_core",
                              "per_core_vs_extractor", "peak_rss_mb"]))
        print("MB = MB of HTML payload; MB_s_core = MB per CPU second (all processes, incl. startup)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
