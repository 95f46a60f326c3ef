"""Compare two finished jeongje outputs: are they the same run result, byte for byte?

    python bench/same_output.py OUT_A OUT_B [OUT_A2 OUT_B2 ...]

For each pair, every file under documents/, ledger/, edits/ and originals/ is compared
byte for byte (and, where the bytes differ, as Arrow tables, to say whether only the file
encoding changed); the manifests are compared with the fields that measure time, the
machine or the run's identity left out. Prints one line per pair and exits 1 when any
pair differs. Used to show that a refactoring changed no output.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

FOLDERS = ("documents", "ledger", "edits", "originals")
# manifest fields that change from run to run without the output changing
VOLATILE = {"finished_at", "wall_seconds", "stage_seconds", "fingerprint", "inputs", "options", "resolved"}


def _digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _files(out: Path) -> dict[str, Path]:
    return {str(p.relative_to(out)): p for folder in FOLDERS if (out / folder).is_dir()
            for p in sorted((out / folder).iterdir()) if p.is_file()}


def _same_table(a: Path, b: Path) -> bool:
    if a.suffix != ".parquet":
        return False
    import pyarrow.parquet as pq

    return pq.read_table(a).equals(pq.read_table(b))


def _manifest(out: Path) -> dict[str, Any]:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in VOLATILE}


def compare(a: Path, b: Path) -> list[str]:
    """The differences between two outputs (empty when they are the same)."""
    problems: list[str] = []
    fa, fb = _files(a), _files(b)
    for name in sorted(set(fa) ^ set(fb)):
        problems.append(f"{name}: only in {a if name in fa else b}")
    same_bytes = 0
    for name in sorted(set(fa) & set(fb)):
        if _digest(fa[name]) == _digest(fb[name]):
            same_bytes += 1
        elif _same_table(fa[name], fb[name]):
            problems.append(f"{name}: same rows, other bytes")
        else:
            problems.append(f"{name}: different content")
    ma, mb = _manifest(a), _manifest(b)
    for key in sorted(set(ma) | set(mb)):
        if ma.get(key) != mb.get(key):
            problems.append(f"manifest.json: {key} differs")
    if not problems:
        problems_none = f"{same_bytes} files byte-identical, manifest equal"
        print(f"same  {a} {b}: {problems_none}")
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for a, b in zip(argv[0::2], argv[1::2], strict=True):
        problems = compare(Path(a), Path(b))
        if problems:
            failed += 1
            print(f"DIFF  {a} {b}:")
            for p in problems[:20]:
                print(f"      {p}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
