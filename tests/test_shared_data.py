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
