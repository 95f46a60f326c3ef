"""Near-duplicate decisions on real corpora an auditor can check row by row: with the
default recipe, every `near_duplicate` drop names a kept document, and the similarity it
records (the link to that kept document, verified exactly) reaches its measure's threshold.
Union-find chained drops below it on these corpora (59% of checkable NSMC drops had an
exact Jaccard below 0.7 to their kept twin)."""

from __future__ import annotations

import json

import pytest

import jeongje
from jeongje.recipe import load_recipe, recipe_from_dict


def _default_recipe(min_chars: int | None = None):
    data = load_recipe("korean-news").to_dict()
    if min_chars is not None:  # movie reviews are one line: the length filter relaxed, and
        # the page-quality filter (15 words and more) left out
        data["stages"] = [s for s in data["stages"] if s["stage"] != "filter.quality"]
        for spec in data["stages"]:
            if spec["stage"] == "filter.length":
                spec["params"] = {"min_chars": min_chars}
    return recipe_from_dict(data)


@pytest.mark.slow
@pytest.mark.parametrize("subpath, text_field, id_field, min_chars", [
    ("ko-reviews-nsmc/reviews-07.jsonl.gz", "review", "review_id", 10),
    ("ko-news-2019/articles.jsonl", "body", "id", None),
])
def test_every_near_duplicate_drop_is_within_its_threshold_of_a_kept_document(
        shared_data, tmp_path, subpath, text_field, id_field, min_chars):
    jeongje.run(str(shared_data / subpath), tmp_path / "out", _default_recipe(min_chars),
                text_field=text_field, id_field=id_field, workers=2, progress=False)
    ledger = jeongje.read_ledger(tmp_path / "out").select(["id", "outcome", "reason", "detail"]).to_pylist()
    kept = {r["id"] for r in ledger if r["outcome"] == "kept"}
    drops = [json.loads(r["detail"]) for r in ledger if r["reason"] == "near_duplicate"]
    assert len(drops) > 10  # both corpora have real near-duplicates (24 and 150-odd)
    below = [d for d in drops if d["similarity"] < d["threshold"]]
    assert below == []
    assert [d for d in drops if d["duplicate_of"] not in kept] == []
    for d in drops:
        assert d["measure"] in ("jaccard", "containment") and d["verify"] == "exact"
        assert d["linked_through"] == d["duplicate_of"]  # star: the link is to the kept document
        assert d[d["measure"]] == d["similarity"]
