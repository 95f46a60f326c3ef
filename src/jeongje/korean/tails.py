"""What follows a Korean news body, and credits glued into it: the run of promo, byline and
credit residue after the last sentence (`tail_block`), a byline closing the text
(`end_byline`), and photo credits whose owner is glued to the next word (`glued_credits`).
Each returns (start, end, kind) spans; `taken` are the spans rules already found (objects
with `start`, `end`, `kind`)."""

from __future__ import annotations

import re

from .patterns import DESK, EMAIL, NAME, TITLE

# where the body's last sentence ends: a period after Hangul, or 다/요 with ! ?, closing quotes
# (each alternative opens with its punctuation, so `re` scans for it instead of trying
# every position)
_BODY_END = re.compile(r"\.(?<=[가-힣]\.)[\"”’')」』]*|[!?](?<=[다요][!?])[\"”’')」』]*|[\"”’](?<=다[\"”’])[ \t]*(?=\n|$)")
_MARK_NEAR = re.compile(r"[ⓒ©Ⓒ]|[Cc]opyright|COPYRIGHT|저작권자")
# what marks a short tail segment as residue rather than a last body sentence: an arrow, a
# copyright mark, a byline e-mail (not one the sentence goes on about: "…@…으로 보내면",
# nor a contact after a colon: "담당 한도윤: …@…"),
# a link or subscribe prompt
_TAIL_EMAIL = re.compile(rf"(?<![:：])(?<![:：]\s)(?<![A-Za-z0-9._%+-]){EMAIL}(?![A-Za-z0-9.가-힣-])")
_TAIL_CUE = re.compile(r"[▶☞►ⓒ©Ⓒ]|[Cc]opyright|COPYRIGHT|바로\s?가기|보러\s?가기|구독\s?(?:하기|하고|해\s?주세요|신청)|네이버 메인|기사\s?제보"
                       r"|https?://|무단\s?(?:전재|복제|배포)[^.\n]{0,30}금지(?![가-힣])|All [Rr]ights|받아\s?보세요")
def _has_cue(text: str) -> bool:
    return bool(_TAIL_CUE.search(text) or ("@" in text and _TAIL_EMAIL.search(text)))


_TAIL_LITERALS = ("▶", "☞", "►", "ⓒ", "©", "Ⓒ", "@", "opyright", "COPYRIGHT", "바로", "보러", "구독", "제보", "네이버 메인",
                  "http", "무단", "ights", "받아")  # one is in every _TAIL_CUE match
_TAIL_MAX = 450
_TAIL_WINDOWS = (200, _TAIL_MAX)
_ARROW = re.compile(r"[▶☞►]")
_LETTER = re.compile(r"[가-힣A-Za-z]")
_TAIL_PIECE = 120


def tail_block(text: str, taken: list) -> list[tuple[int, int, str]]:
    """The residue after the body's last sentence: the text tail cut at sentence ends
    (periods inside found spans or right after a copyright mark do not count), and the run
    of last pieces each short and holding a cue or mostly covered by found spans."""
    stop = len(text.rstrip())
    last = text[max(0, stop - _TAIL_PIECE):stop]  # the last piece must be residue itself
    if not any(map(last.__contains__, _TAIL_LITERALS)) and not any(b.end > stop - _TAIL_PIECE for b in taken):
        return []
    near = [(b.start, b.end) for b in taken if b.end > len(text) - _TAIL_MAX]
    start = None
    for span in _TAIL_WINDOWS:  # most tails end at their first body piece: look short first
        lo = max(0, len(text) - span)
        start, done = _tail_start(text, lo, stop, near, taken)
        if done or lo == 0:
            break
    if start is None:
        return []
    out, pos = [], start
    for s, e in sorted(near) + [(stop, stop)]:  # only what no rule took, so kinds and facts stay
        if s > pos and text[pos:s].strip():
            lead = len(text[pos:s]) - len(text[pos:s].lstrip())
            out.append((pos + lead, pos + len(text[pos:s].rstrip()), "promo"))
        pos = max(pos, e)
    return out


