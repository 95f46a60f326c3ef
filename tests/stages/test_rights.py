"""The rights stage: notices, machine-readable signals, publisher registry, policy table."""

from __future__ import annotations

import pytest

from jeongje.errors import ConfigError
from jeongje.korean.notices import find_notices
from jeongje.recipe import recipe_from_dict
from jeongje.record import Document, Drop, Source
from jeongje.stages.rights import RightsFilter

BODY = "가람시가 내년부터 시내버스 요금을 지원한다고 밝혔다. 지원 대상은 8만 명이다."


def run(stage, text, **meta):
    doc = Document("d", text, Source("t.jsonl", line=1), metadata=dict(meta))
    doc.begin_stage()
    return stage.process(doc), doc


@pytest.mark.parametrize("tail, klass", [
    ("<저작권자(c) 한빛뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>", "ai_training_prohibited"),
    ("ⓒ한결일보 무단전재및재배포,AI학습이용금지", "ai_training_prohibited"),
    ("Copyright ⓒ 바른방송. All rights reserved. 무단 전재, 재배포 및 크롤링 금지.", "crawling_prohibited"),
    ("[ⓒ 다온경제 & daon.example.co.kr, 무단전재 및 재배포 금지]", "reproduction_prohibited"),
    ("이 기사는 CC BY 4.0 라이선스에 따라 이용할 수 있습니다.", "open_license"),
    ("", "none"),
])
def test_notice_classes_and_default_policy(tail, klass):
    drop, doc = run(RightsFilter(use_registry=False), BODY + " " + tail)
    assert doc.metadata["rights"]["class"] == klass
    if klass in ("ai_training_prohibited", "crawling_prohibited"):
        assert isinstance(drop, Drop) and drop.reason == "rights_reserved"
        assert drop.detail["class"] == klass and drop.detail["source"] == "notice"
        assert drop.detail["matched"] == tail.rstrip(".") or drop.detail["matched"] == tail
        start, end = drop.detail["start"], drop.detail["end"]
        assert doc.text[start:end] == drop.detail["matched"]
    else:
        assert drop is None


def test_in_body_mentions_are_not_notices():
    for sentence in ["'무단 전재 및 재배포 금지'라는 문구를 붙였다.", "AI 학습 이용 금지 조항을 두고 논란이 일었다.",
                     "언론사들은 AI 학습 금지를 요구했다.", "무단 전재를 금지한 약관도 논란이다."]:
        assert find_notices(BODY + " " + sentence) == []


@pytest.mark.parametrize("meta, reserved", [
    ({"tdm-reservation": "1"}, True),
    ({"tdm-reservation": 1}, True),
    ({"tdm-reservation": "0"}, False),
    ({"tdm-reservation": "yes"}, False),  # TDMRep: any other value is a protocol error = unset
    ({"rights_signals": {"X-Robots-Tag": "noindex, noai"}}, True),
    ({"robots": "noimageai"}, False),  # images only
    ({"content-usage": "train-ai=n"}, True),
    ({"content-usage": "train-ai=y"}, False),
])
def test_machine_readable_signals(meta, reserved):
    drop, doc = run(RightsFilter(use_registry=False), BODY, **meta)
    assert (drop is not None) == reserved
    if reserved:
        assert drop.detail["source"] == "signal"


def test_registry_covers_documents_whose_notice_was_cut_off(tmp_path):
    stage = RightsFilter()
    drop, _ = run(stage, BODY, press="연합뉴스", date="2024-01-05")
    assert drop.detail["source"] == "registry" and drop.detail["registry_entry"] == "연합뉴스"
    drop, doc = run(stage, BODY, url="https://www.yna.co.kr/view/AKR1", date="2019-03-01")
    assert drop is None and doc.metadata["rights"]["class"] == "none"  # before its since-date
    drop, _ = run(RightsFilter(registry_dates="ignore"), BODY, url="https://www.yna.co.kr/x", date="2019-03-01")
    assert drop is not None
    mine = tmp_path / "mine.yaml"
    mine.write_text("publishers:\n  - name: 가람일보\n    domains: [garam.example.kr]\n"
                    "    reservation: crawling_prohibited\n", encoding="utf-8")
    drop, _ = run(RightsFilter(registry_files=[str(mine)]), BODY, url="https://news.garam.example.kr/a/1")
    assert drop.detail["class"] == "crawling_prohibited"


def test_policy_table_is_validated_and_can_keep_everything():
    keep_all = {c: "keep" for c in ["ai_training_prohibited", "crawling_prohibited"]}
    drop, doc = run(RightsFilter(policy=keep_all, use_registry=False),
                    BODY + " <저작권자(c) 한빛뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>")
    assert drop is None and doc.metadata["rights"]["class"] == "ai_training_prohibited"
    with pytest.raises(ConfigError, match="policy: unknown class 'ai'"):
        recipe_from_dict({"name": "x", "stages": [{"stage": "rights.reservation",
                                                   "params": {"policy": {"ai": "drop"}}}]})
    with pytest.raises(ConfigError, match="not one of 'drop', 'keep'"):
        recipe_from_dict({"name": "x", "stages": [{"stage": "rights.reservation",
                                                   "params": {"policy": {"none": "delete"}}}]})
