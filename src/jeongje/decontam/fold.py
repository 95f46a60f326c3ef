"""Korean-robust folding for benchmark matching, with a way back to character offsets.

`fold(text)` keeps only the letters and digits of a text, lower-cased, and returns them
with, for each one, its character offset in `text`: whitespace, line breaks, punctuation,
symbols, full-width forms, HTML tags and entities left in the text, and option/numbering
markers (`①`, `(1)`, `1.`, `가.`, `A)`, `ㄱ.`, `㉠`) all fold away, so `다음 중 옳은 것은?\\n① 가` and `다음중 옳은것은 (1)가`
give the same string. Text that is not NFC (NFD Hangul from some sites) is composed first,
cluster by cluster, so that offsets still point into the text as given. The folded form is
only ever used for matching; stored text is never changed by it (no NFKC).

Folding works on code points in numpy (a lookup table over the BMP), so it costs a few
array passes per document; only the numbering markers need a regex, and they are rare.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

VERSION = 1  # bump when folding changes: an index is only valid with the same folding

# A numbering or option marker is a whitespace-delimited token `1.` `12)` `(3)` `[A]` `a.`
# `가.` `(나)` `ㄱ.`: found from its closing `.`/`)`/`]` (a fast scan), then checked backwards.
# Enclosed forms (`①` `ⓐ` `❶` `㉠` `㈎`) are symbols, which folding drops anyway.
_MARKER_END = re.compile(r"[.)\]](?=\s|$)")
_MARKER_BODY = re.compile(r"[(\[]?(?:\d{1,2}|[A-Za-z]|[가나다라마바사아자차카타파하]|[ㄱ-ㅎ])")


# HTML tags and entities left in a text (`<br>`, `</p>`, `&nbsp;`, `&#9312;`) fold away
# whole, so that their letters do not join the words around them.
_MARKUP = re.compile(r"<[A-Za-z/!][^<>]{0,60}>|&(?:[A-Za-z]{2,8}|#\d{2,7}|#[xX][0-9a-fA-F]{2,6});")


def _markers(text: str) -> list[tuple[int, int]]:
    """Spans of the numbering/option markers and the markup in `text`."""
    spans = [m.span() for m in _MARKUP.finditer(text)] if "<" in text or "&" in text else []
    for m in _MARKER_END.finditer(text):
        end = m.start()
        start = end
        while start > 0 and end - start < 3 and not _boundary(text[start - 1]):
            start -= 1
        if (start == 0 or _boundary(text[start - 1])) and _MARKER_BODY.fullmatch(text, start, end):
            spans.append((start, end + 1))
    return spans


def _boundary(ch: str) -> bool:
    """What may stand before a marker: whitespace, or the end of a tag or entity."""
    return ch.isspace() or ch in ">;"


def _tables() -> tuple[np.ndarray, np.ndarray]:
    keep = np.zeros(0x10000, dtype=bool)
    lower = np.arange(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if 0xFF01 <= cp <= 0xFF5E:  # full-width ASCII: fold to ASCII for matching
            ch = chr(cp - 0xFEE0)
        cat = unicodedata.category(ch)
        if cat[0] in "LN" and cat != "No":  # letters and decimal/letter digits; not ① ½ ²
            keep[cp] = True
            low = ch.lower()
            lower[cp] = ord(low) if len(low) == 1 else ord(ch)
    return keep, lower


_KEEP, _LOWER = _tables()


def _nfc_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """NFC of `text` and, for each of its characters, the offset in `text` where it came
    from (the start of its cluster: a starter and the marks or jamo that follow it). Only
    the pieces that are not NFC already are walked character by character."""
    out: list[str] = []
    offsets: list[np.ndarray] = []
    pos = 0
    while pos < len(text):
        end = min(pos + 256, len(text))
        while end < len(text) and _joins(text[end]):  # never cut a cluster
            end += 1
        piece = text[pos:end]
        if unicodedata.is_normalized("NFC", piece):
            out.append(piece)
            offsets.append(np.arange(pos, end, dtype=np.int64))
        else:
            start = pos
            for i in range(pos + 1, end + 1):
                if i < end and _joins(text[i]):
                    continue
                composed = unicodedata.normalize("NFC", text[start:i])
                out.append(composed)
                offsets.append(np.full(len(composed), start, dtype=np.int64))
                start = i
        pos = end
    return "".join(out), (np.concatenate(offsets) if offsets else np.zeros(0, np.int64))


def _joins(ch: str) -> bool:
    """True for a character that NFC may compose with the one before it."""
    return bool(unicodedata.combining(ch)) or "\u1160" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff"


def fold(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The folded code points of `text` (uint32) and each one's character offset in `text`."""
    base: np.ndarray | None = None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text, base = _nfc_with_offsets(text)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = np.minimum(cps, 0xFFFF)  # beyond the BMP (emoji, rare Hanja) folds away
    keep = _KEEP[bmp]
    for a, b in _markers(text):
        keep[a:b] = False
    where = np.flatnonzero(keep)
    folded = _LOWER[bmp[where]]
    if base is not None:
        where = base[where]
    return folded, where


def folded_text(text: str) -> str:
    """The folded form as a string (for tests and for showing what was matched)."""
    cps, _ = fold(text)
    return cps.astype("<u4").tobytes().decode("utf-32-le")


def fold_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fold` over several texts at once (one pass over their concatenation): the folded
    code points, each one's character offset in its own text, and the number of that text."""
    maps: dict[int, np.ndarray] = {}
    parts = list(texts)
    for i, text in enumerate(parts):
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
            parts[i], maps[i] = _nfc_with_offsets(text)
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(parts) else lengths
    cps, where = fold("\n".join(parts))
    doc = np.searchsorted(starts, where, side="right") - 1
    local = where - starts[doc]
    for i, offsets in maps.items():
        mine = doc == i
        local[mine] = offsets[local[mine]]
    return cps, local, doc
