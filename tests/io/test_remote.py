"""Outputs to an fsspec URL: the default recipe (dedup steps and their `_work/` files
included) into a real S3 API served locally (moto), against a run into a local folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import jeongje
from jeongje.cli import main
from jeongje.errors import ConfigError, InputError, MissingDependencyError
from jeongje.report.html import write_report
from tests.helpers import TOPICS, crawl_pages, distinct_doc, rows, write_jsonl, write_warc

FOLDERS = ("documents", "ledger", "edits", "originals")
SHARD_BYTES = 16_000


def same_output(s3, url, local) -> None:
    """Same rows, order-free (read back through the library's readers)."""
    assert rows(jeongje.read_documents(url, s3.options)) == rows(local.documents())
    assert rows(jeongje.read_ledger(url, storage_options=s3.options)) == rows(local.ledger())
    assert rows(jeongje.read_edits(url, s3.options)) == rows(local.edits())
    assert jeongje.read_manifest(url, s3.options)["counts"] == local.counts


def same_files(s3, prefix, local_folder) -> None:
    """File by file, the same names and bytes in every output folder."""
    local = {p.relative_to(local_folder).as_posix(): p.read_bytes()
             for folder in FOLDERS for p in (local_folder / folder).iterdir()}
    remote = s3.fs.cat([f"{s3.bucket}/{prefix}/{name}" for name in local])  # one batch of GETs
    assert sorted(p.split(f"/{prefix}/", 1)[1] for p in s3.fs.find(f"{s3.bucket}/{prefix}")
                  if p.split(f"/{prefix}/", 1)[1].split("/")[0] in FOLDERS) == sorted(local)
    assert {p.split(f"/{prefix}/", 1)[1]: data for p, data in remote.items()} == local


def test_the_default_recipe_into_s3_writes_what_a_local_folder_gets(s3, tmp_path):
    local = jeongje.run(jeongje.sample_path(), tmp_path / "local", workers=2, progress=False)
    remote = jeongje.run(jeongje.sample_path(), s3.url("run"), workers=2, progress=False,
                         storage_options=s3.options)
    assert remote.output == s3.url("run") and not remote.resumed
    same_output(s3, s3.url("run"), local)
    assert rows(remote.documents()) == rows(local.documents())
    same_files(s3, "run", tmp_path / "local")
    found = s3.fs.find(f"{s3.bucket}/run")
    assert not [f for f in found if "/_work/" in f or f.endswith(".tmp")]  # removed at the end
    manifest = jeongje.read_manifest(s3.url("run"), s3.options)
    assert manifest["conservation"]["ok"] and manifest["counts"] == local.counts
    assert s3.options["secret"] not in s3.fs.cat_file(f"{s3.bucket}/run/manifest.json").decode()


def test_a_crawl_into_s3_keeps_its_site_policies_there_and_honours_them(s3, tmp_path):
    """robots.txt/tdmrep.json found in a WARC go to OUT/site_policies on the store; the
    workers read them from a local copy."""
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, crawl_pages())
    local = jeongje.run(str(warc), tmp_path / "local", workers=2, progress=False)
    remote = jeongje.run(str(warc), s3.url("crawl"), workers=2, progress=False,
                         storage_options=s3.options)
    assert s3.fs.isfile(f"{s3.bucket}/crawl/site_policies/b.example.co.kr/robots.txt")
    same_output(s3, s3.url("crawl"), local)
    signals = {json.loads(r["detail"]).get("signal") for r in remote.ledger().to_pylist()}
    assert {"robots-txt", "tdm-reservation"} <= signals  # from the crawl's site files


def test_a_file_url_is_a_local_folder(tmp_path):
    out = tmp_path / "out"
    result = jeongje.run(jeongje.sample_path(), f"file://{out}", workers=1, progress=False)
    assert result.output == f"file://{out}"
    assert (out / "manifest.json").is_file() and any((out / "documents").iterdir())
    assert rows(result.documents()) == rows(jeongje.read_documents(out))


