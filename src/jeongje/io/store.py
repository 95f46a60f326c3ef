"""Where a run's outputs live: a local folder, or any fsspec URL the cluster can write
(`s3://bucket/prefix`, `gs://bucket/prefix`, `file:///data/out`, ...).

This is the only module that knows about fsspec, and it imports fsspec only for a URL.
Everything else names files relative to OUT ("ledger/part-00003.parquet") and reads and
writes them through a `Store`:

* `LocalStore` (a plain path, or a `file://` URL): a file is written under a temporary
  name next to its final name and renamed into place (`os.replace`).
* `RemoteStore` (any other protocol fsspec knows): a file is written to a local temporary
  file under the spill folder (`$TMPDIR/jeongje-spill/HOST-PID`) and uploaded with one `put`;
  an object PUT (or a multipart upload, completed in one call) is atomic, so the final
  name only ever appears complete. Small files (markers, manifest) are one PUT of their
  bytes. fsspec's listing cache is off (`use_listings_cache=False`): other processes
  write the same folder, and a cached listing would hide their files.

In both, a killed run never leaves a half-written file under a final name. Stores pickle:
worker processes and Ray tasks carry them, and a RemoteStore re-opens its filesystem from
the URL and the storage options (endpoint, credentials, ... as fsspec takes them).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import socket
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ConfigError, InputError, MissingDependencyError, OutputError

TMP_SUFFIX = ".tmp"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(://|::)")
_MIRRORS: dict[tuple[str, str], Path] = {}  # (remote folder, key) -> local copy, per process


def is_url(location: str | Path) -> bool:
    """True for `proto://...` (and fsspec chains `a::b://...`), False for a plain path."""
    return isinstance(location, str) and bool(_URL.match(location))


def open_store(location: str | Path | Store, storage_options: dict[str, Any] | None = None) -> Store:
    """The store for an output location (a Store is returned as it is).

    Raises ConfigError (unknown protocol, options for a local folder) or
    MissingDependencyError (the protocol's fsspec package is not installed)."""
    if isinstance(location, Store):
        return location
    if _remote(location):
        return RemoteStore(str(location), storage_options or {})
    if storage_options:
        raise ConfigError(f"storage options apply to an output URL (s3://, gs://, ...), not to the "
                          f"local folder {location}")
    return LocalStore(_local_path(location))


def local_folder(location: str | Path | Store) -> Path:
    """The local folder of an output; an InputError for a URL (the commands that read a
    finished run with DuckDB -- report, stats, optout -- need it on this machine)."""
    if isinstance(location, LocalStore):
        return location.root
    if isinstance(location, Store) or _remote(location):
        where = location.location() if isinstance(location, Store) else str(location)
        raise InputError(f"{where} is not a local folder: this command reads a finished run on this "
                         f"machine; download OUT first (e.g. `aws s3 sync {where} out/`, or fsspec's "
                         "get(..., recursive=True)) and give the local folder")
    return _local_path(location)


def _remote(location: str | Path) -> bool:
    return is_url(location) and not str(location).startswith("file://")


def _local_path(location: str | Path) -> Path:
    """A plain path as it is (never resolved: messages show it as given); `file://` stripped."""
    if isinstance(location, Path) or not location.startswith("file://"):
        return Path(location)
    text = location.removeprefix("file://")
    return Path(text.removeprefix("localhost") if text.startswith("localhost/") else text)


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
        f.write(_json(data))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _json(data: Any) -> str:
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
        return path.with_name(path.name + TMP_SUFFIX)

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


class RemoteStore(Store):
    """A folder behind an fsspec URL; see the module docstring for how writes stay atomic.
    Failures other than a missing file become an OutputError naming the location."""

    remote = True

    def __init__(self, url: str, storage_options: dict[str, Any]) -> None:
        self.url = re.sub(r"(?<![:/])/+$", "", url)  # "s3://b/p/" -> "s3://b/p"; "s3://" stays
        self.options = dict(storage_options)
        self._open()

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url, self.options = state["url"], state["options"]
        self._open()

    def _open(self) -> None:
        protocol = self.url.split("://", 1)[0].rsplit("::", 1)[-1]
        hint = "pip install 'jeongje[s3]'" if protocol in ("s3", "s3a") else \
            f"install the fsspec package for {protocol}:// (gcsfs for gs://, adlfs for az://, ...)"
        try:
            import fsspec
        except ImportError as e:
            raise MissingDependencyError(f"output {self.url}: an output URL needs fsspec: {hint}") from e
        try:
            fs, root = fsspec.core.url_to_fs(self.url, **{"use_listings_cache": False, **self.options})
        except ImportError as e:
            raise MissingDependencyError(f"output {self.url}: {e}; {hint}") from e
        except (ValueError, TypeError) as e:
            raise ConfigError(f"output {self.url}: {e}; give a local folder or a URL fsspec knows "
                              "(s3://, gs://, az://, file://, ...) with valid storage options") from e
        if not root.strip("/"):
            raise ConfigError(f"output {self.url} names no bucket or folder: give one, as in "
                              f"{protocol}://bucket/prefix")
        self.fs, self.root = fs, root.rstrip("/")

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}" if name else self.root

    @contextmanager
    def _guard(self, what: str, name: str = "", missing: bool = True) -> Iterator[None]:
        """Errors become an OutputError naming the location; a missing file stays a
        FileNotFoundError for the caller (`missing`) or is an OutputError too."""
        try:
            yield
        except FileNotFoundError as e:
            if missing:
                raise
            raise OutputError(f"{self.location(name)}: {what} failed: its folder or bucket is missing "
                              f"and could not be created ({e})") from e
        except Exception as e:
            raise OutputError(f"{self.location(name)}: {what} failed ({type(e).__name__}: {e}); check "
                              "the URL, the credentials and the endpoint (environment variables or "
                              "--storage-option)") from e

    def _put(self, name: str, put: Any) -> None:
        """Run an upload; when the folder is missing (filesystems with real folders, or a
        missing bucket), create it and upload again."""
        with self._guard("writing", name, missing=False):
            try:
                put()
            except FileNotFoundError:
                self.fs.makedirs(self._path(name).rsplit("/", 1)[0], exist_ok=True)
                put()

    def location(self, name: str = "") -> str:
        return f"{self.url}/{name}" if name else self.url

    def path(self, name: str) -> str:
        return self._path(name)

    @property
    def filesystem(self) -> Any:
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        return PyFileSystem(FSSpecHandler(self.fs))

    def is_file(self, name: str) -> bool:
        with self._guard("checking", name):  # not fs.isfile: it answers False on any error
            try:
                return bool(self.fs.info(self._path(name))["type"] == "file")
            except FileNotFoundError:
                return False

    def is_empty(self) -> bool:
        with self._guard("listing"):
            try:
                return not self.fs.ls(self.root, detail=False)
            except FileNotFoundError:
                return True

    def list(self, folder: str, pattern: str = "*") -> list[str]:
        with self._guard("listing", folder):
            try:
                entries = self.fs.ls(self._path(folder), detail=True)
            except FileNotFoundError:
                return []
        names = (e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "file")
        return sorted(n for n in names if fnmatchcase(n, pattern))

    def read_bytes(self, name: str) -> bytes:
        with self._guard("reading", name):
            return bytes(self.fs.cat_file(self._path(name)))

    def open(self, name: str) -> BinaryIO:
        with self._guard("reading", name):
            return self.fs.open(self._path(name), "rb")  # type: ignore[no-any-return]

    def write_json(self, name: str, data: Any) -> None:
        body = _json(data).encode("utf-8")
        self._put(name, lambda: self.fs.pipe_file(self._path(name), body))

    def makedirs(self, folder: str = "") -> None:
        """Nothing: an object store has no folders, and uploads create missing ones."""

    def staging(self, name: str) -> Path:
        fd, tmp = tempfile.mkstemp(prefix="put-", suffix="-" + name.rsplit("/", 1)[-1], dir=spill_dir())
        os.close(fd)
        return Path(tmp)

    def publish(self, tmp: Path, name: str) -> None:
        self._put(name, lambda: self.fs.put_file(str(tmp), self._path(name)))
        tmp.unlink(missing_ok=True)

    def remove(self, name: str) -> None:
        with self._guard("removing", name):
            try:
                self.fs.rm_file(self._path(name))
            except FileNotFoundError:
                pass

    def remove_tree(self, folder: str) -> None:
        with self._guard("removing", folder):
            try:
                self.fs.rm(self._path(folder), recursive=True)
            except FileNotFoundError:
                pass

    def remove_temporaries(self, folders: tuple[str, ...]) -> None:
        """Nothing: staging files are local and never reach the store."""

    @contextmanager
    def fetch(self, names: list[str]) -> Iterator[list[Path]]:
        with tempfile.TemporaryDirectory(prefix="get-", dir=spill_dir()) as tmp:
            local = [Path(tmp) / f"{i:06d}-{n.rsplit('/', 1)[-1]}" for i, n in enumerate(names)]
            if names:
                with self._guard("downloading", names[0].rsplit("/", 1)[0]):
                    self.fs.get([self._path(n) for n in names], [str(p) for p in local])
            yield local

    @contextmanager
    def filling(self, folder: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="fill-", dir=spill_dir()) as tmp:
            yield Path(tmp)
            files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
            for p in files:
                name = f"{folder}/{p.relative_to(tmp).as_posix()}"
                self._put(name, lambda p=p, name=name: self.fs.put_file(str(p), self._path(name)))

    def mirror(self, folder: str, key: str) -> str:
        cached = _MIRRORS.get((self.location(folder), key))
        if cached is not None and cached.is_dir():
            return str(cached)
        local = Path(tempfile.mkdtemp(prefix="mirror-", dir=spill_dir()))
        with self._guard("downloading", folder):
            remote = self._path(folder)
            try:
                found = sorted(self.fs.find(remote))
            except FileNotFoundError:
                found = []
            targets = [local / f[len(remote) + 1:] for f in found]
            for t in targets:
                t.parent.mkdir(parents=True, exist_ok=True)
            if found:
                self.fs.get(found, [str(t) for t in targets])
        _MIRRORS[(self.location(folder), key)] = local
        return str(local)
