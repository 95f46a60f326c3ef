"""The stage registry: every stage a recipe can name, by its dotted name.

The built-in stages are listed once, here (`BUILTINS`), in recipe order; a stage of your
own joins them with the `@register` class decorator (import its module before loading a
recipe that names it). Nothing else registers stages, and stage modules do not import
this one.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from .decontam.stage import Decontaminator
from .dedup.exact import ExactDeduplicator
from .dedup.lines import RepeatedLineRemover
from .dedup.minhash import MinHashDeduplicator
from .errors import ConfigError
from .params import coerce
from .stage import Stage
from .stages.boilerplate import BoilerplateRemover
from .stages.extract import HtmlExtract
from .stages.filters import KoreanLanguageFilter, LengthFilter
from .stages.mojibake import MojibakeRepair
from .stages.normalize import UnicodeNormalizer
from .stages.pii import PiiRedactor
from .stages.quality import QualityFilter
from .stages.repetition import RepetitionRepairer
from .stages.repetition_filter import RepetitionFilter
from .stages.rights import RightsFilter
from .stages.spam import SpamFilter

BUILTINS: tuple[type[Stage], ...] = (
    HtmlExtract, MojibakeRepair, UnicodeNormalizer, KoreanLanguageFilter, RightsFilter,
    RepetitionRepairer, BoilerplateRemover, SpamFilter, PiiRedactor, LengthFilter,
    RepetitionFilter, QualityFilter, Decontaminator, RepeatedLineRemover, ExactDeduplicator, MinHashDeduplicator,
)
_BUILTIN = {cls.name: cls for cls in BUILTINS}
_ADDED: dict[str, type[Stage]] = {}


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a stage of your own addressable by its dotted `name` in
    recipes (it must be a dataclass subclass of `jeongje.stage.Stage`)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"stage {cls.__name__} must be a dataclass")
    if not (isinstance(cls, type) and issubclass(cls, Stage)):
        raise TypeError(f"stage {cls.__name__} must subclass jeongje.stage.Stage")
    known = _BUILTIN.get(cls.name) or _ADDED.get(cls.name)
    if known is not None and known is not cls:
        raise TypeError(f"stage name {cls.name!r} registered twice")
    _ADDED[cls.name] = cls
    return cls


def registry() -> dict[str, type[Stage]]:
    """All stages by name: the built-ins, then those registered with `register`."""
    return {**_BUILTIN, **_ADDED}


def unknown_stage(name: str, path: str) -> ConfigError:
    """The error for a stage name nobody registered, with how to load a stage of your own."""
    return ConfigError(
        f"{path}.stage: unknown stage {name!r}; known stages: {', '.join(sorted(registry()))}. "
        "A stage of your own is loaded by its module: list it in the recipe's `imports:` "
        "(imports: [my_stages]; the module must be importable, e.g. on PYTHONPATH), or publish "
        "it under the entry point group `jeongje.stages` (README: Writing a stage)")


def stage_class(name: str, path: str) -> type[Stage]:
    """The class of stage `name`: a built-in, one registered with `register`, or one that an
    installed package declares under the entry point group `jeongje.stages` (loaded on
    first use)."""
    stages = registry()
    if name not in stages:
        _load_entry_point(name)
        stages = registry()
    if name not in stages:
        raise unknown_stage(name, path)
    return stages[name]


ENTRY_POINT_GROUP = "jeongje.stages"


def _load_entry_point(name: str) -> None:
    """Load the entry point `name` of the group `jeongje.stages` (its value is a stage
    class, `pkg.module:MyStage`, or a module that registers stages); registered here when
    the class is not yet."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name != name:
            continue
        try:
            loaded = ep.load()
        except Exception as e:  # noqa: BLE001 - any failure of foreign code, named
            raise ConfigError(f"entry point {ENTRY_POINT_GROUP}:{name} ({ep.value}) failed to load: "
                              f"{type(e).__name__}: {e}") from e
        if isinstance(loaded, type) and issubclass(loaded, Stage) and loaded.name not in registry():
            register(loaded)


def check_param(name: str, key: str, value: Any, path: str) -> Any:
    """`value` checked and converted for parameter `key` of stage `name` (a ConfigError
    names `path`, e.g. `--set filter.length.min_chars`)."""
    cls = stage_class(name, path)
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    if key not in fields:
        raise ConfigError(f"{path}: unknown parameter for {name}; valid: {', '.join(sorted(fields)) or '(none)'}")
    return coerce(value, typing.get_type_hints(cls)[key], path)


def build_stage(name: str, params: dict[str, Any] | None, path: str) -> Stage:
    """Instantiate stage `name` with validated `params`; errors name `path` (e.g. stages[2])."""
    cls = stage_class(name, path)
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
