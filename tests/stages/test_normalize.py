"""normalize.unicode (NFC, invisible characters, HTML entities, whitespace) and
normalize.mojibake (CP949/UTF-8 mojibake repair or drop).

Every fixture here is written for these tests; garbled text is produced from our own
sentences with Python's codecs. Real corpora are read from ../shared/data only (skipped
when absent) and never copied.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jeongje.record import Document, Drop, Source
from jeongje.registry import build_stage
from jeongje.stages.mojibake import MojibakeRepair
from jeongje.stages.normalize import UnicodeNormalizer
from tests.helpers import replay


def doc(text: str) -> Document:
    return Document(id="t", text=text, source=Source("test.jsonl", 1))




def normalize(text: str, **params: bool) -> Document:
    d = doc(text)
    assert UnicodeNormalizer(**params).process(d) is None
    assert replay(text, d.edits) == d.text
    return d


def cp1252_view(data: bytes) -> str:
    """CP1252 as browsers decode it: the five undefined bytes become C1 controls."""
    return "".join(chr(b) if b < 0x80 or b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                   else bytes([b]).decode("cp1252") for b in data)


def garble(text: str, kind: str) -> str:
    """Our own Korean text turned into mojibake of `kind`."""
    if kind == "cp949_as_latin1":
        return text.encode("cp949").decode("latin-1")
    if kind == "cp949_as_cp1252":
        return text.encode("cp949").decode("cp1252")
    if kind == "utf8_as_cp1252":
        return cp1252_view(text.encode("utf-8"))
    if kind == "utf8_as_cp949":
        return text.encode("utf-8").decode("cp949", "replace")
    raise ValueError(kind)


# --- normalize.unicode ---------------------------------------------------------------

NFD = unicodedata.normalize("NFD", "한글 정제")

NORMALIZE_CASES = [
    # (input, expected output, reasons of the edits)
    ("가나다\r\n라마\r바사", "가나다\n라마\n바사", {"newline"}),
    ("첫 줄\u2028둘째 줄", "첫 줄\n둘째 줄", {"newline"}),
    ("\ufeff기사\u200b 본문\u00ad입니다", "기사 본문입니다", {"invisible_char"}),
    ("제어\x00문자\x07와\x1b 삭제\x7f", "제어문자와 삭제", {"invisible_char"}),
    ("C1\x85제어\x9f문자", "C1제어문자", {"invisible_char"}),
    ("방향\u202e표시\u2066제거\u2069", "방향표시제거", {"invisible_char"}),
    (NFD, "한글 정제", {"nfc"}),
    ("그는 &quot;좋다&quot;고 말했다", '그는 "좋다"고 말했다', {"html_entity"}),
    ("It&#39;s &#x27;ok&#x27; &lt;b&gt;", "It's 'ok' <b>", {"html_entity"}),
    ("R&amp;D 투자 &copy; 한빛", "R&D 투자 © 한빛", {"html_entity"}),
    ("이중 &amp;amp; 삼중 &amp;quot;인용&amp;quot;", '이중 & 삼중 "인용"', {"html_entity"}),
    ("깨진 amp;#39;엔티티amp;#39; amp;quot;인용amp;quot;", "깨진 '엔티티' \"인용\"",
     {"html_entity"}),
    ("quot;안녕하세요quot; apos;네apos;", "\"안녕하세요\" '네'", {"html_entity"}),
    ("가&nbsp;나&nbsp;&nbsp;다", "가 나 다", {"html_entity", "whitespace"}),
    ("가&#8203;나", "가나", {"html_entity", "invisible_char"}),
    ("여러   칸\t\t탭\u00a0NBSP\u3000전각", "여러 칸 탭 NBSP 전각", {"whitespace"}),
    ("줄 끝 공백   \n다음 줄", "줄 끝 공백\n다음 줄", {"whitespace"}),
    ("문단 하나.\n\n\n\n문단 둘.\n \n  \n문단 셋.", "문단 하나.\n\n문단 둘.\n\n문단 셋.",
     {"whitespace"}),
    ("  \n 앞뒤 공백 \n\n ", "앞뒤 공백", {"whitespace"}),
]


@pytest.mark.parametrize("text, expected, reasons", NORMALIZE_CASES)
def test_each_normalisation_step(text: str, expected: str, reasons: set[str]) -> None:
    d = normalize(text)
    assert d.text == expected
    # a change on top of an earlier one of the same stage is merged into one edit
    assert {r for e in d.edits for r in [e.reason, *e.detail.get("merged_with", [])]} == reasons
    assert all(e.stage == "normalize.unicode" and e.version == 2 for e in d.edits)


UNCHANGED = [
    "ⓒ 한빛뉴스 ㈜가온 ①②③ ㅋㅋㅋ ㅎㅎ ㅠㅠ ㅣ ㆍ ㎡ Ａ１ … ™ ©",
    "문단 하나.\n\n문단 둘.\n셋째 줄.",
    "AT&T와 S&P 500, R&D 예산; quotation marks, aquot; x&y",
    "가격은 3<5 이고 a>b; 세미콜론; &foo; &notit; 수식",
    "한글과 English, 漢字, 日本語のかな, café",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_korean_compatibility_characters_and_ordinary_text_survive(text: str) -> None:
    d = normalize(text)
    assert d.text == text and d.edits == []


def test_no_nfkc_compatibility_forms_stay_distinct() -> None:
    d = normalize("ⓒ㈜ㅋㅋ①")
    assert d.text == "ⓒ㈜ㅋㅋ①"
    assert unicodedata.normalize("NFKC", d.text) != d.text  # the forms NFKC would destroy


def test_edits_are_coarse_one_span_per_run() -> None:
    d = normalize("가\u200b\u200b\u200b나" + "   " + "다")
    assert [(e.reason, e.start, e.end) for e in d.edits] == [
        ("invisible_char", 1, 4), ("whitespace", 5, 8)]
    d = normalize(NFD)
    assert [(e.start, e.end, e.replacement) for e in d.edits] == [
        (0, 6, "한글"), (7, 12, "정제")]


def test_each_step_can_be_switched_off() -> None:
    text = "\ufeff가  &quot;나&quot;\r\n" + NFD
    off = {"normalize_newlines": False, "unescape_html": False, "strip_invisible": False,
           "nfc": False, "normalize_whitespace": False}
    assert normalize(text, **off).text == text
    assert normalize(text, **{**off, "unescape_html": True}).text == text.replace("&quot;", '"')


def test_parameters_are_plain_recipe_types() -> None:
    stage = build_stage("normalize.unicode", {"unescape_html": False}, "stages[0]")
    assert stage.params()["unescape_html"] is False
    assert set(stage.params()) == {"normalize_newlines", "unescape_html", "strip_invisible",
                                   "nfc", "normalize_whitespace"}


# text with everything the stage touches, in many combinations
PIECES = ["가", "한", "ᄒ", "ᅡ", "ᆫ", "e", "\u0301", "\u0323", "a", "A", "1", " ", "  ", "\t",
          "\u00a0", "\u3000", "\n", "\n\n\n", "\r", "\r\n", "\u2028", "\u200b", "\ufeff",
          "\x00", "\x85", "&", ";", "#", "amp;", "&amp;", "quot;", "&quot;", "&#39;",
          "&#x27;", "&nbsp;", "&nbsp", "&#8203;", "&#13;", "&#0;", "nbsp;", "ⓒ", "㈜", "ㅋ",
          "\uf900", "Å", "\u212b"]
korean_soup = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(korean_soup, st.text(max_size=60)))
def test_normalisation_is_idempotent_and_its_edits_replay(text: str) -> None:
    once = normalize(text)
    twice = normalize(once.text)
    assert twice.text == once.text and twice.edits == []
    assert unicodedata.is_normalized("NFC", once.text)


# --- normalize.mojibake --------------------------------------------------------------

OURS = "한빛시는 다음 달부터 심야버스를 운행한다고 밝혔다. 요금은 1,500원이다."


def mojibake(text: str) -> tuple[Document, Drop | None]:
    d = doc(text)
    drop = MojibakeRepair().process(d)
    if drop is None:
        assert replay(text, d.edits) == d.text
    return d, drop


@pytest.mark.parametrize("kind", ["cp949_as_latin1", "utf8_as_cp1252", "utf8_as_cp949"])
def test_each_family_is_repaired(kind: str) -> None:
    text = "최신 기사 목록" if kind == "utf8_as_cp949" else OURS  # lossless through CP949
    d, drop = mojibake(garble(text, kind))
    assert drop is None and d.text == text
    assert d.metadata["mojibake_repaired"] == kind
    assert {e.detail["kind"] for e in d.edits} == {kind}


def test_cp1252_only_glyphs_give_the_cp1252_kind() -> None:
    d, drop = mojibake(garble("오늘 저녁은 똠양꿍이다", "cp949_as_cp1252"))
    assert drop is None and d.text == "오늘 저녁은 똠양꿍이다"
    assert d.metadata["mojibake_repaired"] == "cp949_as_cp1252"


def test_partial_document_repairs_only_the_garbled_run() -> None:
    tail = garble("무단 전재 금지", "cp949_as_latin1")
    text = f"새 소식입니다. café와 ±0.5°C 그리고 “인용” {tail}"
    d, drop = mojibake(text)
    assert drop is None
    assert d.text == "새 소식입니다. café와 ±0.5°C 그리고 “인용” 무단 전재 금지"
    assert len(d.edits) == 1 and d.edits[0].start == text.index(tail)


def test_western_mojibake_next_to_korean_mojibake_is_judged_by_the_document() -> None:
    d, drop = mojibake(garble("한빛뉴스 기사", "cp949_as_latin1") + " 추천 맛집은 cafÃ© 누리")
    assert drop is None and d.text == "한빛뉴스 기사 추천 맛집은 cafÃ© 누리"  # not CP949
    d, drop = mojibake(garble("사진 기사", "utf8_as_cp1252") + " 추천 맛집은 cafÃ© 누리")
    assert drop is None and d.text == "사진 기사 추천 맛집은 café 누리"  # all UTF-8 as CP1252


def test_wholly_garbled_text_gets_hanja_and_symbols_back() -> None:
    text = "북조선(北朝鮮)과 ⓒ 기호, ☆ 별표와 「괄호」"
    d, drop = mojibake(garble(text, "cp949_as_latin1"))
    assert drop is None and d.text == text
    d, drop = mojibake(garble("I’d say 사진 ★", "utf8_as_cp1252"))
    assert drop is None and d.text == "I’d say 사진 ★"


CLEAN = [
    "카페 이름은 'Café Nuri'이고 naïve한 질문, ±0.5°C, 3×4m, ½, µm, © 2024 — ™",
    "Die Straße ist für Fußgänger gesperrt. Le garçon a mangé une crème brûlée.",
    "ÆRØ 섬과 São Paulo, AÇÃO E INFORMAÇÕES, Dương 씨와 Łódź, ŽŠČ",
    "온도 ·· ··· “인용” ‘작은’ … • – — ‚„ ‹› ≪≫ \u00a0\u00a0 ¡¿ «»",
    "cafÃ© crÃ¨me 는 서양 문자 깨짐이라 한국어 수리 대상이 아니다",
    "大韓民國 憲法, 自由民主主義, 漢字와 〈論語〉, 李舜臣",
    "됬어요 똠양꿍 샾 뷁 뭥믜 최곸닼 쫒아 굳굳귣",
]


@pytest.mark.parametrize("text", CLEAN)
def test_legitimate_latin_and_rare_syllables_are_untouched(text: str) -> None:
    d, drop = mojibake(text)
    assert drop is None and d.text == text and d.edits == []


@pytest.mark.parametrize("text, kind", [
    (garble("한빛뉴스 김민준 기자", "utf8_as_cp949"), "utf8_as_cp949"),  # U+FFFD: lossy
    (garble("한빛뉴스 기사 목록", "cp949_as_latin1").replace("\u00b4", ""),
     "cp949_as_latin1"),  # a byte lost: the run no longer decodes cleanly
    ("문화일보 김충남 기자".encode().decode("cp1252", "replace"), "utf8_as_cp1252"),
])
def test_unrepairable_mojibake_is_dropped_with_evidence(text: str, kind: str) -> None:
    d, drop = mojibake(text)
    assert drop is not None and drop.reason == "mojibake"
    assert drop.detail["kind"] == kind
    assert drop.detail["sample"] in text and len(drop.detail["sample"]) <= 40
    assert 0 < drop.detail["garbled_share"] <= 1
    assert d.text == text and d.edits == []


def test_repair_false_drops_instead() -> None:
    d = doc(garble(OURS, "cp949_as_latin1"))
    drop = MojibakeRepair(repair=False).process(d)
    assert drop is not None and drop.reason == "mojibake"


def test_mojibake_then_unicode_edits_replay_stage_by_stage() -> None:
    text = "  " + garble(OURS, "cp949_as_latin1") + " &quot;끝&quot;\r\n"
    d = doc(text)
    outputs = [text]
    for stage in (MojibakeRepair(), UnicodeNormalizer()):
        d.begin_stage()
        mark = len(d.edits)
        assert stage.process(d) is None
        assert replay(outputs[-1], d.edits[mark:]) == d.text
        outputs.append(d.text)
    assert d.text == OURS + ' "끝"'


GARBLE_PIECES = ["ÇÑºû", "´º½º", "±è", "¹«´Ü ", "ì‚¬", "ì§„", "í•œ", "湲곗옄", "寃쎌젣", "\ufffd",
                 "Œc", "‰ç", "é", "©", "°C", "±", "·", "“", "”", "한", "글", " ", "\n", "a",
                 "1", "Ã", "©", "\x80", "\xa0", "ươ", "?"]
garble_soup = st.lists(st.sampled_from(GARBLE_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(garble_soup, st.text(max_size=60)))
def test_mojibake_stage_is_idempotent_on_its_own_output(text: str) -> None:
    d, drop = mojibake(text)
    if drop is None:
        again, drop_again = mojibake(d.text)
        assert drop_again is None and again.text == d.text and again.edits == []


# --- real corpora (read only, skipped without ../shared/data) ------------------------


@pytest.mark.slow
def test_clean_news_bodies_are_never_touched(shared_data) -> None:
    path = shared_data / "ko-news-2019" / "articles.jsonl"
    stage = MojibakeRepair()
    stage.setup()
    changed = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            d = doc(record["body"])
            if stage.process(d) is not None or d.edits:
                changed.append(record["id"])
    assert changed == []


@pytest.mark.slow
def test_real_double_decoded_crawl_is_repaired_or_dropped(shared_data) -> None:
    path = shared_data / "ko-encodings" / "mojibake_real"
    rows = [row for f in sorted(path.glob("*.csv"))
            for row in csv.reader(io.StringIO(f.read_text(encoding="utf-8")))][1:]
    assert rows
    stage = MojibakeRepair()
    for row in rows:
        d = doc(",".join(row))
        drop = stage.process(d)
        assert drop is not None or d.edits, f"kept garbled: {d.text[:60]!r}"
        if drop is not None:
            assert drop.reason == "mojibake" and drop.detail["kind"] == "utf8_as_cp949"


@pytest.mark.slow
def test_real_euc_kr_pages_in_latin1_and_cp1252_views_come_back(shared_data) -> None:
    """32 EUC-KR blog feeds and 1 CP949 page (XML with Hanja, kana, symbols): read as
    Latin-1 or CP1252, or re-encoded as UTF-8 and read as CP1252, all repair exactly."""
    files = sorted((shared_data / "ko-encodings" / "chardet_tests").glob("[CE]*/*"))
    assert files
    for f in files:
        raw = f.read_bytes()
        truth = raw.decode("cp949")
        utf8 = truth.encode("utf-8")
        for view in (raw.decode("latin-1"), cp1252_view(raw), cp1252_view(utf8)):
            d, drop = mojibake(view)
            assert drop is None and d.text == truth, f.name
