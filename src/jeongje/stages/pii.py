"""Korean PII redaction: typed placeholders for personal identifiers and contact details.

`find_pii(text)` is a pure function returning the PII spans of a text; the `clean.pii`
stage replaces each span with a typed placeholder such as `<|PHONE|>`. Detection is a few
compiled regexes behind cheap pre-checks: one fast scan for tokens of 7 or more digits, the
detailed regexes only in small windows around those tokens and around `@` signs, keyword
tests (`"여권" in text`) before context-only scans. Candidates are validated in Python
(dates, check digits, context words) only when a regex matched.

Precision rules, from the formats in §3 of the Korean-news research notes:

* numbers are never cut out of longer numbers: no digit, ASCII letter or `digit-`/`digit.`
  may touch either end of a match (`+82` and `(02)` mark their own start);
* check digits are verified where they exist (RRN/FRN, BRN, card Luhn); identifiers without
  one (passport, driver's licence, bank account) and RRNs that fail their check digit (new
  random numbers issued since October 2020) need a context word shortly before them;
* masked values (`900101-1******`, `010-****-5678`, `dhrl****`) contain no full digit group
  and never match.

Redaction is idempotent (running the stage on its own output changes nothing) with
placeholders that end in `|>`, as the default does:

* the context window before a number ends at the previous match and at a `|>`, and the
  window after it ends at the next digit, `@` or `<|`, so a context word labels only the
  next number and a shorter placeholder never brings a far context word into reach;
* no match starts right after `|>`, just as none starts right after the letter or digit
  that ended the value it replaced;
* when a longer e-mail candidate overlaps an accepted number (`010-2345-6789.kim@...`), its
  part after the number is tried again, as it would be once the number is redacted.
"""

from __future__ import annotations

import calendar
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

from ..record import Document, Drop, Span
from ..stage import Stage

PII_TYPES: tuple[str, ...] = (
    "RRN", "FRN", "PHONE", "EMAIL", "BRN", "CARD", "PASSPORT", "DRIVER_LICENSE", "ACCOUNT",
)
CONTEXT_WINDOW = 20  # characters searched for a context word before (or after) a number


class PiiMatch(NamedTuple):
    """One PII span: its type and character offsets `[start, end)` into the searched text."""

    type: str
    start: int
    end: int


# --------------------------------------------------------------------------- check digits

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def _digits(number: str) -> str:
    return "".join(ch for ch in number if "0" <= ch <= "9")


def rrn_check_ok(number: str) -> bool:
    """Check digit of a 13-digit resident (RRN) or foreigner (FRN) registration number.

    Hyphens and spaces are ignored. The 7th digit picks the formula: 5-8 mark a foreigner
    number, `(13 - sum mod 11) mod 10`; anything else a resident number,
    `(11 - sum mod 11) mod 10`, with weights 2,3,4,5,6,7,8,9,2,3,4,5.
    """
    d = _digits(number)
    if len(d) != 13:
        return False
    total = sum(int(c) * w for c, w in zip(d, _RRN_WEIGHTS, strict=False))
    base = 13 if d[6] in "5678" else 11
    return (base - total % 11) % 10 == int(d[12])


def brn_check_ok(number: str) -> bool:
    """Check digit of a 10-digit business registration number (사업자등록번호).

    Weights 1,3,7,1,3,7,1,3,5 plus floor(d9 * 5 / 10); check = (10 - sum mod 10) mod 10.
    python-stdnum's sanity rules apply too: office code >= 101, no `00` type, no `0000` serial.
    """
    d = _digits(number)
    if len(d) != 10 or d[:3] < "101" or d[3:5] == "00" or d[5:9] == "0000":
        return False
    total = sum(int(c) * w for c, w in zip(d, _BRN_WEIGHTS, strict=False))
    total += int(d[8]) * 5 // 10
    return (10 - total % 10) % 10 == int(d[9])


