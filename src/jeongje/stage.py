"""The stage contract: what a stage is, what it returns, and what executors may rely on.

A stage is a dataclass whose fields are its parameters (the same names in YAML, in Python
and in the docs). It receives documents and, per document, may

* edit the text: `doc.edit(self.name, self.version, spans)` records each change as an Edit;
* annotate `doc.metadata`;
* return a `Drop(reason, detail)` whose reason is one of `reasons`.

Stages know nothing of executors, shards or files. Executors call `setup()` once per
worker and then `process_batch()` on lists of documents. What an executor needs to know
about a stage is declared on it, never probed: `batched` (it has a vectorised
`process_batch`), `resources()` (CPUs and memory it uses), and for global stages
`edits_text` (its decisions edit text) and the `BucketShuffle` contract (its decision
starts with a grouping by key that a cluster may run as a distributed shuffle).

The registry of stages by name is `jeongje.registry`; parameter checking is
`jeongje.params`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import MissingDependencyError, StageError
from .record import Decision, Document, Drop


@dataclass(frozen=True, slots=True)
class Resources:
    """What one running copy of a stage needs: CPUs (a worker process or a Ray actor per
    copy) and memory (for a global stage, the memory its decision may hold before it
    spills: DuckDB's `memory_limit`). Executors read these; stages only declare them."""

    cpus: float = 1.0
    memory: str | None = None  # a DuckDB size: "4GB", "512MB"

    def memory_bytes(self) -> int | None:
        """`memory` in bytes (None when unset); a ValueError for a size DuckDB would not take."""
        return None if self.memory is None else size_bytes(self.memory)


_UNITS = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "KI": 2**10, "MI": 2**20, "GI": 2**30, "TI": 2**40}


def size_bytes(size: str) -> int:
    """A memory size as DuckDB writes it ("4GB", "512MB", "1GiB", "2000") in bytes."""
    text = size.strip().upper().replace(" ", "").removesuffix("B")
    unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if text.endswith(u)), "")
    try:
        value = float(text[: -len(unit)] if unit else text)
    except ValueError:
        raise ValueError(f"{size!r} is not a memory size (like 4GB, 512MB or 1GiB)") from None
    if value <= 0:
        raise ValueError(f"{size!r} is not a positive memory size")
    return int(value * _UNITS.get(unit, 1))


#: The time a stage may take on one document before the runner quarantines the document
#: as `stage_timeout` (naming the stage) and goes on with the next; see `Stage.time_bound`.
STAGE_SECONDS = 5.0


