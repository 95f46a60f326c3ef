"""Where a run's outputs live: a `Store` is a local folder or any fsspec URL the cluster
can write (`s3://bucket/prefix`, `gs://bucket/prefix`, `file:///data/out`, ...).

Everything names files relative to OUT ("ledger/part-00003.parquet") and reads and writes
them through a Store. `LocalStore` (a plain path, or a `file://` URL) is here: a file is
written under a temporary name next to its final name and renamed into place
(`os.replace`). `RemoteStore` (io/remote.py, the only module that knows fsspec) uploads
each file whole. In both, a killed run never leaves a half-written file under a final
name. Stores pickle: worker processes and Ray tasks carry them. `io/location.py` opens the
store of a location.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

TMP_SUFFIX = ".tmp"


def spill_dir() -> Path:
    """This process's local folder for files on their way to or from a remote store:
    `$TMPDIR/jeongje-spill/HOST-PID`, removed at exit. The first call also removes the
    folders that processes of this host which are gone (a killed run) left behind."""
    root = Path(tempfile.gettempdir()) / "jeongje-spill"
    host = socket.gethostname()
    mine = root / f"{host}-{os.getpid()}"
    if not mine.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        for other in root.glob(f"{host}-*"):
            pid = other.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(other, ignore_errors=True)
        mine.mkdir(exist_ok=True)
        atexit.register(shutil.rmtree, mine, True)
    return mine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a local `path` via a temporary file and an atomic rename."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json_text(data))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Store(ABC):
    """A run's output folder. Names are relative to it and use `/`; "" is the folder itself."""

    remote: bool

    def __str__(self) -> str:
        return self.location()

    @abstractmethod
    def location(self, name: str = "") -> str:
        """Where `name` is, for messages and for the manifest (a path or a URL)."""

    @abstractmethod
    def path(self, name: str) -> str:
        """`name` as a path of `filesystem` (for pyarrow and Ray Data readers)."""

    @property
    @abstractmethod
    def filesystem(self) -> Any:
        """A `pyarrow.fs.FileSystem` that reads `path(name)`."""

    @abstractmethod
    def is_file(self, name: str) -> bool: ...

    @abstractmethod
    def is_empty(self) -> bool:
        """True when the folder is missing or holds nothing."""

    @abstractmethod
    def list(self, folder: str, pattern: str = "*") -> list[str]:
        """Sorted names of the files directly in `folder` matching `pattern` ([] if none)."""

    @abstractmethod
    def read_bytes(self, name: str) -> bytes: ...

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """`name` opened for binary reading (close it, or use `with`)."""

    @abstractmethod
    def write_json(self, name: str, data: Any) -> None:
        """Write JSON to `name`, atomically."""

    @abstractmethod
    def makedirs(self, folder: str = "") -> None: ...

    @abstractmethod
    def staging(self, name: str) -> Path:
        """A local file to write `name` into; then `publish` (or `discard`) it."""

    @abstractmethod
    def publish(self, tmp: Path, name: str) -> None:
        """Make the finished staging file `tmp` appear as `name`, atomically."""

    def discard(self, tmp: Path) -> None:
        tmp.unlink(missing_ok=True)

    @abstractmethod
    def remove(self, name: str) -> None:
        """Remove a file (nothing if it is missing)."""

    @abstractmethod
    def remove_tree(self, folder: str) -> None:
        """Remove a folder and everything in it (nothing if it is missing)."""

    @abstractmethod
    def remove_temporaries(self, folders: tuple[str, ...]) -> None:
        """Remove staging files a killed run left under these folders."""

    @abstractmethod
    def fetch(self, names: list[str]) -> Any:
        """Context manager: local paths of these files (copies for a remote store, removed
        on exit), for readers that need a local file (DuckDB)."""

    @abstractmethod
    def filling(self, folder: str) -> Any:
        """Context manager: a local folder whose files end up under `folder` on exit."""

    @abstractmethod
    def mirror(self, folder: str, key: str) -> str:
        """A local folder with the files of `folder` (copied once per process and `key`)."""

    def read_json(self, name: str) -> Any:
        """The JSON in `name`, or None when it is missing or not JSON."""
        try:
            return json.loads(self.read_bytes(name).decode("utf-8"))
        except (OSError, ValueError):
            return None


class LocalStore(Store):
    """A folder on this machine (or one every node shares)."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def location(self, name: str = "") -> str:
        return str(self.root / name) if name else str(self.root)

    def path(self, name: str) -> str:
        return str((self.root / name).absolute())

    @property
    def filesystem(self) -> Any:
        import pyarrow.fs

        return pyarrow.fs.LocalFileSystem()

    def is_file(self, name: str) -> bool:
        return (self.root / name).is_file()

    def is_empty(self) -> bool:
        return not self.root.is_dir() or not any(self.root.iterdir())

    def list(self, folder: str, pattern: str = "*") -> list[str]:
        return sorted(p.name for p in (self.root / folder).glob(pattern) if p.is_file())

    def read_bytes(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def open(self, name: str) -> BinaryIO:
        return open(self.root / name, "rb")  # noqa: SIM115 - the caller closes it

    def write_json(self, name: str, data: Any) -> None:
        write_json_atomic(self.root / name, data)

    def makedirs(self, folder: str = "") -> None:
        (self.root / folder).mkdir(parents=True, exist_ok=True)

    def staging(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # the process id: a straggling worker of a killed run never shares a staging file
        # with the rerun's
        return path.with_name(f"{path.name}.{os.getpid()}{TMP_SUFFIX}")

    def publish(self, tmp: Path, name: str) -> None:
        os.replace(tmp, self.root / name)

    def remove(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def remove_tree(self, folder: str) -> None:
        shutil.rmtree(self.root / folder, ignore_errors=True)

    def remove_temporaries(self, folders: tuple[str, ...]) -> None:
        for folder in folders:
            for tmp in (self.root / folder).rglob(f"*{TMP_SUFFIX}"):
                tmp.unlink(missing_ok=True)

    @contextmanager
    def fetch(self, names: list[str]) -> Iterator[list[Path]]:
        yield [self.root / n for n in names]

    @contextmanager
    def filling(self, folder: str) -> Iterator[Path]:
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        yield self.root / folder

    def mirror(self, folder: str, key: str) -> str:
        return self.location(folder)
