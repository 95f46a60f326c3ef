"""Helpers shared by the tests (fixtures live in conftest.py): corpora we write ourselves,
output snapshots, WARC files and crawls built with warcio's writer (the readers under test
are ours), and the quality gates' pinned floors."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from jeongje.io.inputs import plan_shards, resolve_inputs
from jeongje.io.readers import FieldMap, read_shard

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures" / "web"
CASE_DIR = TESTS / "quality" / "cases"
FLOOR_DIR = TESTS / "quality" / "floors"


# --------------------------------------------------------------------------- corpora

def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


KOREAN = (
    "서울시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다. "
    "시민 누구나 무료로 책을 빌려 읽을 수 있으며, 운영 시간은 오후 여섯 시부터 열 시까지다. "
    "시는 이용자 반응을 살펴 내년에 운영 장소를 늘릴 계획이다."
)


def korean_doc(i: int, **extra) -> dict:
    return {"id": f"doc-{i:04d}", "text": f"{i}번째 기사. {KOREAN}", **extra}


def replay(text: str, edits) -> str:
    """Apply one stage's recorded edits (offsets into the text it received) to that text."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        assert pos <= e.start <= e.end <= len(text), "edits overlap or leave the text"
        out += [text[pos:e.start], e.replacement]
        pos = e.end
    return "".join(out) + text[pos:]


TOPICS = [
    "누리시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다. 운영 시간은 오후 여섯 시부터 열 시까지다.",
    "가람군 농가들이 올해 첫 햇사과를 출하했다. 잦은 비에도 당도는 예년 수준을 유지했고 출하 물량은 다소 줄었다.",
    "해솔항 여객터미널이 리모델링을 마치고 다시 문을 열었다. 대합실 면적은 두 배로 넓어졌고 편의시설도 늘었다.",
    "청솔대 연구진이 수면 시간과 기억력의 관계를 분석했다. 하루 여섯 시간 미만 잠을 잔 사람은 기억력 점수가 낮았다.",
    "대명구가 어린이 보호구역 단속 카메라를 마흔 대 늘린다. 설치는 연말까지 마무리되고 예산은 구비로 충당한다.",
    "온새미로 전자가 접이식 태블릿 시제품을 공개했다. 화면을 펼치면 열두 인치가 되지만 출시 시기는 정해지지 않았다.",
]


_SEVEN = [*TOPICS, "새봄시 상수도 사업소가 노후 수도관 교체 공사를 시작한다. 공사 구간 주민에게는 단수 일정을 미리 알린다."]


def distinct_doc(i: int) -> dict:
    """Korean documents that are not near-duplicates of each other (for the default recipe):
    three of seven topic sentences, offsets {0, 1, 3} mod 7 (a perfect difference set), so
    any two of seven consecutive documents share exactly one sentence, a third of each
    (containment 0.65 would see two shared sentences as a partial copy)."""
    return {"id": f"doc-{i:04d}", "text": " ".join(_SEVEN[(i + k) % 7] for k in (0, 1, 3))}


# --------------------------------------------------------------------------- outputs

def snapshot(out: Path) -> dict[str, list[str]]:
    """Every output table, as sorted rows (order-free, byte-for-byte content)."""
    return {name: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False)
                         for r in pq.read_table(out / name).to_pylist())
            for name in ("documents", "ledger", "edits")}


def same_files(a: Path, b: Path) -> int:
    """Assert that two outputs hold the same documents, ledger, edits and originals files,
    byte for byte; return how many files were compared."""
    names = {str(p.relative_to(a)) for f in ("documents", "ledger", "edits", "originals")
             for p in (a / f).glob("*") if p.is_file()}
    other = {str(p.relative_to(b)) for f in ("documents", "ledger", "edits", "originals")
             for p in (b / f).glob("*") if p.is_file()}
    assert names == other, f"files only in one output: {sorted(names ^ other)[:5]}"
    differ = [n for n in sorted(names) if (a / n).read_bytes() != (b / n).read_bytes()]
    assert not differ, f"files that differ: {differ[:5]}"
    return len(names)


def meta(value: Any) -> dict:
    """A kept document's metadata as a dict, however the run stored it: JSON text
    (`--metadata json`) or a struct (the default), whose keys a document lacks are null."""
    if isinstance(value, str):
        return json.loads(value)
    return {k: v for k, v in (value or {}).items() if v is not None}


def rows(table: Any) -> list[str]:
    """A table's rows as sorted JSON strings (order-free comparison)."""
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in table.to_pylist())


