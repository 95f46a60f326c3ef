"""The embedded sample corpus: Korean documents written by the jeongje authors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_path() -> Path:
    """Path of the bundled sample folder (JSONL files), usable as `--input`."""
    return Path(str(resources.files("jeongje") / "sample"))
