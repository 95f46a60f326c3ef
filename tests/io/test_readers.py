from __future__ import annotations

import gzip
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jeongje.errors import InputError
from jeongje.io.inputs import plan_shards, resolve_inputs
from jeongje.io.readers import FieldMap, read_shard
from jeongje.record import Document, Quarantine
from tests.helpers import KOREAN, write_jsonl


def read_all(*paths, fields=FieldMap(), shard_bytes=64 << 20):
    files = resolve_inputs([str(p) for p in paths])
    out = []
    for shard in plan_shards(files, shard_bytes):
        out.extend(read_shard(shard, fields))
    return out


def by_kind(items):
    return ([i for i in items if isinstance(i, Document)],
            [i for i in items if isinstance(i, Quarantine)])


GOOD = json.dumps({"id": "g1", "text": KOREAN, "press": "한빛뉴스"}, ensure_ascii=False).encode()


def test_every_bad_record_is_quarantined_and_the_rest_of_the_file_goes_on(tmp_path):
    lines = [
        GOOD,
        b'{"id": "broken", "text": "\xea\xb0\x80 \xff\xfe"}',           # not UTF-8
        b'{"id": "x", "text": "unterminated',                            # invalid JSON
        json.dumps({"id": "no-text", "body": "본문"}).encode(),            # missing text
        json.dumps({"id": "num", "text": 42}).encode(),                   # non-string text
        json.dumps({"id": "nul", "text": None}).encode(),                 # null text
        b"[1, 2, 3]",                                                     # not an object
        json.dumps({"id": ["a"], "text": "가"}).encode(),                 # unusable id
        b"",                                                              # blank line: no record
        json.dumps({"text": "아이디 없는 문서"}, ensure_ascii=False).encode(),  # derived id
        json.dumps({"id": 7, "text": "숫자 아이디"}, ensure_ascii=False).encode(),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    docs, quarantined = by_kind(read_all(path))
    assert [d.id for d in docs] == ["g1", "mixed.jsonl:10", "7"]
    assert docs[0].metadata == {"press": "한빛뉴스"} and docs[0].text == KOREAN
    assert docs[0].source.line == 1 and docs[0].source.offset == 0
    got = {(str(q.source), q.reason) for q in quarantined}
    assert got == {("mixed.jsonl:2", "decode_error"), ("mixed.jsonl:3", "invalid_json"),
                   ("mixed.jsonl:4", "missing_text"), ("mixed.jsonl:5", "invalid_text"),
                   ("mixed.jsonl:6", "invalid_text"), ("mixed.jsonl:7", "invalid_record"),
                   ("mixed.jsonl:8", "invalid_id")}
    decode = next(q for q in quarantined if q.reason == "decode_error")
    assert "not UTF-8" in decode.error and decode.detail["byte"] == len(GOOD) + 1 + 30
    assert next(q for q in quarantined if q.reason == "missing_text").id == "no-text"


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_truncated_compressed_stream_keeps_records_before_it(tmp_path, compression):
    rng = random.Random(7)  # varied text, so the compressed stream has many blocks
    body = b"".join(json.dumps({"id": f"r{i}", "text": "".join(
        chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(200))}, ensure_ascii=False).encode()
                    + b"\n" for i in range(2000))
    if compression == "gzip":
        data, path = gzip.compress(body), tmp_path / "cut.jsonl.gz"
    else:
        data, path = zstandard.ZstdCompressor().compress(body), tmp_path / "cut.jsonl.zst"
    path.write_bytes(data[: len(data) * 2 // 3])
    docs, quarantined = by_kind(read_all(path))
    assert 0 < len(docs) < 2000
    assert [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]
    assert len(quarantined) == 1
    q = quarantined[0]
    assert q.reason == "truncated_stream" and q.source.line is not None
    assert q.source.line >= len(docs) + 1 and "compressed stream" in q.error


def test_intact_compressed_files_read_fully(tmp_path):
    recs = [{"id": f"r{i}", "text": f"{i} {KOREAN}"} for i in range(50)]
    raw = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    docs, quarantined = by_kind(read_all(tmp_path))
    assert not quarantined and len(docs) == 100
    assert {d.source.file for d in docs} == {"a.jsonl.gz", "b.jsonl.zst"}


def test_not_a_gzip_file_is_quarantined(tmp_path):
    (tmp_path / "fake.jsonl.gz").write_bytes(b"this is not gzip at all\n")
    docs, quarantined = by_kind(read_all(tmp_path / "fake.jsonl.gz"))
    assert not docs and [q.reason for q in quarantined] == ["truncated_stream"]


def test_oversized_record_is_quarantined_and_reading_resumes(tmp_path):
    big = json.dumps({"id": "big", "text": "가" * 5000}, ensure_ascii=False).encode()
    path = tmp_path / "big.jsonl"
    path.write_bytes(GOOD + b"\n" + big + b"\n" + GOOD.replace(b'"g1"', b'"g2"') + b"\n")
    docs, quarantined = by_kind(read_all(path, fields=FieldMap(max_record_bytes=1000)))
    assert [d.id for d in docs] == ["g1", "g2"] and docs[1].source.line == 3
    assert quarantined[0].reason == "too_large" and quarantined[0].detail["bytes"] == len(big) + 1


def test_unreadable_parquet_file_and_bad_parquet_rows(tmp_path):
    (tmp_path / "garbage.parquet").write_bytes(b"PAR1 not really parquet")
    table = pa.table({"id": ["p0", "p1", None], "text": [KOREAN, None, "행 번호로 만든 아이디"],
                      "score": [1.5, 2.0, 3.0]})
    pq.write_table(table, tmp_path / "rows.parquet")
    docs, quarantined = by_kind(read_all(tmp_path))
    assert [(d.id, d.metadata) for d in docs] == [("p0", {"score": 1.5}),
                                                   ("rows.parquet:2", {"score": 3.0})]
    assert {(str(q.source), q.reason) for q in quarantined} == {
        ("garbage.parquet", "unreadable_file"), ("rows.parquet:1", "invalid_text")}


def test_inputs_resolve_files_folders_globs_and_reject_missing(tmp_path):
    write_jsonl(tmp_path / "a" / "one.jsonl", [{"text": "가"}])
    write_jsonl(tmp_path / "a" / "b" / "two.jsonl", [{"text": "나"}])
    (tmp_path / "a" / "notes.txt").write_text("ignored")
    names = [f.name for f in resolve_inputs([str(tmp_path / "a")])]
    assert names == ["b/two.jsonl", "one.jsonl"]
    assert [f.name for f in resolve_inputs([str(tmp_path / "a" / "**" / "*.jsonl")])] == names
    both = resolve_inputs([str(tmp_path / "a" / "one.jsonl"), str(tmp_path / "a" / "b")])
    assert [f.name for f in both] == ["b/two.jsonl", "one.jsonl"]
    with pytest.raises(InputError, match="input not found"):
        resolve_inputs([str(tmp_path / "missing.jsonl")])
    with pytest.raises(InputError, match="matches no supported file"):
        resolve_inputs([str(tmp_path / "*.csv")])
    (tmp_path / "a" / "notes.csv").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        resolve_inputs([str(tmp_path / "a" / "notes.csv")])
    # a .txt is read only when named: a folder's notes are not input
    assert [f.format for f in resolve_inputs([str(tmp_path / "a" / "notes.txt")])] == ["text"]


def test_plain_jsonl_split_into_shards_keeps_line_numbers(tmp_path):
    recs = [{"id": f"r{i}", "text": f"{i}번 {KOREAN}"} for i in range(300)]
    path = write_jsonl(tmp_path / "big.jsonl", recs)
    shards = plan_shards(resolve_inputs([str(path)]), shard_bytes=5000)
    assert len(shards) > 5
    docs, _ = by_kind(read_all(path, shard_bytes=5000))
    assert [d.id for d in docs] == [r["id"] for r in recs]
    assert [d.source.line for d in docs] == list(range(1, 301))


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
records = st.lists(st.fixed_dictionaries({"id": st.text(min_size=1, max_size=10), "text": texts,
                                          "meta": st.text(max_size=5)}),
                   max_size=20, unique_by=lambda r: r["id"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records, st.sampled_from(["jsonl", "jsonl.gz", "jsonl.zst", "parquet"]))
def test_readers_round_trip_written_records(tmp_path_factory, recs, kind):
    path = tmp_path_factory.mktemp("rt") / f"data.{kind}"
    if kind == "parquet":
        schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("meta", pa.string())])
        pq.write_table(pa.Table.from_pylist(recs, schema=schema), path)
    else:
        raw = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
        if kind.endswith("gz"):
            raw = gzip.compress(raw)
        elif kind.endswith("zst"):
            raw = zstandard.ZstdCompressor().compress(raw)
        path.write_bytes(raw)
    docs, quarantined = by_kind(read_all(path))
    assert not quarantined
    assert [(d.id, d.text, d.metadata) for d in docs] == [
        (r["id"], r["text"], {"meta": r["meta"]}) for r in recs]
