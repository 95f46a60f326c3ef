"""Quality gate for the Korean spam rule (filter.spam) on cases/spam.jsonl.

Floors live in floors/spam.json; the minimums below are the issue's and cannot be lowered
by editing the floor file alone. The ham false-positive count is pinned as a ceiling.
"""

from __future__ import annotations

import json

from jeongje.record import Document, Source
from jeongje.stages.spam import SpamFilter
from tests.helpers import FLOOR_DIR, assert_floor, load_cases


def test_spam_classification_gate():
    stage = SpamFilter()
    tp = fp = fn = 0
    wrong = []
    for case in load_cases("spam"):
        drop = stage.process(Document(case["id"], case["text"], Source("spam.jsonl", line=1)))
        predicted = drop is not None and drop.reason == "spam"
        actual = case["expected"] == "spam"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        if predicted != actual:
            wrong.append((case["id"], case["expected"], drop.detail if drop else None))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"spam gate: tp={tp} fp={fp} fn={fn} misclassified={wrong}")
    assert_floor("spam", "precision", precision, 0.95)
    assert_floor("spam", "recall", recall, 0.90)
    ceiling = json.loads((FLOOR_DIR / "spam.json").read_text(encoding="utf-8"))["ham_false_positives_max"]
    print(f"quality-gate spam.ham_false_positives = {fp} (ceiling {ceiling})")
    assert fp <= ceiling, f"ham documents dropped as spam: {wrong}"
