"""Run options: every setting of `jeongje run`, declared once.

Each field of `RunOptions` carries its default, its help text and how it takes part in a
run. From these declarations come the command-line flags (`cli.py`), the keyword
arguments of `jeongje.run` (and its docstring), the run's identity (a run resumes only into
an output made with the same identity options) and the `options` block of the manifest.
Adding an option is adding a field here (and using it where it matters).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .cost import GRID_KG_PER_KWH, PUE, WATTS_PER_CORE
from .errors import ConfigError
from .io.inputs import SHARD_BYTES
from .io.originals import resolve_limit
from .io.readers import MAX_RECORD_BYTES, FieldMap
from .params import coerce


@dataclass(frozen=True)
class Declared:
    """How an option takes part in a run (the metadata of a `RunOptions` field)."""

    help: str
    identity: bool = True  # part of the run's identity (changing it makes another run)
    manifest: bool = True  # written to the manifest's `options`
    flag: str | None = None  # the command-line flag(s); default --name-with-dashes
    short: str | None = None
    minimum: float | None = None
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None  # turns a command-line string into the value
    path: bool = False  # a folder that must exist (command line)


def option(default: Any, help: str, **how: Any) -> Any:
    """A `RunOptions` field: its default and its declaration."""
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata={"option": Declared(help, **how)})
    return field(default=default, metadata={"option": Declared(help, **how)})


def _originals(value: str) -> int | str:
    if value in ("auto", "all", "none"):
        return value
    if value.isdigit():
        return int(value)
    raise ValueError("expected auto, all, none or a count")


def _storage_option(item: str) -> tuple[str, Any]:
    """KEY=VALUE; a value that parses as JSON is taken as JSON (true, 3, {...})."""
    import json

    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected KEY=VALUE, not {item!r}")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


def override_item(item: str) -> tuple[str, Any]:
    """STAGE.PARAM=VALUE; the value is read as YAML (20, 0.5, true, [a, b], {2: 0.3}), as
    it would be written in a recipe file."""
    import yaml

    key, sep, value = item.partition("=")
    if not sep or "." not in key.strip():
        raise ValueError(f"expected STAGE.PARAM=VALUE (e.g. filter.length.min_chars=20), not {item!r}")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        return key.strip(), value


@dataclass(frozen=True)
class RunOptions:
    """The settings of a run (see the field declarations for what each does)."""

    set: dict[str, Any] = option(
        {}, "Change one recipe parameter without copying the recipe: STAGE.PARAM=VALUE, e.g. "
            "filter.length.min_chars=20 (the value as YAML); repeatable. Checked as the recipe "
            "file is; `jeongje recipe show NAME --explain` lists every parameter.",
        flag="--set", metavar="STAGE.PARAM=VALUE", parse=override_item)
    workers: int | None = option(
        None, "Worker processes (default: all cores). Output is the same for any value.",
        identity=False, short="-w", minimum=1)
    format: Literal["parquet", "jsonl"] = option("parquet", "Format of OUT/documents.")
    metadata: Literal["struct", "json"] = option(
        "struct", "How Parquet documents store metadata: struct (one column type for the whole run, "
                  "settled when it finishes, so row['metadata']['press'] works in datasets, polars, "
                  "DuckDB and datatrove; a key a document lacks is null) or json (a JSON string per "
                  "document). JSONL documents always carry an object.")
    text_field: str = option("text", "Input field with the text.")
    id_field: str | None = option("id", "Input field with the id; records without one get FILE:LINE.")
    max_record_bytes: int = option(MAX_RECORD_BYTES, "Larger records are quarantined as too_large.",
                                   minimum=1)
    shard_bytes: int = option(SHARD_BYTES, "Plain JSONL and Parquet inputs are cut into shards of "
                                           "about this size.", minimum=1)
    encoding: str = option("utf-8", "Encoding of JSONL/text inputs: a codec (cp949, euc-kr, johab, "
                                    "...) or 'auto' to detect (Korean first). Web pages always use "
                                    "header/meta/detection.")
    site_policies: tuple[str, ...] = option(
        (), "Folder of HOST/robots.txt and HOST/.well-known/tdmrep.json files for web inputs; "
            "repeatable. Those found in WARC inputs are added automatically.", path=True)
    originals: int | Literal["auto", "all", "none"] = option(
        "auto", "Texts as read kept for the report's browser: N per outcome/stage/reason and shard, "
                "all, none, or auto (all for inputs under 32 MiB, else 200).", parse=_originals)
    executor: Literal["local", "ray"] = option(
        "local", "local: worker processes here; ray: a Ray cluster (pip install 'jeongje[ray]').",
        identity=False)
    address: str | None = option(
        None, "With --executor ray: the cluster to join (auto, ray://head:10001); default: start a "
              "local Ray instance.", identity=False)
    watts_per_core: float = option(
        WATTS_PER_CORE, "Power of one busy core (W) for the manifest's energy estimate (cost.py).",
        identity=False, minimum=0)
    pue: float = option(PUE, "Power usage effectiveness of the data centre, for the energy estimate.",
                        identity=False, minimum=1)
    grid_intensity: float = option(
        GRID_KG_PER_KWH, "kg CO2e per kWh of the electricity used, for the carbon estimate (default: "
                         "Korea's national grid, 2023).", identity=False, minimum=0, flag="--grid-intensity")
    overwrite: bool = option(False, "Start afresh, replacing whatever run the output folder holds.",
                             identity=False, manifest=False)
    progress: bool = option(True, "Progress bar on a terminal, log lines otherwise.", identity=False,
                            manifest=False, flag="--progress/--no-progress")
    storage_options: dict[str, Any] = option(
        {}, "Option of the output URL's fsspec filesystem, e.g. endpoint_url=http://minio:9000, "
            "profile=NAME, anon=false (JSON values are parsed); repeatable. They travel to the "
            "workers and are never written to OUT. Without them the filesystem's own configuration "
            "applies (AWS_* / FSSPEC_S3_* environment variables, ~/.aws).",
        identity=False, manifest=False, flag="--storage-option", metavar="KEY=VALUE",
        parse=_storage_option)

    def __post_init__(self) -> None:
        """Every value checked against its declared type (as recipe parameters are), then
        against its minimum, its codec or its sample limit; a ConfigError names the option."""
        hints = typing.get_type_hints(RunOptions)
        for f in dataclasses.fields(self):
            value = coerce(getattr(self, f.name), hints[f.name], f"option {f.name}")
            if typing.get_origin(hints[f.name]) is tuple:
                value = tuple(value)
            object.__setattr__(self, f.name, value)
            minimum = declared(f).minimum
            if minimum is not None and value is not None and value < minimum:
                raise ConfigError(f"option {f.name}: must be at least {minimum}, not {value!r}")
        resolve_limit(self.originals, 0)  # a ConfigError for a negative count
        if self.encoding != "auto":
            from .web.charset import codec_for

            if codec_for(self.encoding) is None:
                raise ConfigError(f"unknown encoding {self.encoding!r}: give a codec name (utf-8, cp949, "
                                  "euc-kr, johab, iso-2022-kr, ...) or 'auto'")

    @classmethod
    def of(cls, **values: Any) -> RunOptions:
        """Options from keyword arguments; None stands for the default of an option that
        cannot be None (`progress=None`), and is kept where it means something
        (`id_field=None`: ids from file and line). An unknown name is a ConfigError listing
        the valid ones."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ConfigError(f"unknown run option {unknown[0]!r}; valid: {', '.join(sorted(names))}")
        hints = typing.get_type_hints(cls)
        return cls(**{k: default_of(names[k]) if v is None and type(None) not in typing.get_args(hints[k])
                      else v for k, v in values.items()})

    def fields(self) -> FieldMap:
        """How the readers read the inputs."""
        from pathlib import Path

        return FieldMap(text=self.text_field, id=self.id_field or None,
                        max_record_bytes=self.max_record_bytes, encoding=self.encoding,
                        site_policies=tuple(str(Path(p).resolve()) for p in self.site_policies))

    def identity(self) -> dict[str, Any]:
        """The options that decide a run's output (site policy folders resolved)."""
        values = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if declared(f).identity}
        values["site_policies"] = list(self.fields().site_policies)
        return values

    def manifest(self) -> dict[str, Any]:
        """The options the manifest records (never credentials)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if declared(f).manifest}


def declared(f: dataclasses.Field[Any]) -> Declared:
    return f.metadata["option"]  # type: ignore[no-any-return]


def default_of(f: dataclasses.Field[Any]) -> Any:
    """A field's default value."""
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]


def literal_choices(annotation: Any) -> tuple[Any, ...]:
    """The values of the Literal in an annotation (`Literal[...]` or a union with one)."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return tuple(v for a in typing.get_args(annotation) for v in literal_choices(a))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def describe() -> str:
    """The options as a docstring section (for `jeongje.run`)."""
    lines = []
    for f in dataclasses.fields(RunOptions):
        lines.append(f"    {f.name} (default {default_of(f)!r}): {declared(f).help}")
    return "\n".join(lines)
