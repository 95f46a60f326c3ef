"""Fixtures: the real corpora (skipped where absent) and a real S3 API served locally.
Helpers shared by tests are in tests/helpers.py."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest

from tests.helpers import REPO, S3

SHARED_DATA = Path(os.environ.get("JEONGJE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real Korean corpora; tests that need them skip in a user's clone without them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATA} (set JEONGJE_SHARED_DATA); "
                    "CI always has them")
    return SHARED_DATA


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
