"""The decontaminate stage in real runs: policies, ledger and edit evidence, the index's
checksum in the manifest and the run's identity."""

from __future__ import annotations

import json

import pytest

import jeongje
from jeongje import decontam
from jeongje.errors import ConfigError, OutputConflictError
from jeongje.recipe import recipe_from_dict
from tests.decontam.helpers import EXAM, write_benchmarks
from tests.helpers import write_jsonl

INTRO = "주말에 정리한 공부 기록입니다. 아래 문제는 어제 스터디에서 함께 풀었습니다."
OUTRO = "다음 글에서는 오답 노트를 정리하겠습니다. 읽어 주셔서 감사합니다."


def _page(item):
    options = "\n".join(f"{m} {item[k]}" for m, k in zip("①②③④", "ABCD", strict=True))
    return f"{INTRO}\n{item['question']}\n{options}\n{OUTRO}"


@pytest.fixture
def setup(tmp_path):
    root, spec = write_benchmarks(tmp_path / "bench")
    decontam.build([str(root)], str(tmp_path / "bench.npz"), [str(spec)])
    docs = [{"id": "leak", "text": _page(EXAM[0])}, {"id": "clean", "text": f"{INTRO} {OUTRO}"}]
    return tmp_path, write_jsonl(tmp_path / "in.jsonl", docs)


def _recipe(index, **params):
    return recipe_from_dict({"name": "dc", "stages": ["normalize.unicode",
                                                      {"stage": "decontaminate", "params": {"index": str(index), **params}}]})


def test_remove_cuts_the_item_as_an_edit_and_keeps_the_rest(setup):
    tmp, inputs = setup
    jeongje.run(str(inputs), tmp / "out", _recipe(tmp / "bench.npz", margin=0), progress=False)
    docs = {d["id"]: d for d in jeongje.read_documents(tmp / "out").to_pylist()}
    assert docs["leak"]["text"].startswith(INTRO) and docs["leak"]["text"].endswith(OUTRO)
    assert "광합성" not in docs["leak"]["text"] and "과전법" not in docs["leak"]["text"]
    assert docs["clean"]["text"] == f"{INTRO} {OUTRO}" and docs["clean"]["metadata"].get("contamination") is None
    (edit,) = jeongje.read_edits(tmp / "out").to_pylist()
    detail = json.loads(edit["detail"])
    assert (edit["stage"], edit["reason"]) == ("decontaminate", "contaminated")
    assert detail == {"benchmarks": ["exam"], "items": [["exam", "science-test:0"]], "items_found": 1}
    original = _page(EXAM[0])
    assert original[edit["start"]:edit["end"]].startswith(EXAM[0]["question"])
    assert original[:edit["start"]] + original[edit["end"]:] == docs["leak"]["text"]
    found = docs["leak"]["metadata"]["contamination"]["items"][0]
    assert (found["benchmark"], found["item"]) == ("exam", "science-test:0") and found["coverage"] > 0.9


def test_drop_names_benchmark_item_and_span_in_the_ledger(setup):
    tmp, inputs = setup
    jeongje.run(str(inputs), tmp / "out", _recipe(tmp / "bench.npz", policy="drop"), progress=False)
    ledger = {r["id"]: r for r in jeongje.read_ledger(tmp / "out").to_pylist()}
    assert (ledger["leak"]["outcome"], ledger["leak"]["reason"]) == ("dropped", "contaminated")
    assert ledger["clean"]["outcome"] == "kept"
    detail = json.loads(ledger["leak"]["detail"])
    (item,) = detail["items"]
    (start, end), = item["spans"]
    assert (item["benchmark"], item["item"]) == ("exam", "science-test:0")
    assert _page(EXAM[0])[start:end].startswith(EXAM[0]["question"][:10])


