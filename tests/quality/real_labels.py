"""Real-data boilerplate labels: loading the labelled documents and scoring the cleaner.

Labels (labels/boilerplate_real.jsonl, see LABELLING.md) are ids + character offsets into
the raw field of a file under ../shared/data + kind; never the text. Scoring runs the
normaliser and the boilerplate stage and maps every removal back to raw offsets through
the normaliser's edits.
"""

from __future__ import annotations

import json
from pathlib import Path

from jeongje.record import Document, Source
from jeongje.stages.boilerplate import BoilerplateRemover
from jeongje.stages.normalize import UnicodeNormalizer

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LABELS = Path(__file__).resolve().parent / "labels" / "boilerplate_real.jsonl"
# the stage's kinds, named as the labelling guide names them
LABEL_KIND = {"caption": "photo_caption", "notice": "copyright_tail", "chrome": "page_chrome"}


def load_labels() -> list[dict]:
    with open(LABELS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def source_texts(labels: list[dict]) -> dict[tuple[str, str], str]:
    """(source, id) -> raw text, for every labelled document."""
    wanted: dict[str, set[str]] = {}
    fields: dict[str, str] = {}
    for lab in labels:
        wanted.setdefault(lab["source"], set()).add(lab["id"])
        fields[lab["source"]] = lab["field"]
    out = {}
    for source, ids in wanted.items():
        id_field = "review_id" if "nsmc" in source else "petition_idx" if "petitions" in source else "id"
        opener = open
        if source.endswith(".gz"):
            import gzip
            opener = gzip.open
        with opener(DATA / source, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                key = str(row.get(id_field))
                if key in ids:
                    out[(source, key)] = row[fields[source]]
    return out


def removals(text: str) -> list[tuple[int, int, str]]:
    """What the boilerplate stage removes from `text`, as raw offsets with its kind."""
    d = Document("x", text, Source("labels", line=1))
    d.begin_stage()
    UnicodeNormalizer().process(d)
    norm_edits = sorted(d.edits, key=lambda e: e.start)
    d.begin_stage()
    BoilerplateRemover().process(d)
    raw = _to_raw(norm_edits)
    return [(raw(e.start), raw(e.end), LABEL_KIND.get(e.reason, e.reason))
            for e in d.edits if e.stage == BoilerplateRemover.name and e.reason != "whitespace"]


def _to_raw(edits):
    """A function from offsets in the normalised text to offsets in the raw text."""
    marks = []  # (normalised start, normalised end, raw start, raw end) of each replacement
    shift = 0
    for e in edits:
        ns = e.start + shift
        marks.append((ns, ns + len(e.replacement), e.start, e.end))
        shift += len(e.replacement) - (e.end - e.start)

    def raw(p: int) -> int:
        delta = 0
        for ns, ne, rs, re_ in marks:
            if p < ns:
                break
            if p < ne:
                return rs if p == ns else re_
            delta = re_ - ne
        return p + delta
    return raw
