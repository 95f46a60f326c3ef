"""The Ray executor on a real local Ray cluster (2 CPUs): parity, resume, worker death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

import jeongje
from jeongje.recipe import recipe_from_dict
from tests.helpers import rows, same_files, snapshot, write_jsonl

ray = pytest.importorskip("ray", reason="the Ray executor needs `pip install jeongje[ray]`")
# jeongje uses the current Ray API: a deprecation raised from our own calls fails the test
pytestmark = pytest.mark.filterwarnings("error::DeprecationWarning:jeongje")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run(inputs, out, executor, **kw):
    kw.setdefault("progress", False)
    return jeongje.run(inputs, out, "korean-news", executor=executor, workers=2, **kw)


def test_the_bundled_sample_gives_the_same_files_on_both_executors(cluster, tmp_path):
    """Parity on what ships with the package (no ../shared/data needed): the default recipe,
    all four steps, several shards, a damaged input; every output file byte for byte."""
    inputs = [str(jeongje.sample_path())]  # the sample and its damaged file
    local = run(inputs, tmp_path / "local", "local", shard_bytes=12_000)
    remote = run(inputs, tmp_path / "ray", "ray", shard_bytes=12_000)
    assert local.manifest["shards"] >= 3 and local.counts["quarantined"] > 0
    assert remote.manifest["options"]["executor"] == "ray" and remote.counts == local.counts
    assert same_files(tmp_path / "local", tmp_path / "ray") > 10


@pytest.mark.slow
def test_same_documents_ledger_and_edits_as_the_local_executor_on_real_news(cluster, tmp_path, shared_data):
    news = str(shared_data / "ko-news-2019" / "articles.jsonl")  # bodies are in "body"
    news_local = jeongje.run(news, tmp_path / "nl", "korean-news", text_field="body", workers=2,
                             shard_bytes=1_000_000, progress=False)
    news_ray = jeongje.run(news, tmp_path / "nr", "korean-news", text_field="body", workers=2,
                           shard_bytes=1_000_000, progress=False, executor="ray")
    assert news_local.manifest["shards"] > 3
    assert snapshot(tmp_path / "nl") == snapshot(tmp_path / "nr")
    assert news_ray.counts == news_local.counts


def test_a_ray_run_into_s3_writes_what_a_local_run_writes(cluster, tmp_path, s3):
    """The workers are other processes: the endpoint and credentials reach them with the
    tasks (storage options), not through this process's environment. One dedup step (Ray
    stages per step cost seconds): its rows go through `_work/` on S3 and the shuffle's
    readers on the workers read them from there."""
    recipe = recipe_from_dict({"name": "s3", "stages": [
        {"stage": "normalize.unicode"}, {"stage": "filter.language"}, {"stage": "dedup.minhash"}]})
    sample = str(jeongje.sample_path())
    local = jeongje.run(sample, tmp_path / "local", recipe, workers=2, progress=False)
    remote = jeongje.run(sample, s3.url("ray"), recipe, executor="ray", workers=2, progress=False,
                         storage_options=s3.options)
    assert remote.manifest["options"]["executor"] == "ray" and remote.counts == local.counts
    for name in ("documents", "ledger", "edits"):
        assert rows(getattr(remote, name)()) == rows(getattr(local, name)()), name
    assert not s3.fs.exists(f"{s3.bucket}/ray/_work")


@pytest.mark.slow
def test_a_local_run_killed_part_way_resumes_on_ray(cluster, tmp_path):
    """Same markers and files: a run stopped under one executor finishes under the other."""
    recs = [{"id": f"d{i}", "text": f"{i}번 " + "가온시가 공공 와이파이를 늘린다고 밝혔다. " * (3 + i % 5)}
            for i in range(3000)]
    path = write_jsonl(tmp_path / "in.jsonl", recs)
    run(str(path), tmp_path / "ref", "local", shard_bytes=8000)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "jeongje", "run", "-i", str(path), "-o", str(out),
                             "--workers", "2", "--shard-bytes", "8000", "--no-progress"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "_markers").is_dir() and len(list((out / "_markers").glob("*.json"))) >= 5:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "manifest.json").exists(), "the local run finished before it could be stopped"
    result = run(str(path), out, "ray", shard_bytes=8000)
    assert result.resumed and snapshot(out) == snapshot(tmp_path / "ref")


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_the_output_is_unchanged(cluster, tmp_path):
    recs = [{"id": f"d{i}", "text": f"{i}번 " + "누리시는 새 교통 정책을 발표했다. 정책은 내년부터 시행된다. " * (4 + i % 7)}
            for i in range(3000)]
    path = write_jsonl(tmp_path / "in.jsonl", recs)
    run(str(path), tmp_path / "ref", "local", shard_bytes=20_000)
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            if (out / "_markers").is_dir() and len(list((out / "_markers").glob("*.json"))) >= 3:
                for p in psutil.process_iter(["cmdline"]):
                    if "ShardWorker" in " ".join(p.info["cmdline"] or []):
                        p.kill()
                        killed.append(p.pid)
                        break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    result = run(str(path), out, "ray", shard_bytes=20_000)
    killer.join()
    assert killed, "no Ray worker was seen to kill"
    assert snapshot(out) == snapshot(tmp_path / "ref")
    assert result.counts["records"] == 3000
