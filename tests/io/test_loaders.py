"""A finished output loads in the tools people already use, with the metadata of its
documents usable as fields although the keys vary per document (the bundled sample: news
with and without bylines, notices, PII, dedup clusters): Hugging Face `datasets` (the
folder itself, through the dataset card), polars, DuckDB and datatrove's readers."""

from __future__ import annotations

import json

import pytest

import jeongje

datasets = pytest.importorskip("datasets")
polars = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("loaders")
    for name, options in {"struct": {}, "json": {"metadata": "json"}, "jsonl": {"format": "jsonl"}}.items():
        jeongje.run(jeongje.sample_path(), root / name, progress=False, workers=1, **options)
    return root


def _expected(out):
    """(id -> publisher, id -> reporters) as the documents' metadata has them."""
    rows = jeongje.read_documents(out).to_pylist()
    meta = {r["id"]: (r["metadata"] if isinstance(r["metadata"], dict) else json.loads(r["metadata"])) for r in rows}
    return ({i: m.get("publisher") for i, m in meta.items()},
            {i: m.get("reporters") for i, m in meta.items()})


def test_datasets_loads_the_folder_through_its_card(outputs):
    out = outputs / "struct"
    docs = datasets.load_dataset(str(out))["train"]
    publisher, reporters = _expected(out)
    assert docs.num_rows == len(publisher) == 38
    assert {r["id"]: r["metadata"]["publisher"] for r in docs} == publisher  # a field, not JSON text
    assert any(r["metadata"]["reporters"] for r in docs)
    ledger = datasets.load_dataset(str(out), "ledger")["train"]
    assert ledger.num_rows == 76 and set(ledger.column_names) >= {"outcome", "stage", "reason", "detail"}
    assert datasets.load_dataset(str(out), "edits")["train"].num_rows > 0
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "config_name: documents" in card and "38 kept" in card
    # (JSONL documents, datatrove's shape, hold metadata objects whose keys differ from file to
    # file, which datasets' per-file schema inference refuses: the card says to use Parquet)
    assert "path: documents/part-*.jsonl" in (outputs / "jsonl" / "README.md").read_text(encoding="utf-8")


def test_polars_and_duckdb_read_metadata_fields(outputs):
    out = outputs / "struct"
    publisher, _ = _expected(out)
    frame = polars.read_parquet(str(out / "documents" / "*.parquet"))
    got = dict(zip(frame["id"], frame["metadata"].struct.field("publisher"), strict=True))
    assert got == publisher
    rows = duckdb.sql(f"SELECT id, metadata.publisher FROM read_parquet('{out}/documents/*.parquet')").fetchall()
    assert dict(rows) == publisher
    # --metadata json: DuckDB still reads the fields (->>), polars and datasets see text
    text = duckdb.sql(f"SELECT id, metadata->>'publisher' FROM read_parquet('{outputs}/json/documents/*.parquet')")
    assert dict(text.fetchall()) == publisher
    assert polars.read_parquet(str(outputs / "json" / "documents" / "*.parquet"))["metadata"].dtype == polars.String


def test_datatrove_reads_the_documents_with_their_metadata(outputs):
    readers = pytest.importorskip("datatrove.pipeline.readers")
    for name, reader in (("struct", readers.ParquetReader), ("json", readers.ParquetReader),
                         ("jsonl", readers.JsonlReader)):
        out = outputs / name
        publisher, _ = _expected(out)
        docs = list(reader(str(out / "documents"), glob_pattern="part-*", text_key="text", id_key="id").run())
        assert {d.id: d.metadata.get("publisher") for d in docs} == publisher, name
