"""`filter.spam`: Korean gambling, adult and loan spam, by vocabulary density combined
with contact patterns."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..record import Document, Drop
from ..stage import Stage

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
    thresholds: ClassVar[dict[str, str]] = {"spam": "threshold"}

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
    scores: bool = False
    """Store the spam score of a kept document in `metadata.scores["filter.spam"]`."""

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
        if self.scores:
            doc.metadata.setdefault("scores", {})[self.name] = {"score": ev.score}
        return None
