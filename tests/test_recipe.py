from __future__ import annotations

import pytest
import yaml

from jeongje.errors import ConfigError
from jeongje.recipe import builtin_recipes, load_recipe, recipe_from_dict


def test_builtin_korean_news_loads_and_round_trips_through_yaml(tmp_path):
    assert "korean-news" in builtin_recipes()
    recipe = load_recipe("korean-news")
    names = [s.name for s in recipe.stages]
    # web pages to text first, then mojibake repair before NFC
    assert names[:3] == ["extract.html", "normalize.mojibake", "normalize.unicode"]
    assert names.index("rights.reservation") < names.index("clean.boilerplate")  # before lossy steps
    path = tmp_path / "r.yaml"
    path.write_text(recipe.to_yaml(), encoding="utf-8")
    again = load_recipe(path)
    assert again.to_dict() == recipe.to_dict()


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "stages": [{"stage": "filter.length"}], "extra": 1},
     r"recipe: extra: unknown key"),
    ({"name": "x", "stages": [{"stage": "filter.nope"}]}, r"stages\[0\]\.stage: unknown stage 'filter.nope'"),
    ({"name": "x", "stages": [{"stage": "filter.length", "params": {"min_char": 3}}]},
     r"stages\[0\]\.params\.min_char: unknown parameter for filter.length; valid: max_chars, min_chars"),
    ({"name": "x", "stages": ["normalize.unicode", {"stage": "filter.length", "params": {"min_chars": "ten"}}]},
     r"stages\[1\]\.params\.min_chars: expected an integer, got 'ten'"),
    ({"name": "x", "stages": [{"stage": "filter.language", "params": {"min_hangul_share": 2.0}}]},
     r"stages\[0\]\.params: min_hangul_share must be within 0..1"),
    ({"name": "x", "stages": [{"stage": "filter.length", "param": {}}]},
     r"stages\[0\]\.param: unknown key"),
    ({"name": "x", "stages": []}, r"stages: required, a non-empty list"),
    ({"stages": [{"stage": "filter.length"}]}, r"name: required"),
    ({"name": "x", "stages": ["filter.length", "filter.length"]}, r"appears twice"),
])
def test_invalid_recipes_name_the_offending_key(data, message):
    with pytest.raises(ConfigError, match=message):
        recipe_from_dict(data)


def test_unknown_recipe_name_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="unknown recipe 'nope'"):
        load_recipe("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="recipe file not found"):
        load_recipe(tmp_path / "missing.yaml")


def test_every_built_in_stage_is_documented_and_builds_with_defaults(tmp_path):
    from jeongje.registry import BUILTINS
    from tests.decontam.helpers import required_params

    required = required_params(tmp_path)  # stages that cannot work without a file of yours
    for cls in BUILTINS:
        name = cls.name
        assert cls.__doc__ and cls.description, name
        spec = {"stage": name, "params": required[name]} if name in required else name
        stage = recipe_from_dict({"name": "t", "stages": [spec]}).stages[0]
        assert stage.name == name and stage.version >= 1
        assert yaml.safe_load(yaml.safe_dump(stage.params())) == stage.params()
