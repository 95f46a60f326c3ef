"""The report's data: originals sample, edits mapped back onto originals, safe embedding,
stats; and clear errors on folders that are not finished runs. (The page itself is tested
in a real browser in test_report_browser.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import jeongje
from jeongje.cli import main
from jeongje.io.originals import id_rank
from jeongje.report.data import collect
from jeongje.report.html import embed_json, render, write_report
from jeongje.report.spans import EditRow, replay
from tests.helpers import TESTS, distinct_doc, write_jsonl

HOSTILE = TESTS / "data" / "hostile.jsonl"


@pytest.fixture(scope="module")
def run_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    jeongje.run([str(jeongje.sample_path()), str(HOSTILE)], out, progress=False, workers=2)
    return out


def test_small_runs_keep_every_original_and_edits_replay_to_the_kept_text(run_out):
    manifest = jeongje.read_manifest(run_out)
    assert manifest["options"]["originals"] == "auto"
    assert manifest["resolved"]["originals_per_reason"] == -1  # "auto" on a small input: everything
    originals = pq.read_table(run_out / "originals").to_pylist()
    documents = {r["id"] for r in jeongje.read_documents(run_out).to_pylist()}
    assert documents <= {r["id"] for r in originals}
    data = collect(run_out)
    assert data["browser"]["everything"] and data["browser"]["replay_problems"] == 0
    kept = [d for d in data["documents"] if d["outcome"] == "kept" and d["edits"]]
    assert len(kept) > 10
    texts = {r["id"]: r["text"] for r in jeongje.read_documents(run_out).to_pylist()}
    for d in kept:  # the final segments are exactly the kept text
        assert "".join(s[0] for s in d["final_segments"]) == texts[d["id"]]
    # news-007's dateline is removed by clean.boilerplate and shown as such on the original
    doc = next(d for d in data["documents"] if d["id"] == "news-007")
    removed = [(s[0], doc["edits"][s[1]]) for s in doc["original_segments"] if s[1] >= 0]
    assert any(text.startswith("[강릉=새누리통신]") and e["stage"] == "clean.boilerplate"
               and e["reason"] == "dateline" for text, e in removed)


def test_replay_maps_later_stages_back_onto_the_original():
    original = "AA<b>BB</b> CC 010-1234-5678"
    edits = [  # stage 1 removes the tags; stage 2 (offsets into stage 1's output) redacts
        EditRow("s1", 1, "tag", 2, 5, "", {}), EditRow("s1", 1, "tag", 7, 11, "", {}),
        EditRow("s2", 3, "pii", 8, 21, "<|PHONE|>", {"type": "PHONE"}),
        EditRow("s2", 3, "space", 4, 5, "", {}),
    ]
    edits = sorted(edits, key=lambda e: (e.stage, e.start))
    r = replay(original, edits)
    assert r.final_text == "AABBCC <|PHONE|>"
    labelled = {text: edits[k].reason for text, k in r.original if k >= 0}
    assert labelled == {"<b>": "tag", "</b>": "tag", " ": "space", "010-1234-5678": "pii"}
    assert "".join(t for t, _ in r.original) == original
    assert [t for t, k in r.final if k >= 0] == ["<|PHONE|>"]
    with pytest.raises(ValueError):
        replay("short", [EditRow("s1", 1, "x", 3, 9, "", {})])


def test_originals_sample_is_bounded_and_the_same_for_any_worker_count(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(120)]
                      + [{"id": f"short-{i}", "text": "짧다"} for i in range(30)])
    outs = []
    for workers in (1, 3):
        out = tmp_path / f"out{workers}"
        jeongje.run(str(inp), out, progress=False, workers=workers, originals=4, shard_bytes=4000)
        outs.append(out)
    a, b = (sorted(pq.read_table(o / "originals").column("id").to_pylist()) for o in outs)
    assert a == b
    ledger = {r["id"]: r for r in jeongje.read_ledger(outs[0]).to_pylist()}
    rows = pq.read_table(outs[0] / "originals").to_pylist()
    assert 0 < len(rows) < len(ledger)
    for row in rows:  # the group recorded is the record's outcome
        assert (row["outcome"], row["reason"]) == (ledger[row["id"]]["outcome"], ledger[row["id"]]["reason"])
    # each shard step's file holds, per outcome and reason, the 4 smallest id hashes of the
    # records whose outcome that step decided (the ledger file of the same name)
    for f in sorted((outs[0] / "originals").glob("*.parquet")):
        sample: dict[tuple[str, str], set[str]] = {}
        for r in pq.read_table(f).to_pylist():
            sample.setdefault((r["outcome"], r["reason"]), set()).add(r["id"])
        decided: dict[tuple[str, str], list[str]] = {}
        for r in pq.read_table(outs[0] / "ledger" / f.name).to_pylist():
            decided.setdefault((r["outcome"], r["reason"]), []).append(r["id"])
        assert set(sample) == set(decided)
        for group, ids in decided.items():
            assert sample[group] == set(sorted(ids, key=id_rank)[:4])


def test_originals_none_writes_no_originals(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(5)])
    jeongje.run(str(inp), tmp_path / "out", progress=False, originals="none")
    assert not list((tmp_path / "out" / "originals").glob("*.parquet"))
    data = collect(tmp_path / "out")
    assert data["browser"]["with_original"] == 0 and len(data["documents"]) == 5
    with pytest.raises(jeongje.ConfigError):
        jeongje.run(str(inp), tmp_path / "out2", progress=False, originals="some")  # type: ignore[arg-type]


def test_id_rank_is_stable():
    assert id_rank("news-001") == id_rank("news-001") != id_rank("news-002")
    assert id_rank("news-001") == int.from_bytes(
        __import__("hashlib").blake2b(b"news-001", digest_size=8).digest(), "big")


@pytest.mark.parametrize("hostile", ["</script><script>alert(1)</script>", "a\u2028b\u2029c", "<!--", "&amp;<>",
                                     "\ud800 lone surrogate"])
def test_embedded_json_cannot_end_its_script_block(hostile):
    text = embed_json({"text": hostile})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text)["text"] == hostile


def test_page_is_one_offline_file_with_a_strict_policy(run_out):
    path = write_report(run_out)
    assert path == run_out / "report" / "index.html" and [p.name for p in path.parent.iterdir()] == ["index.html"]
    page = path.read_text(encoding="utf-8")
    assert "http-equiv=\"Content-Security-Policy\"" in page and "default-src 'none'" in page
    assert page.count("<script") == 2 and "src=" not in page.split("<script", 1)[1].split(">", 1)[0]
    for remote in ("http://", "https://cdn", "//cdn", "<link"):
        assert remote not in page.split('id="report-data"')[0]
    assert "window.__pwned" not in page.split('id="report-data"')[0]
    # the hostile document's markup appears only escaped inside the JSON block
    data_block = page.split('<script type="application/json" id="report-data">')[1].split("</script>")[0]
    assert "<" not in data_block and "\\u003cscript\\u003e" in data_block
    assert render(collect(run_out)).count("</script>") == 2


def test_report_and_stats_on_a_folder_that_is_not_a_finished_run(tmp_path):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    r = runner.invoke(main, ["report", str(tmp_path / "empty")])
    assert r.exit_code == 2 and "holds no jeongje run" in r.output
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "_run.json").write_text("{}")
    r = runner.invoke(main, ["report", str(tmp_path / "half")])
    assert r.exit_code == 2 and "has not finished" in r.output


def test_stats_answers_the_first_questions(run_out):
    r = CliRunner().invoke(main, ["stats", str(run_out), "--top", "3"])
    assert r.exit_code == 0, r.output
    assert "top publishers by removal" in r.output and "top domains by removal" in r.output
    assert "dedup cluster sizes" in r.output and "dedup.exact" in r.output
    top = r.output.split("top publishers by removal")[1].split("top domains")[0].strip().splitlines()
    assert len(top) == 1 + 3  # header and --top rows
    # the same numbers as the ledger, by DuckDB SQL (the README's query)
    import duckdb

    expected = duckdb.sql(f"""
        SELECT coalesce(publisher, '(unknown)') AS p, count(*) AS n
        FROM read_parquet('{run_out}/ledger/*.parquet') WHERE outcome = 'dropped'
        GROUP BY ALL ORDER BY n DESC, p LIMIT 1""").fetchall()[0]
    assert top[1].split()[0] == expected[0].split()[0] and str(expected[1]) in top[1]
