"""WARC and saved-page readers: every record comes through, is skipped and counted, or is
quarantined with file, offset and error; damage never hides the records around it."""

from __future__ import annotations

import json

import pytest

from jeongje.io.inputs import plan_shards, resolve_inputs
from jeongje.io.readers import FieldMap, read_shard
from jeongje.io.web import Skipped
from jeongje.record import Document, Quarantine
from tests.helpers import Page, read_all, records_bytes, write_warc

BODY = ("<html lang='ko'><head><meta charset='{charset}'><title>{title}</title></head><body>"
        "<nav>홈 정치 경제 사회</nav><article><h1>{title}</h1><p>{text}</p></article>"
        "<footer>회사소개 개인정보처리방침</footer></body></html>")
TEXTS = [
    "구청은 다음 달부터 마을버스 노선 두 개를 새로 연다고 밝혔다. 첫차는 오전 다섯 시 반이다.",
    "올해 김장철 배추 가격이 지난해보다 열두 퍼센트 내렸다. 작황이 좋았기 때문이다.",
    "시립도서관이 야간 열람실을 밤 열한 시까지 연장 운영한다. 시험 기간에는 자정까지 연다.",
    "해안도로 일부 구간이 보수 공사로 이번 주말 통제된다. 우회로 안내판이 설치됐다.",
    "지역 청년 창업 지원금 신청이 다음 주 월요일 마감된다. 올해는 스무 팀을 뽑는다.",
]


def page(i: int, charset: str = "utf-8", headers: list | None = None) -> Page:
    codec = {"euc-kr": "cp949"}.get(charset, charset)
    body = BODY.format(charset=charset, title=f"{i}번 기사", text=TEXTS[i % len(TEXTS)]).encode(codec)
    return Page(f"https://news.example.co.kr/article/{i}", body,
                headers or [("Content-Type", "text/html")])


@pytest.mark.parametrize("mode", ["record", "file", "plain"])
def test_every_kind_of_warc_reads_html_responses_and_skips_the_rest(tmp_path, mode):
    pages = [page(0), page(1, "euc-kr"), Page("https://news.example.co.kr/a", b"", kind="request"),
             Page("https://news.example.co.kr/logo.png", b"\x89PNG....",
                  [("Content-Type", "image/png")]),
             Page("https://news.example.co.kr/gone", b"<html>404</html>", status="404 Not Found"),
             page(2, "utf-8", [("Content-Type", "text/html; charset=UTF-8")])]
    name = {"record": "c.warc.gz", "file": "c.warc.gz", "plain": "c.warc"}[mode]
    write_warc(tmp_path / name, pages, mode)
    items = read_all(tmp_path / name)
    docs = [i for i in items if isinstance(i, Document)]
    skipped = sorted(i.kind for i in items if isinstance(i, Skipped))
    assert [d.metadata["url"] for d in docs] == [f"https://news.example.co.kr/article/{i}" for i in range(3)]
    assert skipped == ["http_4xx", "non_html", "request", "warcinfo"]
    assert not [i for i in items if isinstance(i, Quarantine)]
    assert TEXTS[1] in docs[1].text  # EUC-KR page decoded by its meta charset
    assert docs[1].metadata["charset"] == {"encoding": "cp949", "how": "meta"}
    assert docs[2].metadata["charset"]["how"] == "http"
    assert all(d.metadata["format"] == "html" and d.id.startswith("urn:uuid:") for d in docs)


def _damaged(tmp_path, mode: str):
    pages = [page(i) for i in range(5)]
    data, offsets = records_bytes(pages, compress=mode == "record")
    data = bytearray(data)
    if mode == "record":  # member 1: corrupt deflate data; member 3: cut short
        data[offsets[1] + 40:offsets[1] + 60] = b"\x00" * 20
        data = data[:offsets[4] - 25] + data[offsets[4]:]
    else:  # record 1 claims more bytes than it has; record 3's first line is garbage
        head = data.index(b"Content-Length: ", offsets[1])
        end = data.index(b"\r\n", head)
        length = int(data[head + 16:end])
        data[head:end] = f"Content-Length: {length + 7}".encode()
        shift = len(str(length + 7)) - len(str(length))
        offsets = [o + (shift if o > head else 0) for o in offsets]
        data[offsets[3]:offsets[3] + 7] = b"XXXX/1."
    path = tmp_path / ("d.warc.gz" if mode == "record" else "d.warc")
    path.write_bytes(bytes(data))
    return path, offsets


@pytest.mark.parametrize("mode", ["record", "plain"])
def test_damaged_records_are_quarantined_and_the_others_still_come_through(tmp_path, mode):
    path, offsets = _damaged(tmp_path, mode)
    items = read_all(path)
    docs = [i for i in items if isinstance(i, Document)]
    bad = [i for i in items if isinstance(i, Quarantine)]
    expected_ok = {"record": [0, 2, 4], "plain": [0, 2, 4]}[mode]
    assert [d.metadata["url"].rsplit("/", 1)[1] for d in docs] == [str(i) for i in expected_ok]
    assert [q.source.offset for q in bad] == [offsets[1], offsets[3]]
    assert all(q.reason == "corrupt_record" and q.source.file == path.name for q in bad)
    assert all(str(q.source.offset) in q.error for q in bad)
    if mode == "record":  # a member cut short runs into the next one: corrupt or truncated
        assert all(f"gzip member at byte {q.source.offset} is " in q.error for q in bad)


