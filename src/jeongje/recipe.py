"""Recipes: an ordered list of stages with parameters, stored as YAML and validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .registry import build_stage, check_param
from .stage import Stage
from .steps import Step, cut

_TOP_KEYS = {"name", "description", "imports", "stages"}
_STAGE_KEYS = {"stage", "params"}


@dataclass
class Recipe:
    """A named, ordered list of configured stages."""

    name: str
    stages: list[Stage]
    description: str = ""
    imports: list[str] = field(default_factory=list)
    _steps: list[Step] = field(default_factory=list, init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Fully resolved form: every parameter written out (used in manifests)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.imports:  # written only when used: recipes without it resolve as before
            out["imports"] = list(self.imports)
        out["stages"] = [{"stage": s.name, "params": s.params()} for s in self.stages]
        return out

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


def load_recipe(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load a built-in recipe by name (`korean-news`) or a YAML file by path, with
    `overrides` (`{"filter.length.min_chars": 20}`, see `with_overrides`) applied."""
    text, origin = _read_recipe_text(name_or_path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{origin}: not valid YAML: {e}") from e
    folder = Path(name_or_path).parent if origin == str(name_or_path) and Path(origin).is_file() else None
    return recipe_from_dict(data, origin, overrides, folder)


def with_overrides(recipe: Recipe, overrides: dict[str, Any] | None) -> Recipe:
    """`recipe` with parameters replaced: keys are `STAGE.PARAM` (the stage's dotted name,
    then the parameter: `filter.length.min_chars`), values as they would be written in the
    YAML, checked the same way; a ConfigError names the key (`--set KEY: ...`)."""
    if not overrides:
        return recipe
    return recipe_from_dict(recipe.to_dict(), recipe.name, overrides)


def _apply_overrides(entries: list[Any], overrides: dict[str, Any], origin: str) -> list[Any]:
    """The stage entries of a recipe mapping with `overrides` merged into their params."""
    out = [dict(e) if isinstance(e, dict) else {"stage": e} if isinstance(e, str) else e for e in entries]
    names = [e.get("stage") for e in out if isinstance(e, dict)]
    for key, value in overrides.items():
        path = f"--set {key}"
        stage, _, param = str(key).rpartition(".")
        if stage not in names:
            known = next((n for n in names if isinstance(n, str) and str(key).startswith(n + ".")), None)
            hint = (f"parameter {str(key)[len(known) + 1:]!r} of {known} is not one name" if known
                    else f"the recipe {origin} has no stage {stage or key!r}")
            raise ConfigError(f"{path}: expected STAGE.PARAM (e.g. filter.length.min_chars=20); {hint}; "
                              f"its stages: {', '.join(n for n in names if isinstance(n, str))}")
        entry = out[names.index(stage)]
        params = dict(entry.get("params") or {})
        params[param] = check_param(stage, param, value, path)
        entry["params"] = params
    return out


def _import_modules(imports: Any, origin: str, folder: Path | None) -> list[str]:
    """Import the modules a recipe names under `imports:` (their stages register
    themselves); the recipe file's folder is searched first, as Python searches a script's."""
    import importlib
    import sys

    if not isinstance(imports, list) or not all(isinstance(m, str) and m for m in imports):
        raise ConfigError(f"{origin}: imports: expected a list of module names")
    if folder is not None and imports and str(folder.resolve()) not in sys.path:
        sys.path.insert(0, str(folder.resolve()))  # workers inherit it (spawn copies sys.path)
    for i, module in enumerate(imports):
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise ConfigError(
                f"{origin}: imports[{i}]: cannot import {module!r} ({e}); the module must be on "
                "PYTHONPATH or beside the recipe file") from e
        except Exception as e:  # noqa: BLE001 - foreign code failing at import, named
            raise ConfigError(f"{origin}: imports[{i}]: importing {module!r} failed: "
                              f"{type(e).__name__}: {e}") from e
    return list(imports)


def recipe_from_dict(data: Any, origin: str = "recipe", overrides: dict[str, Any] | None = None,
                     folder: Path | None = None) -> Recipe:
    """Validate a recipe mapping; errors name the path of the offending key. `overrides`:
    see `with_overrides`; `folder`: where the recipe file is (searched for `imports`)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: a recipe must be a mapping with 'name' and 'stages'")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: {unknown[0]}: unknown key; valid keys: {', '.join(sorted(_TOP_KEYS))}")
    imports = _import_modules(data.get("imports") or [], origin, folder)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{origin}: name: required, a non-empty string")
    entries = data.get("stages")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{origin}: stages: required, a non-empty list")
    changed: dict[str, list[str]] = {}
    if overrides:
        entries = _apply_overrides(entries, overrides, origin)
        for key in overrides:
            changed.setdefault(str(key).rpartition(".")[0], []).append(str(key))
    stages: list[Stage] = []
    for i, entry in enumerate(entries):
        path = f"{origin}: stages[{i}]"
        if isinstance(entry, dict) and entry.get("stage") in changed:
            path += f" (--set {', '.join(changed[entry['stage']])})"
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
    return Recipe(name=name, stages=stages, description=description, imports=imports)


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
