"""Folding for benchmark matching: what folds away, what stays, and offsets back."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from jeongje.decontam.fold import fold, fold_many, folded_text


@pytest.mark.parametrize("page", [
    "다음 중 옳은 것은?\n① 사과\n② 배",
    "다음중 옳은것은 (1) 사과 (2) 배",
    "다음 중 옳은 것은?<br>1. 사과<br/>2. 배",
    "다음 중 옳은 것은? 가. 사과 나. 배",
    "  다음 중\t옳은 것은 ?  A) 사과  B) 배",
    "다음 중 옳은 것은?&nbsp;ⓐ 사과 ⓑ 배",
    "다음　중　옳은　것은？\n㉠ 사과\n㉡ 배",  # ideographic spaces, full-width question mark
])
def test_pages_that_differ_only_in_layout_and_markers_fold_alike(page):
    assert folded_text(page) == "다음중옳은것은사과배"


def test_case_and_full_width_letters_fold_to_ascii_lower_case():
    assert folded_text("ＫＭＭＬＵ Test 2024") == "kmmlutest2024"


def test_words_that_only_look_like_markers_stay():
    # "것." ends a sentence (not a 가-하 marker), "2019." is a year, "10.5" a number
    assert folded_text("하는 것. 2019. 10.5") == "하는것2019105"


def test_nfd_hangul_folds_like_nfc_and_offsets_point_into_the_nfd_text():
    nfc = "한국어 시험 ①번"
    nfd = unicodedata.normalize("NFD", nfc)
    cps, where = fold(nfd)
    assert folded_text(nfd) == folded_text(nfc) == "한국어시험번"
    assert [nfd[i] for i in where.tolist()] == [unicodedata.normalize("NFD", c)[0] for c in "한국어시험번"]


def test_offsets_map_back_to_the_characters_kept():
    text = "① 가나 (2) 다라\n마"
    cps, where = fold(text)
    assert "".join(text[i] for i in where.tolist()) == folded_text(text) == "가나다라마"


def test_fold_many_gives_each_text_its_own_offsets():
    texts = ["가나 다", unicodedata.normalize("NFD", "한글"), "", "A. 라마"]
    cps, where, doc = fold_many(texts)
    assert doc.tolist() == [0, 0, 0, 1, 1, 3, 3]
    for i, text in enumerate(texts):
        mine = doc == i
        single, offsets = fold(text)
        assert np.array_equal(cps[mine], single) and np.array_equal(where[mine], offsets)


def test_lone_surrogates_and_emoji_do_not_break_folding():
    assert folded_text("가\ud800나 😀 다") == "가나다"
