"""The `decontaminate` stage: benchmark items found in a document are tagged, removed or
the document dropped, with the benchmark, the item ids and the matched spans as evidence.

The index (`jeongje decontam index`) is named by path; its BLAKE2b checksum becomes the
stage's `index_checksum` parameter when the recipe is loaded, so it is in the manifest's
recipe and in the run's fingerprint: a resumed run refuses another index, and a worker
that finds the file changed since the run was planned stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..errors import StageError
from ..record import Document, Drop, Span
from ..stage import Stage
from .index import Index, Match, file_checksum, load_index

MAX_LISTED = 20  # items listed in one ledger detail / edit (the count is always given)
_LOADED: dict[tuple[str, str], Index] = {}  # one index per worker process, whatever the stages


@dataclass
class Decontaminator(Stage):
    """Find benchmark items in documents (see `index.py` for how) and apply `policy`:
    `tag` (metadata `contamination` only), `remove` (each matched span, widened by
    `margin` characters and then to whole words, becomes an edit with reason
    `contaminated`) or `drop` (the document, reason `contaminated`)."""

    name: ClassVar[str] = "decontaminate"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset({"contaminated"})
    description: ClassVar[str] = "benchmark items (KMMLU, KoBEST, CLIcK, ...) tagged, removed or dropped"
    batched: ClassVar[bool] = True

    index: str = ""
    index_checksum: str = ""
    policy: Literal["tag", "remove", "drop"] = "remove"
    benchmarks: list[str] | None = None
    min_coverage: float = 0.4
    min_ngrams: int = 15
    long_ngrams: int = 40
    max_gap: int = 64
    part_coverage: float = 0.8
    margin: int = 30

    def __post_init__(self) -> None:
        if not self.index:
            raise ValueError("decontaminate needs `index`: the file written by `jeongje decontam index`")
        if not Path(self.index).is_file():
            raise ValueError(f"index: {self.index} not found; build it with `jeongje decontam index BENCH... -o {self.index}`")
        for param in ("min_coverage", "part_coverage"):
            if not 0 < getattr(self, param) <= 1:
                raise ValueError(f"{param}: {getattr(self, param)} is not in (0, 1]")
        actual = file_checksum(self.index)
        if self.index_checksum and self.index_checksum != actual:
            raise ValueError(f"index: {self.index} has checksum {actual}, not the index_checksum "
                             f"{self.index_checksum} the recipe names (the index was rebuilt or replaced)")
        self.index_checksum = actual
        self._index: Index | None = None

    def setup(self) -> None:
        if self._index is not None:
            return
        key = (str(Path(self.index).resolve()), self.index_checksum)
        if key not in _LOADED:
            try:
                index = load_index(self.index)
            except (OSError, ValueError) as e:
                raise StageError(f"decontaminate: {e}") from e
            if index.checksum != self.index_checksum:
                raise StageError(f"decontaminate: {self.index} changed since the run was planned "
                                 f"(checksum {index.checksum}, expected {self.index_checksum})")
            _LOADED.clear()  # a worker keeps one index
            _LOADED[key] = index
        self._index = _LOADED[key]

    def process(self, doc: Document) -> Drop | None:
        return self.process_batch([doc])[0]

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        self.setup()
        assert self._index is not None
        found = self._index.find_many([d.text for d in docs], min_coverage=self.min_coverage,
                                      min_ngrams=self.min_ngrams, long_ngrams=self.long_ngrams,
                                      max_gap=self.max_gap, part_coverage=self.part_coverage)
        return [self._apply(doc, matches) for doc, matches in zip(docs, found, strict=True)]

    def _apply(self, doc: Document, matches: list[Match]) -> Drop | None:
        if self.benchmarks is not None:
            matches = [m for m in matches if m.benchmark in self.benchmarks]
        if not matches:
            return None
        detail = evidence(matches)
        if self.policy == "drop":
            return Drop("contaminated", detail)
        doc.metadata["contamination"] = detail
        if self.policy == "remove":
            spans = [Span(a, b, "contaminated", "", {"benchmarks": sorted({m.benchmark for m in ms}),
                                                      "items": [[m.benchmark, m.item] for m in ms[:MAX_LISTED]],
                                                      "items_found": len(ms)})
                     for a, b, ms in widen(doc.text, matches, self.margin)]
            doc.edit(self.name, self.version, spans)
        return None


def evidence(matches: list[Match]) -> dict[str, Any]:
    """The ledger detail / metadata of a document's matches."""
    return {"benchmarks": sorted({m.benchmark for m in matches}), "items_found": len(matches),
            "items": [m.to_dict() for m in matches[:MAX_LISTED]]}


def widen(text: str, matches: list[Match], margin: int) -> list[tuple[int, int, list[Match]]]:
    """The matched spans, each widened by `margin` characters and then to whole words,
    merged where they touch, with the matches each one holds."""
    spans = []
    for m in matches:
        for a, b in m.spans:
            a, b = max(0, a - margin), min(len(text), b + margin)
            while a > 0 and not text[a - 1].isspace():
                a -= 1
            while b < len(text) and not text[b].isspace():
                b += 1
            spans.append((a, b, m))
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[tuple[int, int, list[Match]]] = []
    for a, b, m in spans:
        if merged and a <= merged[-1][1]:
            lo, hi, ms = merged[-1]
            merged[-1] = (lo, max(hi, b), ms if m in ms else [*ms, m])
        else:
            merged.append((a, b, [m]))
    return merged
