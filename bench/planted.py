"""A labelled Korean near-duplicate set, built reproducibly from ../shared/data and a seed.

Originals are real news bodies and petitions (natural near-duplicates among them removed
by exact character 5-gram Jaccard >= 0.3); a share of them get planted copies, each with
one known edit: `exact`, `char_edit` (1-3 % characters substituted, inserted or deleted),
`sentence_drop` (one sentence of many), `truncation` (last 10-15 % cut), `reflow` (line
breaks and spaces changed) or `boilerplate` (a dateline, byline and notice added, as
another outlet would). Nothing is written into the repository: `build` returns records.

    .venv/bin/python bench/planted.py --seed 7 --originals 400 --out /tmp/planted.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

EDITS = ("exact", "char_edit", "sentence_drop", "truncation", "reflow", "boilerplate")
_SENT = re.compile(r"(?<=[.!?다])\s+|(?<=다\.)(?=\S)")
_HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4, 37)]
_OUTLETS = ["한빛뉴스", "새누리통신", "동녘경제", "푸른신문"]
_NAMES = ["김민준", "이서연", "박도윤", "최하린"]


def _shingles(text: str, n: int = 5) -> set[str]:
    t = re.sub(r"\s+", " ", text).strip().lower()
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))}


def jaccard(a: str, b: str) -> float:
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def _load(data: Path) -> list[tuple[str, str]]:
    docs = []
    with open(data / "ko-news-2019" / "articles.jsonl", encoding="utf-8") as f:
        docs += [("news", json.loads(line)["body"]) for line in f]
    for p in sorted((data / "ko-petitions").glob("*.jsonl")):
        with open(p, encoding="utf-8") as f:
            docs += [("petition", json.loads(line)["content"]) for line in f]
    return [(k, t) for k, t in docs if 400 <= len(t) <= 6000]


def _independent(pool: list[tuple[str, str]], want: int, rng: random.Random) -> list[tuple[str, str]]:
    """`want` documents with no pair at char-5-gram Jaccard >= 0.3 (inverted index check)."""
    rng.shuffle(pool)
    chosen: list[tuple[str, str]] = []
    index: dict[str, list[int]] = {}
    sizes: list[int] = []
    for kind, text in pool:
        sh = _shingles(text)
        shared = Counter(j for s in sh for j in index.get(s, ()))
        if any(c / (len(sh) + sizes[j] - c) >= 0.3 for j, c in shared.items()):
            continue
        for s in sh:
            index.setdefault(s, []).append(len(chosen))
        sizes.append(len(sh))
        chosen.append((kind, text))
        if len(chosen) == want:
            break
    return chosen


def _edit(text: str, kind: str, rng: random.Random) -> str:
    if kind == "exact":
        return text
    if kind == "char_edit":
        chars = list(text)
        for _ in range(max(1, int(len(chars) * rng.uniform(0.01, 0.03)))):
            i = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[i] = rng.choice(_HANGUL)
            elif op < 0.7:
                chars.insert(i, rng.choice(_HANGUL))
            else:
                del chars[i]
        return "".join(chars)
    sentences = [s for s in _SENT.split(text) if s]
    if kind == "sentence_drop" and len(sentences) >= 8:
        del sentences[rng.randrange(1, len(sentences))]
        return " ".join(sentences)
    if kind == "truncation":
        return text[: int(len(text) * rng.uniform(0.85, 0.9))]
    if kind == "reflow":  # the same sentences, other line breaks
        lines, i = [], 0
        while i < len(sentences):
            step = rng.randint(1, 3)
            lines.append(" ".join(sentences[i:i + step]))
            i += step
        return "\n".join(lines)
    if kind == "boilerplate":
        outlet, name = rng.choice(_OUTLETS), rng.choice(_NAMES)
        return (f"(서울={outlet}) {name} 기자 = {text}\n\n{name} 기자 reporter@example.co.kr\n"
                f"<저작권자(c) {outlet}, 무단 전재-재배포 금지>")
    return text  # sentence_drop on a short text: an exact copy


def build(data: Path, seed: int = 7, originals: int = 400, dup_share: float = 0.5) -> list[dict[str, Any]]:
    """Records {id, text, cluster, edit, source_kind}; `cluster` is the original's id."""
    rng = random.Random(seed)
    chosen = _independent(_load(data), originals, rng)
    records = []
    for i, (kind, text) in enumerate(chosen):
        oid = f"o{i:05d}"
        records.append({"id": oid, "text": text, "cluster": oid, "edit": "original", "source_kind": kind})
        if rng.random() < dup_share:
            for c in range(rng.randint(1, 3)):
                edit = rng.choice(EDITS)
                records.append({"id": f"{oid}-c{c}", "text": _edit(text, edit, rng), "cluster": oid,
                                "edit": edit, "source_kind": kind})
    rng.shuffle(records)
    return records


