"""A broken environment stops the run with one `error:` line and exit code 2, never a
quarantine row per document, and the same command resumes once it is fixed: a really full
file system (a small tmpfs), a real MemoryError (an address-space limit), a package that a
stage imports while it works."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

import jeongje
from jeongje.errors import MissingDependencyError
from tests.helpers import distinct_doc, snapshot, write_jsonl


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jeongje", *args], capture_output=True, text=True,
                          timeout=300, **kw)


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    return lines[0]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 400 KB tmpfs (needs root: skipped elsewhere, except under CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs for the full-disk test: {made.stderr.strip()}")
        pytest.skip(f"a full-disk test needs to mount a tmpfs (root): {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_stops_the_run_with_one_error_and_the_same_command_resumes(tmp_path, tiny_disk):
    path = write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(3000)])  # ~1.5 MB
    args = ["run", "-i", str(path), "-o", str(tiny_disk / "out"), "--no-progress", "-w", "1",
            "--shard-bytes", "200000", "-r", "korean-news"]
    full = _cli(*args)
    line = _one_error_line(full)
    assert "no space left on the device" in line and "run the same command again" in line
    assert "Traceback" not in full.stderr
    assert not (tiny_disk / "out" / "manifest.json").exists()
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)
    again = _cli(*args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resumed" in again.stdout
    reference = tmp_path / "reference"
    _cli(*args[:4], str(reference), *args[5:])
    assert snapshot(tiny_disk / "out") == snapshot(reference)


def test_running_out_of_memory_stops_the_run_instead_of_quarantining(tmp_path):
    """A real MemoryError: a stage of our own asks for more than the process may have
    (RLIMIT_AS), as a stage on a too-small machine would."""
    script = tmp_path / "hungry.py"
    script.write_text(textwrap.dedent('''
        import resource, sys
        from dataclasses import dataclass
        from typing import ClassVar
        from jeongje.registry import register
        from jeongje.stage import Stage

        @register
        @dataclass
        class Hungry(Stage):
            name: ClassVar[str] = "test.hungry"
            version: ClassVar[int] = 1

            def process(self, doc):
                if doc.id.endswith("7"):
                    bytearray(6 << 30)  # 6 GiB under a 5 GiB address space
                return None

        if __name__ == "__main__":
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (5 << 30, hard))
            from jeongje.cli import main
            sys.argv = ["jeongje", *sys.argv[1:]]
            main()
    '''), encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text("name: hungry\nstages: [normalize.unicode, test.hungry]\n",
                                          encoding="utf-8")
    path = write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(20)])
    result = subprocess.run([sys.executable, str(script), "run", "-i", str(path), "-o", str(tmp_path / "out"),
                             "-r", str(tmp_path / "recipe.yaml"), "--no-progress", "-w", "1"],
                            capture_output=True, text=True, timeout=300)
    line = _one_error_line(result)
    assert "out of memory" in line and "running stage test.hungry" in line
    assert not list((tmp_path / "out" / "ledger").glob("*.parquet"))  # no quarantine rows


def test_a_package_a_stage_imports_while_it_works_stops_the_run(tmp_path):
    from jeongje.recipe import recipe_from_dict
    from jeongje.registry import register
    from jeongje.stage import Stage

    @register
    @dataclass
    class NeedsAbsent(Stage):
        name: ClassVar[str] = "test.needs_absent"
        version: ClassVar[int] = 1

        def process(self, doc):
            import jeongje_no_such_package  # noqa: F401
            return None

    @register
    @dataclass
    class Declares(Stage):
        name: ClassVar[str] = "test.declares"
        version: ClassVar[int] = 1
        requires: ClassVar[dict[str, str]] = {"jeongje_no_such_package": "jeongje-no-such-package>=1"}

        def process(self, doc):
            return None

    path = write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(5)])
    recipe = recipe_from_dict({"name": "t", "stages": ["test.needs_absent"]})
    with pytest.raises(MissingDependencyError, match="cannot be imported while running stage test.needs_absent.*jeongje_no_such_package"):
        jeongje.run(str(path), tmp_path / "a", recipe, workers=1, progress=False)
    assert not list(Path(tmp_path / "a" / "ledger").glob("*.parquet"))
    declared = recipe_from_dict({"name": "t", "stages": ["test.declares"]})
    with pytest.raises(MissingDependencyError, match="pip install 'jeongje-no-such-package>=1'"):
        jeongje.run(str(path), tmp_path / "b", declared, workers=1, progress=False)
    assert not (tmp_path / "b").exists()  # checked before the output is touched