@dataclass
class S3:
    """A fresh bucket on the local S3 server: `url(name)` is an output URL in it, `options`
    the storage options that reach it (endpoint and dummy credentials), `fs` an s3fs client."""

    bucket: str
    options: dict
    fs: Any

    def url(self, name: str) -> str:
        return f"s3://{self.bucket}/{name}"

    def cli_options(self) -> list[str]:
        return [a for k, v in self.options.items() for a in ("--storage-option", f"{k}={v}")]


# --------------------------------------------------------------------------- WARC files

@dataclass
class Page:
    url: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "text/html")])
    status: str = "200 OK"
    kind: str = "response"


def fixture_pages() -> list[str]:
    """Names of our own layout pages (portal/outlet/blog), without the edge cases."""
    return sorted(p.stem for p in FIXTURES.glob("*.html") if not p.stem.startswith("edge-"))


def html(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8")


def records_bytes(pages: list[Page], compress: bool, info: bool = True) -> tuple[bytes, list[int]]:
    """A WARC (gzip per record when `compress`) and the byte offset of each page record."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    if info:
        writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "jeongje tests"}))
    offsets = []
    for page in pages:
        offsets.append(buf.tell())
        if page.kind == "request":
            http = StatusAndHeaders(f"GET {page.url} HTTP/1.1", [("Host", "x")], is_http_request=True)
            rec = writer.create_warc_record(page.url, "request", payload=io.BytesIO(b""),
                                            http_headers=http)
        else:
            http = StatusAndHeaders(page.status, page.headers, protocol="HTTP/1.1")
            rec = writer.create_warc_record(page.url, page.kind, payload=io.BytesIO(page.body),
                                            http_headers=http)
        writer.write_record(rec)
    return buf.getvalue(), offsets


def write_warc(path: Path, pages: list[Page], mode: str = "record") -> list[int]:
    """mode: "record" (gzip per record), "file" (one gzip stream), "plain"."""
    data, offsets = records_bytes(pages, compress=mode == "record")
    if mode == "file":
        data = gzip.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return offsets


def read_all(path: Path, **options) -> list:
    """Every item the real readers give for `path` (all its shards, in order)."""
    return [item for shard in plan_shards(resolve_inputs([str(path)]))
            for item in read_shard(shard, FieldMap(**options))]


# --------------------------------------------------------------------------- a crawl

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


CRAWL_CASES = {
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
    for n, (name, (kw, _, _)) in enumerate(CRAWL_CASES.items()):
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


# --------------------------------------------------------------------------- quality gates
# Each category has `floors/<category>.json` ({metric: floor}). A gate test passes its
# measured value and the issue's minimum: the floor must not be below the minimum written in
# the test (so lowering a floor needs two visible edits), and the measured value must reach
# the floor. Raise a floor when quality improves; never lower it without review. A floor
# file also pins the SHA-256 of the case files its gate scores (`cases_sha256`), so a case
# file cannot change without a visible edit of its floor.

#: the floor file that pins each case file (by default the one of the same name)
CASE_FLOORS = {"news_pairs": "dedup"}


def pinned(path: Path, category: str) -> Path:
    """`path`, after checking its SHA-256 against the pin in `floors/<category>.json`."""
    pins = json.loads((FLOOR_DIR / f"{category}.json").read_text(encoding="utf-8")).get("cases_sha256", {})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.name in pins, f"floors/{category}.json pins no checksum for {path.name}"
    assert pins[path.name] == digest, (
        f"{path.name} changed (sha256 {digest}) since floors/{category}.json pinned it: a changed "
        "case file changes what the gate measures; update the pin in the same commit, visibly")
    return path


def load_cases(name: str) -> list[dict]:
    """The cases of `cases/<name>.jsonl`, once its checksum matches its floor file's pin."""
    path = pinned(CASE_DIR / f"{name}.jsonl", CASE_FLOORS.get(name, name))
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def assert_floor(category: str, metric: str, value: float, minimum: float) -> None:
    floors = json.loads((FLOOR_DIR / f"{category}.json").read_text(encoding="utf-8"))
    floor = floors[metric]
    assert floor >= minimum, (
        f"{category}.{metric}: pinned floor {floor} is below the required minimum {minimum}")
    print(f"quality-gate {category}.{metric} = {value:.4f} (floor {floor})")
    assert value >= floor, f"{category}.{metric} = {value:.4f} fell below its floor {floor}"
