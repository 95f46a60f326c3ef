"""Benchmark-shaped files written by us, for the decontamination tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

# four-option exam items in KMMLU's shape (question, answer, A-D), written by us
EXAM = [
    {"question": "다음 중 조선 후기 실학자들이 주장한 토지 개혁론에 해당하는 것은?", "answer": "2",
     "A": "과전법", "B": "정전제와 균전론", "C": "직전법 시행", "D": "녹읍 부활"},
    {"question": "광합성에서 빛에너지를 흡수하는 색소로 옳은 것은?", "answer": "1",
     "A": "엽록소", "B": "헤모글로빈", "C": "멜라닌", "D": "케라틴"},
    {"question": "물이 얼음으로 바뀌는 상태 변화를 무엇이라고 하는가?", "answer": "3",
     "A": "기화", "B": "액화", "C": "응고", "D": "승화"},
    {"question": "다음 중 옳지 않은 것은?", "answer": "4", "A": "가", "B": "나", "C": "다", "D": "라"},
]
# a reading passage with questions in KorQuAD's nested shape
READING = {"data": [{"title": "마을 도서관", "paragraphs": [{
    "context": ("한밭마을 도서관은 주민들이 직접 모은 책 삼천 권으로 문을 열었다. 처음에는 낡은 창고를 "
                "고쳐 썼지만, 십 년이 지나자 방문객이 늘어 새 건물로 옮겼다. 지금은 어린이 열람실과 "
                "동네 기록 보관실을 함께 운영하며 해마다 마을 이야기 책을 펴낸다."),
    "qas": [{"id": "q-1", "question": "도서관은 처음에 어디를 고쳐 썼는가?", "answers": [{"text": "낡은 창고"}]},
            {"id": "q-2", "question": "도서관이 해마다 펴내는 것은?", "answers": [{"text": "마을 이야기 책"}]}],
}]}]}
DESCRIPTIONS = """
exam:
  files: ["exam/*.csv"]
  question: question
  options: [A, B, C, D]
  answer: answer
reading:
  files: ["reading/*.json"]
  records: "data[].paragraphs[].qas[]"
  id: "{id}"
  passage: context
  question: question
"""


def write_benchmarks(root: Path) -> tuple[Path, Path]:
    """The exam CSV and reading JSON under `root`, and a descriptions YAML for them."""
    (root / "exam").mkdir(parents=True, exist_ok=True)
    (root / "reading").mkdir(parents=True, exist_ok=True)
    with open(root / "exam" / "science-test.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["question", "answer", "A", "B", "C", "D"])
        writer.writeheader()
        writer.writerows(EXAM)
    (root / "reading" / "dev.json").write_text(json.dumps(READING, ensure_ascii=False), encoding="utf-8")
    spec = root / "benchmarks.yaml"
    spec.write_text(DESCRIPTIONS, encoding="utf-8")
    return root, spec


def required_params(tmp_path: Path) -> dict[str, dict]:
    """The parameters built-in stages cannot do without, by stage name: an index for
    `decontaminate` (built here from the items above)."""
    from jeongje import decontam

    root, spec = write_benchmarks(tmp_path / "required-bench")
    decontam.build([str(root)], str(tmp_path / "required.npz"), [str(spec)])
    return {"decontaminate": {"index": str(tmp_path / "required.npz")}}
