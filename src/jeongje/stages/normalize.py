"""Unicode normalisation that is safe for Korean: NFC, never NFKC.

NFKC would turn `ⓒ` into `c`, `㈜` into `(주)` and `ㅋㅋ` into conjoining jamo, so stored
text is only ever NFC-normalised. Invisible characters (zero-width spaces, BOMs, soft
hyphens) and control characters other than tab and newline are removed; CRLF becomes LF.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from ..record import Document, Drop, Span
from ..stage import Stage, register

# zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen, bidi marks
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"
_CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n") + "\x7f"
_STRIP_RE = re.compile(f"[{re.escape(_INVISIBLE + _CONTROL)}]+")


@register
@dataclass
class UnicodeNormalizer(Stage):
    """NFC, invisible/control characters removed, CRLF -> LF; every change is an edit."""

    name: ClassVar[str] = "normalize.unicode"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "NFC (never NFKC), strip zero-width/BOM/control characters"

    strip_invisible: bool = True

    def process(self, doc: Document) -> Drop | None:
        text = doc.text
        if "\r" in text:
            doc.edit(self.name, self.version,
                     [Span(m.start(), m.end(), "newline", "\n") for m in re.finditer(r"\r\n?", text)])
            text = doc.text
        if self.strip_invisible:
            spans = [Span(m.start(), m.end(), "invisible_char") for m in _STRIP_RE.finditer(text)]
            if spans:
                doc.edit(self.name, self.version, spans)
                text = doc.text
        if not unicodedata.is_normalized("NFC", text):
            nfc = unicodedata.normalize("NFC", text)
            start = _common_prefix(text, nfc)
            end_old, end_new = _common_suffix(text, nfc, start)
            doc.edit(self.name, self.version,
                     [Span(start, end_old, "nfc", nfc[start:end_new])])
        return None


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    # back off so the span does not split a base character from its combining marks
    while i > 0 and (unicodedata.combining(a[i - 1]) or _is_jamo(a[i - 1])):
        i -= 1
    return i


def _common_suffix(a: str, b: str, floor: int) -> tuple[int, int]:
    i, j = len(a), len(b)
    while i > floor and j > floor and a[i - 1] == b[j - 1]:
        i -= 1
        j -= 1
    return i, j


def _is_jamo(ch: str) -> bool:
    return "\u1100" <= ch <= "\u11ff"
