"""Document quality filters adapted to Korean: Gopher repetition, Gopher/FineWeb quality and
a Korean spam rule.

Words are whitespace eojeol (`str.split()`), not the Kiwi morphemes FineWeb-2 tuned its
kor_Hang thresholds on (huggingface/fineweb-2 `configs/kor_Hang.yml`, applied in
`fineweb-2-pipeline.py`). Rules that measure differently on eojeol or misfired on real
Korean text (news bodies whose paragraphs were glued into one line, petitions typed without
spacing, blogs that break lines at every phrase) are adapted where they are defined. All
measurements use `str` methods, regexes and `collections.Counter`: no per-character loops.
"""

from __future__ import annotations

import functools
import itertools
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..record import Document, Drop
from ..stage import Stage, register

# Gopher = Rae et al. 2021, "Scaling Language Models" (arXiv 2112.11446), Table A1.
# kor_Hang = FineWeb-2 huggingface/fineweb-2 configs/kor_Hang.yml (see research/peers.md).
KOR_HANG_TOP_NGRAMS = {2: 0.282, 3: 0.228, 4: 0.185}
KOR_HANG_DUP_NGRAMS = {5: 0.201, 6: 0.184, 7: 0.168, 8: 0.154, 9: 0.14, 10: 0.127}
KOR_HANG_STOPWORDS = ["의", "다", "이", "는", "에", "을", "한", "년", "하", "은", "를", "했", "고",
                      "에서", "가", "있", "으로", "인", "월", "로", "되"]

_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def _r(x: float) -> float:
    return round(x, 4)  # measured values in ledger details


def _check_fractions(stage: Stage, *labels: str) -> None:
    for label in labels:
        if not 0 <= getattr(stage, label) <= 1:
            raise ValueError(f"{label} must be within 0..1")


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(number of items seen before, characters in them): Gopher's find_duplicates."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def _ngrams(words: list[str], n: int) -> zip:
    return zip(*(words[i:] for i in range(n)), strict=False)  # n-grams: shorter tails end it


_MORE_THAN_ONCE = (1).__lt__  # c -> 1 < c, called from C by map()


def _repeated(counts: Counter[tuple[str, ...]]) -> Iterable[tuple[str, ...]]:
    """The n-grams that occur at least twice, filtered in C (most occur once)."""
    return itertools.compress(counts.keys(), map(_MORE_THAN_ONCE, counts.values()))


def _repeated_chars(counts: Counter[tuple[str, ...]]) -> int:
    """An upper bound on the characters of words inside n-grams that occur at least twice
    (every occurrence counted in full, overlaps included)."""
    return sum(counts[g] * sum(map(len, g)) for g in _repeated(counts))


def dup_ngram_chars(words: list[str], n: int, counts: Counter[tuple[str, ...]] | None = None) -> int:
    """Characters in repeated n-grams, as Gopher's find_all_duplicate counts them (a seen
    n-gram adds its characters and jumps n words ahead). N-grams occurring once never matter
    to that scan, so only the positions of repeated ones are visited (selected in C), and
    documents without any repeated n-gram skip it. `counts`: the n-gram counts, when the
    caller has them."""
    grams = list(_ngrams(words, n))
    if counts is None:
        if len(set(grams)) == len(grams):
            return 0
        counts = Counter(grams)
    repeated = itertools.compress(range(len(grams)), map(_MORE_THAN_ONCE, map(counts.__getitem__, grams)))
    seen: set[tuple[str, ...]] = set()
    chars = idx = 0
    for pos in repeated:
        if pos < idx:
            continue
        gram = grams[pos]
        if gram in seen:
            chars += sum(map(len, gram))
            idx = pos + n
        else:
            seen.add(gram)
    return chars


