"""The kept documents' `metadata` as one struct column for the whole run (`--metadata
struct`, the default for Parquet), so that `row["metadata"]["press"]` works in `datasets`,
polars, DuckDB and datatrove alike.

While the run goes, documents are written with their metadata as canonical JSON text: a
batch cannot know the keys that later documents bring, and every file of a dataset must
share one schema. When every shard is done, DuckDB infers one type over the metadata of
all kept documents (`json_group_structure`: the union of the keys, objects as structs,
lists as lists, numbers and strings as themselves) and each documents part is rewritten
with the struct column. A key that a document lacks is null in it; a key whose values
disagree in type (a number here, a string there), or an object with more than `WIDE`
distinct keys (a map, not a record), stays JSON text. Field names are sorted, so the type
does not depend on the order shards finish in. Each part is rewritten atomically and a
part already of struct type is left alone: a finish that is killed resumes.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..duck import arrow_reader, arrow_table
from .layout import DOCUMENTS
from .store import Store

WIDE = 256  # distinct keys past which an object is kept as JSON text
BATCH = 8192  # documents converted at a time


def _tidy(node: Any) -> Any:
    """A DuckDB JSON structure with sorted keys, unknown types (all null, empty lists)
    and wide objects as JSON text."""
    if isinstance(node, dict):
        if not node or len(node) > WIDE:
            return "JSON"
        return {k: _tidy(node[k]) for k in sorted(node)}
    if isinstance(node, list):
        return [_tidy(node[0]) if node else "JSON"]
    return "JSON" if node in ("NULL", "JSON") else node


def _nullable(schema: pa.Schema) -> pa.Schema:
    """The schema with every field, nested ones too, nullable."""
    def kind(t: pa.DataType) -> pa.DataType:
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, kind(f.type), nullable=True) for f in t])
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pa.list_(pa.field("element", kind(t.value_type), nullable=True))
        return t
    return pa.schema([pa.field(f.name, kind(f.type), nullable=True) for f in schema])


def _is_struct(out: Store, name: str) -> bool:
    schema = pq.read_schema(out.path(name), filesystem=out.filesystem)
    return str(schema.field("metadata").type).startswith("struct")


def restructure(out: Store, memory_limit: str = "2GB") -> dict[str, Any]:
    """Rewrite the Parquet documents parts of a finished run with one struct metadata
    column; return what the manifest records (`type`, and the number of top-level fields).
    A run whose documents carry no metadata key at all keeps JSON text (a struct needs a
    field)."""
    import duckdb

    names = [f"{DOCUMENTS}/{n}" for n in out.list(DOCUMENTS, "part-*.parquet")]
    if not names:
        return {"type": "json", "fields": 0}
    done = {n for n in names if _is_struct(out, n)}
    with out.fetch(names) as paths:
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = true")  # rows stay in the order written
        parts = [f"SELECT {'to_json(metadata)' if n in done else 'metadata::JSON'} AS m "
                 f"FROM read_parquet({_sql(str(p))})" for n, p in zip(names, paths, strict=True)]
        found = con.execute(f"SELECT json_group_structure(m) FROM ({' UNION ALL '.join(parts)})").fetchall()[0][0]
        shape = _tidy(json.loads(found)) if found else "JSON"
        if not isinstance(shape, dict):
            assert not done, "struct parts were written from keys, so keys exist"
            return {"type": "json", "fields": 0}
        text = _sql(json.dumps(shape, separators=(",", ":")))
        def query(path: object) -> str:
            return f"SELECT id, text, from_json(metadata, {text}) AS metadata FROM read_parquet({_sql(str(path))})"

        schema = _nullable(arrow_table(con.sql(query(paths[0]) + " LIMIT 0")).schema)
        for name, path in zip(names, paths, strict=True):
            if name in done:
                continue
            tmp = out.staging(name)
            try:  # through Arrow: one schema for every part (DuckDB marks columns of a part
                # without nulls NOT NULL, and datasets refuses parts that differ so)
                with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                    for batch in arrow_reader(con.sql(query(path)), BATCH):
                        writer.write_table(pa.Table.from_batches([batch]).cast(schema))
                out.publish(tmp, name)
            except BaseException:
                out.discard(tmp)
                raise
        con.close()
    return {"type": "struct", "fields": len(shape)}


def _sql(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"
