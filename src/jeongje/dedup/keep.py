"""The one keep rule of every dedup stage: which member of a cluster stays."""

from __future__ import annotations

from typing import Any, Literal

from ..record import Document

KeepRule = Literal["earliest", "longest", "smallest_id"]
DEFAULT_KEEP: list[KeepRule] = ["earliest", "longest", "smallest_id"]


def keep_order(rules: list[KeepRule], doc_id: str, length: int, date: str | None) -> tuple[Any, ...]:
    """Sort key: the smallest key is kept. `earliest` puts undated documents last; the id
    always breaks the remaining ties, so the choice never depends on input order."""
    key: list[Any] = []
    for rule in rules:
        if rule == "earliest":
            key.append((date is None, date or ""))
        elif rule == "longest":
            key.append(-length)
    key.append(doc_id)
    return tuple(key)


def keep_sql(rules: list[KeepRule]) -> str:
    """`keep_order` as a SQL ORDER BY list over columns id, length and date (DuckDB
    compares strings by code point, as Python does)."""
    terms: list[str] = []
    for rule in rules:
        if rule == "earliest":
            terms += ["(date IS NULL)", "coalesce(date, '')"]
        elif rule == "longest":
            terms.append("length DESC")
    return ", ".join([*terms, "id"])


def document_date(doc: Document, fields: list[str]) -> str | None:
    return next((str(doc.metadata[f]) for f in fields if doc.metadata.get(f)), None)
