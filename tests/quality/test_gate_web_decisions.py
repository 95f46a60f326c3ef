"""Quality gate for korean-web's keep/drop decisions on a labelled sample of real ones.

cases/web_decisions.jsonl holds 317 decisions of the korean-web recipe on real text in
../shared/data (NSMC reviews, petitions, ko-web pages, news): per drop reason up to 25
drops, and kept texts from each corpus (150 sampled by decision, 40 at random), stored as
corpus + id + decision + reason + label (what a reader judged the right outcome: `keep` or
`drop`), never the text. The gate re-decides every text with the current recipe and checks,
per drop reason, the share of its drops labelled `keep` (false drops), and the share of
kept texts labelled `drop` (false keeps: junk, spam), against the ceilings pinned in
floors/web_decisions.json. The issue asks for at most 2% false drops per reason; where a
pinned ceiling is above that, it is the measured state, not the goal (README, Quality gates).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.helpers import FLOOR_DIR, load_cases
from tests.quality.web_sample import decide, deciders, texts

GOAL = 0.02


@pytest.mark.slow
def test_korean_web_false_drops_per_reason_and_false_keeps(shared_data):
    cases = load_cases("web_decisions")
    assert len(cases) >= 300
    text = texts(shared_data, {(c["corpus"], c["id"]) for c in cases})
    assert len(text) == len(cases), "ids of the sample missing from ../shared/data"
    stages = deciders()
    drops, false_drops, kept, false_keeps = Counter(), Counter(), 0, []
    for case in cases:
        reason = decide(stages, text[(case["corpus"], case["id"])])
        if reason:
            drops[reason] += 1
            false_drops[reason] += case["label"] == "keep"
        else:
            kept += 1
            if case["label"] == "drop":
                false_keeps.append((case["corpus"], case["id"]))
    ceilings = json.loads((FLOOR_DIR / "web_decisions.json").read_text(encoding="utf-8"))
    for reason, n in sorted(drops.items()):
        share = false_drops[reason] / n
        ceiling = ceilings["false_drop_share_max"].get(reason, ceilings["false_drop_share_max"]["other"])
        note = "" if share <= GOAL else f" (above the {GOAL:.0%} goal)"
        print(f"quality-gate web_decisions.false_drops[{reason}] = {false_drops[reason]}/{n} = {share:.3f} "
              f"(ceiling {ceiling}){note}")
        assert share <= ceiling, (reason, share, ceiling)
    share = len(false_keeps) / kept
    print(f"quality-gate web_decisions.false_keeps = {len(false_keeps)}/{kept} = {share:.3f}")
    assert share <= ceilings["false_keep_share_max"], false_keeps
    # the spam rule keeps no spam in the sample, and drops nothing labelled keep
    assert false_drops["filter.spam:spam"] == 0
