"""Quality gates for rights classification, boilerplate removal and repetition repair.

Floors live in floors/*.json; the minimums below are the issue's and cannot be lowered
by editing a floor file alone.
"""

from __future__ import annotations

import re
import unicodedata

from jeongje.record import Document, Source
from jeongje.stages.boilerplate import BoilerplateRemover
from jeongje.stages.normalize import UnicodeNormalizer
from jeongje.stages.repetition import RepetitionRepairer
from jeongje.stages.rights import RightsFilter
from tests.helpers import assert_floor, load_cases


def doc(text: str, i: str = "case") -> Document:
    return Document(i, text, Source("cases.jsonl", line=1))


def run_stage(stage, d: Document) -> None:
    d.begin_stage()
    stage.process(d)


def test_rights_classification_gate():
    stage = RightsFilter(use_registry=False)
    cases = load_cases("rights")
    correct = in_body_fp = 0
    wrong = []
    for c in cases:
        d = doc(c["text"], c["id"])
        run_stage(stage, d)
        got = d.metadata["rights"]["class"]
        correct += got == c["expected"]
        if got != c["expected"]:
            wrong.append((c["id"], c["expected"], got))
        if c["in_body_mention"] and c["expected"] == "none" and got != "none":
            in_body_fp += 1
    assert in_body_fp == 0, f"in-body mentions classified as notices: {wrong}"
    assert_floor("rights", "accuracy", correct / len(cases), 0.99)


def _norm(item: str) -> str:
    """A listed substring as the normaliser leaves it (NFC, no ZWSP, single spaces)."""
    item = unicodedata.normalize("NFC", item.replace("\u200b", ""))
    return re.sub(r"[ \t\u00a0\u3000]+", " ", item).strip()


def _masked(edits, length):
    mask = [False] * length
    for e in edits:
        for i in range(e.start, e.end):
            mask[i] = True
    return mask


def test_boilerplate_removal_gate():
    normalizer, remover = UnicodeNormalizer(), BoilerplateRemover()
    tp = fn = fp = 0
    meta_ok = meta_total = 0
    problems = []
    for c in load_cases("boilerplate"):
        d = doc(c["text"], c["id"])
        run_stage(normalizer, d)
        received = d.text
        run_stage(remover, d)
        mask = _masked([e for e in d.edits if e.stage == remover.name], len(received))
        for item in c["boilerplate"]:
            needle = _norm(item)
            i = received.find(needle)
            assert i >= 0, (c["id"], needle)
            if sum(mask[i:i + len(needle)]) >= 0.9 * len(needle):
                tp += 1
            else:
                fn += 1
                problems.append(("missed", c["id"], needle))
        for item in c["body"]:
            needle = _norm(item)
            i = received.find(needle)
            assert i >= 0, (c["id"], needle)
            if any(mask[i:i + len(needle)]) or needle not in d.text:
                fp += 1
                problems.append(("damaged", c["id"], needle))
        for key, expected in (c.get("metadata") or {}).items():
            meta_total += 1
            got = d.metadata.get("publisher_from_text" if key == "publisher" else key)
            meta_ok += got == expected
            if got != expected:
                problems.append(("metadata", c["id"], key, expected, got))
    print(*problems, sep="\n")
    assert_floor("boilerplate", "precision", tp / (tp + fp), 0.98)
    assert_floor("boilerplate", "recall", tp / (tp + fn), 0.95)
    assert_floor("boilerplate", "metadata_accuracy", meta_ok / meta_total, 0.90)


def test_repetition_repair_is_exact_on_every_case():
    stage = RepetitionRepairer()
    changed = [c for c in load_cases("repetition") if c["text"] != c["expected"]]
    unchanged = [c for c in load_cases("repetition") if c["text"] == c["expected"]]
    assert len(changed) >= 15 and len(unchanged) >= 8
    for c in changed + unchanged:
        d = doc(c["text"], c["id"])
        run_stage(stage, d)
        assert d.text == c["expected"], c["id"]
    assert_floor("repetition", "exact", 1.0, 1.0)
