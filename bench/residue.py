"""Strict residue audit: every pattern a reader would call boilerplate, counted in kept text.

Independent of the cleaning code on purpose: plain regexes over `OUT/documents` (or, with
`--jsonl FILE --field F`, over the texts of a JSONL file, e.g. to see what raw input holds).
Each hit is printed with its context (`--show N` per pattern). A hit is a *mention* and not
residue when the text goes on with the pattern as part of a sentence: a Hangul particle or
a quote right after it, or the word 금지 continuing (금지한, 금지를) — a sentence about
copyright is not a copyright tail. The share that matters is documents with at least one
hit that is not a mention.

    .venv/bin/python bench/residue.py OUT [--show 10]
    .venv/bin/python bench/residue.py --jsonl ../shared/data/ko-news-2019/articles.jsonl --field body
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

EMAIL = r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PATTERNS: dict[str, re.Pattern[str]] = {
    "copyright_mark": re.compile(r"ⓒ|©|Ⓒ|\([cC]\)(?=\s?[가-힣A-Z])|Copyright|저작권자|All rights reserved", re.I),
    "prohibition": re.compile(r"무단\s?(?:전재|복제|배포)|재배포\s?금지|재판매|DB\s?금지|AI\s?학습\s?(?:및\s?활용\s?|이용\s?)?금지"),
    "email": re.compile(EMAIL + r"|(?<![A-Za-z0-9.])[A-Za-z0-9._-]{2,20}@(?![A-Za-z0-9])"),
    "wire_dateline": re.compile(r"[(\[【]\s*[가-힣ㆍ·]{1,12}\s*=\s*[^)\]】\n=]{1,15}[)\]】]"),
    "reporter_equals": re.compile(r"(?:기자|특파원)\s?="),
    "bracket_byline": re.compile(r"[\[<]\s*[^\]\n>\[<]{0,20}[가-힣]{2,4}\s?(?:기자|특파원)\s*(?:[/·,][^\]\n>]{0,30})?[\]>]"),
    "promo_arrow": re.compile(r"[▶☞►]"),
    "promo_box": re.compile(r"■\s?(?:제보|구독|전화|카카오톡|앱|홈페이지)"),
    "prompt": re.compile(r"구독\s?(?:하기|해\s?주세요|신청)|바로\s?가기|받아\s?보세요|보러\s?가기|제보\s?(?:하기|를 기다립니다)"
                         r"|앱\s?(?:다운|설치)|채널\s?추가"),
    "page_chrome": re.compile(r"글자\s?크기|공유하기|이웃추가|이웃\s?추가|(?m:^공감\s*$)|(?m:^칭찬\s*$)|dc official App"
                              r"|이미지 순서 ON|무료만화|(?m:^\d+개의 댓글\s*$)|답글 달기"),
    "photo_credit": re.compile(r"News1|게티이미지|사진공동취재단|/\s?뉴스1|사진\s?=|\[[^\]\n]{1,20}제공\]|\([^)\n]{1,20}제공\)"),
}
# what turns a hit into a mention: the sentence goes on right after it
_MENTION_AFTER = re.compile(r"[가-힣]{0,1}(?:[은는이가을를의에와과도로]|라는|이라)(?![가-힣]{3})|['\"’”]")


def is_mention(text: str, start: int, end: int, kind: str) -> bool:
    after = text[end:end + 4]
    if kind == "prohibition" and text[start:end].startswith("재판매"):
        return not re.match(r"\s?(?:및\s?DB\s?)?금지", text[end:end + 12])  # 재판매하는 것이 … : a sentence
    if kind == "page_chrome" and text[start:end].startswith("공유하기"):
        return bool(re.match(r"\s?(?:위해|위한|에|로|를)", after + text[end + 4:end + 6]))
    if kind == "prompt" and text[start:end].startswith("앱"):
        return bool(re.match(r"\s?(?:나|없이|도|을|를|이|가)", text[end:end + 3]))
    if kind in ("prohibition",):
        tail = re.match(r"[^.\n]{0,20}?금지([가-힣])?", text[end:end + 30])
        return bool(tail and tail.group(1) and tail.group(1) in "를은는한하해라이가의로")
    if kind in ("email",):
        return bool(re.match(r"[가-힣]", after)) and not re.match(r"기자|특파원", after)
    if kind in ("prompt", "photo_credit"):
        return bool(re.match(r"(?:[을를은는이가의도만]|라는|하는|한\s)", after)) or text[start - 1:start] in "'‘\"“"
    if kind == "copyright_mark":
        return text[start:end].startswith("저작권자") and bool(re.match(r"[가-힣]", after))
    return False


def scan(texts: list[tuple[str, str]]) -> dict[str, list[tuple[str, int, int, bool]]]:
    """Per pattern: (doc id, start, end, is_mention) for every hit."""
    found: dict[str, list[tuple[str, int, int, bool]]] = {k: [] for k in PATTERNS}
    for doc_id, text in texts:
        for kind, rx in PATTERNS.items():
            for m in rx.finditer(text):
                found[kind].append((doc_id, m.start(), m.end(), is_mention(text, m.start(), m.end(), kind)))
    return found


def _texts(args: argparse.Namespace) -> list[tuple[str, str]]:
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [(str(r.get("id", i)), r[args.field]) for i, r in enumerate(rows)]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import jeongje

    docs = jeongje.read_documents(args.output).select(["id", "text"]).to_pylist()
    return [(d["id"], d["text"]) for d in docs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", nargs="?")
    ap.add_argument("--jsonl", help="audit the texts of a JSONL file instead of a run's output")
    ap.add_argument("--field", default="text")
    ap.add_argument("--show", type=int, default=0, help="print up to N hits per pattern with context")
    ap.add_argument("--mentions", action="store_true", help="also print hits judged to be mentions")
    args = ap.parse_args()
    if not args.output and not args.jsonl:
        ap.error("give a run's output folder or --jsonl FILE")
    texts = _texts(args)
    by_id = dict(texts)
    found = scan(texts)
    n = max(len(texts), 1)
    print(f"kept documents: {len(texts):,}")
    print("| pattern | hits | mentions | documents with residue | share of kept |\n|---|---:|---:|---:|---:|")
    residue_docs: set[str] = set()
    for kind, hits in found.items():
        docs = {h[0] for h in hits if not h[3]}
        residue_docs |= docs
        print(f"| {kind} | {len(hits):,} | {sum(h[3] for h in hits):,} | {len(docs):,} | {100 * len(docs) / n:.2f}% |")
    print(f"| **any pattern** | | | {len(residue_docs):,} | {100 * len(residue_docs) / n:.2f}% |")
    for kind, hits in found.items():
        shown = [h for h in hits if args.mentions or not h[3]][: args.show]
        for doc_id, s, e, mention in shown:
            t = by_id[doc_id]
            ctx = t[max(0, s - 60):s] + "⟦" + t[s:e] + "⟧" + t[e:e + 60]
            print(f"[{kind}{' mention' if mention else ''}] {doc_id}: …{ctx.replace(chr(10), '⏎')}…")


if __name__ == "__main__":
    main()