def luhn_ok(number: str) -> bool:
    """Luhn check of a card number (separators ignored)."""
    d = _digits(number)
    if not d:
        return False
    total = 0
    for i, ch in enumerate(reversed(d)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _plausible_birth_date(yy: str, mm: str, dd: str, gender: str) -> bool:
    century = 2000 if gender in "3478" else 1900
    return int(dd) <= calendar.monthrange(century + int(yy), int(mm))[1]


# --------------------------------------------------------------------------- patterns

# A number starts here: nothing number-like before it, and not a placeholder's `|>` (values
# end in a letter or digit, so what was glued to a value stays unmatched once it is redacted)
_S = r"(?<![0-9A-Za-z])(?<![0-9][-.])(?<!\|>)"
_E = r"(?![0-9A-Za-z])(?![-.][0-9])"  # ... and ends here
_AREA = r"2|3[1-3]|4[1-4]|5[1-5]|6[1-4]"  # 02 Seoul, 031-033, 041-044, 051-055, 061-064

_RRN_RE = re.compile(
    _S + r"([0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-?([1-8])[0-9]{6}" + _E)
_MOBILE_OR_LAND = (
    r"(?:1(?:0([-. ]?)[0-9]{4}\1|[16789]([-. ]?)[0-9]{3,4}\2)"  # mobile: 010 has 4-digit middle
    r"|(?:" + _AREA + r"|70|50[2-8]|80|60)([-. ])[0-9]{3,4}\3)")  # landline, 070, 050X, 080
# `+82` and `(02)` mark their own start, so they need no lookbehind (and get none: what
# precedes them must not matter, or redacting a neighbour could reveal a new match)
_PHONE_RE = re.compile(
    r"(?:(?:\+82[-. ]?(?:\(0\)|0)?|" + _S + r"0)" + _MOBILE_OR_LAND
    + r"|(?:\(|" + _S + r")0(?:" + _AREA + r")\) ?[0-9]{3,4}-"  # (02) 123-4567, 02)123-4567
    r")[0-9]{4}" + _E)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9_%+-])(?<!\|>)(?:(?=[A-Za-z])|(?<![0-9][-.]))"  # 했다.kim@, not 12.34@
    r"[A-Za-z0-9][A-Za-z0-9._%+-]*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z@-])")  # .com1년 ok
_BRN_RE = re.compile(_S + r"[0-9]{3}(-?)[0-9]{2}\1[0-9]{5}" + _E)
_CARD_RE = re.compile(
    _S + r"(?:[0-9]{4}([- ]?)[0-9]{4}\1[0-9]{4}\1[0-9]{4}|3[47][0-9]{2}([- ]?)[0-9]{6}\2[0-9]{5})"
    + _E)
_PASSPORT_RE = re.compile(r"(?<![0-9A-Za-z])(?<!\|>)[MSROD][0-9]{3}(?:[A-Z][0-9]{4}|[0-9]{5})" + _E)
_DL_RE = re.compile(
    r"(?:" + _S + r"(?:1[1-9]|2[0-68])(-?)[0-9]{2}\1[0-9]{6}\1[0-9]{2}"
    r"|(?<![가-힣])(?:서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산) ?"
    r"[0-9]{2}-[0-9]{6}-[0-9]{2})" + _E)
_ACCOUNT_RE = re.compile(_S + r"(?:[0-9]{2,7}(?:-[0-9]{2,7}){1,3}|[0-9]{10,14})" + _E)

_RRN_CTX = re.compile(r"주민\s?(?:등록\s?)?번호|외국인\s?등록\s?번호")
_CARD_CTX = re.compile(r"카드")
_BRN_CTX = re.compile(r"사업자")
_PASSPORT_CTX = re.compile(r"여권")
_DL_CTX = re.compile(r"운전\s?면허|면허\s?번호")
_ACCOUNT_CTX = re.compile(
    r"은행|뱅크|계좌|입금|송금|예금주|농협|신협|수협|새마을금고|저축은행")
_ACCOUNT_AFTER_CTX = re.compile(r"예금주")
_TOKEN_RE = re.compile(r"[0-9](?:[0-9]|[-. ][0-9]){6,}")  # >= 7 digits, single separators
_MAX_LOCAL, _MAX_DOMAIN = 64, 255  # RFC 5321 limits, bound the e-mail search windows
_AFTER_BARRIER = re.compile(r"[0-9@]|<\|")

# priority when candidates start at the same offset (lower wins); an RRN/FRN accepted only
# through its context word ranks with the other context-only types
_PRIO = {"EMAIL": 0, "RRN": 1, "CARD": 2, "BRN": 3, "PHONE": 4, "DRIVER_LICENSE": 5,
         "PASSPORT": 6, "RRN_CONTEXT": 6, "ACCOUNT": 7}


class _Candidate(NamedTuple):
    start: int
    prio: int
    end: int
    type: str
    context: re.Pattern[str] | None  # a word that must appear before (None: no context needed)
    after: re.Pattern[str] | None = None  # a word that may instead appear after