def test_tag_only_annotates(setup):
    tmp, inputs = setup
    jeongje.run(str(inputs), tmp / "out", _recipe(tmp / "bench.npz", policy="tag"), progress=False)
    docs = {d["id"]: d for d in jeongje.read_documents(tmp / "out").to_pylist()}
    assert docs["leak"]["text"] == _page(EXAM[0])
    assert docs["leak"]["metadata"]["contamination"]["benchmarks"] == ["exam"]
    assert jeongje.read_edits(tmp / "out").num_rows == 0


def test_benchmarks_parameter_limits_what_counts(setup):
    tmp, inputs = setup
    jeongje.run(str(inputs), tmp / "out", _recipe(tmp / "bench.npz", policy="drop", benchmarks=["reading"]),
                progress=False)
    assert {r["outcome"] for r in jeongje.read_ledger(tmp / "out").to_pylist()} == {"kept"}


def test_the_index_checksum_is_in_the_manifest_and_a_rebuilt_index_is_another_run(setup):
    tmp, inputs = setup
    index = tmp / "bench.npz"
    jeongje.run(str(inputs), tmp / "out", _recipe(index), progress=False)
    params = jeongje.read_manifest(tmp / "out")["recipe"]["stages"][1]["params"]
    assert params["index_checksum"] == decontam.file_checksum(index)
    jeongje.run(str(inputs), tmp / "out", _recipe(index), progress=False)  # same index: resumes
    root, spec = write_benchmarks(tmp / "bench")
    decontam.build([str(root)], str(index), [str(spec)], only=["exam"])  # rebuilt: other contents
    with pytest.raises(OutputConflictError, match="different run"):
        jeongje.run(str(inputs), tmp / "out", _recipe(index), progress=False)
    with pytest.raises(ConfigError, match="index_checksum"):
        _recipe(index, index_checksum=params["index_checksum"])


def test_a_recipe_without_a_usable_index_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="needs `index`"):
        recipe_from_dict({"name": "dc", "stages": ["decontaminate"]})
    with pytest.raises(ConfigError, match="not found"):
        _recipe(tmp_path / "none.npz")


def test_cli_builds_an_index_and_prints_counts(tmp_path):
    from click.testing import CliRunner

    from jeongje.cli import main

    root, spec = write_benchmarks(tmp_path / "bench")
    result = CliRunner().invoke(main, ["decontam", "index", str(root), "--benchmarks", str(spec),
                                       "-o", str(tmp_path / "i.npz")])
    assert result.exit_code == 0, result.output
    assert "exam" in result.output and "reading" in result.output and "blake2b" in result.output
    result = CliRunner().invoke(main, ["decontam", "index", str(tmp_path / "nothing"), "-o", str(tmp_path / "j.npz")])
    assert result.exit_code == 2 and result.output.startswith("error: ")


def test_report_counts_items_and_documents_per_benchmark(setup):
    from click.testing import CliRunner

    from jeongje.cli import main

    tmp, _ = setup
    docs = [{"id": "a", "text": _page(EXAM[0]), "url": "https://study.example.kr/1"},
            {"id": "b", "text": _page(EXAM[0]), "url": "https://quiz.example.kr/2"},
            {"id": "c", "text": _page(EXAM[2]), "url": "https://study.example.kr/3"},
            {"id": "d", "text": f"{INTRO} {OUTRO}"}]
    inputs = write_jsonl(tmp / "many.jsonl", docs)
    for policy in ("drop", "remove"):
        out = tmp / f"out-{policy}"
        jeongje.run(str(inputs), out, _recipe(tmp / "bench.npz", policy=policy), progress=False)
        result = CliRunner().invoke(main, ["decontam", "report", str(out), "--json", str(tmp / "r.json")])
        assert result.exit_code == 0, result.output
        summary = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
        assert summary["documents"] == 3
        assert summary["benchmarks"][0] == {"benchmark": "exam", "items_found": 2, "items": 4, "documents": 3,
                                            "top_domains": "study.example.kr (2), quiz.example.kr (1)"}
        assert [(i["item"], i["documents"]) for i in summary["items"]] == [("science-test:0", 2), ("science-test:2", 1)]
        assert "science-test:0" in result.output
