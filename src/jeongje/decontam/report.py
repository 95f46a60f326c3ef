"""What a finished run found: per benchmark and per item, how many documents held it and
where (publisher, domain), from the ledger details of dropped documents and the
`contamination` metadata of kept ones (policies `tag` and `remove`). An item that stands
in two benchmarks (CLIcK and CSAT-QA share passages) is counted under each."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any


def summarise(ledger: list[dict[str, Any]], documents: list[dict[str, Any]],
              index_items: dict[str, int] | None = None) -> dict[str, Any]:
    """`ledger`: rows with id, outcome, reason, detail, publisher, domain; `documents`:
    rows with id and metadata (JSON strings as the outputs store them); `index_items`: the
    items per benchmark in the index. Returns {"benchmarks": [...], "items": [...]}."""
    where = {r["id"]: (r.get("publisher"), r.get("domain")) for r in ledger}
    found: list[tuple[str, dict[str, Any]]] = []  # (document id, evidence)
    for r in ledger:
        if r.get("reason") == "contaminated" and r.get("outcome") == "dropped":
            found.append((r["id"], json.loads(r["detail"] or "{}")))
    for d in documents:
        meta = json.loads(d["metadata"]) if isinstance(d["metadata"], str) else d["metadata"]
        if isinstance(meta, dict) and isinstance(meta.get("contamination"), dict):
            found.append((d["id"], meta["contamination"]))
    docs_per_item: dict[tuple[str, str], set[str]] = defaultdict(set)
    docs_per_bench: dict[str, set[str]] = defaultdict(set)
    unlisted: Counter[str] = Counter()
    for doc, evidence in found:
        for bench in evidence.get("benchmarks", []):
            docs_per_bench[bench].add(doc)
        listed = evidence.get("items", [])
        for m in listed:
            docs_per_item[(m["benchmark"], m["item"])].add(doc)
        if evidence.get("items_found", 0) > len(listed):
            unlisted[doc] += evidence["items_found"] - len(listed)
    items = []
    for (bench, item), docs in sorted(docs_per_item.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        publishers = Counter(where.get(d, (None, None))[0] or "(unknown)" for d in docs)
        domains = Counter(where.get(d, (None, None))[1] or "(unknown)" for d in docs)
        items.append({"benchmark": bench, "item": item, "documents": len(docs),
                      "publishers": dict(publishers.most_common(5)), "domains": dict(domains.most_common(5))})
    benchmarks = []
    for bench in sorted(set(docs_per_bench) | set(index_items or {})):
        n_found = sum(1 for i in items if i["benchmark"] == bench)
        total = (index_items or {}).get(bench)
        domains = Counter(where.get(d, (None, None))[1] or "(unknown)" for d in docs_per_bench.get(bench, ()))
        benchmarks.append({"benchmark": bench, "items_found": n_found, "items": total,
                           "documents": len(docs_per_bench.get(bench, ())),
                           "top_domains": ", ".join(f"{k} ({v})" for k, v in domains.most_common(3))})
    return {"benchmarks": benchmarks, "items": items, "documents": len({d for d, _ in found}),
            "items_not_listed": sum(unlisted.values())}
