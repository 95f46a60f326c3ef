"""WARC damage recovery and ids (issue 20): what can be read around damage is read, with
the same outcomes whatever the shard size, and no two ledger rows share an id. Every WARC
here is written by the test (warcio's writer, then damaged on purpose)."""

from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest

import jeongje
from jeongje.record import Document, Quarantine
from tests.helpers import Page, article, read_all, records_bytes, url


def _pages(n: int) -> list[Page]:
    return [Page(url(i), article(i)) for i in range(n)]


def _docs(items) -> list[str]:
    return [i.metadata["url"] for i in items if isinstance(i, Document)]


def _set_length(data: bytes, offset: int, length: int) -> bytes:
    head = data[offset:offset + 2000]
    new = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % length, head, count=1)
    return data[:offset] + new + data[offset + 2000:]


def test_content_length_past_the_end_is_one_row_and_reading_goes_on(tmp_path):
    data, offsets = records_bytes(_pages(3), compress=False)
    path = tmp_path / "c.warc"
    path.write_bytes(_set_length(data, offsets[1], 10 ** 12))
    items = read_all(path)
    assert _docs(items) == [url(0), url(2)]
    bad = [i for i in items if isinstance(i, Quarantine)]
    assert [(q.reason, q.source.offset) for q in bad] == [("corrupt_record", offsets[1])]
    out = tmp_path / "out"
    counts = jeongje.run(str(path), out, overwrite=True, progress=False).counts  # conservation holds
    assert counts["quarantined"] == 1


def test_resync_reads_the_record_right_after_a_garbage_line_and_draft_versions(tmp_path):
    data, offsets = records_bytes(_pages(4), compress=False)
    # garbage just before record 1, record 2 a WARC/0.18 record without a WARC-Record-ID
    r2 = data[offsets[2]:offsets[3]]
    r2 = re.sub(rb"WARC-Record-ID: [^\r]*\r\n", b"", r2.replace(b"WARC/1.0", b"WARC/0.18", 1), count=1)
    damaged = data[:offsets[1]] + b"this line is not a record\r\n" + data[offsets[1]:offsets[2]] + r2 \
        + data[offsets[3]:]
    path = tmp_path / "g.warc"
    path.write_bytes(damaged)
    items = read_all(path)
    assert _docs(items) == [url(0), url(1), url(2), url(3)]
    assert sum(isinstance(i, Quarantine) for i in items) == 1


@pytest.mark.parametrize("shard_bytes", [1 << 30, 4000, 1500])
def test_outcomes_do_not_depend_on_the_shard_size(tmp_path, shard_bytes):
    data, offsets = records_bytes(_pages(8), compress=False)
    data = _set_length(data, offsets[3], len(data) * 3)
    data = data[:offsets[5]] + b"garbage\r\n" + data[offsets[5]:]
    path = tmp_path / "s.warc"
    path.write_bytes(data)
    out = tmp_path / "out"
    jeongje.run(str(path), out, overwrite=True, progress=False, shard_bytes=shard_bytes)
    rows = sorted((r["source"], r["reason"] or "", r["outcome"]) for r in pq.read_table(out / "ledger").to_pylist())
    reference = tmp_path / "ref"
    jeongje.run(str(path), reference, overwrite=True, progress=False)
    expected = sorted((r["source"], r["reason"] or "", r["outcome"])
                      for r in pq.read_table(reference / "ledger").to_pylist())
    assert rows == expected
    assert sum(r[1] == "corrupt_record" for r in rows) == 2


def test_a_gzip_member_with_a_record_and_damage_gives_two_places(tmp_path):
    import gzip
    import random

    data, offsets = records_bytes(_pages(2), compress=False)
    noise = random.Random(5).randbytes(6000)  # incompressible: the cut falls after the record
    damaged = gzip.compress(data[offsets[1]:] + b"WARC/1.0\r\n" + noise)[:-200]  # the file ends inside it
    path = tmp_path / "m.warc.gz"
    path.write_bytes(gzip.compress(data[:offsets[1]]) + damaged)
    items = read_all(path)
    assert _docs(items) == [url(0), url(1)]
    places = [str(i.source) for i in items if isinstance(i, Document | Quarantine)]
    assert len(places) == 3 and len(set(places)) == 3, places
