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

from .warcs import Page, read_all, write_warc

ARTICLE = """<html lang="ko"><head><meta charset="utf-8"><title>{title} - 새벽일보</title>
<meta property="og:site_name" content="새벽일보">{meta}</head><body>
<header><a href="/">새벽일보</a> <a href="/politics">정치</a> <a href="/economy">경제</a>
<a href="/society">사회</a> <a href="/login">로그인</a> <a href="/subscribe">구독</a></header>
<div class="news_body"><h2>{title}</h2>
<p>{p1}</p>
<p>{p2}</p>
<p>{p3} 주민 설명회는 다음 주에 열린다.</p>
</div>
<aside><h3>많이 본 뉴스</h3><ol><li><a href="/1">주말 날씨 맑음</a></li><li><a href="/2">시장 선거 후보 등록</a></li></ol></aside>
<footer>새벽일보 | 사업자등록번호 000-00-00000 | 대표전화 02-000-0000</footer></body></html>"""
POOL = [
    "구청은 노후한 하수관을 모두 교체하는 공사를 다음 달 시작해 내년 봄까지 마치겠다고 밝혔다.",
    "올해 김장철 배추 가격이 지난해보다 크게 내렸는데, 산지 작황이 좋았던 덕분이라는 분석이 나온다.",
    "시립도서관은 시험 기간에 맞춰 야간 열람실을 자정까지 열기로 하고 좌석 예약 제도를 새로 도입했다.",
    "해안도로 일부 구간이 보수 공사로 이번 주말 이틀 동안 통제되며, 경찰은 우회로 안내판을 세웠다.",
    "지역 청년 창업 지원금 신청이 월요일에 마감되는데, 올해는 스무 팀을 골라 최대 삼천만 원씩 준다.",
    "프로야구 새벽타이거즈가 연장 접전 끝에 역전승을 거두며 가을 야구 진출 가능성을 높였다.",
    "기상청은 내일 아침 내륙 지역 기온이 영하로 떨어지겠다며 농작물 냉해에 대비하라고 당부했다.",
    "한 스타트업이 농산물 직거래 앱으로 첫 투자를 유치했고, 내년에는 전국 서비스를 목표로 한다.",
    "법원은 아파트 층간소음 분쟁에서 윗집 주민이 아랫집에 위자료를 지급하라고 판결했다.",
    "새로 개통한 경전철 노선은 출근 시간대 배차 간격을 사 분으로 줄여 이용객 불만을 덜었다.",
    "동네 빵집 주인은 밀가루 값이 올라도 단골손님을 위해 식빵 가격을 그대로 유지하겠다고 했다.",
    "초등학교 돌봄 교실 대기 인원이 늘자 교육청은 오후 돌봄 강사를 추가로 채용하기로 했다.",
    "항구 수산시장 상인들은 명절을 앞두고 원산지 표시 단속이 강화된다는 소식에 준비를 서둘렀다.",
    "산림청은 가을철 등산객이 몰리는 국립공원 입구에 산불 감시 인력을 두 배로 늘려 배치했다.",
    "시민단체는 공원 안 주차장 확장 계획이 녹지를 줄인다며 재검토를 요구하는 서명을 모았다.",
]


def article(n: int, meta: str = "") -> bytes:
    return ARTICLE.format(title=f"{n}번 동네 소식", meta=meta, p1=POOL[n % 15],
                          p2=POOL[(n + 5) % 15], p3=POOL[(n + 11) % 15]).encode("utf-8")


def url(n: int, host: str = "news.example.co.kr") -> str:
    return f"https://{host}/article/{n}"


CASES = {
    # name: (page kwargs, expected class or None for kept, expected signal evidence)
    "plain": ({}, None, None),
    "meta-noai": ({"meta": '<meta name="robots" content="noai, noimageai">'}, "ai_training_prohibited", "robots"),
    "header-noai": ({"headers": [("X-Robots-Tag", "noai")]}, "ai_training_prohibited", "x-robots-tag"),
    "meta-tdm": ({"meta": '<meta name="tdm-reservation" content="1">'}, "ai_training_prohibited", "tdm-reservation"),
    "header-tdm": ({"headers": [("tdm-reservation", "1"), ("tdm-policy", "https://news.example.co.kr/p.json")]},
                   "ai_training_prohibited", "tdm-reservation"),
    "meta-tdm-zero-over-header": ({"headers": [("tdm-reservation", "1")],
                                   "meta": '<meta name="tdm-reservation" content="0">'}, None, None),
    "tdm-invalid": ({"meta": '<meta name="tdm-reservation" content="yes">'}, None, None),
    "aipref": ({"headers": [("Content-Usage", "train-ai=n")]}, "ai_training_prohibited", "content-usage"),
    "aipref-yes": ({"headers": [("Content-Usage", "train-ai=y")]}, None, None),
}


def crawl_pages() -> list[Page]:
    pages = []
    for n, (name, (kw, _, _)) in enumerate(CASES.items()):
        headers = [("Content-Type", "text/html; charset=utf-8"), *kw.get("headers", [])]
        pages.append(Page(url(n) + f"?case={name}", article(n, kw.get("meta", "")), headers))
    # site-wide files in the crawl itself: robots.txt blocks GPTBot under /members/ on
    # another host, whose tdmrep.json reserves /archive/
    pages.append(Page("https://b.example.co.kr/robots.txt",
                      b"User-agent: GPTBot\nDisallow: /members/\n", [("Content-Type", "text/plain")]))
    pages.append(Page("https://b.example.co.kr/.well-known/tdmrep.json",
                      b'[{"location": "/archive/", "tdm-reservation": 1}]',
                      [("Content-Type", "application/json")]))
    pages.append(Page("https://b.example.co.kr/members/1", article(50), [("Content-Type", "text/html")]))
    pages.append(Page("https://b.example.co.kr/archive/2", article(51), [("Content-Type", "text/html")]))
    pages.append(Page("https://b.example.co.kr/open/3", article(52), [("Content-Type", "text/html")]))
    pages.append(Page("https://b.example.co.kr/empty", b"<html><body><nav>menu</nav></body></html>",
                      [("Content-Type", "text/html")]))
    return pages


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
    by_url = {urls[i]: (row, json.loads(docs[i]["metadata"]) if i in docs else None)
              for i, row in ledger.items()}
    return out, ledger, by_url, proc.stdout


def test_crawl_runs_through_the_default_recipe_and_accounts_for_every_record(crawl_run):
    out, ledger, _, stdout = crawl_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["records"] == len(CASES) + 4  # 4 pages of host b; 2 files skipped
    assert manifest["skipped_records"] == {"warcinfo": 1, "non_html": 2}
    assert manifest["conservation"]["ok"] is True
    assert (out / "site_policies" / "b.example.co.kr" / "robots.txt").is_file()
    assert "conservation check passed" in stdout
    kept = jeongje.read_documents(out).to_pylist()
    assert kept, "some pages must survive"
    for doc in kept:
        meta = json.loads(doc["metadata"])
        assert "주민 설명회" in doc["text"] and "많이 본 뉴스" not in doc["text"]
        assert "사업자등록번호" not in doc["text"] and "로그인" not in doc["text"]
        assert meta["publisher"] == "새벽일보" and meta["extracted"]["from"] == "html"
        assert meta["charset"]["encoding"] == "utf-8"


@pytest.mark.parametrize("name", list(CASES))
def test_each_rights_signal_case(crawl_run, name):
    _, ledger, by_url, _ = crawl_run
    n = list(CASES).index(name)
    _, klass, signal = CASES[name]
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
