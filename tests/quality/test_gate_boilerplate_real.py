"""Boilerplate gate on real text we labelled ourselves (labels/boilerplate_real.jsonl,
LABELLING.md): 236 ko-news-2019 articles (up to four per outlet, all 67 outlets), 20
petitions and 30 movie reviews, as ids + raw character offsets + kind.

Recall per labelled kind: a span counts as found when the stage removes >= 90% of its
characters. Precision per removed kind: a removal counts as right when >= 90% of its
non-space characters are labelled boilerplate. Body damage: removed characters outside
every label, over all unlabelled non-space characters.

Floors are pinned at what we measured when the labels were made (2026-12-04), kept below
the issue's targets (P >= 0.98, R >= 0.97 per kind with >= 20 spans, body <= 0.5%) where
we are below them; raise them as rules improve, never lower them to pass.
"""

from __future__ import annotations

import pytest

from tests.quality.real_labels import DATA, load_labels, removals, source_texts

pytestmark = pytest.mark.skipif(not (DATA / "ko-news-2019").exists(),
                                reason="../shared/data (real corpora) is not present")

MIN_SPANS = 20  # kinds with fewer labelled spans are reported, not gated
# measured 2026-12-04 on the labels as committed
# (measured: byline R 133/138 = 0.964, promo R 96/105 = 0.914, photo_caption R 30/30,
# photo_credit R 11/29 = 0.379 — glued ⓒ credits after captions; P 1.000 except
# photo_caption 29/30 = 0.967; body removed 0.002%). Targets: P 0.98, R 0.97.
RECALL_FLOORS = {"byline": 0.96, "promo": 0.91, "photo_caption": 1.0, "photo_credit": 0.37}
PRECISION_FLOORS = {"byline": 1.0, "promo": 1.0, "photo_caption": 0.96, }
BODY_REMOVED_MAX = 0.005


def _score():
    labels = load_labels()
    texts = source_texts(labels)
    found: dict[str, list[int]] = {}
    right: dict[str, list[int]] = {}
    body_chars = body_removed = 0
    misses = []
    for lab in labels:
        text = texts[(lab["source"], lab["id"])]
        gold = [False] * len(text)
        for s, e, _k in lab["spans"]:
            for i in range(s, e):
                gold[i] = True
        cut = [False] * len(text)
        got = removals(text)
        for s, e, _k in got:
            for i in range(s, min(e, len(text))):
                cut[i] = True
        for s, e, k in lab["spans"]:
            hit = sum(cut[s:e]) >= 0.9 * (e - s)
            found.setdefault(k, [0, 0])[0] += hit
            found[k][1] += 1
            if not hit:
                misses.append(("missed", lab["id"], s, e, k))
        for s, e, k in got:
            chars = [i for i in range(s, min(e, len(text))) if not text[i].isspace()]
            ok = not chars or sum(gold[i] for i in chars) >= 0.9 * len(chars)
            right.setdefault(k, [0, 0])[0] += ok
            right[k][1] += 1
            if not ok:
                misses.append(("over", lab["id"], s, e, k))
        for i, ch in enumerate(text):
            if not gold[i] and not ch.isspace():
                body_chars += 1
                body_removed += cut[i]
    return found, right, body_removed / max(body_chars, 1), misses


def test_boilerplate_on_real_labelled_text():
    found, right, body, misses = _score()
    print(*misses, sep="\n")
    for k, (hit, n) in sorted(found.items()):
        print(f"recall {k}: {hit}/{n} = {hit / n:.3f}")
    for k, (ok, n) in sorted(right.items()):
        print(f"precision {k}: {ok}/{n} = {ok / n:.3f}")
    print(f"body characters removed: {100 * body:.3f}%")
    for k, floor in RECALL_FLOORS.items():
        hit, n = found[k]
        assert n >= MIN_SPANS, (k, n)
        assert hit / n >= floor, f"recall {k} = {hit / n:.3f} < {floor}"
    for k, floor in PRECISION_FLOORS.items():
        ok, n = right[k]
        assert n >= MIN_SPANS, (k, n)
        assert ok / n >= floor, f"precision {k} = {ok / n:.3f} < {floor}"
    assert body <= BODY_REMOVED_MAX, f"removed body characters {100 * body:.3f}% > 0.5%"
