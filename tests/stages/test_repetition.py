"""Repetition repair on its own: adjacent and distant copies, and what must stay."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jeongje.korean.repetition import find_repeats
from jeongje.korean.sentences import sentence_spans


def repair(text: str) -> str:
    out, pos = [], 0
    for start, end, _, _ in find_repeats(text):
        out.append(text[pos:start])
        pos = end
    return "".join(out) + text[pos:]


P = ["누리시가 새 교통 정책을 발표했다. 정책은 내년 1월부터 시행된다.",
     "시는 버스 노선 12개를 새로 만들고 배차 간격을 줄인다. 예산은 320억원이 들어간다.",
     "시민단체는 환영하면서도 요금 인상 여부를 지켜보겠다고 밝혔다. 시의회는 다음 달 심의한다.",
     "시 관계자는 출퇴근 시간대 혼잡이 크게 줄 것이라고 설명했다."]


def test_paragraphs_caught_again_after_a_later_paragraph_are_removed():
    original = "\n\n".join(P)
    doubled = original + "\n\n" + "\n\n".join(P[1:3])
    assert repair(doubled) == original


def test_flattened_body_doubled_without_separator():
    body = "".join(P[:3]).replace(" ", " ")
    assert repair(body + body) == body


def test_distant_short_repeats_stay():
    text = "바다가 부른다\n파도는 낮게 운다\n\n바다가 부른다\n갈매기 난다\n\n바다가 부른다"
    assert repair(text) == text
    quote = ('그는 "책임을 피하지 않겠다"고 말했다. 대책도 내놨다. 위원회에는 외부 전문가가 참여한다. '
             '그는 다시 "책임을 피하지 않겠다"고 말했다.')
    assert repair(quote) == quote


def test_decimal_points_do_not_split_sentences():
    text = "금리는 3.5%다.다음 달 2024.3.5에 발표한다."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["금리는 3.5%다.", "다음 달 2024.3.5에 발표한다."]


@given(st.lists(st.sampled_from(P + ["짧다.", "네."]), max_size=8))
def test_repair_is_idempotent_and_only_deletes(parts):
    text = " ".join(parts)
    once = repair(text)
    assert repair(once) == once
    assert len(once) <= len(text)
