"""An output folder behind an fsspec URL (`s3://bucket/prefix`, `gs://...`, ...).

Writes stay atomic: a file is written to a local temporary file under the spill folder
(`$TMPDIR/jeongje-spill/HOST-PID`) and uploaded with one `put`; an object PUT (or a
multipart upload, completed in one call) only ever appears complete. Small files
(markers, manifest) are one PUT of their bytes. fsspec's listing cache is off
(`use_listings_cache=False`): other processes write the same folder, and a cached listing
would hide their files. The store pickles as its URL and storage options and re-opens its
filesystem where it is unpickled (a worker process, a Ray task).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ConfigError, MissingDependencyError, OutputError
from .store import Store, json_text, spill_dir

_MIRRORS: dict[tuple[str, str], Path] = {}  # (remote folder, key) -> local copy, per process


#: URL protocol -> the jeongje extra that installs its fsspec filesystem (pyproject.toml)
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure", "abfss": "azure",
          "adl": "azure"}


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
        extra = EXTRAS.get(protocol)
        hint = f"pip install 'jeongje[{extra}]'" if extra else \
            f"install the fsspec package for {protocol}:// (see fsspec's list of known implementations)"
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
        body = json_text(data).encode("utf-8")
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
