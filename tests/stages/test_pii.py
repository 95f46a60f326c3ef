"""The clean.pii stage: detection table, check digits, negatives, ledger safety, properties.

Every value here is synthetic (checksum-valid values were computed, not copied from real
documents); the published check-digit vectors come from the research notes, §3.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jeongje.errors import ConfigError
from jeongje.record import Document, Source, dumps
from jeongje.registry import build_stage, registry
from jeongje.stages.pii import (
    PII_TYPES,
    PiiMatch,
    PiiRedactor,
    brn_check_ok,
    find_pii,
    luhn_ok,
    rrn_check_ok,
)


def found(text: str, types: list[str] | None = None) -> list[tuple[str, str]]:
    return [(m.type, text[m.start:m.end]) for m in find_pii(text, types)]


# ------------------------------------------------------------------ detection table

POSITIVES: list[tuple[str, list[tuple[str, str]]]] = [
    # RRN / FRN: checksum-valid needs no context
    ("가입자 770405-1102312 누리시 거주", [("RRN", "770405-1102312")]),
    ("명부: 8811302514272, 비고 없음", [("RRN", "8811302514272")]),
    ("2002년생 020815-3065325 지원", [("RRN", "020815-3065325")]),
    ("번호=1302274098719", [("RRN", "1302274098719")]),
    ("주민등록번호(960121-1021413)", [("RRN", "960121-1021413")]),
    ("연수생 750618-5342173 한빛대", [("FRN", "750618-5342173")]),
    ("외국인 991201-6522083", [("FRN", "991201-6522083")]),
    ("등록증 0403177123450 재발급", [("FRN", "0403177123450")]),
    ("명단 911124-5678906 확인", [("FRN", "911124-5678906")]),
    # post-2020 / re-issued numbers fail the check digit: accepted after a context word
    ("새 주민등록번호 211014-4123456을 받았다", [("RRN", "211014-4123456")]),
    ("주민번호: 2110144123456", [("RRN", "2110144123456")]),
    ("외국인등록번호 220301-7123456 발급", [("FRN", "220301-7123456")]),
    # phones
    ("연락처 010-2345-6789로", [("PHONE", "010-2345-6789")]),
    ("문자 01023456789 주세요", [("PHONE", "01023456789")]),
    ("전화 010 2345 6789", [("PHONE", "010 2345 6789")]),
    ("전화 010.2345.6789 로", [("PHONE", "010.2345.6789")]),
    ("옛 번호 011-234-5678", [("PHONE", "011-234-5678")]),
    ("민원실(02-123-4567)", [("PHONE", "02-123-4567")]),
    ("대표 02-3456-7890", [("PHONE", "02-3456-7890")]),
    ("지점 051-765-4321", [("PHONE", "051-765-4321")]),
    ("세종 044-201-3456", [("PHONE", "044-201-3456")]),
    ("인터넷전화 070-1234-5678", [("PHONE", "070-1234-5678")]),
    ("안심번호 0505-123-4567", [("PHONE", "0505-123-4567")]),
    ("수신자부담 080-123-4567", [("PHONE", "080-123-4567")]),
    ("해외 +82-10-2345-6789", [("PHONE", "+82-10-2345-6789")]),
    ("해외 +82 2 345 6789", [("PHONE", "+82 2 345 6789")]),
    ("문의 (02) 345-6789", [("PHONE", "(02) 345-6789")]),
    ("구독신청:02)345-6789)", [("PHONE", "02)345-6789")]),
    # e-mail: ASCII only, glued to Hangul on either side
    ("담당자 kim.minji@example.co.kr로 보내", [("EMAIL", "kim.minji@example.co.kr")]),
    ("밝혔다.reporter77@example.com▶ 네이버", [("EMAIL", "reporter77@example.com")]),
    ("메일(hong+news@example.or.kr)", [("EMAIL", "hong+news@example.or.kr")]),
    ("연락 SEO.YEON@EXAMPLE.NE.KR", [("EMAIL", "SEO.YEON@EXAMPLE.NE.KR")]),
    ("아이디 01023456789@example.com 사용", [("EMAIL", "01023456789@example.com")]),
    ("김기자 kim@example.com1년 전 기사", [("EMAIL", "kim@example.com")]),  # glued sentence
    ("연락 +82-10-2345-6789.kim@example.com", [("PHONE", "+82-10-2345-6789"),
                                              ("EMAIL", "kim@example.com")]),
    # BRN
    ("사업자등록번호 220-81-12341", [("BRN", "220-81-12341")]),
    ("가온상사 105-87-01931 대표", [("BRN", "105-87-01931")]),
    ("사업자번호 4021305671", [("BRN", "4021305671")]),
    ("stdnum 116-82-00276", [("BRN", "116-82-00276")]),
    # cards
    ("결제 4532-0123-4567-8902 승인", [("CARD", "4532-0123-4567-8902")]),
    ("카드 5210 9483 7261 5406", [("CARD", "5210 9483 7261 5406")]),
    ("분실 9403-1234-5678-9019", [("CARD", "9403-1234-5678-9019")]),
    ("법인 3714-496353-98431 사용", [("CARD", "3714-496353-98431")]),
    ("카드번호 4532012345678902", [("CARD", "4532012345678902")]),
    # passport, driver's licence, account: context words
    ("여권번호 M12345678 재발급", [("PASSPORT", "M12345678")]),
    ("여권(S123B4567) 분실", [("PASSPORT", "S123B4567")]),
    ("여권 사본의 번호는 R98765432이다", [("PASSPORT", "R98765432")]),
    ("운전면허번호 13-05-123456-78", [("DRIVER_LICENSE", "13-05-123456-78")]),
    ("운전면허증(26-19-654321-01)", [("DRIVER_LICENSE", "26-19-654321-01")]),
    ("면허번호: 서울 92-123456-71", [("DRIVER_LICENSE", "서울 92-123456-71")]),
    ("국민은행 123456-78-901234 입금", [("ACCOUNT", "123456-78-901234")]),
    ("입금 계좌: 신한 110-234-567890", [("ACCOUNT", "110-234-567890")]),
    ("카카오뱅크 3333-12-3456789", [("ACCOUNT", "3333-12-3456789")]),
    ("농협 302-1234-5678-91로 송금", [("ACCOUNT", "302-1234-5678-91")]),
    ("1002-345-678901 (예금주 김하늘)", [("ACCOUNT", "1002-345-678901")]),
    ("계좌번호 110234567890 로", [("ACCOUNT", "110234567890")]),
    # several in one text
    ("홍길동 010-2345-6789, hong@example.com, 입금은 기업은행 210-123456-01-012",
     [("PHONE", "010-2345-6789"), ("EMAIL", "hong@example.com"),
      ("ACCOUNT", "210-123456-01-012")]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[t for t, _ in POSITIVES])
def test_detects(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_spans_are_character_offsets() -> None:
    text = "주민등록번호 770405-1102312, 연락처 010-2345-6789"
    assert find_pii(text) == [PiiMatch("RRN", 7, 21), PiiMatch("PHONE", 27, 40)]


NEGATIVES = [
    "발표는 2024-03-05 오전 10시, 마감 2024.3.5, 기준일 20240305",
    "입력 2024.03.05 11:33 | 기사번호 2024030511330001",
    "영업이익 1,655억원, 1인당 12,000원, 가격 35,000원",
    "지지율은 2.7%포인트 오른 41.3%였다",
    "삼성전자(005930) 주가와 종목코드 012340",
    "https://news.example.co.kr/article/202403051234567890",
    "아이디 dhrl****님, 당첨자 이** (010-****-5678)",
    "주민등록번호 900101-1****** 형태로 가려서",
    "카드번호 끝자리 ****-****-****-4821",
    "예시 번호 9430-8212-3456-2393 은 Luhn 실패",
    "코드 116-82-00277 은 무효",
    "ISBN 978-89-6021-514-6, 특허 10-2023-0012346, 사건 2023가합12345",
    "도면 번호 11-19-123456-12 를 참고",
    "모델명 M20240315 단종",
    "주문번호 123456-01-123456 교환",
    "운송장 6842-1193-0275 조회",
    "참조번호 9601211234567 (체크 실패, 맥락 없음)",
    "긴 숫자 9010-2345-67890 과 010-2345-678901",
    "관람객 1,234-5,678명, 스코어 3-1, 2019-2024년",
    "대표번호 1588-1234 로 문의",
    "좌표 37.5665, 126.9780, 버전 10.2.31, 빌드 2024.0305.1",
    "우편번호 04524, 행정코드 1101053",
    "메일 dhrl****@example.com, 이메일 **********@gmail.com",
    "ABC0102345678 과 X010-2345-6789Y",
    "이미 가린 <|PHONE|>, <|EMAIL|>, <|RRN|> 자리",
    "a@b.c 와 user@localhost, @handle",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_not_pii(text: str) -> None:
    assert found(text) == []


def test_context_words_are_required_for_weak_types() -> None:
    assert found("번호 211014-4123456") == []  # fails the check digit, no context
    assert found("번호 4532012345678902") == []  # bare 16 digits need 카드
    assert found("번호 4021305671") == []  # bare BRN needs 사업자
    assert found("번호 M12345678") == []
    assert found("번호 13-05-123456-78") == []
    assert found("번호 110-234-567890") == []


def test_context_window_is_short_and_labels_only_the_next_number() -> None:
    far = "여권은 " + "가" * 30 + " M12345678"
    assert found(far) == []
    # a context word does not reach past an earlier number to a second one
    assert found("주민등록번호 770405-1102312 및 211014-4123456") == [
        ("RRN", "770405-1102312")]


# ------------------------------------------------------------------ check digits


@pytest.mark.parametrize("number", ["960121-1021413", "050912-2000019", "971013-9019902",
                                    "911124-5678906", "050912-6000012", "9601211021413"])
def test_rrn_frn_check_digit_valid(number: str) -> None:
    assert rrn_check_ok(number)


@pytest.mark.parametrize("number", ["960121-1234567", "971013-9019903", "960303-0021413",
                                    "911124-5678907", "960111-10214131", ""])
def test_rrn_frn_check_digit_invalid(number: str) -> None:
    assert not rrn_check_ok(number)


def test_brn_check_digit() -> None:
    assert brn_check_ok("116-82-00276")
    assert brn_check_ok("134-86-72683")
    assert not brn_check_ok("116-82-00277")
    assert not brn_check_ok("100-82-00276")  # office code below 101


def test_luhn() -> None:
    assert not luhn_ok("9430-8212-3456-2393")  # the kpii README example fails Luhn
    assert luhn_ok("4111 1111 1111 1111")
    assert luhn_ok("3714-496353-98431")
    assert not luhn_ok("")


def test_rejected_rrn_shapes() -> None:
    assert found("001332-1234567 960303-0021413 960121+1021413 960111-10214131") == []
    assert found("971013-9019902") == []  # 1800s code: passes the check, no living holder
    assert found("990230-1234568") == []  # 30 February


# ------------------------------------------------------------------ the stage and the ledger


def make_doc(text: str) -> Document:
    return Document(id="d1", text=text, source=Source("t.jsonl", 1))


SECRET_TEXT = ("신청인 주민등록번호 770405-1102312, 연락처 010-2345-6789, 메일 "
               "kim.minji@example.co.kr, 카드 4532-0123-4567-8902, 국민은행 123456-78-901234")
SECRETS = ["770405-1102312", "010-2345-6789", "kim.minji@example.co.kr",
           "4532-0123-4567-8902", "123456-78-901234"]


def test_ledger_bound_data_never_contains_the_value() -> None:
    doc = make_doc(SECRET_TEXT)
    assert PiiRedactor().process(doc) is None
    assert doc.text == ("신청인 주민등록번호 <|RRN|>, 연락처 <|PHONE|>, 메일 <|EMAIL|>, "
                        "카드 <|CARD|>, 국민은행 <|ACCOUNT|>")
    assert doc.metadata["pii_counts"] == {"RRN": 1, "PHONE": 1, "EMAIL": 1, "CARD": 1,
                                          "ACCOUNT": 1}
    assert [e.detail for e in doc.edits] == [{"type": t} for t in
                                            ("RRN", "PHONE", "EMAIL", "CARD", "ACCOUNT")]
    assert {(e.stage, e.version, e.reason) for e in doc.edits} == {("clean.pii", 1, "pii")}
    for e in doc.edits:
        assert SECRET_TEXT[e.start:e.end] in SECRETS
    bound = dumps([{"detail": e.detail, "replacement": e.replacement, "reason": e.reason}
                   for e in doc.edits]) + dumps(doc.metadata) + doc.text
    for value in SECRETS:
        assert value not in bound
        assert value.replace("-", "") not in bound


def test_no_pii_no_metadata() -> None:
    doc = make_doc("2024-03-05 발표, 주가 1,655억원")
    PiiRedactor().process(doc)
    assert doc.edits == [] and "pii_counts" not in doc.metadata


def test_types_and_placeholder_parameters() -> None:
    doc = make_doc(SECRET_TEXT)
    PiiRedactor(types=["PHONE", "EMAIL"], placeholder="[{type}]").process(doc)
    assert "[PHONE]" in doc.text and "[EMAIL]" in doc.text
    assert "770405-1102312" in doc.text and "123456-78-901234" in doc.text
    assert doc.metadata["pii_counts"] == {"PHONE": 1, "EMAIL": 1}


def test_types_do_not_change_typing() -> None:
    # a phone number next to a bank word is a PHONE; asking for ACCOUNT only finds nothing
    text = "입금 문의 010-2345-6789"
    assert found(text) == [("PHONE", "010-2345-6789")]
    assert found(text, ["ACCOUNT"]) == []


def test_stage_contract_and_validation() -> None:
    stage = registry()["clean.pii"]()
    assert isinstance(stage, PiiRedactor)
    assert stage.reasons == frozenset() and stage.description
    assert stage.params() == {"types": list(PII_TYPES), "placeholder": "<|{type}|>"}
    with pytest.raises(ValueError, match="valid: RRN, FRN"):
        PiiRedactor(types=["PHONE", "SSN"])
    with pytest.raises(ValueError, match="must not be empty"):
        PiiRedactor(types=[])
    with pytest.raises(ConfigError, match=r"stages\[3\].params.*'SSN'"):
        build_stage("clean.pii", {"types": ["SSN"]}, "stages[3]")
    with pytest.raises(ValueError, match="unknown PII type"):
        find_pii("010-2345-6789", ["PHONES"])
    assert build_stage("clean.pii", {"types": ["CARD"]}, "s").types == ["CARD"]


def test_document_round_trip_keeps_only_types() -> None:
    doc = make_doc(SECRET_TEXT)
    PiiRedactor().process(doc)
    restored = {"edits": [{**e, "detail": json.loads(e["detail"])} for e in doc.to_row()["edits"]]}
    assert all(set(e["detail"]) == {"type"} for e in restored["edits"])


# ------------------------------------------------------------------ properties

PIECES = [
    "주민등록번호 ", "주민번호", "외국인등록번호 ", "여권 ", "운전면허 ", "국민은행 ", "계좌 ", "예금주 ",
    "카드 ", "사업자 ", "입금", " ", "-", ".", "@", "(", ")", "|>", "<|", "가", "다.", "a", "M",
    "770405-1102312", "7704051102312", "211014-4123456", "750618-5342173", "010-2345-6789",
    "01023456789", "02-123-4567", "+82-10-2345-6789", "kim@example.co.kr", "x.y@ex.com",
    "220-81-12341", "4532-0123-4567-8902", "4532012345678902", "9430-8212-3456-2393",
    "M12345678", "S123B4567", "13-05-123456-78", "서울 92-123456-71", "123456-78-901234",
    "110234567890", "2024-03-05", "1,655억원", "dhrl****", "010-****-5678",
]
texts = st.lists(st.sampled_from(PIECES) | st.text("0123456789-. @", max_size=8),
                 max_size=14).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sets(st.sampled_from(PII_TYPES), min_size=1))
def test_spans_in_bounds_sorted_non_overlapping(text: str, types: set[str]) -> None:
    matches = find_pii(text)
    pos = 0
    for m in matches:
        assert m.type in PII_TYPES
        assert pos <= m.start < m.end <= len(text)
        pos = m.end
    assert find_pii(text, sorted(types)) == [m for m in matches if m.type in types]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sets(st.sampled_from(PII_TYPES), min_size=1))
def test_redaction_is_idempotent(text: str, types: set[str]) -> None:
    stage = PiiRedactor(types=sorted(types))
    doc = make_doc(text)
    stage.process(doc)
    once, n_edits = doc.text, len(doc.edits)
    stage.process(doc)
    assert doc.text == once
    assert len(doc.edits) == n_edits
