"""Summary tables of a run, from its manifest or straight from its ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from .api import read_ledger

_ORDER = {"kept": 0, "dropped": 1, "quarantined": 2}


def manifest_rows(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    total = manifest["counts"]["records"] or 1
    return [dict(r, share=r["documents"] / total) for r in manifest["by_outcome_stage_reason"]]


def run_summary(output: Path | str, manifest: dict[str, Any], resumed: bool) -> str:
    """What `jeongje run` prints when a run finishes: counts, the outcome table, what it
    cost, warnings and where the outputs are (a Path, or the URL the run was given)."""
    from .cost import describe

    c = manifest["counts"]
    lines = ["resumed an earlier run of the same inputs and recipe"] if resumed else []
    lines.append(f"{c['records']:,} records: {c['kept']:,} kept, {c['dropped']:,} dropped, "
                 f"{c['quarantined']:,} quarantined  (conservation check passed)")
    lines.append(render_table(manifest_rows(manifest), ["outcome", "stage", "reason", "documents",
                                                        "share", "bytes_in", "bytes_out"]))
    if "cost" in manifest:
        lines.append(describe(manifest["cost"]))
    lines += [f"warning: {w['message']}" for w in manifest.get("warnings", [])]
    lines.append("outputs:")
    for label, name in [("documents", "documents"), ("ledger", "ledger"), ("edits", "edits"),
                        ("manifest", "manifest.json")]:
        where = output / name if isinstance(output, Path) else f"{output.rstrip('/')}/{name}"
        lines.append(f"  {label:<10} {where}")
    return "\n".join(lines)


def ledger_summary(output: str | Path) -> list[dict[str, Any]]:
    """Documents and bytes per (outcome, stage, reason), computed from the ledger itself."""
    ledger = read_ledger(output)
    if ledger.num_rows == 0:
        return []
    grouped = ledger.group_by(["outcome", "stage", "reason"], use_threads=False).aggregate(
        [("id", "count"), ("bytes_in", "sum"), ("bytes_out", "sum")])
    total = ledger.num_rows
    rows = []
    for r in grouped.to_pylist():
        rows.append({"outcome": r["outcome"], "stage": r["stage"] or "", "reason": r["reason"] or "",
                     "documents": r["id_count"], "share": r["id_count"] / total,
                     "bytes_in": r["bytes_in_sum"], "bytes_out": r["bytes_out_sum"]})
    rows.sort(key=lambda r: (_ORDER.get(r["outcome"], 9), -r["documents"], r["stage"], r["reason"]))
    rows.append({"outcome": "total", "stage": "", "reason": "", "documents": total, "share": 1.0,
                 "bytes_in": pc.sum(ledger["bytes_in"]).as_py(),
                 "bytes_out": pc.sum(ledger["bytes_out"]).as_py()})
    return rows


def render_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table (numbers right-aligned, shares as percentages)."""
    def fmt(col: str, v: Any) -> str:
        if v is None:
            return ""
        if col == "share":
            return f"{100 * v:.1f}%"
        if col.startswith("bytes"):
            return _human(v)
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    cells = [[fmt(c, r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = {i for i, c in enumerate(columns) if c in {"documents", "share"} or c.startswith("bytes")}
    lines = ["  ".join(c.ljust(w) if i not in numeric else c.rjust(w)
                       for i, (c, w) in enumerate(zip(columns, widths, strict=True)))]
    for row in cells:
        lines.append("  ".join(_pad(v, w, i in numeric) for i, (v, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool) -> str:
    space = " " * (width - _width(s))
    return space + s if right else s + space


def _human(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(n)


def more_stats(output: Path, top: int) -> str:
    """The questions people ask first after the outcome table (README: the same in SQL):
    top publishers and domains by removal, dedup cluster sizes; empty for an unfinished run."""
    from .io.ledger import require_finished_run
    from .report.data import by_key, cluster_sizes, connect

    if not (output / "manifest.json").is_file():
        return ""  # an unfinished run: the outcome table is all the ledger can say yet
    require_finished_run(output)
    con = connect(output)
    lines = []
    for column in ("publisher", "domain"):
        rows = [dict(r, reasons=", ".join(f"{x['why']} ({x['n']})" for x in r["reasons"][:3]))
                for r in by_key(con, column, top) if r["dropped"]]
        lines.append(f"\ntop {column}s by removal")
        lines.append(render_table([{column: r["key"], **r} for r in rows],
                                  [column, "records", "kept", "dropped", "reasons"]) if rows else "  (none)")
    clusters = cluster_sizes(con)
    lines.append("\ndedup cluster sizes")
    lines.append(render_table(clusters, ["stage", "size", "clusters", "removed"]) if clusters else "  (none)")
    return "\n".join(lines)
