"""The texts of the labelled korean-web decisions (cases/web_decisions.jsonl: corpus, id,
decision, reason, label, never text), read from ../shared/data, and korean-web's
per-document decision on each."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from jeongje.recipe import load_recipe
from jeongje.record import Document, Source

# The per-document stages whose keep/drop the sample labels (dedup is decided across
# documents, rights by tests/quality/test_gate_rights_boilerplate.py).
PER_DOC = ["normalize.unicode", "filter.language", "clean.repetition", "filter.spam", "filter.length",
           "filter.repetition", "filter.quality"]


def texts(shared: Path, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(corpus, id) -> text for the wanted ids."""
    out: dict[tuple[str, str], str] = {}

    def take(corpus: str, id_: object, text: str) -> None:
        if (corpus, str(id_)) in wanted:
            out[(corpus, str(id_))] = text

    for path in sorted((shared / "ko-reviews-nsmc").glob("reviews-*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                take("nsmc", d["review_id"], d["review"])
    for path in sorted((shared / "ko-petitions").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            take("petitions", d["petition_idx"], d["content"])
    for path in sorted((shared / "ko-web").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            take("ko-web", d["id"], d["text"])
    for line in (shared / "ko-news-2019" / "articles.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        take("news", d["id"], d["body"])
    return out


def deciders(recipe: str = "korean-web") -> list:
    stages = {s.name: s for s in load_recipe(recipe).stages}
    return [stages[n] for n in PER_DOC]


def decide(stages: list, text: str) -> str:
    """'' for kept, else 'stage:reason'."""
    doc = Document(id="x", text=text, source=Source("sample.jsonl", 1), metadata={})
    for stage in stages:
        doc.begin_stage()
        drop = stage.process(doc)
        if drop:
            return f"{stage.name}:{drop.reason}"
    return ""
