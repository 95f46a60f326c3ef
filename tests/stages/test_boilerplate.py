"""Boilerplate stage: removal as edits, facts to metadata, body text untouched."""

from __future__ import annotations

from jeongje.record import Document, Source
from jeongje.stages.boilerplate import BoilerplateRemover
from jeongje.stages.repetition import RepetitionRepairer
from tests.helpers import replay


def run(stage, text):
    doc = Document("d", text, Source("t.jsonl", line=1))
    original = doc.text
    doc.begin_stage()
    stage.process(doc)
    return doc, original




def test_wire_article_flattened_to_one_line():
    text = ("(서울=한빛뉴스) 김민준 기자 = 누리시가 공공 와이파이를 늘린다고 3일 밝혔다.설치 장소는 버스 정류장 "
            "500곳이다. minjun@example.co.kr ▶ 네이버에서 한빛뉴스 구독하기 "
            "<저작권자(c) 한빛뉴스, 무단 전재-재배포, AI 학습 및 활용 금지> 2024/05/04 11:33 송고")
    doc, original = run(BoilerplateRemover(), text)
    assert doc.text == "누리시가 공공 와이파이를 늘린다고 3일 밝혔다.설치 장소는 버스 정류장 500곳이다."
    assert doc.metadata["reporters"] == ["김민준"]
    assert doc.metadata["dateline_city"] == "서울"
    assert doc.metadata["publisher_from_text"] == "한빛뉴스"
    assert doc.metadata["notices"] == ["<저작권자(c) 한빛뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>"]
    assert {"dateline", "byline", "promo", "notice", "timestamp"} <= set(doc.metadata["boilerplate"])
    assert replay(original, doc.edits) == doc.text  # offsets refer to the text as received


def test_body_sentences_that_look_like_boilerplate_stay():
    text = ("[속보] 누리시 지하철 2호선 운행 중단\n이번 행사를 기획한 사람은 신동해 기자였다.\n"
            "문의는 press@example.org로 하면 된다.\n무단 전재를 금지한 약관도 논란이다.\n"
            "가온미디어가 월 9,900원짜리 구독 서비스를 내놨다.")
    doc, _ = run(BoilerplateRemover(), text)
    assert doc.text == text and doc.edits == []


def test_enumerations_with_triangles_are_body_not_captions():
    text = "이번 게임쇼에는 ▲귀혼 ▲프린세스 메이커 등이 나온다. 회사는 ▲모바일 ▲PC 버전을 함께 낸다."
    doc, _ = run(BoilerplateRemover(), text)
    assert doc.text == text


def test_doubled_body_then_boilerplate_leaves_the_author_text():
    body = "누리시가 산후조리원 두 곳을 연다.\n\n정원은 곳마다 20실이다. 이용료는 180만원이다."
    tail = "\n\n김가온 기자 gaon.kim@example.co.kr\n\n<저작권자(c) 한빛뉴스, 무단 전재-재배포 금지>"
    doc = Document("d", body + tail + "\n\n" + body.split("\n\n", 1)[1] + tail, Source("t", line=1))
    for stage in (RepetitionRepairer(), BoilerplateRemover()):
        doc.begin_stage()
        stage.process(doc)
    assert doc.text == body
    assert doc.metadata["repeated_blocks_removed"] == 1 and doc.metadata["reporters"] == ["김가온"]