@register
@dataclass
class RepetitionFilter(Stage):
    """Drop documents still highly repetitive after repair (Gopher repetition rules):
    duplicate lines and paragraphs, the character share of the most frequent 2/3/4-gram of
    eojeol and of repeated 5..10-grams. A threshold of 0 disables its rule."""

    name: ClassVar[str] = "filter.repetition"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset(
        {"dup_line_frac", "dup_para_frac", "top_ngram", "dup_ngram"})
    description: ClassVar[str] = "drop documents with many repeated lines, paragraphs or n-grams"

    dup_line_frac: float = 0.374
    """Max share of non-empty lines that repeat an earlier line (by count). FineWeb-2 kor_Hang
    dup_line_frac 0.374 (FineWeb-2 applies it to the line count, as here)."""
    dup_line_char_frac: float = 0.2
    """Max share of the text's characters in repeated lines. Gopher Table A1, 0.20."""
    dup_para_frac: float = 0.3
    """Max share of paragraphs (blank-line separated) that repeat an earlier one, by count.
    Gopher 0.30. FineWeb-2 disabled it because trafilatura output has no paragraphs; Korean
    news input here keeps them."""
    dup_para_char_frac: float = 0.2
    """Max share of the text's characters in repeated paragraphs. Gopher 0.20."""
    top_ngrams: dict[int, float] = field(default_factory=lambda: dict(KOR_HANG_TOP_NGRAMS))
    """n -> max character share of the most frequent n-gram of eojeol (FineWeb-2 kor_Hang)."""
    top_ngram_min_count: int = 3
    """The most frequent n-gram counts only if it occurs this often. Gopher counts it even
    once, so a short text that merely repeats one phrase twice (a photo caption restating
    the lead, a petition restating its demand) passes the 0.185-0.282 shares; a pair of
    repeats is the duplicate n-gram rule's business."""
    dup_ngrams: dict[int, float] = field(default_factory=lambda: dict(KOR_HANG_DUP_NGRAMS))
    """n -> max character share of repeated n-grams of eojeol (FineWeb-2 kor_Hang)."""

    def __post_init__(self) -> None:
        for label, table in (("top_ngrams", self.top_ngrams), ("dup_ngrams", self.dup_ngrams)):
            if any(n < 1 or not 0 <= t <= 1 for n, t in table.items()):
                raise ValueError(f"{label}: n must be >= 1 and thresholds within 0..1")
        _check_fractions(self, "dup_line_frac", "dup_line_char_frac", "dup_para_frac",
                         "dup_para_char_frac")
        if self.top_ngram_min_count < 1:
            raise ValueError("top_ngram_min_count must be >= 1")

    def process(self, doc: Document) -> Drop | None:
        text = doc.text
        size = len(text)
        if not text.strip():
            return None  # nothing to measure; emptiness is filter.quality's business
        if "\n" in text:
            drop = self._blocks(text, size)
            if drop:
                return drop
        words = text.split()
        # Every occurrence of an n-gram contains an occurrence of its first (n-1)-gram, so the
        # top count can only fall as n grows; once it is below what a rule needs, the longer
        # n-grams are not counted at all (most documents stop at the 2-grams).
        top, unique_from = len(words), len(words) + 1  # no n-gram repeats for n >= unique_from
        bigrams: Counter[tuple[str, ...]] | None = None
        longest: list[int] | None = None  # word lengths, longest first, when needed
        for n, limit in sorted(self.top_ngrams.items()):
            if top < self.top_ngram_min_count:
                break
            if limit and len(words) >= n:
                if n > 2:
                    if longest is None:
                        longest = sorted(map(len, words), reverse=True)[: max(self.top_ngrams)]
                    if top * sum(longest[:n]) / size <= limit:
                        continue  # even the n longest words, `top` times, stay within the limit
                counts = Counter(_ngrams(words, n))
                if n == 2:
                    bigrams = counts
                top = max(counts.values())
                if top < 2:
                    unique_from = n
                if top < self.top_ngram_min_count:
                    continue
                # the first n-gram with the top count, as Counter.most_common(1) picks it
                gram = next(g for g, c in counts.items() if c == top)
                share = top * sum(map(len, gram)) / size
                if share > limit:
                    return Drop("top_ngram", {"value": _r(share), "threshold": limit, "n": n})
        active = {n: t for n, t in self.dup_ngrams.items() if t}
        known: dict[int, Counter[tuple[str, ...]]] = {}
        if active and min(active) >= 2 and bigrams is not None:
            # Every word of a repeated n-gram sits in an occurrence of a repeated m-gram for
            # each m <= n, so the characters of those occurrences bound every dup_ngram share
            # with n >= m: below the smallest threshold no n can fire and the scans are
            # skipped (an exact shortcut, not a heuristic). The 2-grams are counted already;
            # the shortest dup_ngram n-grams give a tighter bound for the documents left.
            if _repeated_chars(bigrams) / size <= min(active.values()):
                return None
            first = min(active)
            if first < unique_from:
                known[first] = Counter(_ngrams(words, first))
                if _repeated_chars(known[first]) / size <= min(active.values()):
                    return None
        for n, limit in sorted(self.dup_ngrams.items()):
            if n >= unique_from:
                break
            if not limit:
                continue
            chars = dup_ngram_chars(words, n, known.get(n))
            if not chars:
                break  # no repeated n-gram means no repeated longer n-gram either
            if chars / size > limit:
                return Drop("dup_ngram", {"value": _r(chars / size), "threshold": limit, "n": n})
        return None

    def _blocks(self, text: str, size: int) -> Drop | None:
        paras = [p for p in (q.strip() for q in _PARA_SPLIT.split(text)) if p]
        lines = [ln for ln in (s.strip() for s in text.split("\n")) if ln]
        for reason, blocks, frac, char_frac in (
                ("dup_para_frac", paras, self.dup_para_frac, self.dup_para_char_frac),
                ("dup_line_frac", lines, self.dup_line_frac, self.dup_line_char_frac)):
            if len(blocks) < 2:
                continue
            n, chars = _duplicates(blocks)
            if frac and n / len(blocks) > frac:
                return Drop(reason, {"value": _r(n / len(blocks)), "threshold": frac,
                                     "by": "count"})
            if char_frac and chars / size > char_frac:
                return Drop(reason, {"value": _r(chars / size), "threshold": char_frac,
                                     "by": "chars"})
        return None


