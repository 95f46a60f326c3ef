"""Recipes: an ordered list of stages with parameters, stored as YAML and validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .registry import build_stage
from .stage import Stage
from .steps import Step, cut

_TOP_KEYS = {"name", "description", "stages"}
_STAGE_KEYS = {"stage", "params"}


@dataclass
class Recipe:
    """A named, ordered list of configured stages."""

    name: str
    stages: list[Stage]
    description: str = ""
    _steps: list[Step] = field(default_factory=list, init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Fully resolved form: every parameter written out (used in manifests)."""
        return {
            "name": self.name,
            "description": self.description,
            "stages": [{"stage": s.name, "params": s.params()} for s in self.stages],
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def versions(self) -> dict[str, int]:
        return {s.name: s.version for s in self.stages}

    def steps(self) -> list[Step]:
        """The recipe cut at its global stages (see steps.py); the same Step objects on
        every call."""
        if not self._steps:
            self._steps = cut(self.stages)
        return self._steps

    def step(self, index: int) -> Step:
        return self.steps()[index]


def builtin_recipes() -> list[str]:
    """Names of the recipes shipped with the package."""
    folder = resources.files("jeongje") / "recipes"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_recipe(name_or_path: str | Path) -> Recipe:
    """Load a built-in recipe by name (`korean-news`) or a YAML file by path."""
    text, origin = _read_recipe_text(name_or_path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{origin}: not valid YAML: {e}") from e
    return recipe_from_dict(data, origin)


def recipe_from_dict(data: Any, origin: str = "recipe") -> Recipe:
    """Validate a recipe mapping; errors name the path of the offending key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: a recipe must be a mapping with 'name' and 'stages'")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: {unknown[0]}: unknown key; valid keys: {', '.join(sorted(_TOP_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{origin}: name: required, a non-empty string")
    entries = data.get("stages")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{origin}: stages: required, a non-empty list")
    stages: list[Stage] = []
    for i, entry in enumerate(entries):
        path = f"{origin}: stages[{i}]"
        if isinstance(entry, str):
            entry = {"stage": entry}
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: expected a mapping with 'stage' and optional 'params'")
        bad = sorted(set(entry) - _STAGE_KEYS)
        if bad:
            raise ConfigError(f"{path}.{bad[0]}: unknown key; valid keys: stage, params")
        if not isinstance(entry.get("stage"), str):
            raise ConfigError(f"{path}.stage: required, the stage name")
        stages.append(build_stage(entry["stage"], entry.get("params"), path))
    names = [s.name for s in stages]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{origin}: stages: stage {dupes[0]!r} appears twice")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ConfigError(f"{origin}: description: expected a string")
    return Recipe(name=name, stages=stages, description=description)


def _read_recipe_text(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise ConfigError(f"recipe file not found: {path}")
        return path.read_text(encoding="utf-8"), str(path)
    builtin = resources.files("jeongje") / "recipes" / f"{name_or_path}.yaml"
    if not builtin.is_file():
        raise ConfigError(
            f"unknown recipe {str(name_or_path)!r}: not a file, and not a built-in "
            f"({', '.join(builtin_recipes())})"
        )
    return builtin.read_text(encoding="utf-8"), str(name_or_path)
