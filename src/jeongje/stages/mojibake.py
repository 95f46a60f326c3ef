"""Korean mojibake: repair a garbled run where the repair is unambiguous; otherwise drop
the document with reason `mojibake`. Run this stage before `normalize.unicode` (NBSP, soft
hyphens and C1 controls are part of mojibake byte patterns; NFC rewrites some Hanja).

* **CP949 read as Latin-1/CP1252** (`¹«´Ü ÀüÀç` for `무단 전재`; kinds `cp949_as_latin1`,
  `cp949_as_cp1252`) and **UTF-8 read as CP1252/Latin-1** (`ì‚¬ì§„` for `사진`;
  `utf8_as_cp1252`). *Clusters* of Latin-1/CP1252 characters joined by short ASCII gaps are
  turned back into bytes and segmented: CP949 by dynamic programming (KS X 1001 Hangul and
  Hanja score high, rare UHC-extension pairs and unexplained bytes low), UTF-8 greedily.
  One reading is chosen per document. A cluster is *strong* with two Hangul syllables,
  for CP949 two of them adjacent with a Latin letter among their four bytes.
* **UTF-8 read as CP949** (`湲곗옄` for `기자`; `utf8_as_cp949`): runs of CJK characters
  holding markers (Hanja of CP949 rows EA-ED, UHC-extension syllables, U+FFFD) are encoded
  back to CP949 and decoded as UTF-8 strictly. U+FFFD makes a run lossy.

Legitimate Latin-1 in Korean text (café, naïve, ±, ×, °C, ©, ™, German, French) is left
alone; clean text is rejected by one character-class search. Evidence of garbling that no
repair explains (unexplained bytes glued to a repaired run, lossy runs, both readings
equally good) drops the document with `kind`, `sample` and `garbled_share`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import ClassVar

from ..record import Document, Drop, Span
from ..stage import Stage

# --- character classes ------------------------------------------------------------------

#: the glyphs CP1252 puts at 0x80-0x9F, with their bytes
_CP1252: dict[str, int] = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0)
                           if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
#: letters among the characters that stand for bytes >= 0x80
_LETTERS = frozenset(ch for ch in [*map(chr, range(0x80, 0x100)), *_CP1252] if ch.isalpha())
_LETTER_CLASS = "".join(re.escape(ch) for ch in sorted(_LETTERS))
#: characters that stand for one byte >= 0x80 (Latin Extended is not taken as a UTF-8 view
#: of two bytes, as some decoders make `Ƽ` of C6 BC: Vietnamese `ươ` would read as Hangul)
_HIGH_CLASS = re.escape("".join(_CP1252)) + "\u0080-\u00ff"


@dataclass(frozen=True)
class _Patterns:
    markers: frozenset[str]
    gate: re.Pattern[str]  # one character class: hundreds of MB/s on clean text
    suspect: re.Pattern[str]  # a letter next to another high character, or a marker


@cache
def _patterns() -> _Patterns:
    """Built on first use (about 80 ms), so that importing the stage stays cheap. Markers of
    UTF-8 read as CP949: Hanja at CP949 rows EA-ED with a second byte A1-BF (a UTF-8 Hangul
    lead byte and a continuation byte), the 8,822 UHC-extension syllables outside KS X 1001
    (rare in real text) and U+FFFD."""
    markers = ["\ufffd"]
    for c in range(0x4E00, 0xD7A4):
        b = chr(c).encode("cp949", "replace")
        if len(b) == 2 and ((0xEA <= b[0] <= 0xED and 0xA1 <= b[1] <= 0xBF)
                            or (c >= 0xAC00 and (b[0] < 0xA1 or b[1] < 0xA1))):
            markers.append(chr(c))
    cls = "".join(markers)
    return _Patterns(frozenset(cls), re.compile(f"[{_LETTER_CLASS}{cls}]"),
                     re.compile(f"[{_LETTER_CLASS}][{_HIGH_CLASS}]|[{_HIGH_CLASS}][{_LETTER_CLASS}]"
                                f"|[{cls}]"))


#: latin-family clusters: high characters joined by short ASCII gaps
_GAP = 16
_CLUSTER_RE = re.compile(f"[{_HIGH_CLASS}]+(?:[\\x20-\\x7e\\t\\n]{{1,{_GAP}}}[{_HIGH_CLASS}]+)*"
                         f"[A-Za-z]?")
#: UTF-8-as-CP949 runs: non-ASCII, non-space characters other than Latin (U+0080 kept: a
#: CP949 decoder that maps undefined 0x80 to U+0080 leaves it inside garbled words)
_CJK_RUN_RE = re.compile("[^\\x00-\\x7f\\s\\u0081-\\u00ff]+")
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")
#: any character a Latin-1/CP1252 view cannot produce: the document is not wholly garbled
_NON_LATIN_RE = re.compile(f"[^\\x00-\\u00ff{re.escape(''.join(_CP1252))}]")

# segmentation scores of CP949 pairs: KS X 1001 Hangul, Hanja and symbols (kana too) make
# up Korean text; UHC-extension syllables are rare (and would explain stray `“` glyphs)
_KS, _HANJA, _SYM, _EXT = 3.0, 2.0, 2.0, -3.0
_BREAK = -4.0  # an unexplained high byte


@cache
def _cp949_pairs() -> dict[int, tuple[str, float, bool]]:
    """(lead << 8 | trail) -> (character, score, is KS X 1001 Hangul) for valid CP949 pairs."""
    table: dict[int, tuple[str, float, bool]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x41, 0xFF):
            try:
                ch = bytes([lead, trail]).decode("cp949")
            except UnicodeDecodeError:
                continue
            hangul = "\uac00" <= ch <= "\ud7a3"
            ks = hangul and lead >= 0xA1 and trail >= 0xA1
            score = _KS if ks else _EXT if hangul else _HANJA if lead >= 0xCA else _SYM
            table[lead << 8 | trail] = (ch, score, ks)
    return table


# --- byte views of a cluster ----------------------------------------------------------


def _latin_bytes(text: str) -> bytes:
    """The bytes a Latin-1/CP1252 view stands for (C1 controls stand for their own byte)."""
    return bytes(_CP1252.get(ch, ord(ch)) for ch in text)


@dataclass
class _Unit:
    start: int  # byte offsets
    end: int
    char: str | None  # decoded text; None for an unexplained high byte
    ks: int = 0  # KS X 1001 Hangul syllables (CP949) or Hangul syllables (UTF-8)


def _units_cp949(data: bytes) -> list[_Unit]:
    """Best segmentation of `data` into ASCII bytes, CP949 pairs and unexplained bytes."""
    pairs = _cp949_pairs()
    n = len(data)
    best = [0.0] * (n + 1)
    take_pair = [False] * n
    for i in range(n - 1, -1, -1):
        single = (0.0 if data[i] < 0x80 else _BREAK) + best[i + 1]
        pair = pairs.get(data[i] << 8 | data[i + 1]) if i + 1 < n and data[i] >= 0x81 else None
        if pair is not None and pair[1] + best[i + 2] >= single:
            best[i] = pair[1] + best[i + 2]
            take_pair[i] = True
        else:
            best[i] = single
    units, i = [], 0
    while i < n:
        if take_pair[i]:
            ch, _, ks = pairs[data[i] << 8 | data[i + 1]]
            units.append(_Unit(i, i + 2, ch, int(ks)))
            i += 2
        else:
            units.append(_Unit(i, i + 1, chr(data[i]) if data[i] < 0x80 else None))
            i += 1
    return units


def _units_utf8(data: bytes) -> list[_Unit]:
    """Greedy strict UTF-8 segmentation; invalid bytes are unexplained units."""
    units, i, n = [], 0, len(data)
    while i < n:
        b = data[i]
        size = 1 if b < 0x80 else 2 if 0xC2 <= b <= 0xDF else 3 if 0xE0 <= b <= 0xEF else (
            4 if 0xF0 <= b <= 0xF4 else 0)
        try:
            ch = data[i:i + size].decode("utf-8") if size else None
        except UnicodeDecodeError:
            ch = None
        if ch is None:
            units.append(_Unit(i, i + 1, None))
            i += 1
        else:
            units.append(_Unit(i, i + size, ch, int("\uac00" <= ch <= "\ud7a3")))
            i += size
    return units


# --- reading a cluster -----------------------------------------------------------------


@dataclass
class _Segment:
    """A run of explained units between unexplained bytes, and what it decodes to."""

    start: int  # character offsets in the document
    end: int
    decoded: str
    cls: str  # "hangul" (Hangul-dominant), "other" (symbols, Hanja, kana...), "junk"
    ks: int  # KS X 1001 Hangul (CP949) or Hangul (UTF-8) syllables
    letters: int  # Latin letters in the garbled source
    kind: str
    word: bool  # two adjacent Hangul syllables from high bytes, with a Latin letter among them


@dataclass
class _Reading:
    """One cluster read as CP949 or as UTF-8."""

    segments: list[_Segment] = field(default_factory=list)
    breakers: set[int] = field(default_factory=set)  # unexplained characters (doc offsets)
    utf8: bool = False
    latin_utf8: bool = False  # the whole cluster is valid non-Korean UTF-8 (`cafÃ©`)

    @property
    def hangul(self) -> int:
        return sum(s.ks for s in self.segments if s.cls == "hangul")

    def strong(self) -> bool:
        """At least two Hangul syllables, two of them adjacent (a word) for CP949: legitimate
        Latin-1 (`±0.5°C`, `ÆRØ`, `AÇÃO`, `··`) does not give four high bytes like that."""
        return self.hangul >= 2 and (self.utf8 or any(
            s.word for s in self.segments if s.cls == "hangul"))

    def suspicious(self) -> bool:
        """Garbled-looking even where no segment reads as Korean (e.g. too many rare
        UHC-extension syllables): a Korean-looking word, or two Hangul from UTF-8."""
        if self.utf8:
            return sum(s.ks for s in self.segments) >= 2
        return any(s.word for s in self.segments)

    def rank(self) -> tuple[int, int, float]:
        wide = sum(sum(ord(c) >= 0x80 for c in s.decoded) for s in self.segments)
        junk = sum(s.cls == "junk" for s in self.segments)
        return self.hangul, -len(self.breakers) - junk, self.hangul / max(wide, 1)


def _read(text: str, base: int, utf8: bool) -> _Reading:
    """Segment a latin-family cluster (one byte per character) as CP949 or UTF-8."""
    data = _latin_bytes(text)
    units = _units_utf8(data) if utf8 else _units_cp949(data)
    reading = _Reading(utf8=utf8)
    reading.breakers = {base + u.start for u in units if u.char is None}
    try:  # the whole cluster is valid UTF-8 of non-Korean text (`cafÃ©`)
        reading.latin_utf8 = not _HANGUL_RE.search(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    segment: list[_Unit] = []
    for u in [*units, _Unit(len(data), len(data), None)]:
        if u.char is not None:
            segment.append(u)
            continue
        while segment and segment[0].char < "\x80":  # ASCII edges stay outside the repair
            segment.pop(0)
        while segment and segment[-1].char < "\x80":
            segment.pop()
        if segment:
            reading.segments.append(_segment(text, base, data, segment, utf8))
        segment = []
    return reading


def _segment(text: str, base: int, data: bytes, units: list[_Unit], utf8: bool) -> _Segment:
    a, b = units[0].start, units[-1].end
    decoded = data[a:b].decode("utf-8" if utf8 else "cp949")
    wide = sum(1 for ch in decoded if ord(ch) >= 0x80)
    ks = sum(u.ks for u in units)  # for CP949, rare UHC-extension syllables do not count
    all_ks = utf8 or all(data[u.start] >= 0xA1 and data[u.end - 1] >= 0xA1
                         for u in units if u.end - u.start > 1)
    ext = 0 if utf8 else sum(1 for u in units if not u.ks and "\uac00" <= u.char <= "\ud7a3")
    if ks and (utf8 or ks * 2 >= wide or all_ks) and ext <= max(1, ks // 4):
        cls = "hangul"  # UTF-8 Hangul (never there by accident), or KS X 1001 text
    elif all_ks:
        cls = "other"  # KS X 1001 symbols, Hanja, kana (CP949); any character (UTF-8)
    else:
        cls = "junk"  # UHC-extension pairs with ASCII or C1 bytes: `°C` is not Korean
    source = text[a:b]
    kind = "utf8_as_cp1252" if utf8 else (
        "cp949_as_cp1252" if any(ch in _CP1252 for ch in source) else "cp949_as_latin1")
    word = any(u.ks and v.ks and v.start == u.end and not _LETTERS.isdisjoint(text[u.start:v.end])
               for u, v in pairwise(units))
    return _Segment(base + a, base + b, decoded, cls, ks,
                    sum(1 for ch in source if ch in _LETTERS), kind, word)


def _plan_latin(text: str) -> tuple[list[Span], list[tuple[str, int, int]]]:
    """Repairs and unrepairable garbled clusters of the CP949/UTF-8-as-Latin families.

    One family is chosen per document (the one whose strong clusters yield more Hangul).
    A document with no character beyond Latin/CP1252 is *wholly* garbled: every explained
    segment is repaired (symbols, Hanja, kana too) and any unexplained byte drops it.
    Otherwise Hangul runs are repaired (short ones only with a Latin letter and unless the
    cluster is valid non-Korean UTF-8 such as `cafÃ©`), other runs only in strong clusters
    or, once the document is known to be UTF-8 read as CP1252, any valid UTF-8.
    """
    clusters = [(m.start(), m.group()) for m in _CLUSTER_RE.finditer(text)]
    best: tuple[tuple[int, int, float], list[_Reading]] | None = None
    suspects: list[tuple[str, int, int]] = []
    for utf8 in (False, True):
        readings = [_read(c, start, utf8) for start, c in clusters]
        strong = [r for r in readings if r.strong()]
        if not strong:
            suspects += [("utf8_as_cp1252" if utf8 else "cp949_as_latin1", start,
                          start + len(c)) for (start, c), r in zip(clusters, readings,
                                                                   strict=True) if r.suspicious()]
            continue
        ranks = [r.rank() for r in strong]
        rank = (sum(k[0] for k in ranks), sum(k[1] for k in ranks), sum(k[2] for k in ranks))
        if best is not None and rank == best[0]:
            return [], [("ambiguous", clusters[0][0], clusters[-1][0] + len(clusters[-1][1]))]
        if best is None or rank > best[0]:
            best = (rank, readings)
    if best is None:
        return [], suspects[:1]
    whole = not _NON_LATIN_RE.search(text)
    repairs: list[Span] = []
    garbled: list[tuple[str, int, int]] = []
    for (start, cluster), reading in zip(clusters, best[1], strict=True):
        strong = reading.strong()
        edges: set[int] = set()
        left = False  # garble left that no repair explains
        for seg in reading.segments:
            if seg.cls == "hangul" and (strong or whole or (seg.letters and not reading.latin_utf8)):
                ok = True
            else:
                # UTF-8 sequences are unambiguous once the text is known to be UTF-8 read as
                # CP1252 (`â„¢` is `™`); CP949 symbol pairs are not (`±²`)
                ok = seg.cls == "other" and (whole or strong or reading.utf8)
                left = left or ((strong or whole) and seg.cls == "junk")
            if ok:
                repairs.append(Span(seg.start, seg.end, "mojibake_repair", seg.decoded,
                                    {"kind": seg.kind}))
                edges.update((seg.start - 1, seg.end))
        # in a wholly garbled text every byte must be explained; elsewhere a letter glued to
        # a repaired run means a lost byte (a symbol such as `“` or `©` may be genuine)
        glued = {i for i in reading.breakers & edges if text[i] in _LETTERS}
        if left or glued or (reading.breakers if whole else reading.suspicious() and not strong):
            kind = reading.segments[0].kind if reading.segments else "cp949_as_latin1"
            garbled.append((kind, start, start + len(cluster)))
    if any(span.detail["kind"] == "cp949_as_cp1252" for span in repairs):
        for span in repairs:  # one CP1252-only glyph shows the whole text was read as CP1252
            span.detail["kind"] = "cp949_as_cp1252"
    return repairs, garbled


# --- UTF-8 read as CP949 ----------------------------------------------------------------


def _cp949_bytes(run: str) -> tuple[bytes, bool]:
    """`run` encoded back to CP949 (U+0080 as 0x80); False when a character has no bytes."""
    out, complete = bytearray(), True
    for ch in run:
        try:
            out += b"\x80" if ch == "\x80" else ch.encode("cp949")
        except UnicodeEncodeError:
            complete = False
            out.append(0xFF)  # never valid in UTF-8: an unexplained byte
    return bytes(out), complete


def _judge_cjk_run(run: str, start: int) -> tuple[Span | None, bool]:
    """(repair span or None, whether the run is garbled) for one UTF-8-as-CP949 suspect.

    Garbled without a repair: U+FFFD among markers (lossy), or a run whose CP949 bytes
    are mostly valid UTF-8 Hangul but not entirely (truncated, or mixed with clean text).
    Informal text with a few UHC-extension syllables (`뭥믜`, `최곸닼`) is neither.
    """
    replacement = run.count("\ufffd")
    markers = sum(1 for ch in run if ch in _patterns().markers) - replacement
    data, complete = _cp949_bytes(run)
    if complete:
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            decoded = None
        if decoded is not None:
            wide = [ch for ch in decoded if ord(ch) >= 0x80]
            hangul = sum(1 for ch in wide if "\uac00" <= ch <= "\ud7a3")
            if hangul and hangul * 2 >= len(wide):
                return Span(start, start + len(run), "mojibake_repair", decoded,
                            {"kind": "utf8_as_cp949"}), True
    if replacement:  # lossy: at least half of the run is U+FFFD or markers
        return None, markers >= 2 and (markers + replacement) * 2 >= len(run)
    if markers * 10 < 3 * len(run):
        return None, False
    units = _units_utf8(data)
    explained = sum(u.end - u.start for u in units if u.char is not None and u.end - u.start > 1)
    return None, sum(u.ks for u in units) >= 2 and explained * 2 >= len(data)


# --- the stage --------------------------------------------------------------------------


@dataclass
class MojibakeRepair(Stage):
    """Repair Korean mojibake runs in place; drop documents whose mojibake is not repairable.

    Each repaired run is an edit with reason `mojibake_repair` and detail `{"kind": ...}`;
    `metadata["mojibake_repaired"]` names the kind (comma-joined if several). Run it before
    `normalize.unicode`.
    """

    name: ClassVar[str] = "normalize.mojibake"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"mojibake"})
    description: ClassVar[str] = ("repair CP949/UTF-8 mojibake where unambiguous, "
                                  "drop documents with unrepairable mojibake")

    repair: bool = True  # false: drop every document that shows mojibake

    def setup(self) -> None:
        _patterns()
        _cp949_pairs()

    def process(self, doc: Document) -> Drop | None:
        text = doc.text
        repairs, garbled = _plan(text)
        if repairs and not garbled:
            # what one consistent pass leaves must be clean: mixed or stacked mojibake
            # (`湲곗옄` next to `ì§„ì‚¬` next to `´º½º`) is not an unambiguous repair
            fixed = _apply(text, repairs)
            again, left = _plan(fixed)
            if again or left:
                kind = (left[0][0] if left else again[0].detail["kind"])
                garbled.append((kind, repairs[0].start, repairs[-1].end))
        if garbled or (repairs and not self.repair):
            kind, a, b = garbled[0] if garbled else (repairs[0].detail["kind"], repairs[0].start,
                                                      repairs[0].end)
            share = sum(e - s for _, s, e in garbled) or sum(s.end - s.start for s in repairs)
            return Drop("mojibake", {"kind": kind, "sample": text[a:b][:40],
                                     "garbled_share": round(min(share / max(len(text), 1), 1), 4)})
        if repairs:
            doc.edit(self.name, self.version, repairs)
            doc.metadata["mojibake_repaired"] = ",".join(
                sorted({s.detail["kind"] for s in repairs}))
        return None


def _apply(text: str, spans: list[Span]) -> str:
    pieces, pos = [], 0
    for span in spans:
        pieces += [text[pos:span.start], span.replacement]
        pos = span.end
    return "".join(pieces) + text[pos:]


def _plan(text: str) -> tuple[list[Span], list[tuple[str, int, int]]]:
    """Sorted repairs, and garbled runs (kind, start, end) that no repair explains."""
    pats = _patterns()
    if not pats.gate.search(text) or not pats.suspect.search(text):
        return [], []
    repairs, garbled = _plan_latin(text)
    cjk_weak: list[Span] = []
    if not pats.markers.isdisjoint(text):
        for m in _CJK_RUN_RE.finditer(text):
            run = m.group()
            if pats.markers.isdisjoint(run):
                continue
            span, is_garbled = _judge_cjk_run(run, m.start())
            if span is not None:
                hangul = sum(1 for ch in span.replacement if "\uac00" <= ch <= "\ud7a3")
                (repairs if hangul >= 2 else cjk_weak).append(span)
            elif is_garbled:
                garbled.append(("utf8_as_cp949", m.start(), m.end()))
    if any(s.detail["kind"] == "utf8_as_cp949" for s in repairs):
        repairs += cjk_weak  # one-syllable runs only next to strong ones
    repairs.sort(key=lambda s: s.start)
    if any(a.end > b.start for a, b in pairwise(repairs)):
        garbled.append(("ambiguous", repairs[0].start, repairs[-1].end))
    return repairs, garbled
