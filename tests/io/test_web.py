"""Crawls through the default recipe: `jeongje run --input crawl.warc.gz` end to end, every
rights-signal case with its evidence in the ledger, the crawl's own robots.txt/tdmrep.json,
extraction failures and the per-page time limit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import jeongje
from jeongje.record import Document, Source
from jeongje.stages.extract import HtmlExtract
from tests.helpers import CRAWL_CASES, Page, article, crawl_pages, meta, read_all, url, write_warc


@pytest.fixture(scope="module")
def crawl_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("crawl")
    warc = base / "in" / "crawl.warc.gz"
    write_warc(warc, crawl_pages())
    out = base / "out"
    proc = subprocess.run([sys.executable, "-m", "jeongje", "run", "--input", str(warc), "--output",
                           str(out), "--no-progress", "--workers", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ledger = {r["id"]: r for r in jeongje.read_ledger(out).to_pylist()}
    docs = {r["id"]: r for r in jeongje.read_documents(out).to_pylist()}
    urls = {d.id: d.metadata["url"] for d in read_all(warc) if isinstance(d, Document)}
    by_url = {urls[i]: (row, meta(docs[i]["metadata"]) if i in docs else None)
              for i, row in ledger.items()}
    return out, ledger, by_url, proc.stdout


def test_crawl_runs_through_the_default_recipe_and_accounts_for_every_record(crawl_run):
    out, ledger, _, stdout = crawl_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["records"] == len(CRAWL_CASES) + 4  # 4 pages of host b; 2 files skipped
    assert manifest["skipped_records"] == {"warcinfo": 1, "non_html": 2}
    assert manifest["conservation"]["ok"] is True
    assert (out / "site_policies" / "b.example.co.kr" / "robots.txt").is_file()
    assert "conservation check passed" in stdout
    kept = jeongje.read_documents(out).to_pylist()
    assert kept, "some pages must survive"
    for doc in kept:
        got = meta(doc["metadata"])
        assert "주민 설명회" in doc["text"] and "많이 본 뉴스" not in doc["text"]
        assert "사업자등록번호" not in doc["text"] and "로그인" not in doc["text"]
        assert got["publisher"] == "새벽일보" and got["extracted"]["from"] == "html"
        assert got["charset"]["encoding"] == "utf-8"


@pytest.mark.parametrize("name", list(CRAWL_CASES))
def test_each_rights_signal_case(crawl_run, name):
    _, ledger, by_url, _ = crawl_run
    n = list(CRAWL_CASES).index(name)
    _, klass, signal = CRAWL_CASES[name]
    row, meta = by_url[url(n) + f"?case={name}"]
    if klass is None:
        assert row["outcome"] == "kept", row
        assert meta["rights"]["class"] == "none"
    else:
        detail = json.loads(row["detail"])
        assert (row["outcome"], row["stage"], row["reason"]) == \
            ("dropped", "rights.reservation", "rights_reserved")
        assert (detail["class"], detail["signal"], detail["source"]) == (klass, signal, "signal")
    if name == "tdm-invalid":
        assert meta["rights_signals"]["tdm-invalid"] == [{"source": "meta", "value": "yes"}]


def test_site_files_found_in_the_crawl_are_honoured(crawl_run):
    _, ledger, by_url, _ = crawl_run
    members, _ = by_url["https://b.example.co.kr/members/1"]
    detail = json.loads(members["detail"])
    assert (members["outcome"], detail["class"], detail["signal"]) == \
        ("dropped", "crawling_prohibited", "robots-txt")
    assert detail["disallowed_agents"] == ["GPTBot"]
    archive, _ = by_url["https://b.example.co.kr/archive/2"]
    detail = json.loads(archive["detail"])
    assert (detail["signal"], detail["value"]) == ("tdm-reservation", 1)
    assert by_url["https://b.example.co.kr/open/3"][0]["outcome"] == "kept"


def test_a_page_without_main_text_is_dropped_with_the_reason(crawl_run):
    _, ledger, _, _ = crawl_run
    empty = [r for r in ledger.values() if r["reason"] == "no_main_text"]
    assert len(empty) == 1 and empty[0]["stage"] == "extract.html"


def test_a_folder_of_warcs_and_user_site_policies(tmp_path):
    write_warc(tmp_path / "in" / "a.warc.gz", [Page(url(1), article(1))])
    write_warc(tmp_path / "in" / "sub" / "b.warc", [Page(url(2), article(2))], mode="plain")
    policies = tmp_path / "policies" / "news.example.co.kr"
    policies.mkdir(parents=True)
    (policies / "robots.txt").write_text("User-agent: ClaudeBot\nDisallow: /article/2\n")
    result = jeongje.run(str(tmp_path / "in"), tmp_path / "out", progress=False,
                         site_policies=[str(tmp_path / "policies")])
    rows = {r["id"]: r for r in result.ledger().to_pylist()}
    assert sorted(r["outcome"] for r in rows.values()) == ["dropped", "kept"]
    dropped = next(r for r in rows.values() if r["outcome"] == "dropped")
    assert json.loads(dropped["detail"])["disallowed_agents"] == ["ClaudeBot"]


def test_the_time_limit_stops_a_pathological_page():
    html = "<html><body>" + "<div><p>가나다 라마바 사아자.</p>" * 4000 + "</div>" * 4000 + "</body></html>"
    doc = Document("slow", html, Source("x.warc"), {"format": "html"})
    drop = HtmlExtract(timeout_seconds=0.001).process(doc)
    assert drop is not None and drop.reason == "extraction_timeout"
    assert drop.detail["limit_seconds"] == 0.001
    quick = Document("ok", article(3).decode(), Source("x.warc"), {"format": "html"})
    assert HtmlExtract().process(quick) is None and "주민 설명회" in quick.text
    untouched = Document("j", "그냥 텍스트", Source("x.jsonl"), {})
    assert HtmlExtract().process(untouched) is None and untouched.text == "그냥 텍스트"


def test_audit_originals_of_web_pages_are_the_extracted_text_and_the_report_builds(crawl_run):
    import pyarrow.parquet as pq

    out, ledger, _, _ = crawl_run
    originals = {r["id"]: r["text"] for r in pq.read_table(out / "originals").to_pylist()}
    kept = {r["id"]: r["text"] for r in jeongje.read_documents(out).to_pylist()}
    assert set(kept) <= set(originals)
    for doc_id in kept:  # past extract.html, the original is its output, so edits replay on it
        assert not originals[doc_id].lstrip().startswith("<")
    empty = next(i for i, r in ledger.items() if r["reason"] == "no_main_text")
    assert originals[empty].lstrip().startswith("<html")  # dropped by extraction: the page as read
    proc = subprocess.run([sys.executable, "-m", "jeongje", "report", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (out / "report" / "index.html").stat().st_size > 10_000
