"""`filter.quality`: Gopher and FineWeb quality rules adapted to Korean.

Words are whitespace eojeol (`str.split()`), not the Kiwi morphemes FineWeb-2 tuned its
kor_Hang thresholds on (huggingface/fineweb-2 `configs/kor_Hang.yml`, applied in
`fineweb-2-pipeline.py`). Rules that measure differently on eojeol or misfired on real
Korean text (news bodies whose paragraphs were glued into one line, petitions typed without
spacing, blogs that break lines at every phrase) are adapted where they are defined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from ..record import Document, Drop
from ..stage import Stage
from .counts import check_fractions, rounded, word_classes

# Gopher = Rae et al. 2021, "Scaling Language Models" (arXiv 2112.11446), Table A1.
# kor_Hang = FineWeb-2 huggingface/fineweb-2 configs/kor_Hang.yml (see research/peers.md).
KOR_HANG_STOPWORDS = ["의", "다", "이", "는", "에", "을", "한", "년", "하", "은", "를", "했", "고",
                      "에서", "가", "있", "으로", "인", "월", "로", "되"]


# A line "ends like a sentence" (FineWeb's line punctuation rule) when it ends in a sentence
# mark or closing quote/bracket, or, as Korean web text often drops the full stop, in a
# sentence-final ending (다 요 죠 까, the 개조식 음/함/임) or a ㅋ/ㅎ/ㅠ/ㅜ/~/^^ run. A line
# that holds a sentence end inside it is prose too: glued to the next sentence (했다.이어,
# the way crawlers lose paragraph breaks) or, unpunctuated, followed by a space (hard-wrapped
# text and petitions typed without full stops: "있습니다 보이스피싱 범죄는").
_LINE_END = (".", "!", "?", "…", "。", "！", "？", "\"", "'", "”", "’", "」", "』", ")", "]",
             "다", "요", "죠", "까", "음", "함", "임", "ㅋ", "ㅎ", "ㅠ", "ㅜ", "~", "^")
_GLUED_END = re.compile(r"[다요죠까](?:[.!?]|\s)")
# Gopher's bullets (• and -) plus the list marks of Korean web and news text.
_BULLETS = ("•", "-", "·", "ㆍ", "∙", "●", "○", "■", "□", "◆", "◇", "▶", "▷", "►", "▲", "△",
            "☞", "*", "※", "◎")


def _stopword_re(stopwords: list[str]) -> re.Pattern[str]:
    """An eojeol ending in a stopword (then optional punctuation). kor_Hang's stopwords are
    Kiwi morphemes (particles 의 는 을, endings 다 고, stems 하 있) that eojeol glue to their
    host word, so a standalone `의` is rare even in fluent Korean."""
    alts = "|".join(sorted(map(re.escape, stopwords), key=len, reverse=True))
    return re.compile(rf"(?:{alts})(?=[^\w\s]*(?:\s|$))")


@dataclass
class QualityFilter(Stage):
    """Gopher and FineWeb quality rules adapted to Korean eojeol text. A threshold of 0
    disables its rule. Line rules (ellipsis, bullet, punctuation, short lines, newline ratio)
    need `min_lines` lines: news bodies often arrive glued into one line, and a ratio over one
    line is a yes/no about its end ("무단전재 및 재배포 금지" has no full stop)."""

    name: ClassVar[str] = "filter.quality"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({
        "too_few_words", "word_length", "symbol_ratio", "ellipsis_lines", "bullet_lines",
        "non_alpha_words", "no_stopwords", "line_punct", "short_lines", "newline_ratio"})
    description: ClassVar[str] = "drop documents failing Korean-adapted Gopher/FineWeb rules"

    min_words: int = 15
    """Min eojeol that are not pure symbols. Gopher's 50 English words would drop short wire
    briefs (공시, photo news) of 15-30 eojeol; an eojeol is a word plus its particles."""
    min_avg_word_length: float = 1.0
    """Min mean eojeol length in characters. kor_Hang min_avg_word_length 1."""
    max_avg_word_length: float = 15.0
    """Max mean eojeol length. kor_Hang's 6 is for morphemes; real news eojeol average 3-5
    characters (99.9th percentile 6.4), so 15 catches text with spacing all but absent."""
    max_symbol_word_ratio: float = 0.1
    """Max (# plus ellipsis ... / …) per eojeol. Gopher 0.1."""
    max_ellipsis_lines_ratio: float = 0.3
    """Max share of lines ending in ... or …. Gopher 0.3."""
    max_bullet_lines_ratio: float = 0.9
    """Max share of lines starting with a bullet or Korean list mark. Gopher 0.9."""
    min_alpha_words_ratio: float = 0.791
    """Min share of eojeol containing a letter (Hangul, Hanja, Latin...). kor_Hang
    max_non_alpha_words_ratio 0.791 (datatrove keeps a document when at least this share
    of words is alphabetic, despite the name)."""
    stopwords: list[str] = field(default_factory=lambda: list(KOR_HANG_STOPWORDS))
    """kor_Hang's 21 stopwords, matched at the end of an eojeol."""
    min_stopwords: int = 2
    """Min eojeol ending in a stopword. FineWeb-2 min_stop_words 2."""
    min_line_punct_ratio: float = 0.062
    """Min share of lines ending like a sentence. kor_Hang line_punct_thr 0.062."""
    max_short_lines_ratio: float = 0.67
    """Max share of lines of at most `short_line_chars` characters. FineWeb 0.67 (FineWeb-2
    disabled it); kept with a Korean-sized short line."""
    short_line_chars: int = 10
    """A short line: FineWeb's 30 Latin characters; 10 Hangul syllables are ~3 eojeol."""
    max_newline_ratio: float = 0.5
    """Max line breaks per eojeol (runs of blank lines count as one break). kor_Hang's
    new_line_ratio 0.196 (lines under ~5 eojeol on average) does not fit Korean web text:
    blog posts break lines at every phrase (3-5 eojeol) and online news puts each sentence
    in its own paragraph, both of which it drops. 0.5 (lines of two eojeol or fewer on
    average) still catches menus, tag clouds and word lists."""
    min_lines: int = 5
    """Line-based rules apply only to documents with at least this many non-empty lines."""

    def __post_init__(self) -> None:
        check_fractions(self, "max_symbol_word_ratio", "max_ellipsis_lines_ratio",
                         "max_bullet_lines_ratio", "min_alpha_words_ratio",
                         "min_line_punct_ratio", "max_short_lines_ratio")
        if min(self.min_words, self.min_stopwords, self.short_line_chars, self.min_lines) < 0:
            raise ValueError("counts must be >= 0")
        self._stop_re = _stopword_re(self.stopwords)

    def process(self, doc: Document) -> Drop | None:
        return self._decide(doc.text, word_classes([doc.text])[0])

    batched: ClassVar[bool] = True

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        texts = [d.text for d in docs]
        return [self._decide(t, c) for t, c in zip(texts, word_classes(texts), strict=True)]

    def _decide(self, text: str, classes: tuple[int, int, int]) -> Drop | None:
        words = text.split()
        n_words = len(words)
        n_symbols, symbol_chars, n_non_alpha = classes
        n_real = n_words - n_symbols
        if n_real < self.min_words:
            return Drop("too_few_words", {"value": n_real, "threshold": self.min_words})
        if n_real == 0:
            return None  # min_words 0 and nothing but symbols: no rule below applies
        mean = (sum(map(len, words)) - symbol_chars) / n_real
        if self.min_avg_word_length and mean < self.min_avg_word_length:
            return Drop("word_length", {"value": rounded(mean), "threshold": self.min_avg_word_length})
        if self.max_avg_word_length and mean > self.max_avg_word_length:
            return Drop("word_length", {"value": rounded(mean), "threshold": self.max_avg_word_length})
        if self.max_symbol_word_ratio:
            for sym, count in (("#", text.count("#")), ("…", text.count("...") + text.count("…"))):
                if count / n_words > self.max_symbol_word_ratio:
                    return Drop("symbol_ratio", {"value": rounded(count / n_words),
                                                 "threshold": self.max_symbol_word_ratio,
                                                 "symbol": sym})
        alpha = 1 - n_non_alpha / n_words
        if self.min_alpha_words_ratio and alpha < self.min_alpha_words_ratio:
            return Drop("non_alpha_words", {"value": rounded(alpha),
                                            "threshold": self.min_alpha_words_ratio})
        if self.min_stopwords:  # stop scanning as soon as enough are found
            found = sum(1 for _, _m in zip(range(self.min_stopwords),
                                           self._stop_re.finditer(text), strict=False))
            if found < self.min_stopwords:
                return Drop("no_stopwords", {"value": found, "threshold": self.min_stopwords})
        if "\n" in text:
            lines = [ln for ln in (s.strip() for s in text.split("\n")) if ln]
            if len(lines) >= max(self.min_lines, 1):
                return self._lines(lines, n_words)
        return None

    def _lines(self, lines: list[str], n_words: int) -> Drop | None:
        n = len(lines)
        checks: list[tuple[str, float, float, bool]] = [
            # (reason, measured, threshold, True when the measured value must not exceed it)
            ("ellipsis_lines", sum(ln.endswith(("...", "…")) for ln in lines) / n,
             self.max_ellipsis_lines_ratio, True),
            ("bullet_lines", sum(ln.startswith(_BULLETS) for ln in lines) / n,
             self.max_bullet_lines_ratio, True),
            ("line_punct", sum(ln.endswith(_LINE_END) or bool(_GLUED_END.search(ln))
                               for ln in lines) / n,
             self.min_line_punct_ratio, False),
            ("short_lines", sum(len(ln) <= self.short_line_chars for ln in lines) / n,
             self.max_short_lines_ratio, True),
            ("newline_ratio", (n - 1) / n_words, self.max_newline_ratio, True),
        ]
        for reason, value, limit, is_max in checks:
            if limit and (value > limit if is_max else value < limit):
                return Drop(reason, {"value": rounded(value), "threshold": limit})
        return None
