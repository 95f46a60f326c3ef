"""Stage parameters: checking a value from YAML (or the command line) against the type a
stage's dataclass field declares, converting YAML scalars where that loses nothing."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

from .errors import ConfigError


def coerce(value: Any, annotation: Any, path: str) -> Any:
    """Check `value` against a type annotation, converting YAML scalars where lossless;
    a ConfigError names `path` (e.g. `recipe.yaml: stages[1].params.min_chars`)."""
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


# Units told by a parameter's name, for `recipe show --explain` (numbers only).
_UNITS = ((("_chars",), "characters"), (("word_length",), "characters per word"),
          (("_words", "_stopwords"), "words"), (("_lines",), "lines"), (("_count",), "occurrences"),
          (("_ratio", "_frac", "_share"), "share 0..1"), (("_seconds",), "seconds"),
          (("_weight", "_factor"), "factor"), (("_bytes",), "bytes"))


def _unit(name: str, annotation: Any) -> str:
    if name == "memory_limit":
        return "DuckDB memory size (4GB, 512MB)"
    if name.endswith(("_ngrams",)):
        return "n -> share 0..1"
    if annotation not in (int, float) and not (set(get_args(annotation)) & {int, float}):
        return ""
    return next((unit for suffixes, unit in _UNITS if name.endswith(suffixes) or name == suffixes[0][1:]), "")


def explained(cls: type) -> list[dict[str, Any]]:
    """Every parameter of a stage dataclass: name, type, default, unit and what it means
    (the docstring written under the field, else its trailing `#` comment, read from the
    source)."""
    import ast
    import dataclasses
    import inspect
    import textwrap

    helps: dict[str, str] = {}
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        source = ""
    if source:
        lines = source.splitlines()
        body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
        for i, node in enumerate(body):
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            nxt = body[i + 1] if i + 1 < len(body) else None
            if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
                helps[node.target.id] = " ".join(nxt.value.value.split())
            else:
                line = lines[(node.end_lineno or node.lineno) - 1]
                if "#" in line:
                    helps[node.target.id] = line.split("#", 1)[1].strip().removeprefix("noqa").strip()
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        unit = _unit(f.name, hints[f.name])
        out.append({"name": f.name, "type": _type_name(hints[f.name]), "default": default,
                    "unit": unit, "help": helps.get(f.name, "")})
    return out


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) is Literal:
        return " | ".join(map(repr, get_args(annotation)))
    return getattr(annotation, "__name__", None) if not get_args(annotation) else str(annotation).replace("typing.", "")  # type: ignore[return-value]
