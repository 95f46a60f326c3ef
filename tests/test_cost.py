"""What a run cost, as the manifest, the summary and `jeongje stats` say it: CPU and wall
seconds per GB of input, peak memory, energy and CO2e by the documented formula."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import ClassVar

import pytest

import jeongje
from jeongje.cost import GRID_KG_PER_KWH, WATTS_PER_GB_MEMORY
from jeongje.recipe import recipe_from_dict
from jeongje.registry import register
from jeongje.stage import Stage
from tests.helpers import distinct_doc, write_jsonl

HELD = []


@register
@dataclass
class Hoard(Stage):
    """Holds 300 MB while it runs (a stage with a large model or table)."""

    name: ClassVar[str] = "test.hoard"
    version: ClassVar[int] = 1

    def process(self, doc):
        if not HELD:
            HELD.append(bytearray(300 * 10**6))
        return None


def _inputs(tmp_path, n=40):
    write_jsonl(tmp_path / "a.jsonl", [distinct_doc(i) for i in range(n // 2)])
    write_jsonl(tmp_path / "b.jsonl", [distinct_doc(i) for i in range(n // 2, n)])
    return [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]


def test_the_cost_block_adds_up_from_the_stages_and_follows_the_formula(tmp_path):
    result = jeongje.run(_inputs(tmp_path), tmp_path / "out", workers=2, progress=False)
    m = result.manifest
    cost = m["cost"]
    cpu = sum(v["cpu"] for v in m["stage_seconds"].values())
    assert cost["cpu_seconds"] == pytest.approx(cpu, abs=0.01) and cpu > 0
    assert cost["wall_seconds"] == m["wall_seconds"]
    gb = m["bytes"]["files_in"] / 1e9
    assert cost["input_gb"] == pytest.approx(gb, rel=1e-3)
    assert cost["cpu_seconds_per_gb"] == pytest.approx(cpu / gb, rel=0.01)
    assert set(cost["stages"]) == set(m["stage_seconds"])
    for name, t in m["stage_seconds"].items():
        assert cost["stages"][name]["cpu_seconds_per_gb"] == pytest.approx(t["cpu"] / gb, rel=0.02, abs=0.0006 / gb)  # manifest: ms
    assert 30e6 < cost["peak_rss_bytes"] < 4e9  # a Python process with pyarrow loaded
    assert cost["processes"] == 2
    a = cost["assumptions"]
    assert a["grid_kg_co2e_per_kwh"] == GRID_KG_PER_KWH and "Korea" in a["grid"]
    kwh = (cpu / 3600 * a["watts_per_core"] / 1000
           + cost["peak_rss_bytes"] / 1e9 * 2 * WATTS_PER_GB_MEMORY * cost["wall_seconds"] / 3600 / 1000) * a["pue"]
    assert cost["energy_kwh"] == pytest.approx(kwh, rel=0.02)
    assert cost["co2e_kg"] == pytest.approx(cost["energy_kwh"] * GRID_KG_PER_KWH, rel=2e-3)
    json.loads((tmp_path / "out" / "manifest.json").read_text(), parse_constant=lambda c: 1 / 0)


def test_peak_memory_is_that_of_the_process_that_did_the_work(tmp_path):
    recipe = recipe_from_dict({"name": "t", "stages": ["test.hoard"]})
    result = jeongje.run(_inputs(tmp_path, 4), tmp_path / "out", recipe, workers=1, progress=False)
    assert result.manifest["cost"]["peak_rss_bytes"] > 300e6


def test_assumptions_are_options_that_do_not_make_another_run(tmp_path):
    inputs = _inputs(tmp_path)
    first = jeongje.run(inputs, tmp_path / "out", workers=1, progress=False)
    again = jeongje.run(inputs, tmp_path / "out", workers=1, progress=False, watts_per_core=0.0, pue=1.0,
                        grid_intensity=0.0)
    assert again.resumed and again.manifest["fingerprint"] == first.manifest["fingerprint"]
    cost = again.manifest["cost"]
    # no core power, PUE 1: memory power alone, over a wall time of a few ms (a finished run
    # resumed), which the manifest rounds to ms
    wall = cost["energy_kwh"] * 3600 * 1000 / (cost["peak_rss_bytes"] / 1e9 * WATTS_PER_GB_MEMORY)
    assert wall == pytest.approx(cost["wall_seconds"], abs=0.0006)
    assert cost["co2e_kg"] == 0 and cost["assumptions"]["grid"] == "set by the user"
    # the resumed run's CPU seconds are those of the work it reused
    assert cost["cpu_seconds"] == first.manifest["cost"]["cpu_seconds"]
    with pytest.raises(jeongje.ConfigError, match="pue"):
        jeongje.run(inputs, tmp_path / "out", workers=1, progress=False, pue=0.5)


def test_the_summary_and_stats_print_the_cost(tmp_path):
    out = tmp_path / "out"
    ran = subprocess.run([sys.executable, "-m", "jeongje", "run", *sum((["-i", p] for p in _inputs(tmp_path)), []),
                          "-o", str(out), "--no-progress", "-w", "1", "--grid-intensity", "0.5"],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    line = next(x for x in ran.stdout.splitlines() if x.startswith("cost: "))
    assert "CPU-s per GB of input" in line and "0.5 kg CO2e/kWh" in line and "PUE 1.67" in line
    stats = subprocess.run([sys.executable, "-m", "jeongje", "stats", str(out)], capture_output=True, text=True,
                           timeout=300)
    assert line in stats.stdout.splitlines()
    bad = subprocess.run([sys.executable, "-m", "jeongje", "run", "-i", str(tmp_path / "a.jsonl"), "-o",
                          str(tmp_path / "o2"), "--pue", "0.2"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--pue" in bad.stderr