def test_truncated_whole_file_gzip_quarantines_the_rest_after_the_good_records(tmp_path):
    import gzip

    data, _ = records_bytes([page(i) for i in range(4)], compress=False)
    packed = gzip.compress(data)
    (tmp_path / "t.warc.gz").write_bytes(packed[: len(packed) * 3 // 4])
    items = read_all(tmp_path / "t.warc.gz")
    docs = [i for i in items if isinstance(i, Document)]
    bad = [i for i in items if isinstance(i, Quarantine)]
    assert 1 <= len(docs) < 4 and len(bad) == 1
    assert "rest of the file" in bad[0].error or "truncated" in bad[0].error


def test_oversized_record_is_quarantined_as_too_large(tmp_path):
    big = Page("https://news.example.co.kr/big", b"<html><p>" + "가".encode() * 5000 + b"</p></html>")
    write_warc(tmp_path / "b.warc.gz", [page(0), big, page(1)])
    items = read_all(tmp_path / "b.warc.gz", max_record_bytes=4000)
    assert [type(i).__name__ for i in items if not isinstance(i, Skipped)] == \
        ["Document", "Quarantine", "Document"]
    assert next(i for i in items if isinstance(i, Quarantine)).reason == "too_large"


def test_saved_pages_take_url_and_headers_from_a_sidecar_or_the_file_name(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_bytes(page(0, "euc-kr").body)
    (folder / "a.json").write_text(json.dumps({
        "url": "https://news.example.co.kr/article/0", "headers": {"X-Robots-Tag": "noai"},
        "crawled": "2026-11-01"}, ensure_ascii=False))
    (folder / "https%3A%2F%2Fblog.example.com%2Fpost%2F9.html").write_bytes(page(1).body)
    (folder / "notes.txt").write_text("not an input")
    items = read_all(folder)
    assert [i.metadata["url"] for i in items] == ["https://news.example.co.kr/article/0",
                                                   "https://blog.example.com/post/9"]
    first = items[0]
    assert first.id == "https://news.example.co.kr/article/0"
    assert first.metadata["rights_signals"] == {"x-robots-tag": "noai"}
    assert first.metadata["crawled"] == "2026-11-01" and TEXTS[0] in first.text


def test_plain_text_files_with_encoding_auto(tmp_path, shared_data):
    folder = shared_data / "ko-encodings" / "cpython_cjkencodings"
    items = read_all(folder / "johab.txt", encoding="auto")
    assert items[0].text == (folder / "johab-utf8.txt").read_text(encoding="utf-8")
    assert items[0].metadata["charset"] == {"encoding": "johab", "how": "detected"}
    (tmp_path / "l.jsonl").write_bytes(
        json.dumps({"id": "x", "text": "새벽 시장 이야기"}, ensure_ascii=False).encode("cp949") + b"\n")
    assert read_all(tmp_path / "l.jsonl", encoding="auto")[0].text == "새벽 시장 이야기"
    assert read_all(tmp_path / "l.jsonl")[0].reason == "decode_error"  # utf-8 by default


@pytest.mark.parametrize("mode", ["record", "plain", "file"])
def test_a_big_warc_is_cut_into_shards_at_record_starts_losing_and_doubling_nothing(tmp_path, mode):
    pages = [page(i) for i in range(40)]
    pages[7] = Page(pages[7].url, pages[7].body + b"<p>\nWARC/1.0 quoted in a page</p>")
    name = "big.warc" if mode == "plain" else "big.warc.gz"
    write_warc(tmp_path / name, pages, mode)
    files = resolve_inputs([str(tmp_path / name)])
    whole = [i for i in read_shard(plan_shards(files)[0], FieldMap()) if isinstance(i, Document)]
    shards = plan_shards(files, shard_bytes=2000)
    assert (len(shards) > 5) == (mode != "file")  # a whole-file gzip cannot be entered mid-stream
    parts = [i for s in shards for i in read_shard(s, FieldMap())]
    assert not [i for i in parts if isinstance(i, Quarantine)]
    assert [d.id for d in parts if isinstance(d, Document)] == [d.id for d in whole]
    assert len(whole) == 40


def test_a_sidecar_id_is_the_document_id_and_not_metadata(tmp_path):
    (tmp_path / "p.html").write_bytes(page(2).body)
    (tmp_path / "p.json").write_text(json.dumps({"id": "기사-2", "url": "https://x.example.co.kr/2"}))
    [doc] = read_all(tmp_path / "p.html")
    assert doc.id == "기사-2" and "id" not in doc.metadata
