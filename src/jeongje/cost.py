"""What a run cost: CPU and wall seconds per gigabyte of input, per stage and in all, the
peak memory of its processes, and an energy and carbon estimate from them.

The estimate follows Green Algorithms (Lannelongue, Grealey & Inouye, "Green Algorithms:
Quantifying the Carbon Footprint of Computation", Advanced Science 2021, 2100707):

    energy = (busy core time x power per core + memory x power per GB x run time) x PUE
    carbon = energy x carbon intensity of the grid

Busy core time is the CPU time the stages measured (a core that waits costs no core
power in this model); memory is the peak resident memory of one process times the
processes that ran at once (an upper bound: they do not all peak together). Defaults:
12 W per core and 0.3725 W per GB of memory (the paper's defaults), PUE 1.67 (its world
average data centre), and 0.4173 kg CO2e per kWh, Korea's national grid factor for
electricity consumed (기후에너지환경부, 전력배출계수 공표 2025-12-18, for 2023; the
2020-2022 average was 0.4541). Each is a run option (`--watts-per-core`, `--pue`,
`--grid-intensity`): set them for your hardware, data centre and electricity contract.

The figures cover the stages' work (every shard step and global decision, including
those of earlier runs a resumed run reuses), not planning and the final checks; wall
seconds are those of the last invocation.
"""

from __future__ import annotations

from typing import Any

from .stats import Stats, peak_rss

WATTS_PER_CORE = 12.0
WATTS_PER_GB_MEMORY = 0.3725
PUE = 1.67
GRID_KG_PER_KWH = 0.4173
GRID_SOURCE = "Korea national grid, 2023 (기후에너지환경부 전력배출계수, published 2025-12-18)"


def run_cost(stats: Stats, input_bytes: int, wall_seconds: float, processes: int,
             watts_per_core: float = WATTS_PER_CORE, pue: float = PUE,
             grid_intensity: float = GRID_KG_PER_KWH) -> dict[str, Any]:
    """The manifest's `cost` block."""
    gb = input_bytes / 1e9
    cpu = sum(t[1] for t in stats.stage_time.values())
    peak = max(stats.peak_rss, peak_rss())
    memory_gb = peak / 1e9 * max(1, processes)
    core_kwh = cpu / 3600 * watts_per_core / 1000
    memory_kwh = memory_gb * WATTS_PER_GB_MEMORY * wall_seconds / 3600 / 1000
    kwh = (core_kwh + memory_kwh) * pue

    def per_gb(seconds: float) -> float | None:
        return round(seconds / gb, 3) if gb > 0 else None

    return {
        "input_gb": _figures(gb),
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall_seconds, 3),
        "cpu_seconds_per_gb": per_gb(cpu),
        "wall_seconds_per_gb": per_gb(wall_seconds),
        "stages": {name: {"cpu_seconds_per_gb": per_gb(t[1]), "wall_seconds_per_gb": per_gb(t[0])}
                   for name, t in stats.stage_time.items()},
        "peak_rss_bytes": peak,
        "processes": processes,
        "energy_kwh": _figures(kwh),
        "energy_kwh_per_gb": _figures(kwh / gb) if gb > 0 else None,
        "co2e_kg": _figures(kwh * grid_intensity),
        "co2e_kg_per_gb": _figures(kwh * grid_intensity / gb) if gb > 0 else None,
        "assumptions": {"watts_per_core": watts_per_core, "watts_per_gb_memory": WATTS_PER_GB_MEMORY,
                        "pue": pue, "grid_kg_co2e_per_kwh": grid_intensity,
                        "grid": GRID_SOURCE if grid_intensity == GRID_KG_PER_KWH else "set by the user",
                        "method": "Green Algorithms (Lannelongue et al., Advanced Science 2021)"},
    }


def _figures(x: float, digits: int = 4) -> float:
    """`x` to `digits` significant figures (an estimate claims no more)."""
    return float(f"{x:.{digits}g}")


def describe(cost: dict[str, Any]) -> str:
    """One line for the run's summary."""
    a = cost["assumptions"]
    per_gb = cost.get("cpu_seconds_per_gb")
    energy = cost["energy_kwh"]
    return (f"cost: {cost['cpu_seconds']:,.1f} CPU-s over {cost['wall_seconds']:,.1f} s wall"
            + (f" ({per_gb:,.0f} CPU-s per GB of input)" if per_gb is not None else "")
            + f", peak memory {cost['peak_rss_bytes'] / 1e6:,.0f} MB per process; "
            f"about {_energy(energy)} and {_mass(cost['co2e_kg'])} CO2e "
            f"({a['watts_per_core']:g} W/core, PUE {a['pue']:g}, {a['grid_kg_co2e_per_kwh']:g} kg CO2e/kWh)")


def _energy(kwh: float) -> str:
    return f"{kwh:,.3f} kWh" if kwh >= 0.01 else f"{kwh * 1000:,.3f} Wh"


def _mass(kg: float) -> str:
    return f"{kg:,.3f} kg" if kg >= 0.01 else f"{kg * 1000:,.3f} g"
