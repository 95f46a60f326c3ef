"""Conservation over real corpora from ../shared/data (skipped where the folder is absent)."""

from __future__ import annotations

import pytest

import jeongje


@pytest.mark.slow
@pytest.mark.parametrize("subpath, text_field, id_field, expected", [
    ("ko-news-2019/articles.jsonl", "body", "id", 2019),
    ("ko-petitions", "content", None, 3691),
    ("ko-reviews-nsmc/reviews-07.jsonl.gz", "review", "review_id", None),
])
def test_every_real_record_gets_exactly_one_outcome(shared_data, tmp_path, subpath, text_field,
                                                    id_field, expected):
    result = jeongje.run(str(shared_data / subpath), tmp_path / "out", workers=2,
                         text_field=text_field, id_field=id_field, progress=False)
    c = result.counts
    assert c["kept"] + c["dropped"] + c["quarantined"] == c["records"] > 0
    if expected is not None:
        assert c["records"] == expected
    ledger = jeongje.read_ledger(tmp_path / "out")
    assert ledger.num_rows == c["records"]
    assert len(set(ledger.column("id").to_pylist())) == ledger.num_rows
    assert jeongje.read_documents(tmp_path / "out").num_rows == c["kept"]
    assert c["quarantined"] == 0  # these corpora are clean JSON
    assert c["kept"] > 0


@pytest.mark.slow
def test_korean_news_on_real_articles_leaves_under_one_percent_residue(shared_data, tmp_path):
    """< 1% of kept articles still hold a copyright mark, a prohibition or a reporter e-mail
    (the strict audit's hits that are not mentions), and the audit's share over all its
    patterns stays at or under what we measured (20 of 1,628 = 1.2%, issue 15; the issue's
    target is 0.3%)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "residue", Path(__file__).resolve().parents[1] / "bench" / "residue.py")
    residue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(residue)
    result = jeongje.run(str(shared_data / "ko-news-2019" / "articles.jsonl"), tmp_path / "out",
                         text_field="body", workers=2, progress=False)
    docs = jeongje.read_documents(tmp_path / "out").select(["id", "text"]).to_pylist()
    found = residue.scan([(d["id"], d["text"]) for d in docs])
    residual = {kind: {h[0] for h in hits if not h[3]} for kind, hits in found.items()}
    bad = residual["copyright_mark"] | residual["email"]
    assert len(docs) > 1350  # 2,019 articles, about 450 of them near-duplicates of others
    assert len(bad) / len(docs) < 0.01, sorted(bad)[:10]
    assert residual["prohibition"] == set()
    any_hit = set().union(*residual.values())
    assert len(any_hit) / len(docs) <= 0.013, sorted(any_hit)[:10]
    assert result.counts["quarantined"] == 0
