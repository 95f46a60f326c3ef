"""Mergeable run statistics. `a + b` is associative, so shards can be merged in any order."""

from __future__ import annotations

import resource
import sys
from dataclasses import dataclass, field
from typing import Any


def peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class Stats:
    """Counts per (outcome, stage, reason), byte totals and per-stage time."""

    records: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    # "outcome|stage|reason" -> [documents, bytes_in, bytes_out]
    outcomes: dict[str, list[int]] = field(default_factory=dict)
    # stage name -> [wall seconds, cpu seconds, documents seen]
    stage_time: dict[str, list[float]] = field(default_factory=dict)
    # stage name -> reason -> number of edits
    edits: dict[str, dict[str, int]] = field(default_factory=dict)
    # input records that are not documents (WARC requests, non-HTML payloads), per kind
    skipped: dict[str, int] = field(default_factory=dict)
    # the largest peak resident memory (bytes) of a process that did this work
    peak_rss: int = 0

    def count(self, outcome: str, stage: str, reason: str, bytes_in: int, bytes_out: int,
              records: int = 1) -> None:
        """`records` records (one by default) with this outcome, and their bytes."""
        key = f"{outcome}|{stage}|{reason}"
        slot = self.outcomes.setdefault(key, [0, 0, 0])
        slot[0] += records
        slot[1] += bytes_in
        slot[2] += bytes_out
        self.records += records
        self.bytes_in += bytes_in
        self.bytes_out += bytes_out

    def timed(self, stage: str, wall: float, cpu: float, docs: int) -> None:
        slot = self.stage_time.setdefault(stage, [0.0, 0.0, 0])
        slot[0] += wall
        slot[1] += cpu
        slot[2] += docs

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def edited(self, stage: str, reason: str, edits: int = 1) -> None:
        per = self.edits.setdefault(stage, {})
        per[reason] = per.get(reason, 0) + edits

    def __add__(self, other: Stats) -> Stats:
        out = Stats(self.records + other.records,
                    self.bytes_in + other.bytes_in, self.bytes_out + other.bytes_out,
                    peak_rss=max(self.peak_rss, other.peak_rss))
        for src in (self, other):
            for k, v in src.outcomes.items():
                slot = out.outcomes.setdefault(k, [0, 0, 0])
                for i in range(3):
                    slot[i] += v[i]
            for k, t in src.stage_time.items():
                tslot = out.stage_time.setdefault(k, [0.0, 0.0, 0])
                for i in range(3):
                    tslot[i] += t[i]
            for k, per in src.edits.items():
                eslot = out.edits.setdefault(k, {})
                for r, n in per.items():
                    eslot[r] = eslot.get(r, 0) + n
            for k, n in src.skipped.items():
                out.skipped[k] = out.skipped.get(k, 0) + n
        return out

    def by_outcome(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for key, (n, _, _) in self.outcomes.items():
            outcome = key.split("|", 1)[0]
            totals[outcome] = totals.get(outcome, 0) + n
        return totals

    def rows(self) -> list[dict[str, Any]]:
        """One row per (outcome, stage, reason), sorted by outcome then count."""
        rows = []
        for key, (n, b_in, b_out) in self.outcomes.items():
            outcome, stage, reason = key.split("|", 2)
            rows.append({"outcome": outcome, "stage": stage, "reason": reason,
                         "documents": n, "bytes_in": b_in, "bytes_out": b_out})
        order = {"kept": 0, "dropped": 1, "quarantined": 2}
        rows.sort(key=lambda r: (order.get(r["outcome"], 9), -r["documents"], r["stage"], r["reason"]))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "bytes_in": self.bytes_in,
                "bytes_out": self.bytes_out, "outcomes": self.outcomes,
                "stage_time": self.stage_time, "edits": self.edits, "skipped": self.skipped,
                "peak_rss": self.peak_rss}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Stats:
        return cls(d["records"], d["bytes_in"], d["bytes_out"],
                   {k: list(v) for k, v in d["outcomes"].items()},
                   {k: list(v) for k, v in d["stage_time"].items()},
                   {k: dict(v) for k, v in d.get("edits", {}).items()},
                   dict(d.get("skipped", {})), int(d.get("peak_rss", 0)))
