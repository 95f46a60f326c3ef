"""The decontamination index on benchmark-shaped items we wrote: reading the formats,
descriptions, what is found and what is not."""

from __future__ import annotations

import json
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jeongje import decontam
from jeongje.decontam.benchmarks import find_files, load_benchmarks, read_items
from jeongje.decontam.index import load_index
from jeongje.errors import ConfigError, InputError
from tests.decontam.helpers import EXAM, READING, write_benchmarks

NEWS = ("시청 앞 광장에서 주말 장터가 열렸다. 상인들은 올해 방문객이 지난해보다 늘었다고 말했다. "
        "다음 중 옳지 않은 것은 무엇인지 묻는 퀴즈 행사도 함께 열렸다.")


@pytest.fixture
def index(tmp_path):
    root, spec = write_benchmarks(tmp_path / "bench")
    decontam.build([str(root)], str(tmp_path / "i.npz"), [str(spec)])
    return load_index(tmp_path / "i.npz")


def _exam_page(item, markers="①②③④", sep="\n"):
    options = sep.join(f"{m} {item[k]}" for m, k in zip(markers, "ABCD", strict=True))
    return f"{NEWS}\n오늘의 기출 문제\n{item['question']}{sep}{options}\n정답 {item['answer']}\n{NEWS}"


def test_items_come_from_the_described_fields(tmp_path):
    root, spec = write_benchmarks(tmp_path)
    pairs = find_files([str(root)], load_benchmarks([str(spec)]))
    assert [(b.name, p.name) for b, p in pairs] == [("exam", "science-test.csv"), ("reading", "dev.json")]
    exam = list(read_items(*pairs[0]))
    assert exam[0].id == "science-test:0" and exam[0].texts == (EXAM[0]["question"], "과전법", "정전제와 균전론",
                                                                  "직전법 시행", "녹읍 부활")
    assert exam[0].roles == ("question", "options", "options", "options", "options")
    reading = list(read_items(*pairs[1]))
    context = READING["data"][0]["paragraphs"][0]["context"]
    assert [(i.id, i.texts) for i in reading] == [("q-1", (context, "도서관은 처음에 어디를 고쳐 썼는가?")),
                                                  ("q-2", (context, "도서관이 해마다 펴내는 것은?"))]


@pytest.mark.parametrize("markers,sep", [("①②③④", "\n"), (["(1)", "(2)", "(3)", "(4)"], " "),
                                         (["가.", "나.", "다.", "라."], "\n"), (["A)", "B)", "C)", "D)"], "<br>")])
def test_a_short_four_option_question_is_found_however_it_is_numbered(index, markers, sep):
    page = _exam_page(EXAM[1], markers, sep)  # 24 letters of question, options of 2-5 letters
    matches = index.find(page)
    assert [(m.benchmark, m.item) for m in matches] == [("exam", "science-test:1")]
    (start, end), = matches[0].spans
    assert page[start:end].startswith("광합성에서") and page[start:end].endswith("케라틴")


def test_spacing_nfd_and_line_breaks_do_not_hide_an_item(index):
    item = EXAM[0]
    page = _exam_page(item).replace(" ", "").replace("\n", "  \n ")
    assert [m.item for m in index.find(page)] == ["science-test:0"]
    assert [m.item for m in index.find(unicodedata.normalize("NFD", _exam_page(item)))] == ["science-test:0"]


def test_a_passage_without_its_questions_is_found_for_every_question_on_it(index):
    context = READING["data"][0]["paragraphs"][0]["context"]
    found = index.find(f"{NEWS}\n{context}\n{NEWS}")
    assert sorted(m.item for m in found) == ["q-1", "q-2"]


def test_stock_phrases_and_too_short_items_do_not_match(index):
    assert index.header["too_short"] == [["exam", "science-test:3"]]  # "다음 중 옳지 않은 것은? 가 나 다 라"
    assert index.find(NEWS + " 다음 중 옳지 않은 것은? 가. 가 나. 나 다. 다 라. 라") == []
    assert index.find("광합성에서 빛에너지를 흡수하는 색소는 잎에 많다는 기사를 읽었다.") == []  # a third of an item


def test_many_texts_at_once_match_as_one_by_one(index):
    texts = [_exam_page(EXAM[0]), NEWS, "", _exam_page(EXAM[2], ["1.", "2.", "3.", "4."])]
    assert index.find_many(texts) == [index.find(t) for t in texts]


def test_other_formats_parquet_jsonl_tsv_and_a_datasets_folder(tmp_path):
    rows = [{"q": e["question"], "a": e["A"], "b": e["B"], "c": e["C"], "d": e["D"], "uid": f"x{i}"}
            for i, e in enumerate(EXAM[:3])]
    (tmp_path / "quiz").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "quiz" / "test.parquet")
    with open(tmp_path / "quiz" / "dev.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    with open(tmp_path / "quiz" / "val.tsv", "w", encoding="utf-8") as f:
        f.write("q\ta\tb\tc\td\tuid\n" + "".join("\t".join(r.values()) + "\n" for r in rows))
    (tmp_path / "hf").mkdir()
    table = pa.Table.from_pylist(rows)
    with pa.OSFile(str(tmp_path / "hf" / "data-00000-of-00001.arrow"), "wb") as sink:  # as save_to_disk writes
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    spec = tmp_path / "quiz.yaml"
    spec.write_text('quiz: {files: ["quiz/*"], id: "{file}:{uid}", question: q, options: [a, b, c, d]}\n'
                    'quiz-hf: {files: ["hf/*.arrow"], id: "{uid}", question: q, options: [a, b, c, d]}\n',
                    encoding="utf-8")
    header = decontam.build([str(tmp_path / "quiz"), str(tmp_path / "hf")], str(tmp_path / "q.npz"), [str(spec)])
    assert header["per_benchmark"] == {"quiz": {"items": 9, "too_short": 0}, "quiz-hf": {"items": 3, "too_short": 0}}
    found = load_index(tmp_path / "q.npz").find(_exam_page(EXAM[2]))
    assert sorted(m.item for m in found) == ["dev:x2", "test:x2", "val:x2", "x2"]


def test_name_equals_path_takes_a_folder_as_that_benchmark(tmp_path):
    root, spec = write_benchmarks(tmp_path)
    (root / "exam" / "science-test.csv").rename(root / "exam" / "renamed.csv")
    header = decontam.build([f"exam={root / 'exam'}"], str(tmp_path / "i.npz"), [str(spec)])
    assert header["per_benchmark"]["exam"]["items"] == 4
    assert header["sources"][0]["blake2b_128"]


def test_bad_descriptions_and_paths_are_errors_that_say_what_to_fix(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: {files: [a.csv], question: q, colour: red}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x.colour: unknown key"):
        load_benchmarks([str(bad)])
    bad.write_text("x: {files: [a.csv]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at least one of passage, question, options"):
        load_benchmarks([str(bad)])
    with pytest.raises(InputError, match="not found"):
        decontam.build([str(tmp_path / "missing")], str(tmp_path / "i.npz"))
    (tmp_path / "own.csv").write_text("q\n질문\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no benchmark description matches"):
        decontam.build([str(tmp_path / "own.csv")], str(tmp_path / "i.npz"))
    (tmp_path / "i.npz").write_bytes(b"not an index")
    with pytest.raises(ValueError, match="not a decontamination index"):
        load_index(tmp_path / "i.npz")
