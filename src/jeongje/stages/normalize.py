"""Unicode and markup normalisation that is safe for Korean: NFC, never NFKC.

NFKC would turn `ⓒ` into `c`, `㈜` into `(주)`, `①` into `1` and `ㅋㅋ` into conjoining
jamo, so stored text is only ever NFC-normalised. The stage runs these steps in order, each
behind its own switch, and records every change as an edit (one span per changed run; a
change on top of an earlier one is merged into it, see `Document.edit`):

1. `newline`: CRLF, lone CR, U+2028 and U+2029 become LF;
2. `invisible_char`: zero-width characters, BOMs, soft hyphens, bidi controls and C0/C1
   control characters other than tab and newline are removed;
3. `html_entity`: leftover HTML entities are unescaped (`&quot;`, `&#39;`, `&amp;amp;`, and
   broken ones whose `&` was lost such as `amp;#39;`, `quot;`, `apos;`); `&nbsp;` becomes a
   plain space. Steps 1-3 repeat until nothing changes (`&amp;quot;`, `&#8203;`);
4. `nfc`: NFC composition (NFD Hangul jamo become syllables);
5. `whitespace`: runs of spaces, tabs, NBSP, U+3000 and other spaces become one space;
   trailing and leading spaces of a line go; three or more line breaks become two, so
   paragraph breaks survive; the document is stripped.

Run `normalize.mojibake` *before* this stage: C1 controls, NBSP and soft hyphens are part of
mojibake byte patterns, and NFC rewrites CJK compatibility ideographs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from html.entities import html5
from typing import ClassVar

from ..record import Document, Drop, Span
from ..stage import Stage

# zero-width space/non-joiner/joiner, word joiner, invisible operators, BOM, soft hyphen,
# Mongolian vowel separator, bidi marks, embeddings, overrides and isolates,
# interlinear annotation controls
_INVISIBLE = ("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
              "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
              "\ufff9\ufffa\ufffb")
_CONTROL = ("".join(chr(c) for c in range(32) if chr(c) not in "\t\n") + "\x7f"
            + "".join(chr(c) for c in range(0x80, 0xA0)))
_STRIP_RE = re.compile(f"[{re.escape(_INVISIBLE + _CONTROL)}]+")
# one character-class search (fast) decides whether the newline and strip steps have work
_PREP_GATE_RE = re.compile(f"[{re.escape(_INVISIBLE + _CONTROL)}\u2028\u2029]")

_NEWLINE_RE = re.compile("\r\n|[\r\u2028\u2029]")

_NAME = r"[A-Za-z][A-Za-z0-9]{1,31};"
_NUM = r"#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};"
# well-formed entities; `&nbsp` without its semicolon; broken entities that lost their `&`:
# `amp;` followed by another entity anywhere, and bare `quot;`/`apos;`/... after a non-letter
_ENTITY_RE = re.compile(
    rf"&(?:{_NUM}|{_NAME})"
    r"|&nbsp(?![\w;])"
    rf"|(?<!&)amp;(?:{_NUM}|{_NAME})"
    r"|(?<![A-Za-z0-9&;])(?:quot|apos|amp|lt|gt|nbsp);"
)
_BARE = {"quot;": '"', "apos;": "'", "amp;": "&", "lt;": "<", "gt;": ">", "nbsp;": " "}

# spaces folded into " ": tab, NBSP, ogham, en/em/thin/hair..., narrow NBSP, medium
# mathematical space, ideographic space (U+3000)
_OTHER_SPACE = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_OTHER_SPACE_RE = re.compile(f"[{_OTHER_SPACE}]")
# maximal whitespace runs of two or more characters, or one character other than " "/"\n"
_WS_RUN_RE = re.compile(f"[ \n{_OTHER_SPACE}]{{2,}}|[{_OTHER_SPACE}]")
_WS_CHARS = " \n\t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


@dataclass
class UnicodeNormalizer(Stage):
    """Newlines, HTML entities, invisible/control characters, NFC and whitespace; every
    change is an edit. Each step can be switched off."""

    name: ClassVar[str] = "normalize.unicode"
    version: ClassVar[int] = 2
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = ("NFC (never NFKC), strip zero-width/BOM/control characters, "
                                  "unescape HTML entities, normalise whitespace")

    normalize_newlines: bool = True
    unescape_html: bool = True
    strip_invisible: bool = True
    nfc: bool = True
    normalize_whitespace: bool = True

    def process(self, doc: Document) -> Drop | None:
        # stripping and unescaping can each reveal work for the other (`&am<ZWSP>p;`,
        # `&#8203;`): repeat both until neither changes anything, so the stage is idempotent
        while True:
            if _PREP_GATE_RE.search(doc.text):
                if self.normalize_newlines:
                    self._edit(doc, [Span(m.start(), m.end(), "newline", "\n")
                                     for m in _NEWLINE_RE.finditer(doc.text)])
                if self.strip_invisible:
                    self._edit(doc, [Span(m.start(), m.end(), "invisible_char")
                                     for m in _STRIP_RE.finditer(doc.text)])
            spans = _entity_spans(doc.text) if self.unescape_html else []
            if not spans:
                break
            self._edit(doc, spans)
        if self.nfc and not unicodedata.is_normalized("NFC", doc.text):
            self._edit(doc, nfc_spans(doc.text))
        if self.normalize_whitespace:
            self._edit(doc, whitespace_spans(doc.text))
        return None

    def setup(self) -> None:
        if self.nfc:
            _nfc_risk_re()  # build the NFC table once per worker, not on the first NFD text

    def _edit(self, doc: Document, spans: list[Span]) -> None:
        if spans:
            doc.edit(self.name, self.version, spans)


def _entity_spans(text: str) -> list[Span]:
    """One span per run of adjacent entities that unescape to something else."""
    if "&" not in text and (";" not in text or not any(bare in text for bare in _BARE)):
        return []  # every entity form has `&` or is a bare `quot;`, `amp;`, ...
    spans: list[Span] = []
    for m in _ENTITY_RE.finditer(text):
        value = _unescape_one(m.group())
        if value is None:
            continue
        if spans and spans[-1].end == m.start():
            spans[-1].end = m.end()
            spans[-1].replacement += value
        else:
            spans.append(Span(m.start(), m.end(), "html_entity", value))
    return spans


def _unescape_one(entity: str) -> str | None:
    """The text an entity stands for, or None if it is not a known entity."""
    if entity in _BARE:
        return _BARE[entity]
    if entity.startswith("amp;"):
        entity = "&" + entity[4:]
    if entity == "&nbsp":
        return " "
    body = entity[1:]
    if body.startswith("#"):
        value = html.unescape(entity)
        if value == "\ufffd" and int(body[2:-1] if body[1] in "xX" else body[1:-1],
                                     16 if body[1] in "xX" else 10) != 0xFFFD:
            value = ""  # &#0;, surrogates, out of range: nothing sensible to keep
    else:
        value = html5.get(body)
        if value is None:
            return None
    return value.replace("\u00a0", " ")


def whitespace_spans(text: str) -> list[Span]:
    """Spans that fold whitespace runs: inside a line one space, across lines one or two
    line breaks, nothing at the edges of the document."""
    spans: dict[int, Span] = {}
    n = len(text)
    if ("  " in text or " \n" in text or "\n " in text or "\n\n\n" in text
            or _OTHER_SPACE_RE.search(text)):
        for m in _WS_RUN_RE.finditer(text):
            spans[m.start()] = _ws_span(m.start(), m.end(), m.group(), n)
    if n and text[0] in _WS_CHARS:  # (lstrip/rstrip would copy the whole text)
        lead = n - len(text.lstrip(_WS_CHARS))
        spans[0] = Span(0, lead, "whitespace", "")
    if n and text[-1] in _WS_CHARS:
        trail = n - len(text.rstrip(_WS_CHARS))
        if trail < n:
            spans[n - trail] = Span(n - trail, n, "whitespace", "")
    return [s for _, s in sorted(spans.items()) if text[s.start:s.end] != s.replacement]


def _ws_span(start: int, end: int, run: str, n: int) -> Span:
    if start == 0 or end == n:
        return Span(start, end, "whitespace", "")
    breaks = run.count("\n")
    return Span(start, end, "whitespace", " " if breaks == 0 else "\n" * min(breaks, 2))


_NFC_RISK_RE: re.Pattern[str] | None = None


def _nfc_risk_re() -> re.Pattern[str]:
    """A character followed by a run of characters NFC may change or compose with it.

    Built on first use (about 50 ms): combining marks, characters that NFC maps to something
    else (e.g. CJK compatibility ideographs), second halves of canonical compositions and
    conjoining Hangul vowels and finals.
    """
    global _NFC_RISK_RE
    if _NFC_RISK_RE is None:
        risky: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
        for c in range(0x30000):
            ch = chr(c)
            if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
                risky.add(c)
            d = unicodedata.decomposition(ch)
            if d and not d.startswith("<") and len(d.split()) == 2:
                risky.add(int(d.split()[1], 16))
        ranges: list[list[int]] = []
        for c in sorted(risky):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
        cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                      for a, b in ranges)
        _NFC_RISK_RE = re.compile(f"[^{cls}]?[{cls}]+", re.DOTALL)
    return _NFC_RISK_RE


def nfc_spans(text: str) -> list[Span]:
    """One span per run that NFC changes (a base character with its marks/jamo)."""
    spans: list[Span] = []
    for m in _nfc_risk_re().finditer(text):
        run = m.group()
        nfc = unicodedata.normalize("NFC", run)
        if nfc == run:
            continue
        if spans and spans[-1].end == m.start():
            spans[-1].end = m.end()
            spans[-1].replacement += nfc
        else:
            spans.append(Span(m.start(), m.end(), "nfc", nfc))
    return spans
