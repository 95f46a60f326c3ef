"""Golden test: the bundled sample + the default recipe -> the expected ledger and edits.

After an intended behaviour change, regenerate with
    JEONGJE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
and review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import jeongje

GOLDEN = Path(__file__).parent / "golden"


def _rows(table, columns):
    rows = [{c: r[c] for c in columns} for r in table.to_pylist()]
    for r in rows:
        if "detail" in r:
            r["detail"] = json.loads(r["detail"])
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


@pytest.mark.parametrize("name, reader, columns", [
    ("sample.ledger.jsonl", jeongje.read_ledger,
     ["id", "source", "outcome", "stage", "stage_version", "reason", "detail"]),
    ("sample.edits.jsonl", jeongje.read_edits,
     ["id", "stage", "stage_version", "reason", "start", "end", "replacement"]),
])
def test_sample_with_default_recipe_matches_golden(tmp_path_factory, name, reader, columns):
    out = tmp_path_factory.getbasetemp() / "golden-run"
    if not (out / "manifest.json").exists():
        jeongje.run(str(jeongje.sample_path()), out, "korean-news", progress=False)
    got = _rows(reader(out), columns)
    path = GOLDEN / name
    if os.environ.get("JEONGJE_UPDATE_GOLDEN"):
        path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                                for r in got), encoding="utf-8")
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert got == expected
