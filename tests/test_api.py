"""End-to-end runs through the real local executor: outputs, determinism, conflicts, resume."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jeongje
from jeongje.errors import ConservationError, InputError, OutputConflictError
from jeongje.io.layout import DOCUMENTS_SCHEMA, EDITS_SCHEMA, LEDGER_SCHEMA
from tests.helpers import KOREAN, korean_doc, meta, snapshot, write_jsonl


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "in"
    recs = [korean_doc(i, press="한빛뉴스") for i in range(60)]
    recs[3]["text"] = "짧은 글이다"
    recs[4]["text"] = "This is an English paragraph about the weather in Seoul. " * 4
    recs[5]["text"] = "\ufeff" + recs[5]["text"].replace("서울시는", "서울\u200b시는")
    write_jsonl(folder / "a.jsonl", recs[:30])
    lines = [json.dumps(r, ensure_ascii=False) for r in recs[30:]]
    lines.insert(5, '{"id": "bad json"')
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


BASIC = {"name": "basic", "stages": [
    {"stage": "normalize.unicode"}, {"stage": "filter.language"},
    {"stage": "filter.length", "params": {"min_chars": 100}}]}


def run(corpus, out, **kw):
    """Run a small fixed recipe (the default recipe's behaviour is pinned by the golden test)."""
    from jeongje.recipe import recipe_from_dict

    kw.setdefault("progress", False)
    kw.setdefault("recipe", recipe_from_dict(BASIC))
    return jeongje.run([str(corpus)], out, **kw)


def test_run_writes_the_output_contract(corpus, tmp_path):
    result = run(corpus, tmp_path / "out", workers=2)
    c = result.counts
    assert c == {"records": 61, "kept": 58, "dropped": 2, "quarantined": 1}
    out = tmp_path / "out"
    docs = pq.read_table(out / "documents")
    assert docs.schema.names == DOCUMENTS_SCHEMA.names and pa.types.is_struct(docs.schema.field("metadata").type)
    assert docs.column("metadata")[0].as_py()["press"] == "한빛뉴스"  # a field, not JSON text
    as_json = run(corpus, tmp_path / "as-json", workers=2, metadata="json")
    assert pq.read_table(tmp_path / "as-json" / "documents").schema.equals(DOCUMENTS_SCHEMA)
    assert as_json.manifest["documents"]["metadata"] == {"type": "json", "fields": 0}
    ledger = pq.read_table(out / "ledger")
    assert ledger.schema.equals(LEDGER_SCHEMA) and ledger.num_rows == 61
    rows = {r["id"]: r for r in ledger.to_pylist()}
    assert rows["doc-0003"]["outcome"] == "dropped" and rows["doc-0003"]["reason"] == "too_short"
    assert json.loads(rows["doc-0003"]["detail"]) == {"chars": 5, "threshold": 100}
    assert rows["doc-0004"]["reason"] == "language" and rows["doc-0004"]["stage"] == "filter.language"
    assert rows["b.jsonl:6"]["outcome"] == "quarantined"
    assert rows["b.jsonl:6"]["source"] == "b.jsonl:6"
    assert "invalid JSON" in json.loads(rows["b.jsonl:6"]["detail"])["error"]
    assert rows["doc-0000"]["source"] == "a.jsonl:1" and rows["doc-0000"]["outcome"] == "kept"
    edits = pq.read_table(out / "edits")
    assert edits.schema.equals(EDITS_SCHEMA)
    zwsp = len("\ufeff5번째 기사. 서울")
    rows = sorted((e["id"], e["reason"], e["start"], e["end"]) for e in edits.to_pylist())
    assert [r for r in rows if r[0] == "doc-0005"] == [
        ("doc-0005", "invisible_char", 0, 1), ("doc-0005", "invisible_char", zwsp, zwsp + 1)]
    # edits of dropped documents are kept too: doc-0004's trailing space
    assert [r for r in rows if r[0] != "doc-0005"] == [("doc-0004", "whitespace", 227, 228)]
    kept5 = next(d for d in docs.to_pylist() if d["id"] == "doc-0005")
    assert "\u200b" not in kept5["text"] and not kept5["text"].startswith("\ufeff")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["conservation"]["ok"] and manifest["counts"] == c
    assert manifest["stage_versions"] == {"normalize.unicode": 2, "filter.language": 2,
                                          "filter.length": 1}
    assert [i["name"] for i in manifest["inputs"]] == ["a.jsonl", "b.jsonl"]
    assert all(len(i["blake2b_128"]) == 32 and i["bytes"] > 0 for i in manifest["inputs"])
    assert set(manifest["stage_seconds"]) >= {"normalize.unicode", "filter.length", "(read+write)"}
    assert manifest["bytes"]["text_out"] < manifest["bytes"]["text_in"]


def test_outputs_load_in_duckdb_and_datasets(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out)
    con = duckdb.connect()
    kept = con.execute(f"select count(*) from read_parquet('{out}/documents/*.parquet')").fetchone()
    assert kept == (58,)
    reasons = con.execute(
        f"select outcome, reason, count(*) from read_parquet('{out}/ledger/*.parquet') "
        "group by all order by all").fetchall()
    assert reasons == [("dropped", "language", 1), ("dropped", "too_short", 1), ("kept", None, 58),
                       ("quarantined", "invalid_json", 1)]
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("parquet", data_files=str(out / "documents" / "*.parquet"),
                               split="train", cache_dir=str(tmp_path / "hf"))
    assert ds.num_rows == 58 and set(ds.column_names) == {"id", "text", "metadata"}


def test_jsonl_format_is_datatrove_shaped(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, format="jsonl")
    lines = [json.loads(x) for p in sorted((out / "documents").glob("*.jsonl"))
             for x in p.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 58 and set(lines[0]) == {"text", "id", "metadata"}
    assert lines[0]["metadata"]["press"] == "한빛뉴스"
    assert jeongje.read_documents(out).num_rows == 58


def test_output_is_identical_whatever_the_worker_count(corpus, tmp_path):
    one = run(corpus, tmp_path / "w1", workers=1, shard_bytes=2000)
    two = run(corpus, tmp_path / "w2", workers=2, shard_bytes=2000)
    assert one.manifest["shards"] > 4
    assert snapshot(tmp_path / "w1") == snapshot(tmp_path / "w2")
    for name in ("documents", "ledger", "edits"):
        files1 = sorted(p.name for p in (tmp_path / "w1" / name).iterdir())
        assert files1 == sorted(p.name for p in (tmp_path / "w2" / name).iterdir())
        for f in files1:  # byte-identical files, not only equal rows
            assert (tmp_path / "w1" / name / f).read_bytes() == (tmp_path / "w2" / name / f).read_bytes()
    assert two.manifest["counts"] == one.manifest["counts"]


def test_a_different_run_into_the_same_folder_is_refused_unless_overwrite(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out)
    again = run(corpus, out)  # same run: nothing to do, same result
    assert again.resumed and again.counts["records"] == 61
    with pytest.raises(OutputConflictError, match="holds a different run .recipe"):
        run(corpus, out, recipe=_recipe(tmp_path, min_chars=5))
    other = tmp_path / "other"
    write_jsonl(other / "x.jsonl", [korean_doc(1)])
    with pytest.raises(OutputConflictError, match="other inputs"):
        run(other, out)
    result = run(other, out, overwrite=True)
    assert result.counts["records"] == 1 and jeongje.read_ledger(out).num_rows == 1
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(OutputConflictError, match="not empty and holds no jeongje run"):
        run(corpus, stranger)


def _recipe(tmp_path, min_chars):
    path = tmp_path / f"r{min_chars}.yaml"
    path.write_text(f"name: custom\nstages:\n  - stage: filter.length\n    params: {{min_chars: {min_chars}}}\n")
    return str(path)


def test_resume_redoes_only_unfinished_shards(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, shard_bytes=2000)
    reference = snapshot(out)
    markers = sorted((out / "_markers").iterdir())
    markers[1].unlink()  # as if killed before shard 1 finished
    (out / "ledger" / "part-00002.parquet").unlink()  # marker without its file: redo too
    (out / "documents" / "part-00003.parquet.tmp").write_bytes(b"half a file")
    before = {p: p.stat().st_mtime_ns for p in (out / "ledger").iterdir()}
    result = run(corpus, out, shard_bytes=2000)
    assert result.resumed and snapshot(out) == reference
    assert not list(out.rglob("*.tmp"))
    changed = {p.name for p in (out / "ledger").iterdir() if before.get(p) != p.stat().st_mtime_ns}
    assert changed == {"part-00001.parquet", "part-00002.parquet"}


def test_duplicate_ids_across_files_fail_the_conservation_check(tmp_path):
    write_jsonl(tmp_path / "in" / "a.jsonl", [korean_doc(1), korean_doc(1)])
    write_jsonl(tmp_path / "in" / "b.jsonl", [korean_doc(1)])
    with pytest.raises(ConservationError, match="not unique .e.g. \\['doc-0001'\\]"):
        run(tmp_path / "in", tmp_path / "out")
    ledger = jeongje.read_ledger(tmp_path / "out").to_pylist()
    assert [r["reason"] for r in ledger if r["source"] == "a.jsonl:2"] == ["duplicate_id"]


def test_wrong_text_field_fails_before_processing(tmp_path):
    write_jsonl(tmp_path / "r.jsonl", [{"review": KOREAN, "review_id": "1"}])
    with pytest.raises(InputError, match="no text field 'text' .fields: review, review_id"):
        run(tmp_path / "r.jsonl", tmp_path / "out")
    result = run(tmp_path / "r.jsonl", tmp_path / "out2", text_field="review", id_field="review_id",
                 recipe=_recipe(tmp_path, min_chars=5))
    assert jeongje.read_ledger(tmp_path / "out2").column("id").to_pylist() == ["1"]
    assert result.counts["kept"] == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "id": st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8),
    "text": st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    "press": st.text(max_size=5) | st.integers(-10, 10) | st.none(),
}), max_size=12, unique_by=lambda r: r["id"]), st.sampled_from(["parquet", "jsonl", "struct"]))
def test_writers_round_trip_what_they_keep(tmp_path_factory, recs, fmt):
    """Whatever goes in comes out unchanged through the writers (a recipe that keeps all).
    A struct column keeps a key's values as they are when they share a type, and as JSON
    text when they do not (a number here, a string there); a lacking key is null."""
    from jeongje.recipe import recipe_from_dict

    folder = tmp_path_factory.mktemp("wrt")
    write_jsonl(folder / "in.jsonl", recs)
    keep_all = recipe_from_dict({"name": "keep", "stages": [
        {"stage": "filter.length", "params": {"min_chars": 0}}]})
    result = jeongje.run(str(folder / "in.jsonl"), folder / "out", keep_all, progress=False,
                         format="jsonl" if fmt == "jsonl" else "parquet",
                         metadata="struct" if fmt == "struct" else "json")
    assert result.counts["kept"] == len(recs)
    got = sorted((d["id"], d["text"], meta(d["metadata"]))
                 for d in jeongje.read_documents(folder / "out").to_pylist())
    if fmt != "struct":
        assert got == sorted((r["id"], r["text"], {"press": r["press"]}) for r in recs)
        return
    mixed = len({type(r["press"]) for r in recs if r["press"] is not None}) > 1

    def read(stored):  # JSON text for a key of mixed types (escapes as DuckDB writes them)
        return {k: json.loads(v) if mixed else v for k, v in stored.items()}

    assert sorted((i, t, read(m)) for i, t, m in got) == sorted(
        (r["id"], r["text"], {"press": r["press"]} if r["press"] is not None else {}) for r in recs)
