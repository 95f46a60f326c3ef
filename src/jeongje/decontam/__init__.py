"""Benchmark decontamination: benchmark descriptions (`benchmarks.yaml`), Korean-robust
folding, the n-gram index and the `decontaminate` stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .benchmarks import find_files, load_benchmarks, read_items
from .index import DEFAULT_MAX_DF, DEFAULT_MIN_NGRAMS, DEFAULT_N, build_index, file_checksum


def build(paths: list[str], output: str, descriptions: list[str] | None = None,
          only: list[str] | None = None, n: int = DEFAULT_N, max_df: int = DEFAULT_MAX_DF,
          min_ngrams: int = DEFAULT_MIN_NGRAMS) -> dict[str, Any]:
    """Build an index from the benchmark files under `paths` and write it to `output`;
    return its header (per-benchmark counts, sources with checksums) and checksum."""
    from ..errors import ConfigError

    benchmarks = load_benchmarks(descriptions)
    if only:
        unknown = sorted(set(only) - set(benchmarks))
        if unknown:
            raise ConfigError(f"--only {unknown[0]}: no such benchmark; known: {', '.join(sorted(benchmarks))}")
    pairs = [(b, p) for b, p in find_files(paths, benchmarks) if not only or b.name in only]
    if not pairs:
        raise ConfigError(f"no benchmark files found under {', '.join(paths)} (known benchmarks: "
                          f"{', '.join(sorted(benchmarks))}); name a file as NAME=PATH or describe it")
    sources = [{"benchmark": b.name, "path": str(p), "blake2b_128": file_checksum(p)} for b, p in pairs]
    items = [item for b, p in pairs for item in read_items(b, p)]
    index = build_index(items, n=n, max_df=max_df, min_ngrams=min_ngrams, sources=sources)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    checksum = index.save(output)
    return {**index.header, "checksum": checksum, "ngrams": len(index.keys), "n": n}
