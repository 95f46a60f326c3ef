"""Quality gate for clean.pii on tests/quality/cases/pii.jsonl.

Each case is run through the stage on a Document; its edits are the predicted spans.

* A gold value is found when an edit of the right type covers it exactly or overlaps at
  least 90% of its characters.
* An edit is correct when it finds a gold value and touches no `negatives` substring;
  every other edit is a false positive.
* precision = correct edits / edits, recall = found gold values / gold values, over all
  cases. Per-type recall is printed (run pytest with -s to see it).
"""

from __future__ import annotations

from collections import Counter

from jeongje.record import Document, Source
from jeongje.stages.pii import PII_TYPES, PiiRedactor
from tests.helpers import assert_floor, load_cases

MIN_RECALL = 0.98
MIN_PRECISION = 0.95


def occurrences(text: str, value: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(value)
    while at != -1:
        spans.append((at, at + len(value)))
        at = text.find(value, at + 1)
    return spans


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(cases: list[dict]) -> dict:
    stage = PiiRedactor()
    gold_n: Counter[str] = Counter()
    found_n: Counter[str] = Counter()
    predicted = correct = 0
    misses: list[str] = []
    false_positives: list[str] = []
    for case in cases:
        text = case["text"]
        doc = Document(id=case["id"], text=text, source=Source("pii.jsonl", 1))
        stage.process(doc)
        preds = [(e.detail["type"], (e.start, e.end)) for e in doc.edits]
        negatives = [span for neg in case["negatives"] for span in occurrences(text, neg)]
        gold = []
        for g in case["pii"]:
            spans = occurrences(text, g["value"])
            assert spans, f"{case['id']}: gold value not in text"
            gold.append((g["type"], spans))
        hit = [False] * len(gold)
        for ptype, pspan in preds:
            predicted += 1
            ok = False
            if not any(overlap(pspan, n) for n in negatives):
                for i, (gtype, spans) in enumerate(gold):
                    if gtype == ptype and any(
                            pspan == s or overlap(pspan, s) >= 0.9 * (s[1] - s[0])
                            for s in spans):
                        hit[i] = ok = True
            if ok:
                correct += 1
            else:
                false_positives.append(f"{case['id']} {ptype} {text[pspan[0]:pspan[1]]!r}")
        for (gtype, _), h in zip(gold, hit, strict=True):
            gold_n[gtype] += 1
            found_n[gtype] += h
            if not h:
                misses.append(f"{case['id']} {gtype}")
    total_gold = sum(gold_n.values())
    return {
        "precision": correct / predicted if predicted else 1.0,
        "recall": sum(found_n.values()) / total_gold if total_gold else 1.0,
        "per_type": {t: (found_n[t], gold_n[t]) for t in PII_TYPES if gold_n[t]},
        "predicted": predicted,
        "misses": misses,
        "false_positives": false_positives,
    }


def test_pii_quality_gate() -> None:
    cases = load_cases("pii")
    result = score(cases)
    print(f"\npii gate over {len(cases)} cases, {result['predicted']} predicted spans")
    for t, (f, n) in result["per_type"].items():
        print(f"  recall {t:15s} {f / n:.3f} ({f}/{n})")
    for line in result["misses"]:
        print(f"  missed: {line}")
    for line in result["false_positives"]:
        print(f"  false positive: {line}")
    assert_floor("pii", "recall", result["recall"], MIN_RECALL)
    assert_floor("pii", "precision", result["precision"], MIN_PRECISION)
