from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("JEONGJE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real Korean corpora; tests that need them skip in a user's clone without them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATA} (set JEONGJE_SHARED_DATA); "
                    "CI always has them")
    return SHARED_DATA


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


KOREAN = (
    "서울시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다. "
    "시민 누구나 무료로 책을 빌려 읽을 수 있으며, 운영 시간은 오후 여섯 시부터 열 시까지다. "
    "시는 이용자 반응을 살펴 내년에 운영 장소를 늘릴 계획이다."
)


def korean_doc(i: int, **extra) -> dict:
    return {"id": f"doc-{i:04d}", "text": f"{i}번째 기사. {KOREAN}", **extra}


def replay(text: str, edits) -> str:
    """Apply one stage's recorded edits (offsets into the text it received) to that text."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        assert pos <= e.start <= e.end <= len(text), "edits overlap or leave the text"
        out += [text[pos:e.start], e.replacement]
        pos = e.end
    return "".join(out) + text[pos:]
