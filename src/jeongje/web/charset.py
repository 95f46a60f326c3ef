"""Decoding bytes of unknown Korean encoding: declared charset first, then detection.

Order, as browsers do it: a byte-order mark; the charset the HTTP header declares; the one
`<meta charset>` / `<meta http-equiv=Content-Type>` declares; then detection. A declared
charset is trusted only when the bytes decode under it without error; otherwise detection
decides and the result records that the declaration was wrong.

Labels map the WHATWG way: `euc-kr`, `ks_c_5601-1987`, `x-windows-949` and friends all mean
Windows-949 (CP949), the superset that real "EUC-KR" pages are written in (`똠`, `펲` exist
only in CP949).

Detection is Korean first. UTF-8 is tried strictly; ISO-2022-KR is recognised by its
designator escape; CP949 and Johab are tried strictly and, when both decode, the one whose
text is mostly the 2,350 common syllables of KS X 1001 wins. General-purpose detectors
(chardet, cchardet, charset-normalizer) were measured on ../shared/data/ko-encodings and
miss the CPython CP949 and Johab samples; charset-normalizer is kept as the fallback for
text that is not Korean at all.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

_KOREAN_ALIASES = {
    "euc-kr": "cp949", "euckr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949", "ksc5601": "cp949", "ksc_5601": "cp949", "ks_x_1001": "cp949",
    "iso-ir-149": "cp949", "korean": "cp949", "csksc56011987": "cp949", "windows-949": "cp949",
    "x-windows-949": "cp949", "ms949": "cp949", "uhc": "cp949", "cp949": "cp949",
    "johab": "johab", "x-johab": "johab", "iso-2022-kr": "iso2022_kr", "csiso2022kr": "iso2022_kr",
    "latin1": "cp1252", "iso-8859-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.()-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # the Python codec used
    how: str  # "bom" | "http" | "meta" | "detected" | "given"
    declared: str | None = None  # what the page declared, when it was ignored as wrong
    lossy: bool = False  # True when no candidate decoded cleanly and bytes were replaced


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _KOREAN_ALIASES:
        return _KOREAN_ALIASES[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return _KOREAN_ALIASES.get(name, name)


def charset_from_content_type(value: str | None) -> str | None:
    if not value:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", value, re.IGNORECASE)
    return m.group(1) if m else None


def meta_charset(data: bytes) -> str | None:
    """The charset a page's `<meta>` declares in its first 4 KB (as browsers prescan)."""
    m = _META.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def decode(data: bytes, http_charset: str | None = None, html: bool = False,
           encoding: str = "auto") -> Decoded:
    """Decode `data`. `encoding` other than "auto" forces that codec (bytes it cannot
    decode are replaced and the result is marked lossy)."""
    if encoding != "auto":
        codec = codec_for(encoding)
        if codec is None:
            raise ValueError(f"unknown encoding {encoding!r}")
        return _strict_or_lossy(data, codec, "given")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict_or_lossy(data, codec, "bom")
    wrong = None
    declared = [(http_charset, "http")]
    if html:
        declared.append((meta_charset(data), "meta"))
    for label, how in declared:
        codec = codec_for(label)
        if codec is None:
            continue
        if codec == "cp1252" and not data.isascii():
            wrong = wrong or label  # pages labelled Latin-1 are very often Korean: detect
            continue
        try:
            return Decoded(_decode_korean(data, codec), codec, how)
        except (UnicodeDecodeError, LookupError):
            wrong = wrong or label
    result = detect(data)
    return Decoded(result.text, result.encoding, "detected", wrong, result.lossy)


def detect(data: bytes) -> Decoded:
    """Korean-first detection; see the module docstring."""
    if b"\x1b$)C" in data and data.isascii():  # 7-bit: would pass as UTF-8 too
        try:
            return Decoded(data.decode("iso2022_kr"), "iso2022_kr", "detected")
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "detected")
    except UnicodeDecodeError:
        pass
    scored = []
    for codec in ("cp949", "johab"):
        try:
            text = _decode_korean(data, codec)
        except UnicodeDecodeError:
            continue
        scored.append((_korean_score(text), codec, text))
    if scored:
        score, codec, text = max(scored)
        if score >= 0.2:
            return Decoded(text, codec, "detected")
    general = _general_detect(data)
    if general is not None:
        return general
    # nothing decodes cleanly: CP949 with replacement characters, flagged as lossy
    return Decoded(data.decode("cp949", "replace"), "cp949", "detected", lossy=True)


def _decode_korean(data: bytes, codec: str) -> str:
    """Strict decode; EUC-KR text using KS X 1001's 8-byte composed syllables (which start
    with the Hangul filler A4 D4) goes through Python's euc_kr codec, which composes them;
    CP949 would leave the raw jamo."""
    if codec == "cp949" and b"\xa4\xd4" in data:
        try:
            return data.decode("euc_kr")
        except UnicodeDecodeError:
            pass
    return data.decode(codec)


def _strict_or_lossy(data: bytes, codec: str, how: str) -> Decoded:
    try:
        return Decoded(_decode_korean(data, codec), codec, how)
    except UnicodeDecodeError:
        return Decoded(data.decode(codec, "replace"), codec, how, lossy=True)


def _korean_score(text: str) -> float:
    """Share of Hangul syllables that are among KS X 1001's 2,350 common ones, times the
    share of non-ASCII characters that are Hangul at all."""
    common = _common_syllables()
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not non_ascii:
        return 1.0
    syllables = [c for c in non_ascii if "\uac00" <= c <= "\ud7a3"]
    if not syllables:
        return 0.0
    hangul_share = len(syllables) / len(non_ascii)
    common_share = sum(c in common for c in syllables) / len(syllables)
    return hangul_share * common_share


@lru_cache(maxsize=1)
def _common_syllables() -> frozenset[str]:
    chars = set()
    for lead in range(0xB0, 0xC9):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("euc_kr"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _general_detect(data: bytes) -> Decoded | None:
    import charset_normalizer  # a dependency; imported here because only non-Korean text needs it

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        return None
    codec = codec_for(best.encoding) or best.encoding
    try:
        return Decoded(data.decode(codec), codec, "detected")
    except (UnicodeDecodeError, LookupError):
        return None
