"""Tuning a recipe without copying it (`--set`, `set=`), explaining it (`recipe show
--explain`, `recipe list`), the warning when one rule drops most records, and stages of your
own loaded by a recipe (`imports:`) or an entry point: all through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import jeongje
from jeongje.errors import ConfigError
from jeongje.recipe import load_recipe, with_overrides
from tests.helpers import write_jsonl

# Short informal reviews, written by us: one line, few spaces, `..`, ㅋㅋ, ㅠㅠ, ^^.
REVIEWS = [
    "배우들 연기가 진짜 좋았고 마지막 장면에서 눈물이 났어요ㅠㅠ 강추합니다",
    "기대안하고봤는데생각보다훨씬재밌었음..주말에한번더보러갈예정ㅋㅋ",
    "음악이 너무 좋아서 끝나고도 한참 자리에 앉아 있었네요^^ 감독 다음 작품도 기대됨",
    "초반은 좀 지루했는데.. 중반부터 몰입감 장난아님 시간가는줄 몰랐다",
    "원작 소설을 먼저 읽었는데 영화가 오히려 더 섬세하게 그려낸 것 같아요~",
    "아이들이랑 같이 봤는데 어른이 더 재밌게 본듯ㅋㅋㅋ 가족영화로 딱이에요",
]


LAUGHING = "ㅋㅋㅋㅋㅋ 진짜 웃겨서 배꼽 빠지는줄 알았네요 주말에 또 보고싶다"


def jeongje_cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "jeongje", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd)


def reviews(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "reviews.jsonl",
                       [{"review_id": f"r{i}", "review": t} for i, t in enumerate(REVIEWS)])


def test_set_changes_a_parameter_and_the_manifest_says_so(tmp_path):
    out = tmp_path / "out"
    result = jeongje_cli("run", "-i", reviews(tmp_path), "-o", out, "--text-field", "review", "--id-field",
                         "review_id", "--workers", "1", "--set", "filter.length.min_chars=20",
                         "--set", "filter.quality.min_words=3")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    params = {s["stage"]: s["params"] for s in manifest["recipe"]["stages"]}
    assert params["filter.length"]["min_chars"] == 20 and params["filter.quality"]["min_words"] == 3
    assert manifest["options"]["set"] == {"filter.length.min_chars": 20, "filter.quality.min_words": 3}
    # the news recipe's quality rules (whitespace words) still drop the one typed without spaces
    ledger = {r["id"]: r for r in jeongje.read_ledger(out).to_pylist()}
    assert ledger["r1"]["reason"] == "too_few_words", ledger["r1"]


@pytest.mark.parametrize("item, message", [
    ("filter.lenght.min_chars=20", "error: --set filter.lenght.min_chars: expected STAGE.PARAM"),
    ("filter.length.min_char=20", "error: --set filter.length.min_char: unknown parameter for filter.length; "
                                  "valid: max_chars, min_chars"),
    ("filter.length.min_chars=ten", "error: --set filter.length.min_chars: expected an integer, got 'ten'"),
    ("filter.length.min_chars=-1", "(--set filter.length.min_chars).params: min_chars and max_chars must be >= 0"),
    ("min_chars", "expected STAGE.PARAM=VALUE"),
])
def test_a_bad_set_is_one_error_line_naming_the_key(tmp_path, item, message):
    result = jeongje_cli("run", "-i", reviews(tmp_path), "-o", tmp_path / "o", "--text-field", "review",
                         "--set", item)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()


def test_the_library_takes_set_like_the_flag(tmp_path):
    result = jeongje.run(reviews(tmp_path), tmp_path / "out", "korean-web", workers=1, progress=False,
                         text_field="review", id_field="review_id", set={"filter.length.min_chars": 1000})
    assert result.counts["kept"] == 0
    assert result.manifest["options"]["set"] == {"filter.length.min_chars": 1000}
    recipe = with_overrides(load_recipe("korean-web"), {"filter.quality.min_words": 9})
    assert next(s for s in recipe.stages if s.name == "filter.quality").min_words == 9
    with pytest.raises(ConfigError, match=r"--set filter.quality.min_words: expected an integer"):
        with_overrides(recipe, {"filter.quality.min_words": "many"})


def test_korean_web_keeps_informal_reviews_that_korean_news_drops(tmp_path):
    args = ["-i", reviews(tmp_path), "--text-field", "review", "--id-field", "review_id", "--workers", "1"]
    web = jeongje_cli("run", "-o", tmp_path / "web", "-r", "korean-web", *args)
    assert web.returncode == 0, web.stderr
    assert f"{len(REVIEWS)} records: {len(REVIEWS)} kept" in web.stdout and "warning:" not in web.stdout
    news = jeongje_cli("run", "-o", tmp_path / "news", *args)
    assert news.returncode == 0, news.stderr
    warning = ("warning: filter.length too_short dropped 6 of 6 records (100.0%); if that is not meant, change it "
               "with --set filter.length.min_chars=VALUE (now 100), see `jeongje recipe show korean-news --explain`, "
               "or try -r korean-web for informal web text")
    assert warning in news.stdout
    manifest = json.loads((tmp_path / "news" / "manifest.json").read_text())
    assert manifest["warnings"][0]["parameter"] == "filter.length.min_chars"
    assert json.loads((tmp_path / "web" / "manifest.json").read_text())["warnings"] == []


def test_recipe_show_explain_and_list():
    explain = jeongje_cli("recipe", "show", "korean-web", "--explain")
    assert explain.returncode == 0, explain.stderr
    text = explain.stdout
    assert "filter.length.min_chars (int, characters): 20 in this recipe, default 100" in text
    assert "filter.quality.max_symbol_word_ratio (float, share 0..1): default 0.1" in text
    assert "Max (# plus ellipsis ... / …) per eojeol. Gopher 0.1." in text
    assert "filter.language.han_weight (float, factor): default 0.25" in text
    # every parameter of every stage of the recipe is listed
    for stage in load_recipe("korean-web").stages:
        for name in stage.params():
            assert f"  {stage.name}.{name} (" in text, (stage.name, name)
    listed = jeongje_cli("recipe", "list")
    assert "korean-web   Informal Korean web text, blogs, cafés, boards, reviews and comments" in listed.stdout
    assert "korean-news  Korean news articles" in listed.stdout
    shown = jeongje_cli("recipe", "show", "korean-web", "--set", "filter.length.min_chars=7")
    assert "min_chars: 7" in shown.stdout


# A stage of our own: ㅋㅋㅋㅋ runs shortened to ㅋㅋ (an edit), in a module the recipe imports.
LAUGHTER = '''
import re
from dataclasses import dataclass
from typing import ClassVar

from jeongje.record import Document, Drop, Span
from jeongje.registry import register
from jeongje.stage import Stage


@register
@dataclass
class Laughter(Stage):
    """Shorten runs of ㅋ or ㅎ to two."""

    name: ClassVar[str] = "clean.laughter"
    version: ClassVar[int] = 1
    keep: int = 2
    """ㅋ/ㅎ kept of a longer run."""

    def process(self, doc: Document) -> Drop | None:
        spans = [Span(m.start() + self.keep, m.end(), "laughter")
                 for m in re.finditer(r"([ㅋㅎ])\\1{%d,}" % self.keep, doc.text)]
        if spans:
            doc.edit(self.name, self.version, spans)
        return None
'''


def _recipe_with(tmp_path: Path, imports: str) -> Path:
    shown = jeongje_cli("recipe", "show", "korean-web").stdout
    head, stages = shown.split("stages:\n", 1)
    recipe = tmp_path / "mine.yaml"
    recipe.write_text(f"{head}{imports}stages:\n- stage: clean.laughter\n{stages}", encoding="utf-8")
    return recipe


def test_a_recipe_imports_a_module_with_its_own_stage(tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "my_stages.py").write_text(LAUGHTER, encoding="utf-8")
    recipe = _recipe_with(tmp_path / "recipes", "imports: [my_stages]\n")
    write_jsonl(tmp_path / "b.jsonl", [{"review_id": "b0", "review": LAUGHING}])
    out = tmp_path / "out"
    result = jeongje_cli("run", "-i", reviews(tmp_path), "-i", tmp_path / "b.jsonl", "-o", out, "-r", recipe,
                         "--text-field", "review", "--id-field", "review_id", "--workers", "2")
    assert result.returncode == 0, result.stderr
    texts = {r["id"]: r["text"] for r in jeongje.read_documents(out).to_pylist()}
    assert texts["r5"].count("ㅋ") == 2 and texts["b0"].startswith("ㅋㅋ 진짜")
    edits = [e for e in jeongje.read_edits(out).to_pylist() if e["stage"] == "clean.laughter"]
    assert {e["id"] for e in edits} == {"r5", "b0"}
    assert json.loads((out / "manifest.json").read_text())["recipe"]["imports"] == ["my_stages"]


def test_an_unknown_stage_says_how_to_load_one_and_a_missing_module_is_named(tmp_path):
    recipe = _recipe_with(tmp_path, "")
    result = jeongje_cli("recipe", "show", recipe)
    assert result.returncode == 2
    assert "unknown stage 'clean.laughter'" in result.stderr and "imports:" in result.stderr
    assert "jeongje.stages" in result.stderr
    missing = _recipe_with(tmp_path, "imports: [no_such_module_here]\n")
    result = jeongje_cli("recipe", "show", missing)
    assert result.returncode == 2 and "imports[0]: cannot import 'no_such_module_here'" in result.stderr


def test_an_entry_point_provides_a_stage(tmp_path):
    site = tmp_path / "site"
    (site / "laughter_pkg").mkdir(parents=True)
    (site / "laughter_pkg" / "__init__.py").write_text(LAUGHTER.replace("@register\n", ""), encoding="utf-8")
    info = site / "laughter_pkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: laughter-pkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[jeongje.stages]\nclean.laughter = laughter_pkg:Laughter\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "out"
    result = jeongje_cli("run", "-i", reviews(tmp_path), "-o", out, "-r", _recipe_with(tmp_path, ""),
                         "--text-field", "review", "--id-field", "review_id", "--workers", "1", env=env)
    assert result.returncode == 0, result.stderr
    assert any(e["stage"] == "clean.laughter" for e in jeongje.read_edits(out).to_pylist())


SCRIPT = '''
import sys
import jeongje
{stage}
{guard}jeongje.run(sys.argv[1:3], sys.argv[3], recipe=sys.argv[4], workers=2, progress=False,
{indent}text_field="review", id_field="review_id")
'''


@pytest.mark.parametrize("guarded", [True, False], ids=["guard", "no-guard"])
def test_a_script_with_its_own_stage_needs_the_main_guard_and_is_told_so(tmp_path, guarded):
    stage = LAUGHTER.replace("from jeongje", "from jeongje", 1)
    script = tmp_path / "clean.py"
    script.write_text(SCRIPT.format(stage=stage, guard='if __name__ == "__main__":\n    ' if guarded else "",
                                    indent="    " if guarded else ""), encoding="utf-8")
    write_jsonl(tmp_path / "b.jsonl", [{"review_id": "b0", "review": LAUGHING}])
    recipe = _recipe_with(tmp_path, "")
    result = subprocess.run([sys.executable, script, reviews(tmp_path), tmp_path / "b.jsonl", tmp_path / "out",
                             recipe], capture_output=True, text=True, timeout=120)
    if guarded:
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "out" / "manifest.json").is_file()
    else:
        assert result.returncode != 0
        assert 'if __name__ == "__main__":' in result.stderr and "clean.laughter" in result.stderr


def test_scores_of_kept_documents_on_request(tmp_path):
    out = tmp_path / "out"
    result = jeongje_cli("run", "-i", reviews(tmp_path), "-o", out, "-r", "korean-web", "--text-field", "review",
                         "--id-field", "review_id", "--workers", "1", "--set", "filter.quality.scores=true",
                         "--set", "filter.length.scores=true", "--set", "filter.spam.scores=true")
    assert result.returncode == 0, result.stderr
    docs = {r["id"]: _meta(r["metadata"]) for r in jeongje.read_documents(out).to_pylist()}
    scores = docs["r1"]["scores"]
    assert scores["filter.length"] == {"chars": len("".join(REVIEWS[1].split()))}
    assert scores["filter.quality"]["words"] == round(sum("가" <= c <= "힣" for c in REVIEWS[1]) / 3.26)
    assert {"mean_word_length", "alpha_words_ratio"} <= set(scores["filter.quality"])
    assert scores["filter.spam"] == {"score": 0.0}
    plain = jeongje.run(reviews(tmp_path), tmp_path / "plain", "korean-web", workers=1, progress=False,
                        text_field="review", id_field="review_id")
    assert all(not _meta(r["metadata"]).get("scores") for r in plain.documents().to_pylist())


def _meta(value):
    return value if isinstance(value, dict) else json.loads(value)