# Words made only of punctuation/symbols (Gopher's "symbol words"), and words with no letter
# at all (digits, symbols). `\w` minus digits and underscore is "a letter" in any script, so
# Hangul and Hanja count as alphabetic, as Gopher's `str.isalpha` test does.
_SYMBOL_WORD = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")
_NON_ALPHA_WORD = re.compile(r"(?<!\S)(?:[^\w\s]|[\d_])+(?!\S)")


@functools.cache
def _char_classes() -> np.ndarray:
    """The class of every BMP code point for the word rules, as `re` sees it: 0 whitespace
    (`\\s`), 1 letter (`\\w` but not `\\d` or `_`), 2 digit or `_`, 3 anything else."""
    table = np.full(0x10001, 3, dtype=np.uint8)  # [0x10000]: beyond the BMP (counted apart)
    for point in range(0x10000):
        ch = chr(point)
        if ch.isspace():
            table[point] = 0
        elif ch == "_" or ch.isdecimal():
            table[point] = 2
        elif ch.isalnum():
            table[point] = 1
    return table


_BATCH_CHARS = 1 << 20


def _in_chunks(count: Callable[[list[str]], list[Any]], texts: list[str]) -> list[Any]:
    """`count(texts)` over chunks of about a million characters (bounded arrays)."""
    if sum(map(len, texts)) > _BATCH_CHARS and len(texts) > 1:
        half = len(texts) // 2
        return _in_chunks(count, texts[:half]) + _in_chunks(count, texts[half:])
    return count(texts) if texts else []


