"""Benchmark descriptions and the items they give: which files belong to a benchmark and
which of their fields form an item (passage, question, options).

The built-in descriptions are `benchmarks.yaml` next to this module (the ko-bench sets:
KMMLU, KoBEST, CLIcK, KoBBQ, KLUE, KorQuAD, CSAT-QA, 수능, KoMT-Bench, LogicKor); a YAML
file of the same shape adds or replaces descriptions. Files are read as CSV, TSV, JSONL,
JSON (with a `records` path), Parquet, or a Hugging Face `save_to_disk` folder (.arrow).
"""

from __future__ import annotations

import ast
import csv
import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, InputError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "json", ".parquet": "parquet",
           ".arrow": "hf"}
_KEYS = {"files", "format", "records", "id", "passage", "question", "options", "answer"}
_ROLES = ("passage", "question", "options")


@dataclass(frozen=True)
class Benchmark:
    """How one benchmark's files give items."""

    name: str
    files: tuple[str, ...]
    format: str | None = None
    records: str = ""
    id: str = "{file}:{row}"
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> field names

    def matches(self, path: Path) -> bool:
        posix = path.as_posix()
        return any(fnmatch.fnmatch(posix, g) or fnmatch.fnmatch(posix, f"*/{g}") for g in self.files)


@dataclass(frozen=True)
class Item:
    """One benchmark item: its id and the texts it is made of, in matching order."""

    benchmark: str
    id: str
    texts: tuple[str, ...]
    roles: tuple[str, ...] = ()  # passage | question | options, one per text


def load_benchmarks(extra: list[str] | None = None) -> dict[str, Benchmark]:
    """The built-in descriptions, then those of each YAML file in `extra` (same name wins)."""
    sources = [("benchmarks.yaml", (resources.files("jeongje") / "decontam" / "benchmarks.yaml").read_text("utf-8"))]
    for path in extra or []:
        try:
            sources.append((path, Path(path).read_text(encoding="utf-8")))
        except OSError as e:
            raise ConfigError(f"benchmark descriptions {path}: {e.strerror or e}") from e
    out: dict[str, Benchmark] = {}
    for origin, text in sources:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{origin}: not valid YAML: {e}") from e
        if not isinstance(data, dict):
            raise ConfigError(f"{origin}: expected a mapping of benchmark name -> description")
        for name, spec in data.items():
            out[str(name)] = _benchmark(str(name), spec, origin)
    return out


def _benchmark(name: str, spec: Any, origin: str) -> Benchmark:
    where = f"{origin}: {name}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected a mapping with files and fields")
    bad = sorted(set(spec) - _KEYS)
    if bad:
        raise ConfigError(f"{where}.{bad[0]}: unknown key; valid keys: {', '.join(sorted(_KEYS))}")
    files = spec.get("files")
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(f, str) for f in files):
        raise ConfigError(f"{where}.files: required, a glob or a list of globs")
    fmt = spec.get("format")
    if fmt is not None and fmt not in set(FORMATS.values()):
        raise ConfigError(f"{where}.format: {fmt!r} is not one of {', '.join(sorted(set(FORMATS.values())))}")
    fields: dict[str, tuple[str, ...]] = {}
    for role in (*_ROLES, "answer"):
        value = spec.get(role)
        if value is None:
            continue
        names = [value] if isinstance(value, str | int) else value
        if not isinstance(names, list) or not all(isinstance(v, str | int) for v in names):
            raise ConfigError(f"{where}.{role}: expected a field name or a list of field names")
        fields[role] = tuple(str(v) for v in names)
    if not any(role in fields for role in _ROLES):
        raise ConfigError(f"{where}: name at least one of passage, question, options")
    records = spec.get("records") or ""
    if not isinstance(records, str) or not re.fullmatch(r"(\w*\[\]\.?)*", records):
        raise ConfigError(f"{where}.records: expected a path like '[]' or 'data[].paragraphs[]'")
    return Benchmark(name, tuple(files), fmt, records, str(spec.get("id") or "{file}:{row}"), fields)


