from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


TOPICS = [
    "누리시는 올해 가을부터 한강 공원 세 곳에 야간 도서관을 시범 운영한다고 밝혔다. 운영 시간은 오후 여섯 시부터 열 시까지다.",
    "가람군 농가들이 올해 첫 햇사과를 출하했다. 잦은 비에도 당도는 예년 수준을 유지했고 출하 물량은 다소 줄었다.",
    "해솔항 여객터미널이 리모델링을 마치고 다시 문을 열었다. 대합실 면적은 두 배로 넓어졌고 편의시설도 늘었다.",
    "청솔대 연구진이 수면 시간과 기억력의 관계를 분석했다. 하루 여섯 시간 미만 잠을 잔 사람은 기억력 점수가 낮았다.",
    "대명구가 어린이 보호구역 단속 카메라를 마흔 대 늘린다. 설치는 연말까지 마무리되고 예산은 구비로 충당한다.",
    "온새미로 전자가 접이식 태블릿 시제품을 공개했다. 화면을 펼치면 열두 인치가 되지만 출시 시기는 정해지지 않았다.",
]


def distinct_doc(i: int) -> dict:
    """Korean documents that are not near-duplicates of each other (for the default recipe)."""
    n = len(TOPICS)
    return {"id": f"doc-{i:04d}", "text": " ".join(TOPICS[(i + k) % n] for k in (0, 2, 3))}


@dataclass
class S3:
    """A fresh bucket on the local S3 server: `url(name)` is an output URL in it, `options`
    the storage options that reach it (endpoint and dummy credentials), `fs` an s3fs client."""

    bucket: str
    options: dict
    fs: Any

    def url(self, name: str) -> str:
        return f"s3://{self.bucket}/{name}"

    def cli_options(self) -> list[str]:
        return [a for k, v in self.options.items() for a in ("--storage-option", f"{k}={v}")]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server) on a free local port, for the whole session."""
    pytest.importorskip("s3fs", reason="s3:// outputs need `pip install jeongje[s3]`")
    server = pytest.importorskip("moto.server", reason="the S3 tests need moto[server] (dev group)")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    moto = server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    moto.start()
    host, port = moto.get_host_and_port()
    yield f"http://{host}:{port}"
    moto.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch) -> S3:
    import s3fs

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "not-used")  # never a real account, should anything look
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    options = {"endpoint_url": s3_endpoint, "key": "test-key", "secret": "test-secret-42"}
    fs = s3fs.S3FileSystem(**options, use_listings_cache=False, skip_instance_cache=True)
    bucket = f"jeongje-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    return S3(bucket, options, fs)