def _classes(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code points, their `_char_classes`, each text's first offset) of the texts joined by
    "\n", which keeps a word from spanning two texts."""
    points = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    sizes = np.array([len(t) + 1 for t in texts])
    return points, _char_classes()[np.minimum(points, 0x10000)], np.cumsum(sizes) - sizes


def nonspace_counts(texts: list[str]) -> list[int]:
    """Characters that are not whitespace (`str.isspace`) in each text, for a whole batch
    at once over code points in numpy; the same counts as `len("".join(text.split()))`."""
    return _in_chunks(_nonspace_counts, texts)


def _nonspace_counts(texts: list[str]) -> list[int]:
    _, classes, starts = _classes(texts)
    solid = np.append(classes != 0, False).astype(np.int64)  # the appended 0: an empty last text
    return [int(c) for c in np.add.reduceat(solid, starts)]


def word_classes(texts: list[str]) -> list[tuple[int, int, int]]:
    """(symbol words, characters in them, words without a letter) of each text's whitespace
    words: what `_SYMBOL_WORD` and `_NON_ALPHA_WORD` find, counted for a whole batch of texts
    at once over code points in numpy (the regexes, whose lookbehind is tried at every
    position, run only for the rare text with characters beyond the BMP)."""
    return _in_chunks(_word_classes, texts)


def _word_classes(texts: list[str]) -> list[tuple[int, int, int]]:
    points, classes, offsets = _classes(texts)
    solid = classes != 0
    edge = np.zeros(solid.size + 1, dtype=bool)  # solid[i] != solid[i - 1]
    edge[1:-1] = solid[1:] != solid[:-1]
    edge[0], edge[-1] = solid[:1].any(), solid[-1:].any()
    bounds = np.flatnonzero(edge)
    starts, ends = bounds[0::2], bounds[1::2]
    letters = np.concatenate(([0], np.cumsum(classes == 1)))
    word_chars = np.concatenate(([0], np.cumsum((classes == 1) | (classes == 2))))
    letters = letters[ends] - letters[starts]
    word_chars = word_chars[ends] - word_chars[starts]
    doc = np.searchsorted(offsets, starts, side="right") - 1
    symbol = word_chars == 0
    n_symbols = np.bincount(doc[symbol], minlength=len(texts)).tolist()
    symbol_chars = np.bincount(doc[symbol], weights=(ends - starts)[symbol], minlength=len(texts)).tolist()
    non_alpha = np.bincount(doc[letters == 0], minlength=len(texts)).tolist()
    out = [(n_symbols[i], int(symbol_chars[i]), non_alpha[i]) for i in range(len(texts))]
    beyond = np.flatnonzero(points > 0xFFFF)
    for i in set((np.searchsorted(offsets, beyond, side="right") - 1).tolist()):
        symbols = _SYMBOL_WORD.findall(texts[i])
        out[i] = len(symbols), sum(map(len, symbols)), len(_NON_ALPHA_WORD.findall(texts[i]))
    return out


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


@register
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
        _check_fractions(self, "max_symbol_word_ratio", "max_ellipsis_lines_ratio",
                         "max_bullet_lines_ratio", "min_alpha_words_ratio",
                         "min_line_punct_ratio", "max_short_lines_ratio")
        if min(self.min_words, self.min_stopwords, self.short_line_chars, self.min_lines) < 0:
            raise ValueError("counts must be >= 0")
        self._stop_re = _stopword_re(self.stopwords)

    def process(self, doc: Document) -> Drop | None:
        return self._decide(doc.text, word_classes([doc.text])[0])

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
            return Drop("word_length", {"value": _r(mean), "threshold": self.min_avg_word_length})
        if self.max_avg_word_length and mean > self.max_avg_word_length:
            return Drop("word_length", {"value": _r(mean), "threshold": self.max_avg_word_length})
        if self.max_symbol_word_ratio:
            for sym, count in (("#", text.count("#")), ("…", text.count("...") + text.count("…"))):
                if count / n_words > self.max_symbol_word_ratio:
                    return Drop("symbol_ratio", {"value": _r(count / n_words),
                                                 "threshold": self.max_symbol_word_ratio,
                                                 "symbol": sym})
        alpha = 1 - n_non_alpha / n_words
        if self.min_alpha_words_ratio and alpha < self.min_alpha_words_ratio:
            return Drop("non_alpha_words", {"value": _r(alpha),
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
                return Drop(reason, {"value": _r(value), "threshold": limit})
        return None


# Spam vocabulary (research/korean-news.md §5, trendstream SpamFilter.java and stored spam
# pages, plus domain knowledge). Weight 1 for SEO compounds that only ads use (counted per
# occurrence); 0.75 / 0.5 / 0.2 for words that news also uses (counted once per document).
# Compounds are matched glued, as ads write them (온라인카지노); news writes "온라인 카지노".
SPAM_TERMS: dict[str, float] = {
    # gambling
    "토토사이트": 1, "사설토토": 1, "먹튀검증": 1, "먹튀사이트": 1, "먹튀폴리스": 1,
    "안전놀이터": 1, "메이저놀이터": 1, "메이저사이트": 1, "놀이터추천": 1, "카지노사이트": 1,
    "온라인카지노": 1, "바카라사이트": 1, "슬롯사이트": 1, "꽁머니": 1, "첫충": 1, "매충": 1,
    "첫입금": 1, "토토총판": 1, "파워볼사이트": 1, "홀덤사이트": 1, "에볼루션카지노": 1,
    "赌场": 1, "百家乐": 1, "娱乐城": 1,
    "바카라": 0.75, "먹튀": 0.5, "토토": 0.5, "파워볼": 0.5, "홀덤": 0.5, "필승법": 0.5,
    "수익 인증": 0.5, "분석픽": 0.5, "casino": 0.5, "baccarat": 0.5,
    "카지노": 0.2, "슬롯": 0.2, "환전": 0.2, "충전": 0.2, "배팅": 0.2, "베팅": 0.2,
    # adult
    "출장안마": 1, "출장마사지": 1, "조건만남": 1, "휴게텔": 1, "키스방": 1, "립카페": 1,
    "오피사이트": 1, "오피": 1, "야동": 0.5, "성인": 0.2,
    # loans
    "무직자대출": 1, "작업대출": 1, "월변": 1, "일수대출": 1, "신불자대출": 1, "대포통장": 0.5,
    "급전": 0.5, "일수": 0.5, "대출": 0.2,
}
# Terms that are also syllables of ordinary words: no Hangul may follow them (오피스텔,
# 오피니언, 일수록), and for True none may precede them either (근무일수; but 강남오피 is spam).
_BOUNDED = {"오피": False, "일수": True}


def _trie_re(terms: list[str]) -> str:
    """A regex alternation of literal `terms` shaped as a trie (longest match first); `re`
    tries a flat alternation branch by branch at every position, ten times slower."""
    root: dict[str, Any] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return build(root)


_HANDLE = r"@?(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{3,}(?![\w.@])"  # needs a letter
_TG = r"(?:텔레그램|텔레|텔그|telegram|\bTG)\s*(?:ID|아이디)?"
_DOMAIN = r"(?:com|net|org|kr|xyz|top|site|club|bet|vip|io|me|cc|tv|example)"
# One alternation, so one contact is counted once (a TG handle is not also a bare @handle).
_CONTACT_RE = re.compile("|".join([
    # Telegram + "@handle", "TG: handle" or a handle with a digit/underscore ("TG loan_77")
    _TG + r"\s*(?:[:：]?\s*@[A-Za-z0-9_]{3,}|[:：]\s*" + _HANDLE
    + r"|\s(?=[A-Za-z0-9]*[\d_])[A-Za-z0-9_]{3,}(?![\w.@]))",
    r"(?:카카오톡|카톡|wechat|微信|위챗)\s*(?:ID|아이디)?\s*[:：]?\s*" + _HANDLE,
    r"kakao(?:talk)?\s*(?:ID\s*[:：]?|[:：])\s*" + _HANDLE,
    r"(?<![\w.@])@[A-Za-z][A-Za-z0-9_]{3,}(?![\w.@])",          # bare @handle, not an e-mail
    r"\bQQ\s*[:：]?\s*\d{5,}",
    r"(?<![\d.-])1[568]\d\d-\d{4}(?![\d-])",                     # 1566-1234 style numbers
    r"(?<!\d)01[016789][-.\s]?\d{3,4}[-.\s]?\d{4}(?!\d)",        # mobiles
    r"https?://\S+|www\.\S+",
    r"(?<![\w@.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\." + _DOMAIN + r"\b(?![@\w])",
    r"(?:가입|추천)\s*코드",
]), re.IGNORECASE)
_CTA_RE = re.compile(
    r"지금\s*바로\s*(?:문의|상담|가입|연락|접속|입장)|(?:24시간?|24시)\s*(?:상담|문의|고객센터|대기)"
    r"|상담\s*환영|(?:전화|연락|문의)\s*주세요|즉시\s*(?:가입|지급|환전|입금|방문|상담)")
_QUOTED_RE = re.compile(r"'[^'\n]{1,40}'|\"[^\"\n]{1,40}\"|‘[^’\n]{1,40}’|“[^”\n]{1,40}”"
                        r"|「[^」\n]{1,40}」|『[^』\n]{1,40}』")


@dataclass(slots=True)
class SpamEvidence:
    """What the spam rule measured (contacts only counted when they could matter)."""

    score: float
    terms: list[str]
    contacts: float
    words: int


_HANGUL = re.compile(r"[가-힣]")
_PLAIN_END = re.compile(r"(?<!니)다(?:[.!?]|[\"'”’]고)")  # 했다. / 했다"고, not 합니다.


def spam_evidence(text: str, weights: dict[str, float], term_re: re.Pattern[str], *,
                  threshold: float, quoted_weight: float = 0.25, density_words: int = 40,
                  max_contacts: float = 3.0) -> SpamEvidence:
    """Score = term weight x density x (1 + contacts).

    Term weight: terms weighing 1 or more per occurrence, others once per document; a term
    inside a short quotation ('작업대출', "먹튀검증") is being talked about, not advertised,
    and counts `quoted_weight` of its weight. Density: documents longer than
    `density_words` eojeol have the weight scaled by `density_words / eojeol`, so a news
    story that names a term a few times among hundreds of eojeol scores low. Contacts:
    handles, QQ/WeChat ids, 1566-style and mobile numbers, links and sign-up codes, one
    each, plus 1 for calls to action used twice or more (0.5 for one), capped at
    `max_contacts`. Contacts are not counted in reportage (two or more plain 해라체
    sentences, "…했다."): news names spam vocabulary to report on it and carries its own
    site, phone and tip line, while ad copy is noun phrases, imperatives or 합쇼체.
    `term_re` must match the lower-cased `weights` keys.
    """
    low = text.lower()  # Hangul has no case; lets the term scan run without IGNORECASE
    matches = list(term_re.finditer(low))
    if not matches:
        return SpamEvidence(0.0, [], 0.0, len(text.split()))
    spans = [(m.start(), m.end()) for m in _QUOTED_RE.finditer(low)]
    starts = [s for s, _ in spans]
    weight = 0.0
    found: dict[str, float] = {}
    for m in matches:
        term, start, end = m.group(), m.start(), m.end()
        if term in _BOUNDED and (_HANGUL.match(low, end) or _BOUNDED[term] and start
                                 and _HANGUL.match(low, start - 1)):
            continue  # 오피 in 오피스텔, 일수 in 근무일수: part of an ordinary word
        w = weights.get(term, 0.0)
        i = bisect_right(starts, start) - 1
        if i >= 0 and end <= spans[i][1]:
            w *= quoted_weight
        if w >= 1:
            weight += w
        found[term] = max(found.get(term, 0.0), w)
    weight += sum(w for w in found.values() if w < 1)
    words = len(text.split())
    base = weight * (min(1.0, density_words / words) if words else 1.0)
    terms = [t for t, w in sorted(found.items(), key=lambda kv: -kv[1]) if w][:5]
    if base * (1 + max_contacts) < threshold or len(_PLAIN_END.findall(text)) >= 2:
        return SpamEvidence(round(base, 3), terms, 0.0, words)
    cta = len(_CTA_RE.findall(text))
    # a news tip line ("제보는 카카오톡 okjebo") is the publisher's contact, not an ad's
    contacts = sum(1 for m in _CONTACT_RE.finditer(text)
                   if "제보" not in text[max(0, m.start() - 12):m.start()])
    contacts += 1.0 if cta > 1 else 0.5 * cta
    contacts = min(contacts, max_contacts)
    return SpamEvidence(round(base * (1 + contacts), 3), terms, contacts, words)


@register
@dataclass
class SpamFilter(Stage):
    """Drop Korean gambling, adult and loan spam: vocabulary density combined with contact
    patterns (Telegram/KakaoTalk handles, QQ, WeChat, 1566-XXXX numbers, links, sign-up
    codes, repeated calls to action). One ad-only term (먹튀검증, 꽁머니) with a contact is
    spam; words news uses too (대출, 카지노, 충전, 성인) count only with density and
    contacts, so news on loan rates, the casino industry or betting regulation stays."""

    name: ClassVar[str] = "filter.spam"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"spam"})
    description: ClassVar[str] = "drop gambling/adult/loan spam (vocabulary density + contacts)"

    threshold: float = 2.0
    """Drop when the score reaches this. One ad-only term with one contact scores 2; three
    ad-only terms without any contact score 3; 대출 with three contacts scores 0.8."""
    density_words: int = 40
    """Documents longer than this many eojeol have their term weight scaled down by
    density_words / eojeol (spam ads are short and dense; news mentions are sparse)."""
    quoted_weight: float = 0.25
    """Weight factor for a term inside a short quotation (a mention, not an ad)."""
    max_contacts: float = 3.0
    """Cap on the contact count in the score."""
    extra_terms: dict[str, float] = field(default_factory=dict)
    """More terms and weights (>= 1 counts per occurrence), merged over the built-in list."""

    def __post_init__(self) -> None:
        if self.threshold <= 0 or self.density_words < 1:
            raise ValueError("threshold must be > 0 and density_words >= 1")
        self._weights = {k.lower(): v for k, v in {**SPAM_TERMS, **self.extra_terms}.items()}
        self._term_re = re.compile(_trie_re(list(self._weights)))

    def evidence(self, text: str) -> SpamEvidence:
        """The spam rule's measurements on `text`."""
        return spam_evidence(text, self._weights, self._term_re, threshold=self.threshold,
                             quoted_weight=self.quoted_weight, density_words=self.density_words,
                             max_contacts=self.max_contacts)

    def process(self, doc: Document) -> Drop | None:
        ev = self.evidence(doc.text)
        if ev.score >= self.threshold:
            detail: dict[str, Any] = {"score": ev.score, "threshold": self.threshold,
                                      "terms": ev.terms, "contacts": ev.contacts}
            return Drop("spam", detail)
        return None
