"""Ray stays optional: nothing imports it unless the Ray executor is chosen."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jeongje.errors import MissingDependencyError


def test_import_jeongje_and_a_local_run_never_import_ray(tmp_path):
    code = ("import sys, jeongje; r = jeongje.run(jeongje.sample_path(), sys.argv[1], progress=False); "
            "print('ray' in sys.modules, r.counts['records'])")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "76"]


def test_choosing_ray_without_it_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    from jeongje.executors.ray import RayExecutor

    with pytest.raises(MissingDependencyError, match=r"pip install 'jeongje\[ray\]'"):
        RayExecutor()
