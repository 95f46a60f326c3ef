"""The DuckDB connection a global dedup stage decides in."""

from __future__ import annotations

import tempfile
from typing import Any


def connect(keys: Any, memory_limit: str) -> Any:
    """An in-memory DuckDB with the stored key rows registered as `keys`; past
    `memory_limit` it spills to a folder under the system temp directory."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/jeongje-duckdb'")
    con.execute("SET preserve_insertion_order = false")
    con.register("keys", keys)
    return con