def _tail_start(text: str, lo: int, stop: int, near: list[tuple[int, int]],
                taken: list) -> tuple[int | None, bool]:
    """Where the tail block starts within text[lo:], and whether a body piece ended it
    (False: every piece up to the window's first cut was residue; look further back)."""
    blocked = [(s, e) for s, e in near if e > lo]
    if _has_mark(text, lo):
        blocked += [(m.start(), m.end() + 80) for m in _MARK_NEAR.finditer(text, lo)]
    ends = [m for m in _BODY_END.finditer(text, lo)]
    cuts = [m.end() for m in ends if not any(s <= m.start() < e for s, e in blocked)] if blocked else [
        m.end() for m in ends]
    if not cuts:
        return None, False
    arrows = [m.start() for m in _ARROW.finditer(text, cuts[0])]
    marks = []  # where a copyright line starts ("저작권자 ⓒ …" is one line, not two)
    for m in _MARK_NEAR.finditer(text, cuts[0]) if _has_mark(text, cuts[0]) else ():
        if not marks or m.start() - marks[-1] > 12:
            marks.append(m.start())
    # each arrow item is a piece, whatever periods it holds ("▶ [한빛TV] 먹방까지...정부 제동")
    if arrows:
        cuts = [c for c in cuts if not any(0 < c - a <= 100 for a in arrows)] + arrows
    cuts += marks  # a copyright line glued to the last promo item is a piece of its own
    bounds = sorted({c for c in cuts if c < stop})
    if not bounds:
        return None, False
    # residue may follow a tail byline (one with an e-mail) or a promo without a cue of its own
    leads = {b.start for b in taken if b.end > lo and (b.kind == "promo" or b.kind == "byline" and "@" in text[b.start:b.end])}
    start = None
    ends = bounds[1:] + [stop]
    after_arrow = False
    for a, b in reversed(list(zip(bounds, ends, strict=True))):
        piece = text[a:b]
        body = len(piece.strip())
        if not body or not _LETTER.search(piece) or (after_arrow and body <= 8):
            if start is not None:  # punctuation or a stub before residue ("/▶", "/울산=▶", "[티켓받기▶")
                start = a
            after_arrow = False
            continue
        lead = a + len(piece) - len(piece.lstrip())
        arrow = text[lead:lead + 1] in "▶☞►" or lead in leads  # an arrow item, or a byline's tail
        inside = [(max(a, s) - a, min(b, e) - a) for s, e in near if s < b and e > a]
        covered = sum(e - s for s, e in inside)
        for s, e in inside:  # a cue counts only outside what rules found
            piece = piece[:s] + " " * (e - s) + piece[e:]
        # mostly covered by found spans counts only when the piece ends inside one: a body word
        # glued after a credit ("[출처=한빛]화웨이는") is not residue
        closed = any(s < b and e >= a + len(text[a:b].rstrip()) for s, e in inside)
        if body - covered > _TAIL_PIECE or not (arrow or (covered >= 0.6 * body and closed) or _has_cue(piece)):
            return start, True
        start = a
        after_arrow = arrow
    return start, False


def _has_mark(text: str, lo: int) -> bool:
    window = text[lo:]
    return any(map(window.__contains__, ("ⓒ", "©", "Ⓒ", "opyright", "COPYRIGHT", "저작권자")))


# a byline closing the text without an e-mail: "…했다.김하늘 기자", "한빛일보 모클팀 - 김하늘 기자",
# "…말했다. 김하늘 기자/sky@"
_END_BYLINE = re.compile(
    rf"(?:(?:[가-힣A-Za-z]{{2,12}}\s)?{DESK}\s?-\s?|(?<=[.!?\]\"”’)>])\s?){NAME}\s?(?:{DESK}\s)?{TITLE}(?:\s?/\s?[A-Za-z0-9._-]*@?)?\s*\Z")


def end_byline(text: str) -> list[tuple[int, int, str]]:
    end = text.rstrip()
    if not end.endswith(("기자", "특파원", "위원", "@")) and "/" not in end[-20:]:
        return []
    lo = max(0, len(end) - 60)
    m = _END_BYLINE.search(text, lo)
    return [(m.start(), len(end), "byline")] if m else []




_MARKS = re.compile(r"[ⓒ©Ⓒ]|사진\s?=\s?")  # a mark, or 사진= with its owner glued on
_NOTICE_AFTER = re.compile(r"[^\n]{0,40}?(?:무단|재배포|금지|All [Rr]ights|reserved|Copyright|저작권|\.(?:com|co\.kr|kr|net)\b)")
_OWNER = re.compile(r"[가-힣A-Za-z0-9&]{2,20}")


def glued_credits(text: str, taken: list) -> list[tuple[int, int, str]]:
    """Photo credits rules cannot bound: a mark and an owner glued to the next sentence
    ("…화면 예시.ⓒ한빛포털한빛포털이 …", "…모습ⓒ누리전자고급 …"). The owner is the longest
    start of the glued word that the document also uses on its own elsewhere; a word
    of five characters or fewer that the document does not repeat is a photographer's name
    ("ⓒ 한도윤 10월…"). A mark that opens a copyright notice is left to the notice rules."""
    out = []
    for m in _MARKS.finditer(text):
        if any(b.start <= m.start() < b.end for b in taken) or _NOTICE_AFTER.match(text, m.end()):
            continue
        if m.group()[0] == "사" and (text[m.start() - 1:m.start()] in "'‘\"“「『" and m.start() > 0
                                    or "\uac00" <= text[m.start() - 1:m.start()] <= "\ud7a3"):
            continue  # '사진=기억' in quotes, 전시사진=…: words, not a credit
        j = m.end() + (text[m.end():m.end() + 1] in " \t") * (m.group() in "ⓒ©Ⓒ")
        w = _OWNER.match(text, j)
        if not w:
            continue
        word = w.group()
        owner = next((word[:k] for k in range(min(len(word), 12), 1, -1)
                      if text.find(word[:k]) != j or text.find(word[:k], j + 1) >= 0), "")
        if not owner and len(word) <= 5:
            owner = word  # a photographer's name: "ⓒ 한도윤 10월 …"
        if owner:
            out.append((m.start(), j + len(owner), "photo_credit"))
    return out