def find_files(paths: list[str], benchmarks: dict[str, Benchmark]) -> list[tuple[Benchmark, Path]]:
    """The (benchmark, file) pairs under the named paths. `NAME=PATH` takes every data file
    under PATH as benchmark NAME; a plain path is matched against every description's globs.
    A file named on its own that no description matches is an error."""
    found: dict[Path, Benchmark] = {}
    for arg in paths:
        name, _, target = arg.rpartition("=") if "=" in arg and not Path(arg).exists() else ("", "", arg)
        root = Path(target)
        if not root.exists():
            raise InputError(f"benchmark path not found: {target}")
        if name and name not in benchmarks:
            raise ConfigError(f"{arg}: no description for benchmark {name!r}; known: {', '.join(sorted(benchmarks))}")
        candidates = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.is_file() and p.suffix in FORMATS)
        for file in candidates:
            bench = benchmarks[name] if name else next((b for b in benchmarks.values() if b.matches(file)), None)
            if bench is None and root.is_file():
                raise ConfigError(f"{file}: no benchmark description matches this file; name one "
                                  f"(NAME={file}) or describe it in a YAML file (--benchmarks)")
            if bench is not None:
                found[file.resolve()] = bench
    return sorted(((b, p) for p, b in found.items()), key=lambda bp: (bp[0].name, str(bp[1])))


def read_items(bench: Benchmark, path: Path) -> Iterator[Item]:
    """The items of one file."""
    fmt = bench.format or FORMATS.get(path.suffix, "")
    stem = path.name.split(".")[0]
    for row, chain in enumerate(_records(path, fmt, bench.records)):
        parts = [(t, role) for role in _ROLES for name in bench.fields.get(role, ())
                 for t in _texts(_lookup(chain, name))]
        ident = _render_id(bench.id, chain, stem, row, f"{path}:{row}")
        yield Item(bench.name, ident, tuple(t for t, _ in parts), tuple(r for _, r in parts))


def _records(path: Path, fmt: str, records: str) -> Iterator[list[dict[str, Any]]]:
    """Each record with its parents (innermost first)."""
    try:
        if fmt in ("csv", "tsv"):
            with path.open(encoding="utf-8-sig", newline="") as f:
                for rec in csv.DictReader(f, delimiter="\t" if fmt == "tsv" else ","):
                    yield [rec]
        elif fmt == "jsonl":
            with path.open(encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield from _walk(json.loads(line), records, [])
        elif fmt == "json":
            yield from _walk(json.loads(path.read_text(encoding="utf-8")), records or "[]", [])
        elif fmt in ("parquet", "hf"):
            yield from ([rec] for rec in _table(path, fmt).to_pylist())
        else:
            raise ConfigError(f"{path}: unknown format; give `format` in its benchmark description")
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot be read as {fmt}: {e}") from e


def _table(path: Path, fmt: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if fmt == "parquet":
        return pq.read_table(path)
    with pa.memory_map(str(path)) as source:  # datasets' save_to_disk writes Arrow streams
        try:
            return pa.ipc.open_stream(source).read_all()
        except pa.ArrowInvalid:
            return pa.ipc.open_file(source).read_all()


def _walk(value: Any, path: str, parents: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    if not path:
        if isinstance(value, dict):
            yield [value, *parents]
        return
    head, _, rest = path.partition("[]")
    rest = rest.lstrip(".")
    node = value
    for key in filter(None, head.split(".")):
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return
    scope = [value, *parents] if isinstance(value, dict) else parents
    for element in node:
        yield from _walk(element, rest, scope)


def _lookup(chain: list[dict[str, Any]], name: str) -> Any:
    for rec in chain:
        if isinstance(rec, dict) and rec.get(name) not in (None, ""):
            return rec[name]
    return None


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            try:
                parsed = ast.literal_eval(stripped)
            except (ValueError, SyntaxError):
                parsed = None
            if isinstance(parsed, list):
                return [str(v) for v in parsed if v not in (None, "")]
        return [value] if stripped else []
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


def _render_id(template: str, chain: list[dict[str, Any]], stem: str, row: int, where: str) -> str:
    def field(m: re.Match[str]) -> str:
        key = m.group(1)
        if key == "file":
            return stem
        if key == "row":
            return str(row)
        value = _lookup(chain, key)
        if value is None:
            raise InputError(f"{where}: id field {key!r} is missing")
        return str(value)

    return re.sub(r"\{([^{}]+)\}", field, template)
