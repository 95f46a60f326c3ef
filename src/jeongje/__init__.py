"""jeongje (정제): a Korean text-data refinery.

    >>> import jeongje
    >>> result = jeongje.run("raw/*.jsonl.gz", "out", recipe="korean-news")
    >>> result.counts
    >>> jeongje.read_ledger("out").to_pandas()

Importing the package loads nothing heavy; executors and extras load on use.
"""

from __future__ import annotations

from .errors import (  # noqa: E402
    ConfigError,
    ConservationError,
    InputError,
    JeongjeError,
    MissingDependencyError,
    OutputConflictError,
    StageError,
)
from .record import Document, Drop, Edit, Source, Span  # noqa: E402
from .version import __version__

__all__ = [
    "ConfigError", "ConservationError", "Document", "Drop", "Edit", "InputError",
    "JeongjeError", "MissingDependencyError", "OutputConflictError", "Source", "Span",
    "StageError", "__version__", "load_recipe", "read_documents", "read_edits",
    "read_ledger", "read_manifest", "run", "sample_path",
]


def __getattr__(name: str):  # lazy: keep `import jeongje` light (no pyarrow until used)
    if name in {"run", "read_documents", "read_edits", "read_ledger", "read_manifest", "RunResult"}:
        from . import api

        return getattr(api, name)
    if name == "load_recipe":
        from .recipe import load_recipe

        return load_recipe
    if name == "sample_path":
        from .sample import sample_path

        return sample_path
    raise AttributeError(f"module 'jeongje' has no attribute {name!r}")
