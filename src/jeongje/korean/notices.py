"""Copyright / AI-training notices and open-licence statements in Korean news text.

A notice is recognised from its parts, not from outlet strings (formats and variants:
shared research notes, "Korean news notices" §1a-1b): an optional copyright mark
(`ⓒ © Ⓒ (c) (C) Copyright 저작권자`), a publisher, and a prohibition clause built from a
small vocabulary (`무단 전재 재배포 복제 수집 크롤링 AI 학습 활용 이용 ...`) ending in
`금지`. Sentences that merely talk about such phrases ('…금지'라는 문구, 금지 조항을,
금지를 요구했다, 금지한 약관) are not notices: the word after `금지` and quotes around the
clause decide.

Classes, strictest first: `ai_training_prohibited` > `crawling_prohibited` >
`reproduction_prohibited`; `open_license` when a licence statement and no prohibition.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

AI_TRAINING = "ai_training_prohibited"
CRAWLING = "crawling_prohibited"
REPRODUCTION = "reproduction_prohibited"
OPEN_LICENSE = "open_license"
NONE = "none"
STRICTNESS = {AI_TRAINING: 3, CRAWLING: 2, REPRODUCTION: 1, OPEN_LICENSE: 0, NONE: 0,
              "copyright_signature": 0}
CLASSES = (AI_TRAINING, CRAWLING, REPRODUCTION, OPEN_LICENSE, NONE)

MARK = r"(?:Copyrights?\s*(?:ⓒ|©|Ⓒ|\([cC]\)|by\b)?|저작권자?\s*(?:ⓒ|©|Ⓒ|\([cC]\))?|ⓒ|©|Ⓒ|\([cC]\))"
_MARK_RE = re.compile(MARK)
_VOCAB = (
    r"무단|전재|재배포|배포|복제|수집|크롤링|스크래핑|자동화된|인공\s?지능|AI|ＡＩ|학습|활용|이용|훈련|"
    r"변형|재가공|재판매|판매|사용|DB|데이터베이스|데이터|마이닝|텍스트|TDM|및|또는|등|의|를|을|과|와|"
    r"모든|콘텐츠|컨텐츠|기사|본|이|행위"
)
_SEP = r"[\s,·・&\-–—/():|│｜~]*"
_CLAUSE_TAIL = re.compile(rf"(?:(?:{_VOCAB}){_SEP})+\Z")
_PROHIBIT = re.compile(r"금\s?지(?:합니다|됩니다|함)?|금합니다|금함")
_PARTICLE = set("를을는은한하해라이가의로와과도며만")
_AI = re.compile(r"(?:AI|ＡＩ|인공\s?지능|TDM|데이터\s?마이닝)[\s()AI]*(?:학습|활용|이용|훈련|사용|마이닝|금지)")
_CRAWL = re.compile(r"크롤링|수집|스크래핑")
# words that continue a sentence after "금지" (a mention, not a notice)
_MENTION_AFTER = re.compile(
    r"\s?(?:조항|표시|여부|가처분|원칙|규정|문구|조치|방침|요구|약관|정책|명령|규칙|운동|조례|법|의무|"
    r"대상|방안|선언|요청|입장|청구|소송|표기)")
_QUOTES_OPEN = "'‘\"“「『"
_QUOTES_CLOSE = "'’\"”」』"
_OPENERS = {"<": ">", "[": "]", "＜": "＞", "〈": "〉", "【": "】", "(": ")", "“": "”", "「": "」",
            "［": "］", "-": "-"}
_KOREAN_SENTENCE_END = re.compile(r"(?:다|요|까|죠)[.!?]|다\s")
SIGNATURE = "copyright_signature"  # a bare mark + owner: removed, but reserves nothing
_SIGNATURE = re.compile(MARK + r"[ \t]?[^\n!?ⓒ©]{1,40}?[ \t]*(?=\n|$)")
# a signature glued to a byline e-mail or a photo credit: "…@segye.comⓒ 세계일보", "사진=네이버ⓒ …"
_AFTER_CREDIT = re.compile(
    r"(?:[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}|사진\s?=\s?[^\s.]+(?:,?\s[^\s.]+){0,3})\s?\Z")
_RIGHTS_RESERVED = re.compile(MARK + r"[^\n]{0,80}?All\s+[Rr]ights\s+[Rr]eserved\.?")

_LICENCE = re.compile(
    r"CC\s?BY(?:[-‐ ](?:SA|NC|ND))*(?:\s?\d\.\d)?(?:\s?KR)?|CC0|크리에이티브\s?커먼즈(?:\s?저작자표시)?"
    r"|공공누리\s?(?:제\s?[1-4]\s?유형|[1-4]\s?유형)")
_LICENCE_SELF = re.compile(
    r"(?:이|본|해당)\s?(?:기사|글|문서|저작물|자료|보도자료|콘텐츠|사진|이미지|게시물)[은는이가]"
    r"|따라\s?(?:자유롭게\s?)?이용|따릅니다|배포됩니다|이용할 수 있|이용 가능")
_LICENCE_MENTION = re.compile(r"방안|검토|조례|어긴|붙은|적용하|안내했|공개하는|쓰라고|조건을")


@dataclass(frozen=True, slots=True)
class Notice:
    """A copyright/rights notice found in a text."""

    start: int
    end: int
    klass: str
    text: str
    publisher: str | None = None


def classify_clause(clause: str) -> str:
    if _AI.search(clause):
        return AI_TRAINING
    if _CRAWL.search(clause):
        return CRAWLING
    return REPRODUCTION


def find_notices(text: str) -> list[Notice]:
    """Every rights notice in `text` (prohibitions and licence statements), in order."""
    spans: list[tuple[int, int, str]] = []
    taken = _Taken()
    lines = _Lines(text)
    for m in _PROHIBIT.finditer(text):
        found = _notice_at(text, m.start(), m.end(), lines.start(m.start()))
        if found:
            spans.append(found)
            taken.add(found[0], found[1])
    for m in _RIGHTS_RESERVED.finditer(text) if "ights" in text else ():
        if not taken.covers(m.start()):
            spans.append((*_wrap(text, m.start(), m.end()), REPRODUCTION))
            taken.add(spans[-1][0], spans[-1][1])
    for m in _SIGNATURE.finditer(text) if _has_mark(text) else ():
        line_start = lines.start(m.start())
        covered = taken.covers(m.start())
        if not covered and not _KOREAN_SENTENCE_END.search(m.group()) and not _LICENCE.search(
                m.group()) and (
                _at_boundary(text, line_start, m.start()) or _glued_after_sentence(text, m.start())
                or _AFTER_CREDIT.search(text, max(line_start, m.start() - 60), m.start())):
            spans.append((m.start(), m.end(), SIGNATURE))
            taken.add(m.start(), m.end())
    spans.extend(_licences(text, taken))
    merged = _merge(sorted(spans), text)
    return [Notice(s, e, k, text[s:e], _publisher(text[s:e])) for s, e, k in merged]


_MARK_LITERALS = ("ⓒ", "©", "Ⓒ", "(c)", "(C)", "Copyright", "저작권")  # one is in every MARK


def _has_mark(text: str) -> bool:
    return any(map(text.__contains__, _MARK_LITERALS))


def document_class(notices: list[Notice]) -> str:
    """The strictest class among a document's notices (`none` without any)."""
    best = NONE
    for n in notices:
        if n.klass == SIGNATURE:
            continue
        if STRICTNESS[n.klass] > STRICTNESS[best] or (best == NONE and n.klass == OPEN_LICENSE):
            best = n.klass
    return best


