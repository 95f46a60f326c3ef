"""The stage contract and the stage registry.

A stage is a dataclass whose fields are its parameters (the same names in YAML, in Python
and in the docs). It receives documents and, per document, may

* edit the text: `doc.edit(self.name, self.version, spans)` records each change as an Edit;
* annotate `doc.metadata`;
* return a `Drop(reason, detail)` whose reason is one of `reasons`.

Stages know nothing of executors, shards or files. Executors call `setup()` once per
worker and then `process_batch()` on lists of documents.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args, get_origin

from .errors import ConfigError, StageError
from .record import Document, Drop

_REGISTRY: dict[str, type[Stage]] = {}


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
    #: Parameters that change how much a stage uses (memory), never what it outputs: left
    #: out of a run's identity, so a run can resume with other values.
    resource_params: ClassVar[frozenset[str]] = frozenset()

    def setup(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Load anything expensive. Called once per worker before the first batch."""

    @abstractmethod
    def process(self, doc: Document) -> Drop | None:
        """Edit/annotate `doc` in place; return a Drop to remove it, None to keep it."""

    def process_batch(self, docs: list[Document]) -> list[Drop | None]:
        """Process a batch; one result per document, in order. Override to vectorise."""
        return [self.process(doc) for doc in docs]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def params(self) -> dict[str, Any]:
        """The stage's parameters as plain data (for recipes and manifests)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(slots=True)
class Decision:
    """What a global stage decided for one document: drop it, annotate it, or hand its
    `apply` a payload (for example the lines to remove)."""

    id: str
    drop: Drop | None = None
    metadata: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None


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

    def process(self, doc: Document) -> Drop | None:  # never called per document
        raise StageError(f"{self.name} is a global stage; executors call keys() and decide()")

    @abstractmethod
    def keys(self, doc: Document) -> dict[str, Any]:
        """The row this document contributes to the global decision."""

    def keys_batch(self, docs: list[Document]) -> Any:
        """Rows for a batch of documents: a list of `keys` dicts, or (cheaper to store) a
        `pyarrow.Table` with the `key_schema` columns and one row per document, in order.
        Override to vectorise."""
        return [self.keys(doc) for doc in docs]

    @abstractmethod
    def decide(self, keys: Any) -> Iterable[Decision]:
        """Decisions from all rows (a `pyarrow.dataset.Dataset` with an "id" column and the
        `key_schema` columns), deterministic whatever the row order. A list or, better for
        memory, a generator: the executor writes them out as they come, in any order."""

    def apply(self, doc: Document, decision: Decision) -> Drop | None:
        """Carry out a decision on its document (in the next step, per shard). The default
        adds the metadata and returns the drop; override to edit the text from `payload`."""
        if decision.metadata:
            doc.metadata.update(decision.metadata)
        return decision.drop


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a stage addressable by its dotted `name` in recipes."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"stage {cls.__name__} must be a dataclass")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise TypeError(f"stage name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Stage]]:
    """All registered stages by name (importing the built-in stage modules first)."""
    from . import stages  # noqa: F401  (registers the built-ins)

    return dict(_REGISTRY)


def build_stage(name: str, params: dict[str, Any] | None, path: str) -> Stage:
    """Instantiate stage `name` with validated `params`; errors name `path` (e.g. stages[2])."""
    stages = registry()
    if name not in stages:
        raise ConfigError(
            f"{path}.stage: unknown stage {name!r}; known stages: {', '.join(sorted(stages))}"
        )
    cls = stages[name]
    params = params or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{path}.params: expected a mapping, got {type(params).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ConfigError(
            f"{path}.params.{unknown[0]}: unknown parameter for {name}; "
            f"valid: {', '.join(sorted(fields)) or '(none)'}"
        )
    values = {key: coerce(value, hints[key], f"{path}.params.{key}") for key, value in params.items()}
    try:
        stage = cls(**values)
    except (ValueError, TypeError) as e:  # raised by a stage's __post_init__ checks
        raise ConfigError(f"{path}.params: {e}") from e
    return stage


def coerce(value: Any, annotation: Any, path: str) -> Any:
    """Check `value` against a type annotation, converting YAML scalars where lossless."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if annotation is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return coerce(value, arg, path)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{path}: invalid value {value!r}")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{path}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path}: expected a list, got {type(value).__name__}")
        item = args[0] if args else Any
        return [coerce(v, item, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
        kt, vt = args if args else (Any, Any)
        return {coerce(k, kt, path): coerce(v, vt, f"{path}.{k}") for k, v in value.items()}
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {value!r}")
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: expected an integer, got {value!r}")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{path}: unsupported parameter type {annotation!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
