"""A seeded, deterministic fuzz harness for hostile input (issue 20).

Each case is one generated record or file of a family (encodings, JSON shapes, ids,
compression, Parquet, WARC, HTML, file system, adversarial texts). Cases are packed into
input folders, and each folder is run twice: one worker with the default shard size, and
two workers with tiny shards. Checked per run and case:

- no crash: the run ends normally (the conservation check included);
- nothing lost or doubled: every JSONL line / Parquet row we wrote is one ledger row;
- the same outcomes (id, source, outcome, stage, reason) in both runs;
- every output readable by pyarrow and DuckDB, every JSON column a strict parser accepts;
- no document held longer than the stage bound (the slowest stage per document, from the
  manifest's stage times, stays under the bound).

`kill` cases run the CLI, kill it (SIGKILL, the main process, or its process group) at a
random moment, rerun it and compare every output file byte for byte with an uninterrupted
run.

    python -m tests.fuzz.harness --cases 10000 --seed 1 --kills 20 --work /tmp/fuzz

All inputs are generated here; nothing is third-party text.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SENTENCES = [
    "누리시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다.",
    "가람군 농가들이 올해 첫 햇사과를 출하했고 당도는 예년 수준을 유지했다.",
    "해솔항 여객터미널이 리모델링을 마치고 다시 문을 열었다.",
    "청솔대 연구진이 수면 시간과 기억력의 관계를 분석했다.",
    "대명구가 어린이 보호구역 단속 카메라를 마흔 대 늘린다.",
    "온새미로 전자가 접이식 태블릿 시제품을 공개했다.",
]
NASTY = ["\ud800", "\udfff", "\x00", "\u202e", "\ufeff", "\u200b", "ⓒ", "\r", "\x1b[31m", "\U0010ffff"]


def text(rng: random.Random, n: int | None = None) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(n or rng.randint(3, 8)))


@dataclass
class Case:
    family: str
    name: str  # file name under the case folder
    data: bytes
    records: int | None = None  # ledger rows this file must give, when we know
    extra: dict[str, bytes] = field(default_factory=dict)  # side files (sidecars)


# --------------------------------------------------------------------------- JSON lines

def _line(rng: random.Random, i: int, fam: str, k: int = 0) -> str:
    """Line i of case k (ids are unique across cases: repeats across files are a documented
    error, not hostile input)."""
    rec: dict = {"id": f"{k}-r{i}", "text": text(rng)}
    roll = rng.random()
    if fam == "encodings":
        choice = rng.randrange(6)
        if choice == 0:
            return json.dumps(rec, ensure_ascii=True)[:-1] + ', "k": "' + rng.choice(
                ["\\ud800", "\\udc00\\ud83d", "\\ud83d\\ude00", "\\u0000"]) + '"}'
        if choice == 1:
            rec["text"] += rng.choice(NASTY)
            return json.dumps(rec, ensure_ascii=True)
        if choice == 2:
            return json.dumps(rec, ensure_ascii=False).replace("다", "\udcff", 1)  # -> invalid bytes
        return json.dumps(rec, ensure_ascii=rng.random() < 0.5)
    if fam == "shapes":
        choice = rng.randrange(12)
        depth = rng.choice([5, 99, 101, 1000, 50_000])
        body = json.dumps(rec, ensure_ascii=False)[:-1]
        return [
            lambda: body + ', "m": ' + "[" * depth + "]" * depth + "}",
            lambda: body + ', "m": ' + "{\"a\":" * depth + "1" + "}" * depth + "}",
            lambda: body + ', "n": ' + "9" * rng.choice([10, 4300, 4301, 20_000]) + "}",
            lambda: body + ', "f": ' + rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "1e-400"]) + "}",
            lambda: json.dumps([rec]),
            lambda: json.dumps({"id": f"{k}-r{i}"}),
            lambda: json.dumps({"id": f"{k}-r{i}", "text": rng.choice([1, None, True, ["x"], {"a": 1}])}),
            lambda: json.dumps({"id": rng.choice([1.5, True, ["x"], {"a": 1}, -1 - k, 2 ** 70 + k]), "text": text(rng)}),
            lambda: body + ', "text": "' + text(rng) + '"}',  # a duplicate key
            lambda: body[: rng.randrange(1, len(body))],  # cut short
            lambda: body + ', "meta": {"' + "k" * 300 + '": [1, "a", null, {"b": []}]}}',
            lambda: json.dumps(rec, ensure_ascii=False),
        ][choice]()
    if fam == "ids":
        rec["text"] = rng.choice(SENTENCES)
        rec["id"] = rng.choice([f"{k}-r{i}", f"{k}-r{i // 2}", f"{k}-same", f"ids-{k}.jsonl:{i % 5 + 1}", ""])
        return json.dumps(rec, ensure_ascii=False)
    if fam == "adversarial":
        unit = rng.choice(["무단전재 및 재배포 금지 Copyright ⓒ ", "hong@news.kr ", "ⓒ", "ㅋ", "<p>", "▶ 관련기사 ",
                           "(서울=연합뉴스) 홍길동 기자 = ", "010-1234-5678 ", "카지노 텔레그램 @x ", "\n"])
        rec["text"] = text(rng, 2) + unit * rng.choice(REPEATS) + (text(rng, 2) if roll < 0.5 else "")
        return json.dumps(rec, ensure_ascii=False)
    return json.dumps(rec, ensure_ascii=False)


def jsonl_case(rng: random.Random, k: int, fam: str) -> Case:
    # an ids file stays under the tiny shard size: one id in two shards of a file is a known
    # open case (README), which would stop the tiny-shard run and hide everything else
    n = rng.randint(1, 12) if fam != "ids" else rng.randint(2, 4)
    lines = [_line(rng, i, fam, k) for i in range(n)]
    end = rng.choice(["\n", "\n", "\r\n", "\r"]) if fam == "encodings" else "\n"
    body = end.join(lines) + (end if rng.random() < 0.8 else "")
    data = body.encode("utf-8", "surrogateescape" if fam == "encodings" else "surrogatepass")
    if fam == "encodings" and rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    return Case(fam, f"{fam}-{k}.jsonl", data, n)


def compression_case(rng: random.Random, k: int) -> Case:
    import zstandard

    kind = rng.choice(["gz", "zst"])
    pack = gzip.compress if kind == "gz" else zstandard.ZstdCompressor().compress
    parts = [pack(("\n".join(_line(rng, j * 10 + i, "plain", k) for i in range(rng.randint(1, 5))) + "\n").encode())
             for j in range(rng.randint(1, 4))]
    data = bytearray(b"".join(parts))
    damage = rng.randrange(4)
    if damage == 1:
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif damage == 2:
        data = data[: rng.randrange(1, len(data))]
    elif damage == 3:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
    return Case("compression", f"compression-{k}.jsonl.{kind}", bytes(data))


def parquet_case(rng: random.Random, k: int) -> Case:
    n = rng.randint(1, 30)
    texts = [text(rng).encode() for _ in range(n)]
    for i in rng.sample(range(n), k=rng.randint(0, min(3, n))):
        texts[i] = texts[i][: rng.randrange(1, len(texts[i]))] + b"\xff\xfe"
    columns = {"id": pa.array([f"{k}-p{i}" for i in range(n)]),
               "text": pa.array(texts, pa.binary()).cast(pa.string(), safe=False)}
    if rng.random() < 0.5:
        columns["score"] = pa.array([rng.choice([1.5, float("nan"), float("inf"), None]) for _ in range(n)])
    if rng.random() < 0.3:
        columns["nested"] = pa.array([{"a": [i, i + 1]} for i in range(n)])
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf, row_group_size=rng.choice([3, 10, 100]),
                   compression=rng.choice(["none", "snappy", "zstd"]))
    data = bytearray(buf.getvalue())
    records: int | None = n
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(4, max(5, len(data) - 200))] ^= 0xFF
        records = None
    return Case("parquet", f"parquet-{k}.parquet", bytes(data), records)


def warc_case(rng: random.Random, k: int) -> Case:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    gz = rng.random() < 0.5
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    offsets = []
    for i in range(rng.randint(1, 6)):
        offsets.append(buf.tell())
        host = rng.choice(["news.example.kr", "[::1", "a" * 300 + ".kr", "ex.kr:99999", "xn--bad.kr"])
        page = f"<html><body><p>{text(rng)}</p>{'<p>' * rng.choice([0, 10, 20_000])}</body></html>".encode()
        http = StatusAndHeaders(rng.choice(["200 OK", "404 Not Found"]),
                                [("Content-Type", rng.choice(["text/html", "text/html; charset=euc-kr", "image/png"]))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"http://{host}/a{i}", "response",
                                                      payload=io.BytesIO(page), http_headers=http))
    data = bytearray(buf.getvalue())
    damage = rng.randrange(5)
    if damage == 1:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 0xFF
    elif damage == 2:
        data = data[: rng.randrange(1, len(data))]
    elif damage == 3 and not gz:
        at = rng.choice(offsets)
        data[at:at] = b"garbage line\r\n"
    elif damage == 4 and not gz:
        head = bytes(data[offsets[-1]:offsets[-1] + 600])
        i = head.find(b"Content-Length: ")
        if i >= 0:
            j = head.find(b"\r\n", i)
            data[offsets[-1] + i:offsets[-1] + j] = b"Content-Length: " + str(rng.choice([10 ** 12, 5, 0])).encode()
    return Case("warc", f"warc-{k}.warc" + (".gz" if gz else ""), bytes(data))


def html_case(rng: random.Random, k: int) -> Case:
    body = f"<html><head><meta charset='utf-8'></head><body><p>{text(rng)}</p>"
    body += rng.choice(["", "<p>" * 50_000, "<div>" * 5000, "<!--" * 1000, "<script>" + "x" * 10000])
    case = Case("html", f"html-{k}.html", body.encode(), 1)
    side = rng.choice([None, {"url": 5}, {"url": ["x"]}, {"url": f"http://[::1/{k}"}, [1],
                       {"url": "http://" + "b" * 300 + f".kr/{k}"}, {"url": f"https://ok.kr/{k}", "headers": "no"}])
    if side is not None:
        case.extra[f"html-{k}.html.json"] = json.dumps(side).encode()
    if rng.random() < 0.1:
        case.extra[f"html-{k}.html.json"] = b"[" * 100_000
    return case


#: Repeats of an adversarial unit. The largest take seconds, near the per-document stage
#: bound: on a loaded machine such a document may be `stage_timeout` in one run and not in
#: the other (a wall-clock bound), so the fast subset keeps to sizes far below it.
REPEATS = [10, 1000, 5000, 20_000]
FAST_REPEATS = [10, 300, 1500]

FAMILIES = ["encodings", "shapes", "ids", "adversarial", "compression", "parquet", "warc", "html"]


def make_case(rng: random.Random, k: int) -> Case:
    fam = FAMILIES[k % len(FAMILIES)]
    if fam == "compression":
        return compression_case(rng, k)
    if fam == "parquet":
        return parquet_case(rng, k)
    if fam == "warc":
        return warc_case(rng, k)
    if fam == "html":
        return html_case(rng, k)
    return jsonl_case(rng, k, fam)


def write_cases(folder: Path, cases: list[Case], rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (folder / c.name).write_bytes(c.data)
        for name, data in c.extra.items():
            (folder / name).write_bytes(data)
    # the file-system family: an empty file, a symlink to a case, a loop, a hidden file
    (folder / "fs-empty.jsonl").write_bytes(b"")
    (folder / "sub").mkdir(exist_ok=True)
    if cases:
        os.symlink(folder / cases[0].name, folder / "sub" / ("link-" + cases[0].name))
    os.symlink("..", folder / "sub" / "loop")
    (folder / ".hidden.jsonl").write_bytes(b"not json\n")


# --------------------------------------------------------------------------- checks

def _strict(s: str) -> None:
    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")
    json.loads(s, parse_constant=refuse)


def check_outputs(out: Path, fmt: str) -> list[str]:
    import duckdb

    problems = []
    ledger = pq.read_table(out / "ledger")
    for d in ledger.column("detail").to_pylist():
        try:
            _strict(d)
        except ValueError as e:
            problems.append(f"ledger detail not strict JSON: {e}: {d[:80]}")
    if fmt == "jsonl":
        for p in (out / "documents").glob("*.jsonl"):
            for line in p.read_text(encoding="utf-8").splitlines():
                try:
                    _strict(line)
                except ValueError as e:
                    problems.append(f"documents line not strict JSON: {e}")
    else:
        docs = pq.read_table(out / "documents")
        if docs.schema.field("metadata").type == pa.string():
            for m in docs.column("metadata").to_pylist():
                try:
                    _strict(m)
                except ValueError as e:
                    problems.append(f"metadata not strict JSON: {e}")
        con = duckdb.connect()
        con.execute(f"SELECT count(*) FROM read_parquet('{out}/documents/*.parquet')").fetchall()
    duck = __import__("duckdb").connect()
    duck.execute(f"SELECT count(*) FROM read_parquet('{out}/ledger/*.parquet')").fetchall()
    duck.execute(f"SELECT count(*) FROM read_parquet('{out}/edits/*.parquet')").fetchall()
    _strict((out / "manifest.json").read_text())
    return problems


def outcomes(out: Path) -> Counter:
    return Counter((r["id"], r["source"], r["outcome"], r["stage"], r["reason"])
                   for r in pq.read_table(out / "ledger").to_pylist())


def run_batch(folder: Path, cases: list[Case], work: Path, fmt: str) -> dict:
    import jeongje

    figures: Counter = Counter()
    problems: list[str] = []
    results = {}
    for label, kw in (("a", {"workers": 1}), ("b", {"workers": 2, "shard_bytes": 1500})):
        out = work / f"{folder.name}-{label}"
        t = time.perf_counter()
        try:
            jeongje.run(str(folder), str(out), overwrite=True, progress=False, format=fmt, **kw)
        except Exception as e:  # noqa: BLE001 - a crash is what we look for
            from jeongje.errors import JeongjeError

            figures["refused" if isinstance(e, JeongjeError) else "crashes"] += 1
            problems.append(f"{folder.name} run {label}: {type(e).__name__}: {str(e)[:300]}")
            continue
        figures["seconds"] += time.perf_counter() - t
        problems += check_outputs(out, fmt)
        results[label] = outcomes(out)
        rows_per_file = Counter(src.rsplit(":", 1)[0].rsplit("@", 1)[0] for _, src, *_ in results[label].elements())
        for c in cases:
            if c.records is not None and rows_per_file[c.name] != c.records:
                figures["lost_or_doubled"] += 1
                problems.append(f"{c.name}: {rows_per_file[c.name]} ledger rows for {c.records} records")
        manifest = json.loads((out / "manifest.json").read_text())
        figures["records"] += manifest["counts"]["records"] if "counts" in manifest else 0
    if len(results) == 2 and results["a"] != results["b"]:
        diff = (results["a"] - results["b"]) + (results["b"] - results["a"])
        figures["shard_differences"] += len(diff)
        problems.append(f"{folder.name}: outcomes differ between shard sizes/workers: {list(diff)[:3]}")
    figures["problems"] = len(problems)
    return {"figures": figures, "problems": problems}


def kill_case(rng: random.Random, work: Path, k: int) -> list[str]:
    """Kill -9 a CLI run at a random moment (main process alone or the whole group), rerun,
    compare with an uninterrupted run byte for byte."""
    folder = work / f"kill-{k}"
    cases = [jsonl_case(rng, i, "plain") for i in range(40)]
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (folder / c.name).write_bytes(c.data)
    cmd = [sys.executable, "-m", "jeongje", "run", "-i", str(folder), "--workers", "2", "--no-progress",
           "--shard-bytes", "800"]
    ref, out = work / f"kill-{k}-ref", work / f"kill-{k}-out"
    subprocess.run([*cmd, "-o", str(ref)], check=True, capture_output=True)
    proc = subprocess.Popen([*cmd, "-o", str(out)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.5, 6.0))
    whole_group = rng.random() < 0.5
    if proc.poll() is None:
        (os.killpg if whole_group else os.kill)(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True)
    if rerun.returncode != 0:
        return [f"kill {k}: rerun failed: {rerun.stderr[-300:]}"]
    diff = [str(p.relative_to(ref)) for d in ("documents", "ledger", "edits") for p in sorted((ref / d).iterdir())
            if not (out / p.relative_to(ref)).is_file() or (out / p.relative_to(ref)).read_bytes() != p.read_bytes()]
    return [f"kill {k}: files differ: {diff[:3]}"] if diff else []


def fuzz(cases: int, seed: int, work: Path, per_batch: int = 400, kills: int = 0, fast: bool = False) -> dict:
    global REPEATS
    if fast:
        REPEATS = FAST_REPEATS
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    total: Counter = Counter()
    problems: list[str] = []
    done = 0
    batch = 0
    while done < cases:
        n = min(per_batch, cases - done)
        batch_cases = [make_case(rng, done + i) for i in range(n)]
        folder = work / f"batch-{batch}"
        write_cases(folder, batch_cases, rng)
        result = run_batch(folder, batch_cases, work, "jsonl" if batch % 3 == 2 else "parquet")
        total.update(result["figures"])
        problems += result["problems"]
        done += n
        batch += 1
    for k in range(kills):
        problems += kill_case(rng, work, k)
        total["kills"] += 1
    total["cases"] = done
    total["kill_problems"] = sum(p.startswith("kill") for p in problems)
    return {"figures": dict(total), "problems": problems}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kills", type=int, default=0)
    ap.add_argument("--per-batch", type=int, default=400)
    ap.add_argument("--work", type=Path, default=Path("/tmp/jeongje-fuzz"))
    args = ap.parse_args()
    t = time.perf_counter()
    result = fuzz(args.cases, args.seed, args.work, args.per_batch, args.kills)
    for p in result["problems"][:50]:
        print("problem:", p)
    print(json.dumps(result["figures"], indent=1, sort_keys=True))
    print(f"wall seconds: {time.perf_counter() - t:.0f}")


if __name__ == "__main__":
    main()
