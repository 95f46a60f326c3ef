"""A planted-leak set for benchmark decontamination, built at run time from ../shared/data.

Real benchmark items (ko-bench, read through jeongje's own benchmark descriptions) are
written into real documents (ko-news-2019 articles and ko-web blog posts) the ways web
pages reproduce them, one way per planted document:

  whole        passage, question, options one per line with ①-④, the answer key after
  inline       options on one line, numbered (1) (2) (3) (4)
  numbering    options numbered 가. 나. 다. / A. B. C. and question numbered `12.`
  spacing      spaces dropped and added at random, some particles swapped (은/는, 이/가, 을/를)
  html         segments joined with <br>, <p>, &nbsp; as a pasted page keeps them
  nfd          the whole item in NFD (decomposed Hangul)
  partial      the question with the first half of its options
  passage_only the passage alone (items with a passage and questions)
  question_only the question alone (items with options)

The three partial ways are planted only where what stays has 40 letters or more: a
shorter stem (`다음 중 옳은 것은?`), a 17-letter NLI premise or a COPA premise with one of
its endings does not identify an item.
  commentary   the item cut by commentary lines between question and options

The negatives are the unplanted corpora (all of ko-news-2019, petitions, ko-web). Nothing
is written into the repository (several benchmark licences forbid derivatives).

    .venv/bin/python bench/decontam_planted.py --per-benchmark 30
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WAYS = ("whole", "inline", "numbering", "spacing", "html", "nfd", "partial", "passage_only", "question_only",
        "commentary")
_CIRCLED = "①②③④⑤⑥⑦⑧"
_HANGUL_NUM = "가나다라마바사아"
_SWAP = {"은": "는", "는": "은", "이": "가", "가": "이", "을": "를", "를": "을"}
_LEADS = ["오늘 정리한 기출 문제입니다. 헷갈리는 부분 위주로 보세요.",
          "아래 문제 같이 풀어 봐요. 댓글로 답 남겨 주세요!",
          "시험 전날 복습용으로 올립니다.",
          "이번 주 스터디에서 다룬 문항을 옮겨 둡니다."]
_NOTES = ["(여기까지 읽고 잠깐 생각해 보세요)", "--- 보기는 아래에 ---", "이 부분이 핵심입니다."]


def items(data: Path) -> list[Any]:
    """Every item of ko-bench, read with the built-in descriptions."""
    from jeongje.decontam.benchmarks import find_files, load_benchmarks, read_items

    pairs = find_files([str(data / "ko-bench")], load_benchmarks())
    return [item for bench, path in pairs for item in read_items(bench, path)]


def hosts(data: Path) -> list[tuple[str, str]]:
    """(id, text) of the documents the leaks are planted into."""
    out = []
    with open(data / "ko-news-2019" / "articles.jsonl", encoding="utf-8") as f:
        out += [(f"news-{r['id']}", r["body"]) for r in map(json.loads, f)]
    with open(data / "ko-web" / "naver-blog-velog.jsonl", encoding="utf-8") as f:
        out += [(f"web-{r['id']}", r["text"]) for r in map(json.loads, f)]
    return [(i, t) for i, t in out if len(t) >= 300]


def negatives(data: Path) -> list[tuple[str, str]]:
    """(id, text) of the unplanted corpora: all of ko-news-2019, petitions and ko-web."""
    out = []
    with open(data / "ko-news-2019" / "articles.jsonl", encoding="utf-8") as f:
        out += [(f"news-{r['id']}", r["body"]) for r in map(json.loads, f)]
    for p in sorted((data / "ko-petitions").glob("*.jsonl")):
        with open(p, encoding="utf-8") as f:
            out += [(f"petition-{r['petition_idx']}", r["content"]) for r in map(json.loads, f)]
    for name in ("naver-blog-velog.jsonl", "dcinside.jsonl"):
        with open(data / "ko-web" / name, encoding="utf-8") as f:
            out += [(f"web-{r['id']}", r["text"]) for r in map(json.loads, f)]
    return out


def _parts(item: Any) -> tuple[list[str], list[str], list[str]]:
    by = defaultdict(list)
    for text, role in zip(item.texts, item.roles, strict=True):
        by[role].append(text.strip())
    return by["passage"], by["question"], by["options"]


def _spacing(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    out = []
    for w in words:
        if len(w) > 2 and w[-1] in _SWAP and rng.random() < 0.15:
            w = w[:-1] + _SWAP[w[-1]]
        if len(w) > 4 and rng.random() < 0.05:
            cut = rng.randrange(2, len(w) - 1)
            w = w[:cut] + " " + w[cut:]
        out.append(w)
    joined = ""
    for i, w in enumerate(out):
        joined += w if i == 0 else ("" if rng.random() < 0.3 else " ") + w
    return joined


def applies(item: Any, way: str) -> bool:
    """Whether a way of reproduction makes sense for an item (see the module docstring)."""
    passage, question, options = _parts(item)
    if way == "partial":
        return len(options) >= 2 and _letters([*passage, *question, *options[: (len(options) + 1) // 2]]) >= 40
    if way == "passage_only":
        return bool(passage) and bool(question or options) and _letters(passage) >= 40
    if way == "question_only":
        return len(options) >= 2 and _letters(question) >= 40
    return True


def _letters(texts: list[str]) -> int:
    return sum(ch.isalnum() for t in texts for ch in t)


def render(item: Any, way: str, rng: random.Random) -> str:
    """The item as a page would carry it (see the module docstring)."""
    passage, question, options = _parts(item)
    answer = f"정답: {_CIRCLED[rng.randrange(max(1, min(len(options), 8)))]}"
    circled = [f"{_CIRCLED[i % 8]} {o}" for i, o in enumerate(options)]
    if way == "whole":
        return "\n".join([*passage, *question, *circled, answer])
    if way == "inline":
        return "\n".join([*passage, *question, " ".join(f"({i + 1}) {o}" for i, o in enumerate(options))])
    if way == "numbering":
        marks = _HANGUL_NUM if rng.random() < 0.5 else "ABCDEFGH"
        head = [f"{rng.randrange(1, 40)}. {q}" for q in question]
        return "\n".join([*passage, *head, *(f"{marks[i % 8]}. {o}" for i, o in enumerate(options))])
    if way == "spacing":
        return "\n".join(_spacing(t, rng) for t in [*passage, *question, *circled])
    if way == "html":
        return "<p>" + "<br>".join([*passage, *question, *(f"&nbsp;{c}" for c in circled)]) + "</p>"
    if way == "nfd":
        return unicodedata.normalize("NFD", "\n".join([*passage, *question, *circled]))
    if way == "partial":
        return "\n".join([*passage, *question, *circled[: (len(circled) + 1) // 2]])
    if way == "passage_only":
        return "\n".join(passage)
    if way == "question_only":
        return "\n".join(question)
    if way == "commentary":
        return "\n".join([*passage, *question, rng.choice(_NOTES), *circled, answer, "해설은 다음 글에서 이어집니다."])
    raise ValueError(f"unknown way {way!r}")


def _plant(host: str, leak: str, rng: random.Random) -> str:
    cuts = [m.end() for m in re.finditer(r"다\.\s*", host)] or [len(host)]
    at = cuts[len(cuts) // 2 - 1] if len(cuts) > 1 else cuts[0]
    return f"{host[:at]}\n{rng.choice(_LEADS)}\n{leak}\n{host[at:]}"


def build(data: Path, seed: int = 7, per_benchmark: int = 30, skip: set[tuple[str, str]] | None = None,
          ways: tuple[str, ...] = WAYS) -> list[dict[str, Any]]:
    """Planted documents: `per_benchmark` items of each benchmark per way (items in `skip`,
    the index's `too_short` ones, left out), each in its own host document. Each record:
    id, text, benchmark, item, way."""
    rng = random.Random(seed)
    pool = hosts(data)
    by_bench: dict[str, list[Any]] = defaultdict(list)
    for item in items(data):
        if (item.benchmark, item.id) not in (skip or set()):
            by_bench[item.benchmark].append(item)
    out = []
    for bench in sorted(by_bench):
        chosen = rng.sample(by_bench[bench], min(per_benchmark, len(by_bench[bench])))
        for way in ways:
            for item in (i for i in chosen if applies(i, way)):
                leak = render(item, way, rng)
                host_id, host = rng.choice(pool)
                out.append({"id": f"{bench}/{way}/{len(out)}", "text": _plant(host, leak, rng),
                            "benchmark": bench, "item": item.id, "way": way, "host": host_id})
    return out


@dataclass(frozen=True)
class Found:
    """One item a matcher reported for a document."""

    benchmark: str
    item: str


def score(records: list[dict[str, Any]], found: list[list[Any]]) -> dict[str, Any]:
    """Recall overall, per way and per benchmark: a planted document counts as found when
    its item is among the matches."""
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for rec, matches in zip(records, found, strict=True):
        ok = any(m.benchmark == rec["benchmark"] and m.item == rec["item"] for m in matches)
        for key in ("all", f"way:{rec['way']}", f"benchmark:{rec['benchmark']}"):
            total[key] += 1
            hit[key] += ok
    return {k: round(hit[k] / total[k], 4) for k in sorted(total)} | {"planted": total["all"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-benchmark", type=int, default=30)
    args = parser.parse_args()
    records = build(Path(args.data), args.seed, args.per_benchmark)
    print(json.dumps(Counter(r["way"] for r in records)))


if __name__ == "__main__":
    main()
