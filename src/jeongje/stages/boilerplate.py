"""Boilerplate to metadata: remove what the publisher's page added, keep what it says.

Datelines, bylines and reporter e-mails, photo captions, promo and related-article lines,
UI prompts, auto-written-article and tip-off notices, broadcast markers, 송고 stamps and
copyright tails are removed from the text (each an edit with its kind as reason). What
they state moves to metadata: `publisher`, `reporters`, `dateline_city`, `notices`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ..korean.boilerplate import find_boilerplate
from ..korean.notices import find_notices
from ..record import Document, Drop, Span
from ..stage import Stage

KINDS = ("dateline", "byline", "caption", "promo", "auto_notice", "footer", "tip_off",
         "timestamp", "broadcast", "signoff", "credits", "notice", "photo_credit", "chrome", "signature")
_SPACE = " \t"


@dataclass
class BoilerplateRemover(Stage):
    """Remove Korean news boilerplate and move the facts it states to metadata."""

    name: ClassVar[str] = "clean.boilerplate"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "datelines, bylines, captions, promos, notices -> metadata"

    kinds: list[str] = field(default_factory=lambda: list(KINDS))
    max_notices_kept: int = 3

    def __post_init__(self) -> None:
        bad = sorted(set(self.kinds) - set(KINDS))
        if bad:
            raise ValueError(f"kinds: unknown kind {bad[0]!r}; valid: {', '.join(KINDS)}")

    def process(self, doc: Document) -> Drop | None:
        self._pass(doc)
        tidy = _tidy(doc.text)
        if tidy:
            doc.edit(self.name, self.version, tidy)
            _keep_kinds(doc)
        return None

    def _pass(self, doc: Document) -> bool:
        text = doc.text
        found: list[tuple[int, int, str, dict[str, Any]]] = [
            (b.start, b.end, b.kind, b.facts) for b in find_boilerplate(text) if b.kind in self.kinds]
        notices = find_notices(text) if "notice" in self.kinds else []
        found += [(n.start, n.end, "notice", {"publisher": n.publisher} if n.publisher else {})
                  for n in notices]
        if not found:
            return False
        merged = _merge(found)
        spans = [Span(*_with_space(text, s, e), kind,
                      detail={"kinds": facts["kinds"]} if len(facts.get("kinds", ())) > 1 else {})
                 for s, e, kind, facts in merged]
        _metadata(doc.metadata, merged, notices, text, self.max_notices_kept)
        doc.edit(self.name, self.version, _disjoint(spans))
        return True


def _keep_kinds(doc: Document) -> None:
    """A removal merged with the whitespace fix after it keeps its kind as the reason (the
    fix's reason would hide it) and lists every kind it merged."""
    for i in range(doc.stage_mark, len(doc.edits)):
        e = doc.edits[i]
        kinds = [k for k in e.detail.get("merged_with", ()) if k in KINDS]
        if e.reason == "whitespace" and kinds:
            detail = {k: v for k, v in e.detail.items() if k != "merged_with"}
            for k in e.detail.get("kinds", ()):
                kinds += [k] * (k not in kinds)
            doc.edits[i] = replace(e, reason=kinds[0], detail={**detail, "kinds": kinds} if len(kinds) > 1 else detail)


def _merge(found: list[tuple[int, int, str, dict[str, Any]]]) -> list[tuple[int, int, str, dict[str, Any]]]:
    # a notice wins a tie with the span a rule found at the same place (a tail block that is
    # only the copyright line stays a notice)
    found.sort(key=lambda f: (f[0], -(f[1] - f[0]), f[2] != "notice"))
    out: list[tuple[int, int, str, dict[str, Any]]] = []
    for s, e, kind, facts in found:
        if out and s < out[-1][1]:
            ps, pe, pkind, pfacts = out[-1]
            kinds = pfacts.get("kinds", [pkind])
            merged = {**facts, **pfacts, "kinds": kinds + [kind] * (kind not in kinds)}
            out[-1] = (ps, max(pe, e), pkind, merged)
        else:
            out.append((s, e, kind, facts))
    return out


def _with_space(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a removal over the whitespace it would leave doubled or dangling."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if not text[line_start:start].strip(_SPACE) and not text[end:line_end].strip(_SPACE):
        # the span is a whole line: remove the line and its newline
        if line_end < len(text):
            return line_start, line_end + 1
        return (line_start - 1 if line_start > 0 else line_start), line_end
    if start > 0 and text[start - 1] in _SPACE and (end == len(text) or text[end] in _SPACE + "\n"):
        s = start
        while s > line_start and text[s - 1] in _SPACE:
            s -= 1
        return s, end
    if start == line_start:
        e = end
        while e < len(text) and text[e] in _SPACE:
            e += 1
        return start, e
    return start, end


def _disjoint(spans: list[Span]) -> list[Span]:
    spans.sort(key=lambda s: (s.start, s.end))
    out: list[Span] = []
    for s in spans:
        if out and s.start < out[-1].end:
            out[-1].end = max(out[-1].end, s.end)
        else:
            out.append(s)
    return out


_TIDY = re.compile(r"[ \t]*\n[ \t\n]*\n[ \t]*\n[ \t\n]*|(?<=\S)[ \t]{2,}(?=\S)")


def _tidy(text: str) -> list[Span]:
    """Whitespace left behind by removals: 3+ line breaks -> a paragraph break, runs of
    spaces -> one, nothing at either end of the text."""
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    spans = [Span(0, lead, "whitespace")] if lead else []
    inner = ("  " in text or "\t" in text or "\n\n\n" in text or "\n \n" in text
             or "\n\n \n" in text or "\n \n\n" in text)
    for m in _TIDY.finditer(text, lead, trail) if inner else ():
        replacement = "\n\n" if "\n" in m.group() else " "
        if m.group() != replacement:
            spans.append(Span(m.start(), m.end(), "whitespace", replacement))
    if trail < len(text) and trail >= lead:
        spans.append(Span(trail, len(text), "whitespace"))
    return spans


def _metadata(meta: dict[str, Any], merged: list[tuple[int, int, str, dict[str, Any]]],
              notices: list[Any], text: str, keep: int) -> None:
    reporters: list[str] = []
    photo_credits: list[str] = []
    counts: dict[str, int] = {}
    for _, _, kind, facts in merged:
        counts[kind] = counts.get(kind, 0) + 1
        for name in facts.get("photo_credits", []):
            if name not in photo_credits:
                photo_credits.append(name)
        if kind == "photo_credit":
            continue  # a photographer is credited for the picture, not as the story's reporter
        if kind == "caption":
            continue  # a caption's own dateline names the photographer's story, not this one
        for name in facts.get("reporters", []):
            if name not in reporters:
                reporters.append(name)
        if "dateline_city" in facts and "dateline_city" not in meta:
            meta["dateline_city"] = facts["dateline_city"]
        if facts.get("publisher") and "publisher_from_text" not in meta:
            meta["publisher_from_text"] = facts["publisher"]
    if reporters:
        meta["reporters"] = meta.get("reporters", []) + [r for r in reporters
                                                          if r not in meta.get("reporters", [])]
    if photo_credits:
        meta["photo_credits"] = meta.get("photo_credits", []) + [c for c in photo_credits
                                                                  if c not in meta.get("photo_credits", [])]
    if notices:
        meta["notices"] = (meta.get("notices", []) + [n.text for n in notices])[:keep]
    total = meta.setdefault("boilerplate", {})
    for kind, n in counts.items():
        total[kind] = total.get(kind, 0) + n
