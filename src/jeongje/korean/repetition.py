"""Scraper doubling: a block of sentences repeated verbatim right after itself.

`find_repeats` returns the spans to delete so that only the first copy of each block
remains. A block is at least `min_sentences` sentence units or at least `min_chars`
characters and starts and ends on unit boundaries (`korean.sentences`); the copy must
follow immediately, joined only by whitespace, and is removed together with that
whitespace. Works with paragraph breaks and with bodies flattened to one line.
"""

from __future__ import annotations

from .sentences import sentence_spans

MAX_UNITS = 4000  # longer documents are checked on their first MAX_UNITS units


def find_repeats(text: str, min_sentences: int = 2, min_chars: int = 60,
                 far_min_sentences: int = 2, far_min_chars: int = 100
                 ) -> list[tuple[int, int, int, int]]:
    """(delete_start, delete_end, first_start, first_end) for each removed copy, in order.

    Adjacent copies are removed from `min_sentences` sentences or `min_chars` characters.
    A copy further away (paragraphs 2-4 caught again after paragraph 5) is removed when it
    has at least `far_min_sentences` sentences and `far_min_chars` characters; shorter
    distant repeats (a refrain, a quote said twice) stay.
    """
    spans = sentence_spans(text)[:MAX_UNITS]
    keys = [text[s:e] for s, e in spans]
    ids: dict[str, int] = {}
    seq = [ids.setdefault(k, len(ids)) for k in keys]
    if len(ids) == len(seq):
        return []  # no unit occurs twice, so no block can
    alive = list(range(len(seq)))  # indices into spans of units not yet deleted
    removed: list[tuple[int, int, int, int]] = []
    changed = True
    while changed:  # to a fixed point, so that repairing twice changes nothing
        changed = False
        p = 0
        while p < len(alive):
            length = _longest_repeat_at(p, alive, seq, spans, min_sentences, min_chars)
            if length is None:
                p += 1
                continue
            first_last = alive[p + length - 1]
            copy_last = alive[p + 2 * length - 1]
            removed.append((spans[first_last][1], spans[copy_last][1],
                            spans[alive[p]][0], spans[first_last][1]))
            del alive[p + length : p + 2 * length]
            changed = True  # stay at p: the block may repeat again (triple copies)
        changed |= _far_repeats(alive, seq, spans, far_min_sentences, far_min_chars, removed)
    return _coalesce(removed)


def _far_repeats(alive: list[int], seq: list[int], spans: list[tuple[int, int]],
                 min_sentences: int, min_chars: int,
                 removed: list[tuple[int, int, int, int]]) -> bool:
    """Delete later copies of a run of units that appeared earlier (not adjacent) from
    `alive`, appending them to `removed`; return whether anything was deleted."""
    where: dict[int, list[int]] = {}
    found = False
    q = 0
    while q < len(alive):
        best_len, best_p = 0, -1
        for p in where.get(seq[alive[q]], []):
            n = 0
            while q + n < len(alive) and p + n < q and seq[alive[p + n]] == seq[alive[q + n]]:
                n += 1
            if n > best_len:
                best_len, best_p = n, p
        if best_len >= min_sentences and q > 0:
            chars = spans[alive[q + best_len - 1]][1] - spans[alive[q]][0]
            if chars >= min_chars:
                removed.append((spans[alive[q - 1]][1], spans[alive[q + best_len - 1]][1],
                                spans[alive[best_p]][0], spans[alive[best_p + best_len - 1]][1]))
                del alive[q : q + best_len]
                found = True
                continue
        where.setdefault(seq[alive[q]], []).append(q)
        q += 1
    return found


def _longest_repeat_at(p: int, alive: list[int], seq: list[int], spans: list[tuple[int, int]],
                       min_sentences: int, min_chars: int) -> int | None:
    first = seq[alive[p]]
    best = None
    for q in range(p + 1, len(alive)):
        if seq[alive[q]] != first:
            continue
        length = q - p
        if q + length > len(alive):
            break
        if all(seq[alive[p + k]] == seq[alive[q + k]] for k in range(length)):
            chars = spans[alive[q - 1]][1] - spans[alive[p]][0]
            if length >= min_sentences or chars >= min_chars:
                best = length
    return best


def _coalesce(removed: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Merge deletions that touch (a triple copy removed in two steps) and sort them."""
    removed.sort()
    out: list[tuple[int, int, int, int]] = []
    for r in removed:
        if out and r[0] <= out[-1][1]:
            prev = out[-1]
            out[-1] = (prev[0], max(prev[1], r[1]), prev[2], prev[3])
        else:
            out.append(r)
    return out