def predicted_clusters(ids: Iterable[str], removed: dict[str, str]) -> dict[str, str]:
    """Each id's predicted cluster (its smallest member id), from the `duplicate_of` links."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in removed.items():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}


def score(records: list[dict[str, Any]], removed: dict[str, str]) -> dict[str, Any]:
    """Keeper-agnostic scores. `removed` maps each removed id to the id it duplicates.

    Removal P/R/F1: in a true cluster of m documents, m-1 removals are right. ARI compares
    the predicted clusters (from duplicate_of links) with the true ones. Recall per edit
    type: a copy counts as found when it and its original end in one predicted cluster.
    """
    truth = {r["id"]: r["cluster"] for r in records}
    predicted = predicted_clusters(truth, removed)
    sizes = Counter(truth.values())
    removed_per = Counter(truth[i] for i in removed)
    tp = sum(min(removed_per[c], sizes[c] - 1) for c in sizes)
    fp = len(removed) - tp
    fn = sum(sizes[c] - 1 for c in sizes) - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    per_edit: dict[str, list[int]] = {}
    for rec in records:
        if rec["edit"] != "original":
            hit = predicted[rec["id"]] == predicted[rec["cluster"]]
            slot = per_edit.setdefault(rec["edit"], [0, 0])
            slot[0] += hit
            slot[1] += 1
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "ari": _ari(list(truth.values()), [predicted[i] for i in truth]),
            "removed": len(removed), "ideal": sum(sizes[c] - 1 for c in sizes),
            "recall_by_edit": {k: round(v[0] / v[1], 4) for k, v in sorted(per_edit.items())}}


PARTIAL = ("paragraph_added", "paragraph_dropped", "cut_in_half", "block_added")


def _partial(text: str, kind: str, donor: str, rng: random.Random) -> str:
    """A partial copy: most of the original with a block of other text added, a third of
    its sentences dropped, its second part cut off, or a long notice block appended."""
    sentences = [s for s in _SENT.split(text) if s]
    if kind == "paragraph_added":
        at = rng.randrange(1, max(2, len(sentences)))
        extra = donor[: max(120, int(len(text) * rng.uniform(0.25, 0.5)))]
        return " ".join(sentences[:at]) + "\n\n" + extra + "\n\n" + " ".join(sentences[at:])
    if kind == "paragraph_dropped" and len(sentences) >= 6:
        k = max(1, len(sentences) // 3)
        start = rng.randrange(1, len(sentences) - k + 1)
        return " ".join(sentences[:start] + sentences[start + k:])
    if kind == "block_added":
        outlet, name = rng.choice(_OUTLETS), rng.choice(_NAMES)
        block = (f"\n\n[관련 기사]\n{donor[:200]}\n\n{name} 기자 reporter@example.co.kr\n"
                 f"<저작권자(c) {outlet}, 무단 전재-재배포 금지> 이 기사는 {outlet}의 제휴 기사입니다.")
        return text + block
    return text[: int(len(text) * rng.uniform(0.55, 0.7))]  # cut_in_half (and a short sentence_drop)


def build_partial(data: Path, seed: int = 11, originals: int = 300) -> list[dict[str, Any]]:
    """The partial-copy tier: each original gets one copy by a `PARTIAL` edit (a third of
    them also 1 % of characters edited); records carry the copy's exact `jaccard` to its
    original. Text added by an edit is taken from a document outside the set."""
    rng = random.Random(seed)
    chosen = _independent(_load(data), originals * 2, rng)
    records = []
    for i, (kind, text) in enumerate(chosen[:originals]):
        oid = f"p{i:05d}"
        records.append({"id": oid, "text": text, "cluster": oid, "edit": "original", "source_kind": kind})
        edit = rng.choice(PARTIAL)
        copy = _partial(text, edit, chosen[originals + i][1], rng)
        if rng.random() < 1 / 3:
            copy = _light(copy, rng)
        records.append({"id": f"{oid}-c0", "text": copy, "cluster": oid, "edit": edit, "source_kind": kind,
                        "jaccard": round(jaccard(text, copy), 4)})
    rng.shuffle(records)
    return records


def _light(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(max(1, len(chars) // 100)):
        chars[rng.randrange(len(chars))] = rng.choice(_HANGUL)
    return "".join(chars)


def score_tiers(records: list[dict[str, Any]], removed: dict[str, str]) -> dict[str, Any]:
    """`score`, plus copy recall per exact-Jaccard tier of the copy to its original."""
    out = score(records, removed)
    predicted = predicted_clusters({r["id"]: r["cluster"] for r in records}, removed)
    tiers: dict[str, list[int]] = {}
    for rec in records:
        if rec["edit"] != "original":
            j = rec["jaccard"]
            tier = ">=0.75" if j >= 0.75 else "0.5-0.75" if j >= 0.5 else "<0.5"
            slot = tiers.setdefault(tier, [0, 0])
            slot[0] += predicted[rec["id"]] == predicted[rec["cluster"]]
            slot[1] += 1
    out["recall_by_tier"] = {k: (round(v[0] / v[1], 4), v[1]) for k, v in sorted(tiers.items())}
    return out


def _ari(a: list[str], b: list[str]) -> float:
    def comb2(n: int) -> float:
        return n * (n - 1) / 2

    pairs = Counter(zip(a, b, strict=True))
    index = sum(comb2(n) for n in pairs.values())
    sa = sum(comb2(n) for n in Counter(a).values())
    sb = sum(comb2(n) for n in Counter(b).values())
    expected = sa * sb / comb2(len(a)) if len(a) > 1 else 0.0
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--originals", type=int, default=400)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    recs = build(Path(args.data), args.seed, args.originals)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(recs)} records, {sum(r['edit'] != 'original' for r in recs)} planted copies -> {args.out}")


if __name__ == "__main__":
    main()
