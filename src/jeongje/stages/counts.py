"""Word and character counts of Korean text for the filters, a whole batch at a time.

Words are whitespace eojeol (`str.split()`). The counts run over the code points of a
batch of texts joined together, classified once per code point in numpy (no per-character
Python loop), and give the same numbers as the regexes and `str` methods that define them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np


def rounded(x: float) -> float:
    return round(x, 4)  # measured values in ledger details


def check_fractions(stage: Any, *labels: str) -> None:
    """A stage's parameters that must be shares within 0..1 (a ValueError names the first
    that is not)."""
    for label in labels:
        if not 0 <= getattr(stage, label) <= 1:
            raise ValueError(f"{label} must be within 0..1")


# Words made only of punctuation/symbols (Gopher's "symbol words"), and words with no letter
# at all (digits, symbols). `\w` minus digits and underscore is "a letter" in any script, so
# Hangul and Hanja count as alphabetic, as Gopher's `str.isalpha` test does.
_SYMBOL_WORD = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")
_NON_ALPHA_WORD = re.compile(r"(?<!\S)(?:[^\w\s]|[\d_])+(?!\S)")


@functools.cache
def _char_classes() -> np.ndarray:
    """The class of every BMP code point for the word rules, as `re` sees it: 0 whitespace
    (`\\s`), 1 letter (`\\w` but not `\\d` or `_`), 2 digit or `_`, 3 anything else."""
    table = np.full(0x10001, 3, dtype=np.uint8)  # [0x10000]: beyond the BMP (counted apart)
    for point in range(0x10000):
        ch = chr(point)
        if ch.isspace():
            table[point] = 0
        elif ch == "_" or ch.isdecimal():
            table[point] = 2
        elif ch.isalnum():
            table[point] = 1
    return table


_BATCH_CHARS = 1 << 20


def _in_chunks(count: Callable[[list[str]], list[Any]], texts: list[str]) -> list[Any]:
    """`count(texts)` over chunks of about a million characters (bounded arrays)."""
    if sum(map(len, texts)) > _BATCH_CHARS and len(texts) > 1:
        half = len(texts) // 2
        return _in_chunks(count, texts[:half]) + _in_chunks(count, texts[half:])
    return count(texts) if texts else []


def _classes(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code points, their `_char_classes`, each text's first offset) of the texts joined by
    "\n", which keeps a word from spanning two texts."""
    points = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    sizes = np.array([len(t) + 1 for t in texts])
    return points, _char_classes()[np.minimum(points, 0x10000)], np.cumsum(sizes) - sizes


def nonspace_counts(texts: list[str]) -> list[int]:
    """Characters that are not whitespace (`str.isspace`) in each text, for a whole batch
    at once over code points in numpy; the same counts as `len("".join(text.split()))`."""
    return _in_chunks(_nonspace_counts, texts)


def _nonspace_counts(texts: list[str]) -> list[int]:
    _, classes, starts = _classes(texts)
    solid = np.append(classes != 0, False).astype(np.int64)  # the appended 0: an empty last text
    return [int(c) for c in np.add.reduceat(solid, starts)]


def word_classes(texts: list[str]) -> list[tuple[int, int, int]]:
    """(symbol words, characters in them, words without a letter) of each text's whitespace
    words: what `_SYMBOL_WORD` and `_NON_ALPHA_WORD` find, counted for a whole batch of texts
    at once over code points in numpy (the regexes, whose lookbehind is tried at every
    position, run only for the rare text with characters beyond the BMP)."""
    return _in_chunks(_word_classes, texts)


def _word_classes(texts: list[str]) -> list[tuple[int, int, int]]:
    points, classes, offsets = _classes(texts)
    solid = classes != 0
    edge = np.zeros(solid.size + 1, dtype=bool)  # solid[i] != solid[i - 1]
    edge[1:-1] = solid[1:] != solid[:-1]
    edge[0], edge[-1] = solid[:1].any(), solid[-1:].any()
    bounds = np.flatnonzero(edge)
    starts, ends = bounds[0::2], bounds[1::2]
    letters = np.concatenate(([0], np.cumsum(classes == 1)))
    word_chars = np.concatenate(([0], np.cumsum((classes == 1) | (classes == 2))))
    letters = letters[ends] - letters[starts]
    word_chars = word_chars[ends] - word_chars[starts]
    doc = np.searchsorted(offsets, starts, side="right") - 1
    symbol = word_chars == 0
    n_symbols = np.bincount(doc[symbol], minlength=len(texts)).tolist()
    symbol_chars = np.bincount(doc[symbol], weights=(ends - starts)[symbol], minlength=len(texts)).tolist()
    non_alpha = np.bincount(doc[letters == 0], minlength=len(texts)).tolist()
    out = [(n_symbols[i], int(symbol_chars[i]), non_alpha[i]) for i in range(len(texts))]
    beyond = np.flatnonzero(points > 0xFFFF)
    for i in set((np.searchsorted(offsets, beyond, side="right") - 1).tolist()):
        symbols = _SYMBOL_WORD.findall(texts[i])
        out[i] = len(symbols), sum(map(len, symbols)), len(_NON_ALPHA_WORD.findall(texts[i]))
    return out


def syllable_counts(texts: list[str]) -> list[int]:
    """Hangul syllable blocks (U+AC00..U+D7A3) in each text, a whole batch at once."""
    return _in_chunks(_syllable_counts, texts)


def _syllable_counts(texts: list[str]) -> list[int]:
    points, _, starts = _classes(texts)
    hangul = np.append((points >= 0xAC00) & (points <= 0xD7A3), False).astype(np.int64)
    return [int(c) for c in np.add.reduceat(hangul, starts)]
