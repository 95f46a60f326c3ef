"""Retroactive opt-outs on a finished output: ledger events, documents, manifest, report,
dry run, idempotence, registry dates, subdomains, rerunning the run afterwards."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import jeongje
from jeongje.cli import main
from jeongje.optout import optout
from tests.helpers import meta


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("optout") / "run"
    jeongje.run(str(jeongje.sample_path()), out, progress=False, workers=2)
    return out


@pytest.fixture
def out(finished, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(finished, copy)
    return copy


def _state(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def _kept_by_publisher(out: Path, name: str) -> set[str]:
    return {r["id"] for r in jeongje.read_documents(out).to_pylist()
            if meta(r["metadata"]).get("publisher") == name}


def test_dry_run_lists_and_changes_nothing(out):
    before = _state(out)
    r = CliRunner().invoke(main, ["optout", str(out), "--publisher", "한결일보", "--dry-run"])
    assert r.exit_code == 0, r.output
    expected = _kept_by_publisher(out, "한결일보")
    assert len(expected) >= 3
    assert all(i in r.output for i in expected) and f"would remove {len(expected)}" in r.output
    assert _state(out) == before


def test_optout_records_events_removes_documents_and_is_idempotent(out):
    run_ledger = jeongje.read_ledger(out)
    gone = _kept_by_publisher(out, "한결일보")
    manifest0 = jeongje.read_manifest(out)
    result = optout(out, publishers=["한결 일보"])  # names match as the rights stage matches them
    assert {m["id"] for m in result.matches} == gone and result.removed == len(gone)
    assert not gone & {r["id"] for r in jeongje.read_documents(out).to_pylist()}
    # the run's rows are untouched; the events are new rows in a new file
    assert jeongje.read_ledger(out, history=True).num_rows == run_ledger.num_rows + len(gone)
    assert result.ledger_file is not None and result.ledger_file.name == "optout-00001.parquet"
    current = {r["id"]: r for r in jeongje.read_ledger(out).to_pylist()}
    assert len(current) == run_ledger.num_rows
    for i in gone:
        row = current[i]
        assert (row["outcome"], row["stage"], row["reason"]) == ("dropped", "optout", "rights_optout")
        detail = json.loads(row["detail"])
        assert detail["registry_entry"] == "한결 일보" and detail["previous_outcome"] == "kept"
        assert detail["request"] == {"publishers": ["한결 일보"]}
    history = [r for r in jeongje.read_ledger(out, history=True).to_pylist() if r["id"] == sorted(gone)[0]]
    assert [h["outcome"] for h in history] == ["kept", "dropped"]
    m = jeongje.read_manifest(out)
    assert m["counts"]["kept"] == manifest0["counts"]["kept"] - len(gone)
    assert m["counts"]["dropped"] == manifest0["counts"]["dropped"] + len(gone)
    assert m["conservation"]["ok"] and m["conservation"]["document_rows"] == m["counts"]["kept"]
    assert m["optouts"][0]["removed"] == len(gone) and m["optouts"][0]["file"] == "ledger/optout-00001.parquet"
    assert {"outcome": "dropped", "stage": "optout", "reason": "rights_optout"}.items() <= next(
        r for r in m["by_outcome_stage_reason"] if r["stage"] == "optout").items()
    # stats reads the current outcomes
    stats = CliRunner().invoke(main, ["stats", str(out)])
    assert "rights_optout" in stats.output
    kept_line = next(line for line in stats.output.splitlines() if line.startswith("kept"))
    assert f" {m['counts']['kept']} " in kept_line
    # the same request again changes nothing at all
    state = _state(out)
    again = optout(out, publishers=["한결 일보"])
    assert again.removed == 0 and again.ledger_file is None and _state(out) == state


def test_domain_matches_subdomains_and_registry_honours_since(out, tmp_path):
    docs = {r["id"]: meta(r["metadata"]) for r in jeongje.read_documents(out).to_pylist()}
    board = {i for i, m in docs.items() if "example-board.kr" in m.get("url", "")}
    assert board and all("community." in docs[i]["url"] for i in board)
    r = optout(out, domains=["example-board.kr"], dry_run=True)
    assert {m["id"] for m in r.matches} == board
    dated = {i: m["date"] for i, m in docs.items() if "example-saenuri.co.kr" in m.get("url", "") and m.get("date")}
    assert len(set(dated.values())) > 1
    cut = sorted(dated.values())[len(dated) // 2]
    registry = tmp_path / "optouts.yaml"
    registry.write_text(
        "publishers:\n"
        "  - name: 새누리일보 opt-out letter\n"
        "    domains: [example-saenuri.co.kr]\n"
        "    reservation: ai_training_prohibited\n"
        f"    since: {cut}\n"
        "    source: letter of 2025-01-10\n"
        "  - name: 어느 신문\n"
        "    reservation: reproduction_prohibited\n", encoding="utf-8")
    result = optout(out, registry=registry)
    assert {m["id"] for m in result.matches} == {i for i, d in dated.items() if d >= cut}
    row = next(r for r in jeongje.read_ledger(out).to_pylist() if r["stage"] == "optout")
    assert json.loads(row["detail"])["registry_source"] == "letter of 2025-01-10"
    # --since narrows a publisher request the same way
    later = optout(out, domains=["example-saenuri.co.kr"], since=date(2100, 1, 1), dry_run=True)
    assert later.matches == []


def test_rerunning_the_run_keeps_the_optout_and_the_report_follows(out):
    CliRunner().invoke(main, ["report", str(out)])
    gone = _kept_by_publisher(out, "새누리일보")
    r = CliRunner().invoke(main, ["optout", str(out), "--publisher", "새누리일보"])
    assert r.exit_code == 0 and f"removed {len(gone)}" in r.output
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "rights_optout" in page and "optout-00001.parquet" in page
    result = jeongje.run(str(jeongje.sample_path()), out, progress=False)  # resume a finished run
    assert result.resumed and result.counts == jeongje.read_manifest(out)["counts"]
    assert not gone & {r["id"] for r in jeongje.read_documents(out).to_pylist()}
    assert result.manifest["optouts"][0]["removed"] == len(gone)


def test_jsonl_output(tmp_path):
    out = tmp_path / "out"
    jeongje.run(str(jeongje.sample_path()), out, progress=False, format="jsonl")
    gone = _kept_by_publisher(out, "한결일보")
    assert optout(out, publishers=["한결일보"]).removed == len(gone) > 0
    assert not gone & {r["id"] for r in jeongje.read_documents(out).to_pylist()}
    assert jeongje.read_manifest(out)["conservation"]["ok"]


def test_clear_errors(out, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["optout", str(out)])
    assert r.exit_code == 2 and "give --publisher, --domain or --registry" in r.output
    r = runner.invoke(main, ["optout", str(tmp_path), "--publisher", "x"])
    assert r.exit_code == 2 and "holds no jeongje run" in r.output
    r = runner.invoke(main, ["optout", str(out), "--domain", "https://x.kr/a"])
    assert r.exit_code == 2 and "host name" in r.output
