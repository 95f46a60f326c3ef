"""Boilerplate gate on real text we labelled ourselves (labels/boilerplate_real.jsonl,
LABELLING.md): 236 ko-news-2019 articles (up to four per outlet, all 67 outlets), 20
petitions and 30 movie reviews, as ids + raw character offsets + kind (581 spans).

Recall per labelled kind: a span counts as found when the stage removes >= 90% of its
characters. Precision per removed kind: a removal counts as right when >= 90% of its
non-space characters are labelled boilerplate. Body damage: removed characters outside
every label, over all unlabelled non-space characters.

Floors are pinned at what we measured when the labels were made; raise them as rules
improve, never lower them to pass.
"""

from __future__ import annotations

import pytest

from tests.quality.real_labels import DATA, load_labels, removals, source_texts

pytestmark = pytest.mark.skipif(not (DATA / "ko-news-2019").exists(),
                                reason="../shared/data (real corpora) is not present")

MIN_SPANS = 20  # kinds with fewer labelled spans are reported, not gated
# Pinned at what we measured on the labels as committed (2026-12-04); the target
# is P >= 0.98 and R >= 0.97 per kind. Measured: recall byline 170/171, promo 185/188,
# copyright_tail 46/46, photo_credit 54/55, broadcast 21/21, photo_caption 54/67 (captions
# glued to a headline or with no credit after them); precision 1.000 for every kind except
# photo_caption 49/51 (two captions that took the headline glued before them); removed
# body characters 0.031%.
RECALL_FLOORS = {"byline": 0.99, "promo": 0.98, "copyright_tail": 1.0, "photo_credit": 0.98,
                 "broadcast": 1.0, "photo_caption": 0.80}
PRECISION_FLOORS = {"byline": 1.0, "promo": 1.0, "photo_credit": 1.0, "broadcast": 1.0,
                    "photo_caption": 0.96}
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
