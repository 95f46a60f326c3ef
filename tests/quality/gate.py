"""Quality-gate helpers: pinned floors that cannot be lowered silently.

Each category has `floors/<category>.json` ({metric: floor}). A gate test passes its
measured value and the issue's minimum: the floor must not be below the minimum written in
the test (so lowering a floor needs two visible edits), and the measured value must reach
the floor. Raise a floor when quality improves; never lower it without review.
"""

from __future__ import annotations

import json
from pathlib import Path

CASES = Path(__file__).parent / "cases"
FLOORS = Path(__file__).parent / "floors"


def load_cases(name: str) -> list[dict]:
    with open(CASES / f"{name}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def assert_floor(category: str, metric: str, value: float, minimum: float) -> None:
    floors = json.loads((FLOORS / f"{category}.json").read_text(encoding="utf-8"))
    floor = floors[metric]
    assert floor >= minimum, (
        f"{category}.{metric}: pinned floor {floor} is below the required minimum {minimum}")
    print(f"quality-gate {category}.{metric} = {value:.4f} (floor {floor})")
    assert value >= floor, f"{category}.{metric} = {value:.4f} fell below its floor {floor}"