def _windows(spans: Iterable[tuple[int, int]], before: int, after: int,
             size: int) -> list[tuple[int, int]]:
    """`spans` (in text order) widened by `before`/`after` characters and merged."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        lo, hi = max(0, start - before), min(size, end + after)
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _at_signs(text: str) -> Iterator[tuple[int, int]]:
    at = text.find("@")
    while at != -1:
        yield at, at + 1
        at = text.find("@", at + 1)


def _candidates(text: str) -> list[_Candidate]:
    """Every regex match that passes its context-free validation.

    The detailed regexes run only in small windows: around each `@` for e-mail, and around
    each token of at least 7 digits joined by single `-`/`.`/space separators for the numeric
    types (every numeric PII value contains one; the window reaches back far enough for
    `+82 (0)`, `(02) `, `서울 ` and passport letters). Lookbehinds see the whole text, and a
    window ends 2 characters after its token, so the boundary lookaheads see what they need.
    """
    out: list[_Candidate] = []
    size = len(text)

    def add(m: re.Match[str], kind: str, rank: str, context: re.Pattern[str] | None = None,
            after: re.Pattern[str] | None = None) -> None:
        out.append(_Candidate(m.start(), _PRIO[rank], m.end(), kind, context, after))

    if "@" in text:
        for lo, hi in _windows(_at_signs(text), _MAX_LOCAL, _MAX_DOMAIN, size):
            for m in _EMAIL_RE.finditer(text, lo, hi):
                if m.end() < hi or hi == size:  # else the domain may go on past the window
                    add(m, "EMAIL", "EMAIL")
    if "여권" in text:  # M123A4567 has no 7-digit token: scan the whole text
        for m in _PASSPORT_RE.finditer(text):
            add(m, "PASSPORT", "PASSPORT", _PASSPORT_CTX)
    tokens = ((m.start(), m.end()) for m in _TOKEN_RE.finditer(text))
    for lo, hi in _windows(tokens, 12, 2, size):
        for m in _RRN_RE.finditer(text, lo, hi):
            yy, mm, dd, g = m.groups()
            if _plausible_birth_date(yy, mm, dd, g):
                kind = "FRN" if g in "5678" else "RRN"
                if rrn_check_ok(m.group()):
                    add(m, kind, "RRN")
                else:  # post-2020 random or re-issued number: only after 주민등록번호 etc.
                    add(m, kind, "RRN_CONTEXT", _RRN_CTX)
        for m in _CARD_RE.finditer(text, lo, hi):
            if luhn_ok(m.group()):
                bare = m.end() - m.start() in (15, 16)
                add(m, "CARD", "CARD", _CARD_CTX if bare else None)
        for m in _BRN_RE.finditer(text, lo, hi):
            if brn_check_ok(m.group()):
                add(m, "BRN", "BRN", None if m.group(1) else _BRN_CTX)
        for m in _PHONE_RE.finditer(text, lo, hi):
            add(m, "PHONE", "PHONE")
        for m in _DL_RE.finditer(text, lo, hi):
            add(m, "DRIVER_LICENSE", "DRIVER_LICENSE", _DL_CTX)
        for m in _ACCOUNT_RE.finditer(text, lo, hi):
            groups = m.group().split("-")
            if 10 <= sum(map(len, groups)) <= 14 and len(groups[0]) >= 3:
                add(m, "ACCOUNT", "ACCOUNT", _ACCOUNT_CTX, _ACCOUNT_AFTER_CTX)
    return out


def find_pii(text: str, types: list[str] | tuple[str, ...] | None = None) -> list[PiiMatch]:
    """The PII spans of `text`, sorted and non-overlapping.

    Args:
        text: any text.
        types: the PII types to return (default: all of `PII_TYPES`). Detection always
            considers every type, so a number is typed the same way whatever is asked for.

    Returns:
        `PiiMatch(type, start, end)` items with character offsets into `text`. Overlaps are
        resolved in text order; at the same start the stronger evidence wins (e-mail, then
        check-digit types, phone, and context-only types last).

    Raises:
        ValueError: `types` names an unknown type.
    """
    if types is not None:
        _check_types(types)
    cands = _candidates(text)
    if not cands:
        return []
    heap = [(c.start, c.prio, -c.end, i, c) for i, c in enumerate(cands)]
    heapq.heapify(heap)
    wanted = None if types is None else frozenset(types)
    found: list[PiiMatch] = []
    last_end = 0
    while heap:
        c = heapq.heappop(heap)[-1]
        if c.start < last_end:  # overlaps an accepted span that started earlier or ranks higher
            if c.type == "EMAIL" and c.end > last_end:  # `010-2345-6789.kim@`: keep `kim@`
                m = _EMAIL_RE.search(text, last_end, c.end)
                if m and m.end() == c.end:
                    tail = c._replace(start=m.start())
                    heapq.heappush(heap, (tail.start, tail.prio, -tail.end, len(cands), tail))
            continue
        if c.context is not None and not _has_context(text, c, last_end):
            continue
        last_end = c.end
        if wanted is None or c.type in wanted:
            found.append(PiiMatch(c.type, c.start, c.end))
    return found


def _check_types(types: list[str] | tuple[str, ...]) -> None:
    unknown = sorted(set(types) - set(PII_TYPES))
    if unknown:
        raise ValueError(f"unknown PII type(s) {', '.join(map(repr, unknown))}; "
                         f"valid: {', '.join(PII_TYPES)}")


def _has_context(text: str, c: _Candidate, last_end: int) -> bool:
    lo = max(c.start - CONTEXT_WINDOW, last_end)
    barrier = text.rfind("|>", lo, c.start)
    if barrier != -1:
        lo = barrier + 2
    assert c.context is not None
    if c.context.search(text, lo, c.start):
        return True
    if c.after is None:
        return False
    hi = min(c.end + CONTEXT_WINDOW, len(text))
    stop = _AFTER_BARRIER.search(text, c.end, hi)
    return bool(c.after.search(text, c.end, stop.start() if stop else hi))


# --------------------------------------------------------------------------- the stage


@dataclass
class PiiRedactor(Stage):
    """Replace Korean PII with typed placeholders (`<|PHONE|>`, `<|RRN|>`, ...).

    The ledger records each replacement as an edit with reason `pii` and
    `detail={"type": TYPE}`: type and span, never the value. `metadata["pii_counts"]`
    (`{TYPE: n}`) is set when anything was found. Types:

    * RRN: 주민등록번호 `YYMMDD-GXXXXXX` (hyphen optional, G 1-4), birth date checked. Accepted
      on its check digit, or without it after `주민등록번호`/`주민번호`/`외국인등록번호`
      (numbers issued since October 2020 carry no check digit).
    * FRN: 외국인등록번호, the same layout with G 5-8 and the foreigner check digit.
    * PHONE: mobile `010-XXXX-XXXX` and legacy `011/016/017/018/019`, landlines with area
      codes (`02`, `031`-`064`, also `(02) 123-4567`), `070`, `050X`, `080` and `060`
      numbers, `+82` forms; `-`, `.`, space or (mobiles only) no separator, used
      consistently.
    * EMAIL: ASCII local part and domain, ending in an alphabetic top-level domain.
    * BRN: 사업자등록번호 `XXX-XX-XXXXX` with a valid check digit (10 bare digits need
      `사업자` before them).
    * CARD: 16 digits as 4-4-4-4 or Amex 4-6-5 passing Luhn (bare digits need `카드`).
    * PASSPORT: `M123A4567` or `M12345678` (M/S/R/O/D), after `여권`.
    * DRIVER_LICENSE: `11-19-123456-12` (region 11-26, 28) or `서울 19-123456-12`, after
      `운전면허`/`면허번호`.
    * ACCOUNT: 10-14 digits, bare or in 2-4 hyphenated groups, with a bank name, `계좌`,
      `입금`, `송금` or `예금주` shortly before (or `예금주` right after).

    Dates, times, prices, percentages, stock codes, article ids, masked values and numbers
    glued to other digits or letters are left alone. Representative numbers (`1588-XXXX`)
    and addresses are not redacted.

    Attributes:
        types: the PII types to redact (any of `PII_TYPES`; default all nine).
        placeholder: the replacement; `{type}` becomes the PII type.
    """

    name: ClassVar[str] = "clean.pii"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = (
        "replace Korean PII (RRN/FRN, phones, e-mail, BRN, cards, passport, driver's licence, "
        "bank accounts) with typed placeholders")

    types: list[str] = field(default_factory=lambda: list(PII_TYPES))
    placeholder: str = "<|{type}|>"

    def __post_init__(self) -> None:
        if not self.types:
            raise ValueError(f"types must not be empty; valid: {', '.join(PII_TYPES)}")
        _check_types(self.types)

    def process(self, doc: Document) -> Drop | None:
        matches = find_pii(doc.text, self.types)
        if not matches:
            return None
        counts: dict[str, int] = {}
        spans = []
        for m in matches:
            counts[m.type] = counts.get(m.type, 0) + 1
            spans.append(Span(m.start, m.end, "pii", self.placeholder.replace("{type}", m.type),
                              {"type": m.type}))
        doc.edit(self.name, self.version, spans)
        doc.metadata["pii_counts"] = counts
        return None