class _Lines:
    """Line starts of a text by bisection (a `rfind` per match would rescan a long line)."""

    def __init__(self, text: str) -> None:
        self.newlines = [m.start() for m in re.finditer("\n", text)] if "\n" in text else []

    def start(self, pos: int) -> int:
        i = bisect.bisect_left(self.newlines, pos) - 1  # the last newline before pos
        return self.newlines[i] + 1 if i >= 0 else 0


class _Taken:
    """The union of spans found so far, for "is this position inside one?" in log time
    (testing every span for every match was quadratic in the number of notices)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        lo = bisect.bisect_left(self.ends, start)  # first interval that ends at or after start
        hi = bisect.bisect_right(self.starts, end)  # intervals from here on start after end
        if lo < hi:  # overlapping or touching intervals merge into one
            start, end = min(start, self.starts[lo]), max(end, self.ends[hi - 1])
        self.starts[lo:hi] = [start]
        self.ends[lo:hi] = [end]


def _notice_at(text: str, p_start: int, p_end: int, line_start: int) -> tuple[int, int, str] | None:
    window_start = max(0, p_start - 120)
    window_start = max(window_start, line_start)
    tail = _CLAUSE_TAIL.search(text, window_start, p_start)
    if not tail:
        return None
    c_start = tail.start()
    while c_start < p_start and text[c_start] in " ,·&-/():|~\t":
        c_start += 1
    clause = text[c_start:p_end]
    nxt = text[p_end : p_end + 1]
    anchor = _anchor_before(text, line_start, c_start)
    if nxt in _PARTICLE or (nxt and nxt in _QUOTES_CLOSE):
        return None  # 금지를 / 금지한 / 금지는 / 금지'라는
    if nxt and "\uac00" <= nxt <= "\ud7a3" and anchor is None:
        return None  # glued Hangul after 금지 is a notice only with a copyright mark
    if _MENTION_AFTER.match(text, p_end):
        return None  # 금지 조항을 / 금지 표시가
    before = text[max(line_start, c_start - 2) : c_start]
    if any(q in before for q in _QUOTES_OPEN) and anchor is None:
        return None  # '무단 전재 및 재배포 금지'라는 …
    if anchor is None:
        strong = "무단" in clause or _AI.search(clause) or "합니다" in clause or "크롤링" in clause
        if _at_boundary(text, line_start, c_start) and strong:
            start = c_start
        elif "무단" in clause and re.compile(r"[.\s]*(?:\n|$)").match(text, p_end):
            # a closing prohibition sentence: "당사의 허락 없이 … 무단 전재 … 금합니다."
            start = _sentence_bounds(text, c_start, c_start)[0]
            if c_start - start > 60 or any(q in text[start:c_start] for q in _QUOTES_OPEN):
                return None
        else:
            return None
    else:
        start = anchor
    lead = _lead_before(text, line_start, start, goodnews=False)
    if lead is not None:
        start = lead
    end = p_end
    # absorb a trailing period and a trailing "ⓒ publisher" signature
    m = re.compile(r"\.?(?:\s*" + MARK + r"\s?[^\s<>\[\]\n.]{1,20}(?=\s*(?:$|\n|[>\]＞〉】])))?").match(text, end)
    if m:
        end = m.end()
    start, end = _wrap(text, start, end)
    return start, end, classify_clause(clause)


def _anchor_before(text: str, line_start: int, c_start: int) -> int | None:
    """Start of a copyright mark earlier on the line, with no Korean sentence end between."""
    lo = max(line_start, c_start - 120)
    best = None
    for m in _MARK_RE.finditer(text, lo, c_start):
        if not _KOREAN_SENTENCE_END.search(text, m.end(), c_start):
            best = m.start()
            break
    if best is None:
        return None
    prefix = _lead_before(text, line_start, best, goodnews=True)
    return best if prefix is None else prefix


def _lead_before(text: str, lo: int, end: int, goodnews: bool) -> int | None:
    """Where `(?:GoodNews\\s+paper|※)\\s*$` (GoodNews only when `goodnews`) matches in
    text[lo:end], or None: the same answer as that regex search, found from `end` backwards
    in the length of the match instead of scanning the line from `lo` (quadratic on a line
    of thousands of notices)."""
    j = end
    while j > lo and text[j - 1].isspace():
        j -= 1
    if j - 1 >= lo and text[j - 1] == "※":
        return j - 1
    if goodnews and j - 5 >= lo and text[j - 5:j] == "paper":
        i = j - 5
        while i > lo and text[i - 1].isspace():
            i -= 1
        if i < j - 5 and i - 8 >= lo and text[i - 8:i] == "GoodNews":
            return i - 8
    return None


def _glued_after_sentence(text: str, pos: int) -> bool:
    return pos > 0 and text[pos - 1] in "다.”\"')" and not text[pos - 2 : pos].isdigit()


def _at_boundary(text: str, line_start: int, pos: int) -> bool:
    j = pos - 1
    while j >= line_start and text[j] in " \t":
        j -= 1
    return j < line_start or text[j] in ".!?※-–—<[＜〈【(“\"'>│｜|" or text[j] == "\n"


def _wrap(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend [start, end) over an enclosing wrapper (<…>, […], - … -) on the same line."""
    close = re.compile(r"\.?\s?([\]>＞〉】])").match(text, end)
    if close:  # closed right after: the wrapper may open further back ([slogan│notice])
        opener = {"]": "[", ">": "<", "＞": "＜", "〉": "〈", "】": "【"}[close.group(1)]
        lo = max(0, start - 60)  # the line start matters only within the 60 characters
        nl = text.rfind("\n", lo, start)
        i = text.rfind(opener, nl + 1 if nl >= 0 else lo, start)
        if i >= 0 and close.group(1) not in text[i:start]:
            return i, close.end()
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0 or text[i] not in _OPENERS:
        return start, end
    opener, closer = text[i], _OPENERS[text[i]]
    if opener == "-" and not (i == 0 or text[i - 1] in "\n "):
        return start, end
    j = end
    limit = min(len(text), end + 60)
    depth = 0
    while j < limit and text[j] != "\n":
        ch = text[j]
        if opener != closer and ch == opener:
            depth += 1
        elif ch == closer:
            if depth == 0:
                return i, j + 1
            depth -= 1
        j += 1
    return start, end