class Stage(ABC):
    """Base of every stage. Subclasses are dataclasses; their fields are the parameters."""

    name: ClassVar[str]
    version: ClassVar[int]
    reasons: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = ""
    #: True for a stage that turns the whole input into another text without edits (HTML
    #: to main text): later edits refer to its output, which is also the "original" that
    #: the audit sample keeps for documents that get past it.
    replaces_text: ClassVar[bool] = False
    #: True when `process_batch` is the stage's own vectorised implementation: the runner
    #: then hands it whole batches (and, should it raise, redoes the batch one document at
    #: a time to find the bad one). False: the runner calls `process` per document.
    batched: ClassVar[bool] = False
    #: Parameters that change how much a stage uses (memory), never what it outputs: left
    #: out of a run's identity, so a run can resume with other values.
    resource_params: ClassVar[frozenset[str]] = frozenset()
    #: Modules the stage imports -> what `pip install` brings them: checked (`check`) before
    #: a run starts and where a worker sets the stage up, so that a broken installation
    #: stops the run with one error instead of failing every document.
    requires: ClassVar[dict[str, str]] = {}
    #: Drop reason -> the parameter that sets its threshold, named in the warning a run
    #: gives when one rule drops more than half of the records (`--set STAGE.PARAM=...`).
    thresholds: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class that brings its own `process_batch` without saying `batched` is taken
        to mean it (so that no override is ever skipped); `GlobalStage` does the same for
        `apply` and `edits_text`. The declarations are settled here, once per class."""
        super().__init_subclass__(**kwargs)
        if "process_batch" in cls.__dict__ and "batched" not in cls.__dict__:
            cls.batched = True

    def check(self) -> None:
        """Raise MissingDependencyError when a module in `requires` is not installed. A
        presence check (no import: workers run it at every setup); a module that is there
        but fails to import stops the run where a stage first imports it
        (`errors.environment_failure`)."""
        for module, requirement in self.requires.items():
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):  # a parent package that is missing or broken
                found = False
            if not found:
                raise MissingDependencyError(
                    f"stage {self.name} needs {module!r}, which is not installed; install it: "
                    f"pip install '{requirement}'")

    def time_bound(self) -> float:
        """Seconds this stage may spend on one document (a batched stage: on each document
        of a batch, on average) before the runner stops it there: the document becomes a
        `stage_timeout` quarantine row and the run goes on. Override for a stage with a
        time limit of its own that should act first (`extract.html`)."""
        return STAGE_SECONDS

    def setup(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Load anything expensive. Called once per worker before the first batch; it may
        be called again on the same stage and must then do nothing new."""

    @abstractmethod
    def process(self, doc: Document) -> Drop | None:
        """Edit/annotate `doc` in place; return a Drop to remove it, None to keep it."""

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        """Process a batch; one result per document, in order. Override to vectorise (and
        set `batched = True`)."""
        return [self.process(doc) for doc in docs]

    def resources(self) -> Resources:
        """What a running copy of this stage needs (one CPU, no stated memory, by default)."""
        return Resources()

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def params(self) -> dict[str, Any]:
        """The stage's parameters as plain data (for recipes and manifests)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


class GlobalStage(Stage):
    """A stage that decides across documents (deduplication), in two steps the executor
    runs: `keys(doc)` on every document that reaches the stage (map side, per shard, in
    parallel; the executor stores the rows as Parquet), then `decide(keys)` once over all
    rows (reduce side), given as a lazy `pyarrow.dataset.Dataset` so that it can stream or
    hand the rows to DuckDB instead of holding them in memory. The executor applies the
    decisions: dropped documents get a ledger row naming this stage, annotated documents
    get the metadata, and the rest of the recipe goes on. Express the reduce as a grouping
    by key so that it can run as a shuffle."""

    key_schema: ClassVar[Any]  # pyarrow schema of the rows `keys` returns (without "id")
    #: True when `apply` edits the text (from a decision's payload). False (the default
    #: `apply`): decisions only drop and annotate, so a last step with nothing else to do
    #: can finish the stored documents column by column.
    edits_text: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "apply" in cls.__dict__ and "edits_text" not in cls.__dict__:
            cls.edits_text = True  # an apply of its own may edit text: never the column finish

    def process(self, doc: Document) -> Drop | None:  # never called per document
        raise StageError(f"{self.name} is a global stage; executors call keys() and decide()")

    @abstractmethod
    def keys(self, doc: Document) -> dict[str, Any]:
        """The row this document contributes to the global decision."""

    def keys_batch(self, docs: list[Document]) -> Any:
        """Rows for a batch of documents, one per document, in order: a list of `keys`
        dicts (the default) or, cheaper to store, a `pyarrow.Table` with the `key_schema`
        columns. Override to vectorise."""
        return [self.keys(doc) for doc in docs]

    @abstractmethod
    def decide(self, keys: Any) -> Iterable[Decision]:
        """Decisions from all rows (a `pyarrow.dataset.Dataset` with an "id" column and the
        `key_schema` columns), deterministic whatever the row order. A list or, better for
        memory, a generator: the executor writes them out as they come, in any order."""

    def apply(self, doc: Document, decision: Decision) -> Drop | None:
        """Carry out a decision on its document (in the next step, per shard). The default
        adds the metadata and returns the drop; override to edit the text from `payload`
        (and set `edits_text = True`)."""
        if decision.metadata:
            doc.metadata.update(decision.metadata)
        return decision.drop


class BucketShuffle(ABC):
    """The shuffle contract of a global stage whose decision starts by grouping rows into
    buckets by key: a cluster executor may run that grouping itself (a distributed
    groupby), then hand the candidate pairs back to `decide_from_pairs`. A stage that
    declares it must also decide the same way on its own in `decide`."""

    #: the stored key columns `bucket_rows` reads (with "id")
    bucket_columns: ClassVar[tuple[str, ...]]
    #: the columns of `bucket_rows`' output that form a bucket's key
    bucket_key: ClassVar[tuple[str, ...]]

    @abstractmethod
    def bucket_rows(self, batch: Any) -> Any:
        """Map side: a table of stored rows (`bucket_columns`) -> one row per bucket
        membership, with the `bucket_key` columns and "id"."""

    @abstractmethod
    def bucket_pairs(self, group: Any) -> Any:
        """Reduce side: the rows of one bucket -> candidate pairs as a table ("id", "root")."""

    @abstractmethod
    def decide_from_pairs(self, keys: Any, pairs: list[tuple[str, str]]) -> Iterable[Decision]:
        """Decisions from the stored rows and the candidate pairs an external shuffle found."""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