def killed_input(tmp_path):
    """~120 KB of documents, a third of them near-duplicates, so every dedup step decides."""
    recs = [distinct_doc(i) for i in range(240)]
    for i in range(0, 240, 3):
        recs[i]["text"] = TOPICS[i % 6] + f" 같은 기사 {i % 5}. " + TOPICS[(i + 1) % 6]
    return write_jsonl(tmp_path / "in.jsonl", recs)


@pytest.mark.slow
def test_a_run_killed_part_way_resumes_on_s3_to_the_same_output(s3, tmp_path):
    path = killed_input(tmp_path)
    local = jeongje.run(str(path), tmp_path / "ref", workers=1, shard_bytes=SHARD_BYTES, progress=False)
    shards = local.manifest["shards"]
    assert shards >= 5
    command = [sys.executable, "-m", "jeongje", "run", "-i", str(path), "-o", s3.url("out"),
               "--workers", "2", "--shard-bytes", str(SHARD_BYTES), "--no-progress", *s3.cli_options()]
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    markers = f"{s3.bucket}/out/_markers"
    deadline = time.monotonic() + 60
    done: list[str] = []
    while time.monotonic() < deadline and proc.poll() is None:  # stop it in the second step
        done = s3.fs.ls(markers) if s3.fs.exists(markers) else []
        if len(done) >= shards + 3:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, no cleanup
    proc.wait()
    assert len(done) >= shards + 3, "the run was not seen to reach its second step in time"
    assert not s3.fs.exists(f"{s3.bucket}/out/manifest.json"), "the run finished before the kill"
    assert s3.fs.ls(f"{s3.bucket}/out/_work")  # the intermediate files of the dedup steps
    rerun = jeongje.run(str(path), s3.url("out"), workers=1, shard_bytes=SHARD_BYTES, progress=False,
                        storage_options=s3.options)  # in this process: the same as the command
    assert rerun.resumed and rerun.counts == local.counts
    same_files(s3, "out", tmp_path / "ref")  # byte-identical files: the same rows too


@pytest.mark.parametrize("output, error, message", [
    ("nope://bucket/out", ConfigError, "Protocol not known: nope"),
    ("s3://", ConfigError, "names no bucket"),
])
def test_a_bad_output_url_is_a_clear_error(tmp_path, output, error, message):
    with pytest.raises(error, match=message):
        jeongje.run(jeongje.sample_path(), output, progress=False)


def test_storage_options_for_a_local_folder_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="storage options apply to an output URL"):
        jeongje.run(jeongje.sample_path(), tmp_path / "out", storage_options={"anon": True})


def test_without_s3fs_the_error_says_what_to_install(monkeypatch):
    fsspec_registry = pytest.importorskip("fsspec.registry")
    monkeypatch.delitem(fsspec_registry._registry, "s3", raising=False)  # forget an earlier import
    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs -> ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'jeongje\[s3\]'"):
        jeongje.run(jeongje.sample_path(), "s3://bucket/out", progress=False)


def test_the_cli_takes_storage_options_and_refuses_urls_where_it_reads_locally(tmp_path):
    result = CliRunner().invoke(main, ["run", "-i", str(jeongje.sample_path()), "-o", "nope://b/x"])
    assert result.exit_code == 2 and result.output.startswith("error: output nope://b/x: Protocol not known")
    result = CliRunner().invoke(main, ["run", "-i", str(jeongje.sample_path()), "-o", str(tmp_path),
                                       "--storage-option", "anon"])
    assert result.exit_code == 2 and "expected KEY=VALUE" in result.output
    for command in (["report"], ["stats"], ["optout", "--publisher", "x"]):
        result = CliRunner().invoke(main, [*command, "s3://bucket/out"])
        assert result.exit_code == 2 and "download OUT first" in result.output, command
    with pytest.raises(InputError, match="download OUT first"):
        write_report("s3://bucket/out")


def test_a_local_run_never_imports_fsspec(tmp_path):
    code = ("import sys, jeongje; jeongje.run(jeongje.sample_path(), sys.argv[1], workers=1, "
            "progress=False); print(sorted({'fsspec', 's3fs'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
