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
from typing import ClassVar, Literal

from ..record import Document, Drop
from ..stage import Stage
from .counts import check_fractions, rounded, syllable_counts, word_classes

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
_SYMBOLS_ONLY = re.compile(r"[^\w\s]+")  # a symbol word, as counts.word_classes counts them
_URL = re.compile(r"(?:https?://|www\.)\S+")
# Gopher's bullets (• and -) plus the list marks of Korean web and news text.
_BULLETS = ("•", "-", "·", "ㆍ", "∙", "●", "○", "■", "□", "◆", "◇", "▶", "▷", "►", "▲", "△",
            "☞", "*", "※", "◎")


def _stopword_re(stopwords: list[str], end: str = "eojeol") -> re.Pattern[str]:
    """An eojeol ending in a stopword (then optional punctuation). kor_Hang's stopwords are
    Kiwi morphemes (particles 의 는 을, endings 다 고, stems 하 있) that eojeol glue to their
    host word, so a standalone `의` is rare even in fluent Korean. `end="hangul_run"`: a
    stopword ending a run of Hangul, whatever follows (a space, `..`, `~`, a digit, the end)."""
    alts = "|".join(sorted(map(re.escape, stopwords), key=len, reverse=True))
    if end == "hangul_run":
        return re.compile(rf"(?:{alts})(?![가-힣])")
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
    thresholds: ClassVar[dict[str, str]] = {
        "too_few_words": "min_words", "word_length": "max_avg_word_length",
        "symbol_ratio": "max_symbol_word_ratio", "ellipsis_lines": "max_ellipsis_lines_ratio",
        "bullet_lines": "max_bullet_lines_ratio", "non_alpha_words": "min_alpha_words_ratio",
        "no_stopwords": "min_stopwords", "line_punct": "min_line_punct_ratio",
        "short_lines": "max_short_lines_ratio", "newline_ratio": "max_newline_ratio"}

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
    stopword_end: Literal["eojeol", "hangul_run"] = "eojeol"
    """Where a stopword must stand: at the end of an eojeol (then optional punctuation), or
    (hangul_run) at the end of any run of Hangul. Informal Korean glues clauses with `..`,
    `~` or nothing at all ("결국...긴장감있게 보았습니다~복수하기위해..."), which hides
    the eojeol ends the rule looks for."""
    prose_min_words: int = 0
    """The stopword, symbol-ratio and alphabetic-words rules apply only to texts of at least
    this many whitespace words. They tell prose from lists, tag clouds, tables and keyword
    stuffing in web pages; on a one-line comment they measure a handful of words: 14.9% of
    30,000 fluent NSMC reviews of 20+ characters have fewer than two stopwords (under 10
    words 20.7%, 20+ words under 1.1%), one `#` in eight words passes 0.1, two scores in
    ten words ("[ 스토리 7, 연출 6 ]") fail 0.791, and a review typed without spaces has
    no eojeol ends for stopwords at all. In a labelled sample of korean-web decisions
    (tests/quality/cases/web_decisions.jsonl) these were the false drops."""
    collapse_runs: int = 0
    """Above 0: a run of one character longer than this (ㅋㅋㅋㅋㅋ, ~~~~~, !!!!!, .....)
    counts as this many characters in the word-length rules, as elongation is emphasis in
    informal Korean ("끼는거야?ㅋㅋㅋㅋ..." is not one 30-character word), and links
    (http://..., www....) count as no characters: a comment that shares a link ("리뷰
    추천합니다. http://blog...") is a sentence, not a text of 60-character words (9 of
    21 sampled word_length drops of NSMC reviews were such comments)."""
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
    syllables_per_word: float = 0.0
    """0: words are whitespace eojeol, as Gopher and FineWeb-2 count them. Above 0: a text
    also counts (Hangul syllables / this) words when that is more, so that Korean typed
    without spaces (reviews, comments, chat: "디렉터스컷으로봐서거의3시간짜리인데") is
    measured by its length and not by its few spaces, for min_words and the word-length
    rules. Spaced Korean averages 3.26 syllables per eojeol (ko-news-2019, 470k eojeol)
    and 3.23 (ko-petitions, 388k): the same count as eojeol there. Counting words from
    characters is what FineWeb-2 does with a word tokenizer for unspaced scripts; this
    needs no tokenizer."""
    ellipsis_as_symbol: bool = True
    """Count `...`/`…` in max_symbol_word_ratio (Gopher: truncated snippets). False for
    informal Korean, where `..`/`...` is the comma and full stop of comments and reviews
    (the ratio dropped 270 of 30,000 fluent NSMC reviews, 0.9%, and 9 of 10 sampled
    reviews that use it); `#` still counts, and a line ending in an ellipsis still counts
    in max_ellipsis_lines_ratio."""
    symbol_words_alpha: bool = True
    """Count words of symbols only (`^^`, `;;`, `:)`, `...`) as words without a letter in
    min_alpha_words_ratio (Gopher). False for informal Korean: emoticons are punctuation
    there, and the rule then looks only at words with a letter or a digit."""

    scores: bool = False
    """Store every value measured on a kept document in `metadata.scores["filter.quality"]`
    (words, mean_word_length, symbol ratios, alpha_words_ratio, line shares), to see where a
    threshold cuts (`--set filter.quality.scores=true`); a drop's value is in its ledger
    detail either way."""

    def __post_init__(self) -> None:
        check_fractions(self, "max_symbol_word_ratio", "max_ellipsis_lines_ratio",
                         "max_bullet_lines_ratio", "min_alpha_words_ratio",
                         "min_line_punct_ratio", "max_short_lines_ratio")
        if min(self.min_words, self.min_stopwords, self.short_line_chars, self.min_lines) < 0:
            raise ValueError("counts must be >= 0")
        self._stop_re = _stopword_re(self.stopwords, self.stopword_end)
        self._run_re = re.compile(rf"(\S)\1{{{self.collapse_runs},}}" if self.collapse_runs else "(?!)")

    def process(self, doc: Document) -> Drop | None:
        return self.process_batch([doc])[0]

    batched: ClassVar[bool] = True

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        texts = [d.text for d in docs]
        syllables = syllable_counts(texts) if self.syllables_per_word else [0] * len(texts)
        out = []
        for doc, t, c, s in zip(docs, texts, word_classes(texts), syllables, strict=True):
            values: dict[str, float] = {}
            drop = self._decide(t, c, s, values)
            if drop is None and self.scores:
                doc.metadata.setdefault("scores", {})[self.name] = {k: rounded(v) for k, v in values.items()}
            out.append(drop)
        return out

    def _decide(self, text: str, classes: tuple[int, int, int], syllables: int,
                values: dict[str, float]) -> Drop | None:
        """The first rule the text fails; `values` receives every measured value (all of
        them for a kept text)."""
        words = text.split()
        n_words = len(words)
        n_symbols, symbol_chars, n_non_alpha = classes
        n_real = n_words - n_symbols
        n_eojeol = n_real
        if self.syllables_per_word:
            n_real = max(n_real, round(syllables / self.syllables_per_word))
        values["words"] = n_real
        if n_real < self.min_words:
            detail = {"value": n_real, "threshold": self.min_words}
            if n_real != n_eojeol:
                detail["eojeol"] = n_eojeol
            return Drop("too_few_words", detail)
        if n_real == 0:
            return None  # min_words 0 and nothing but symbols: no rule below applies
        chars = sum(map(len, words)) - symbol_chars
        if self.collapse_runs and chars > self.collapse_runs * n_real:  # only then can a run matter
            keep = self.collapse_runs
            chars = sum(len(w) - sum(len(m.group()) - keep for m in self._run_re.finditer(w))
                        for w in (_URL.sub("", w) for w in words) if w and not _SYMBOLS_ONLY.fullmatch(w))
        mean = values["mean_word_length"] = chars / n_real
        if self.min_avg_word_length and mean < self.min_avg_word_length:
            return Drop("word_length", {"value": rounded(mean), "threshold": self.min_avg_word_length})
        if self.max_avg_word_length and mean > self.max_avg_word_length:
            return Drop("word_length", {"value": rounded(mean), "threshold": self.max_avg_word_length})
        prose = n_eojeol >= self.prose_min_words
        if self.max_symbol_word_ratio and prose:
            ellipses = text.count("...") + text.count("…") if self.ellipsis_as_symbol else 0
            for sym, count in (("#", text.count("#")), ("…", ellipses)):
                values["symbol_ratio_hash" if sym == "#" else "symbol_ratio_ellipsis"] = count / n_words
                if count / n_words > self.max_symbol_word_ratio:
                    return Drop("symbol_ratio", {"value": rounded(count / n_words),
                                                 "threshold": self.max_symbol_word_ratio,
                                                 "symbol": sym})
        alpha = 1 - n_non_alpha / n_words
        if not self.symbol_words_alpha:
            alpha = 1 - (n_non_alpha - n_symbols) / n_eojeol if n_eojeol else 1.0
        values["alpha_words_ratio"] = alpha
        if self.min_alpha_words_ratio and prose and alpha < self.min_alpha_words_ratio:
            return Drop("non_alpha_words", {"value": rounded(alpha),
                                            "threshold": self.min_alpha_words_ratio})
        if self.min_stopwords and prose:  # stop scanning as soon as enough are found
            found = sum(1 for _, _m in zip(range(self.min_stopwords),
                                           self._stop_re.finditer(text), strict=False))
            values["stopwords_found"] = found  # counted up to min_stopwords
            if found < self.min_stopwords:
                return Drop("no_stopwords", {"value": found, "threshold": self.min_stopwords})
        if "\n" in text:
            lines = [ln for ln in (s.strip() for s in text.split("\n")) if ln]
            if len(lines) >= max(self.min_lines, 1):
                return self._lines(lines, n_words, values)
        return None

    def _lines(self, lines: list[str], n_words: int, values: dict[str, float]) -> Drop | None:
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
            values[reason] = value
            if limit and (value > limit if is_max else value < limit):
                return Drop(reason, {"value": rounded(value), "threshold": limit})
        return None
