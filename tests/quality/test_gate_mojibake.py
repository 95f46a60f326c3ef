"""Quality gate "mojibake repaired exactly where repairable" on
tests/quality/cases/mojibake.jsonl.

Every case runs as a Document through `normalize.mojibake` and then `normalize.unicode`
(the order a recipe must use):

* repair_exact_rate: cases with a non-null `expected` (kind other than `clean`) whose kept
  output equals `expected` exactly;
* clean_unchanged_rate: `clean` cases kept and unchanged;
* unrepairable_drop_rate: null-`expected` cases dropped with reason `mojibake` (not kept
  garbled).
"""

from __future__ import annotations

from jeongje.record import Document, Drop, Source
from jeongje.stages.mojibake import MojibakeRepair
from jeongje.stages.normalize import UnicodeNormalizer
from tests.helpers import assert_floor, load_cases

MINIMUM = 1.0  # all three metrics: the issue asks for exact repair and no silent garbage


def run_case(case: dict) -> tuple[str, Drop | None]:
    doc = Document(id=case["id"], text=case["text"], source=Source("mojibake.jsonl", 1))
    for stage in (MojibakeRepair(), UnicodeNormalizer()):
        doc.begin_stage()
        drop = stage.process(doc)
        if drop is not None:
            assert drop.reason in stage.reasons
            return doc.text, drop
    return doc.text, None


def test_mojibake_gate() -> None:
    cases = load_cases("mojibake")
    repairable = [c for c in cases if c["expected"] is not None and c["kind"] != "clean"]
    clean = [c for c in cases if c["kind"] == "clean"]
    lossy = [c for c in cases if c["expected"] is None]
    assert len(repairable) + len(clean) + len(lossy) == len(cases)
    failures = []
    exact = unchanged = dropped = 0
    for case in repairable:
        text, drop = run_case(case)
        ok = drop is None and text == case["expected"]
        exact += ok
        if not ok:
            failures.append((case["id"], drop or text))
    for case in clean:
        text, drop = run_case(case)
        ok = drop is None and text == case["text"] == case["expected"]
        unchanged += ok
        if not ok:
            failures.append((case["id"], drop or text))
    for case in lossy:
        _, drop = run_case(case)
        ok = drop is not None and drop.reason == "mojibake"
        dropped += ok
        if not ok:
            failures.append((case["id"], "kept"))
    for failure in failures:
        print("mojibake gate failure:", *failure)
    assert_floor("mojibake", "repair_exact_rate", exact / len(repairable), MINIMUM)
    assert_floor("mojibake", "clean_unchanged_rate", unchanged / len(clean), MINIMUM)
    assert_floor("mojibake", "unrepairable_drop_rate", dropped / len(lossy), MINIMUM)


def test_gate_drops_say_what_they_saw() -> None:
    for case in load_cases("mojibake"):
        if case["expected"] is None:
            _, drop = run_case(case)
            assert drop is not None
            assert drop.detail["kind"] == case["kind"]
            assert drop.detail["sample"] and drop.detail["sample"] in case["text"]
            assert 0 < drop.detail["garbled_share"] <= 1


def test_repairs_are_recorded_with_their_kind() -> None:
    for case in load_cases("mojibake"):
        if case["expected"] is None or case["kind"] == "clean":
            continue
        doc = Document(id=case["id"], text=case["text"], source=Source("mojibake.jsonl", 1))
        assert MojibakeRepair().process(doc) is None
        assert doc.edits and {e.reason for e in doc.edits} == {"mojibake_repair"}
        assert {e.detail["kind"] for e in doc.edits} == {case["kind"]}
        assert doc.metadata["mojibake_repaired"] == case["kind"]
