"""Completion markers: how a run knows what is done, so that a rerun resumes.

A shard's marker (`_markers/[sS-]shard-NNNNN.json`) is written last, after every file the
shard publishes in that step, and holds the run's fingerprint and the shard's stats; a
global decision's marker (`_markers/sS-reduce.json`) is written after every shard's
decisions file. A marker of another run (another fingerprint) does not count, nor does a
shard marker whose files are not all there (the shard runs again).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .layout import MARKERS
from .store import Store


def marker_name(index: int, step: int = 0) -> str:
    """The completion marker of shard `index` in `step`."""
    prefix = f"s{step}-" if step else ""
    return f"{MARKERS}/{prefix}shard-{index:05d}.json"


def reduce_marker_name(step: int) -> str:
    """The completion marker of the global decision that ends `step`."""
    return f"{MARKERS}/s{step}-reduce.json"


class Markers:
    """The markers of one run (`fingerprint`) in the output `out`. A valid marker never
    changes, so each is read once (one request on an object store)."""

    def __init__(self, out: Store, fingerprint: str) -> None:
        self.out, self.fingerprint = out, fingerprint
        self._read: dict[str, dict[str, Any]] = {}

    def _valid(self, name: str) -> dict[str, Any] | None:
        if name not in self._read:
            marker = self.out.read_json(name)
            if not isinstance(marker, dict) or marker.get("fingerprint") != self.fingerprint:
                return None
            self._read[name] = marker
        return self._read[name]

    def shard(self, index: int, step: int) -> dict[str, Any] | None:
        """Shard `index`'s marker in `step` if it belongs to this run."""
        return self._valid(marker_name(index, step))

    def reduce(self, step: int) -> dict[str, Any] | None:
        """The marker of the global decision ending `step` if it belongs to this run."""
        return self._valid(reduce_marker_name(step))

    def write_shard(self, index: int, step: int, content: dict[str, Any]) -> None:
        self._write(marker_name(index, step), content)

    def write_reduce(self, step: int, content: dict[str, Any]) -> None:
        self._write(reduce_marker_name(step), content)

    def _write(self, name: str, content: dict[str, Any]) -> None:
        marker = {**content, "fingerprint": self.fingerprint}
        self.out.write_json(name, marker)
        self._read[name] = marker

    def pending(self, step: int, shards: dict[int, Iterable[str]]) -> list[int]:
        """The shards (index -> the files it publishes in `step`) without a valid marker
        or with one of their files missing. Each folder is listed once."""
        wanted = {i: list(files) for i, files in shards.items()}
        folders = {MARKERS} | {n.rsplit("/", 1)[0] for files in wanted.values() for n in files}
        present = {f"{f}/{name}" for f in folders for name in self.out.list(f)}
        todo = []
        for index, files in wanted.items():
            name = marker_name(index, step)
            if name not in present or self.shard(index, step) is None:
                todo.append(index)
            elif not all(f in present for f in files):
                del self._read[name]  # the shard runs again
                todo.append(index)
        return todo