def _licences(text: str, taken: _Taken) -> list[tuple[int, int, str]]:
    out = []
    if "CC" not in text and "크리에이티브" not in text and "공공누리" not in text:
        return out  # every _LICENCE match holds one of them
    for m in _LICENCE.finditer(text):
        if taken.covers(m.start()):
            continue
        s_start, s_end = _sentence_bounds(text, m.start(), m.end())
        sentence = text[s_start:s_end]
        if _LICENCE_MENTION.search(sentence):
            continue
        wrapped = _wrap(text, m.start(), m.end())
        in_brackets = wrapped != (m.start(), m.end()) or text[max(0, m.start() - 8) : m.start()].rstrip().endswith(("[", "(", ":"))
        after_mark = bool(_MARK_RE.search(text, max(s_start, m.start() - 40), m.start()))
        standalone = len(sentence.strip()) <= 30 and not text[s_end:].strip()
        if _LICENCE_SELF.search(sentence) or after_mark or standalone:
            out.append((s_start, s_end, OPEN_LICENSE))
        elif in_brackets:
            i = text.rfind("[", 0, m.start())
            j = text.find("]", m.end())
            out.append((i, j + 1, OPEN_LICENSE) if 0 <= i and j > 0 and m.start() - i < 40 else (*wrapped, OPEN_LICENSE))
    return out


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (ended by '다.', '.', '!' or a line break) around [start, end)."""
    lo = start
    while lo > 0:
        ch = text[lo - 1]
        if ch == "\n" or (ch in ".!?" and not (lo - 2 >= 0 and text[lo - 2].isdigit() and lo < len(text) and text[lo].isdigit())):
            break
        lo -= 1
    hi = end
    while hi < len(text):
        ch = text[hi]
        if ch == "\n":
            break
        if ch in ".!?" and not (text[hi - 1].isdigit() and hi + 1 < len(text) and text[hi + 1].isdigit()):
            hi += 1
            break
        hi += 1
    while lo < hi and text[lo] in " \t":
        lo += 1
    return lo, hi


def _merge(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for s, e, k in spans:
        if out and (s <= out[-1][1] or not text[out[-1][1] : s].strip(" ,·&-")):
            ps, pe, pk = out[-1]
            best = pk if STRICTNESS[pk] >= STRICTNESS[k] and pk != SIGNATURE else k
            out[-1] = (min(ps, s), max(pe, e), best)
        else:
            out.append((s, e, k))
    return out


_PUB_CLEAN = re.compile(
    r"All\s+[Rr]ights\s+[Rr]eserved\.?|Copyrights?|저작권자?|ⓒ|©|Ⓒ|\([cC]\)|\bby\b|GoodNews\s+paper|"
    r"'[^']*'|‘[^’]*’|\([^)]*\)|https?://\S+|[<>\[\]＜＞〈〉※:]")


def _publisher(notice: str) -> str | None:
    """The publisher named in a notice, if any ('Copyright ⓒ 다온경제. All rights…' -> 다온경제)."""
    m = _MARK_RE.search(notice)
    if not m:
        return None
    after = re.sub(r"\([^)]*\)|https?://\S+|www\.\S+", " ", notice[m.start():])
    cut = re.search(r"무단|모든\s|인공|AI|이 저작물|CC\s?BY|,|\.\s|-\s|&|:", after[len(m.group()):])
    head = after[: len(m.group()) + cut.start()] if cut else after
    name = _PUB_CLEAN.sub(" ", head)
    name = re.sub(r"\s+", " ", name).strip(" .,-·&")
    if not name or len(name) > 30:
        return None
    return name.split(" ")[-1] if len(name.split(" ")) > 3 else name
