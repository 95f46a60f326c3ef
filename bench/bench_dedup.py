r"""Side-by-side near-duplicate benchmark: jeongje's `dedup.minhash` against its peers.

Peers (datatrove MinHash with Kiwi / regex words, text-dedup, datasketch, rensa) are run by
the peer harness (`../shared/peers`, see its README.md); this script runs jeongje the way a
user would (`jeongje run ... --workers 2 --no-progress`) on the same corpora, times it with
the harness's `measure.py`, scores it with the harness's `evaldedup.py` (removed ids = ledger
rows with reason near_duplicate / exact_duplicate; clusters = `duplicate_of` links), reads the
peers' `results/*.json` and prints one markdown table per corpus size, per-edit-op recall
against the best peer, the signature phase in MB/s per core, memory per document in the
global phase, and jeongje's wall time per 10k documents at each size. jeongje runs in three
configurations: `normalize.unicode` + `dedup.minhash` (the reference row, as a user cleans
and deduplicates), the same with `dedup.exact`, and `dedup.minhash` alone (read, deduplicate,
write: what the peers' pipelines do).

Reproduce (2 cores; run nothing else meanwhile; peers ~75 min for all three sizes, this ~10 min):

    cp -r ../shared/peers /tmp/peers && chmod -R u+w /tmp/peers && cd /tmp/peers
    python3 -m venv venv && ./venv/bin/pip install -U pip wheel setuptools
    ./venv/bin/pip install "datatrove[processing,io]==0.10.1" "kiwipiepy<0.22.0" datasketch==2.0.0 \
        rensa==0.5.0 psutil aiohttp
    python3 -m venv venv-textdedup && ./venv-textdedup/bin/pip install -U pip \
        && ./venv-textdedup/bin/pip install text-dedup==0.4.0 psutil
    mkdir -p src_pkgs && cd src_pkgs && apt-get update && apt-get download debian-faq-ko \
        libreoffice-help-ko gimp-help-ko debian-handbook gnome-user-docs && mkdir -p x y
    for d in debian-faq-ko*.deb libreoffice-help-ko*.deb gimp-help-ko*.deb; do dpkg-deb -x $d x; done
    for d in debian-handbook*.deb gnome-user-docs*.deb; do dpkg-deb -x $d y; done
    ../venv/bin/pip download --no-deps konlpy==0.6.0 -d . && mkdir -p konlpy \
        && (cd konlpy && unzip -oq ../konlpy-0.6.0-py2.py3-none-any.whl) && cd ..
    python3 extract_korean_sources.py ko_src src_pkgs/konlpy/konlpy/data/corpus \
        src_pkgs/x/usr/share/doc/debian/FAQ/ko src_pkgs/x/usr/share/libreoffice/help/ko \
        src_pkgs/x/usr/share/gimp/2.0/help/ko src_pkgs/y/usr/share/help/ko \
        src_pkgs/y/usr/share/doc/debian-handbook/html/ko-KR
    python3 make_corpus.py --src ko_src --out data/c20k  --n-docs 20000  --seed 1
    python3 make_corpus.py --src ko_src --out data/c100k --n-docs 100000 --seed 2
    python3 make_corpus.py --src ko_src --out data/c500k --n-docs 500000 --seed 3   # ~1 GB
    bash run_all.sh c20k c100k c500k                      # the peers -> results/*.json
    cd /work/main && .venv/bin/python bench/bench_dedup.py --peers /tmp/peers \
        --corpus c20k --corpus c100k --corpus c500k --out /tmp/jeongje-bench

`--reuse` prints again from the jeongje results already in --out without rerunning.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import psutil
import pyarrow.parquet as pq

import jeongje

Spec = str | tuple[str, dict[str, Any]]
CONFIGS: dict[str, list[Spec]] = {
    "jeongje minhash": ["normalize.unicode", "dedup.minhash"],
    "jeongje exact+minhash": ["normalize.unicode", "dedup.exact", "dedup.minhash"],
    # like for like with the peers' pipelines: read, deduplicate, write (no cleaning stage)
    "jeongje minhash only": ["dedup.minhash"],
}
#: the cost of each choice of dedup.minhash (--choices): the default with one choice undone
CHOICES: dict[str, list[Spec]] = {
    "jeongje minhash union-find": ["normalize.unicode", ("dedup.minhash", {"clustering": "union-find"})],
    "jeongje minhash estimate": ["normalize.unicode", ("dedup.minhash", {"verify": "estimate"})],
    "jeongje minhash no containment": ["normalize.unicode", ("dedup.minhash", {"containment": 1.0})],
    "jeongje minhash no figures": ["normalize.unicode", ("dedup.minhash", {"figures": "never"})],
    "jeongje minhash 20x5": ["normalize.unicode", ("dedup.minhash", {"bands": 20, "rows": 5})],
}
REF = "jeongje minhash"  # the jeongje row the ratio columns compare with
ALONE = "jeongje minhash only"  # the second ratio column
OPS = ["exact", "no_char_edit", "char_edit_1-3%", "char_edit_3-6%", "char_edit_6-10%", "boiler", "title",
       "para_drop", "para_insert", "para_swap", "sent_shuffle", "num_change", "ws", "nfd"]
BANDS = ["c5>=0.9", "0.8-0.9", "0.7-0.8", "0.5-0.7", "<0.5"]
REMOVED = ("near_duplicate", "exact_duplicate")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@dataclass
class Watch:
    """Samples the jeongje main process (where global stages decide) every 0.1 s: its RSS while
    map workers write key rows, its RSS in a global phase (a step's keys all stored, its
    reduce marker not yet written) and the bytes of the stored key rows per step."""

    out: Path
    map_rss: int = 0
    global_rss: int = 0
    keys_bytes: dict[int, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, parent: int) -> None:
        main: psutil.Process | None = None
        while not self.stop.is_set():
            try:
                if main is None:
                    kids = psutil.Process(parent).children()
                    main = kids[0] if kids else None
                if main is not None:
                    self._sample(main)
            except psutil.Error:
                pass
            self.stop.wait(0.1)

    def _sample(self, main: psutil.Process) -> None:
        rss = main.memory_info().rss
        steps: dict[int, int] = {}
        mapping = False  # a shard's key rows being written: map workers are busy
        for p in self.out.glob("_work/s*/keys-*.parquet*"):
            try:
                k = int(p.parent.name[1:])
                if not p.name.endswith(".parquet"):
                    mapping = True
                    continue
                steps[k] = steps.get(k, 0) + p.stat().st_size
            except (OSError, ValueError):
                continue
        for k, v in steps.items():
            self.keys_bytes[k] = max(self.keys_bytes.get(k, 0), v)
        # the worker pool lives through the whole run, so a global phase is told by the
        # files: a step's key rows all stored (none in writing) and its reduce marker absent
        reducing = [k for k in steps if not (self.out / "_markers" / f"s{k}-reduce.json").exists()]
        if mapping and not any((self.out / "_markers").glob("s*-reduce.json")):
            self.map_rss = max(self.map_rss, rss)
        elif not mapping and reducing:
            self.global_rss = max(self.global_rss, rss)


def ledger_clusters(out: Path) -> tuple[list[str], dict[str, str]]:
    """Removed ids and a cluster label per linked document (union of duplicate_of links)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    removed: list[str] = []
    for f in sorted(out.glob("ledger/*.parquet")):
        for row in pq.read_table(f, columns=["id", "reason", "detail"]).to_pylist():
            if row["reason"] in REMOVED:
                removed.append(row["id"])
                a, b = find(row["id"]), find(json.loads(row["detail"])["duplicate_of"])
                parent[max(a, b)] = min(a, b)
    return removed, {x: find(x) for x in list(parent)}


def _stage_spec(spec: Spec, memory_limit: str | None) -> str:
    stage, params = (spec, {}) if isinstance(spec, str) else spec
    if memory_limit and stage.startswith("dedup."):
        params = {**params, "memory_limit": memory_limit}
    return f"  - stage: {stage}\n" + (f"    params: {json.dumps(params)}\n" if params else "")


def run_jeongje(peers: Path, corpus: str, tool: str, out: Path, ev: ModuleType,
                memory_limit: str | None = None) -> dict[str, Any]:
    cdir = peers / "data" / corpus
    tag = tool.replace(" ", "_").replace("+", "_") + (f"_mem{memory_limit}" if memory_limit else "")
    run_dir, raw = out / "runs" / f"{tag}_{corpus}", out / "raw" / f"{tag}_{corpus}.json"
    recipe = out / "recipes" / f"{tag}.yaml"
    recipe.parent.mkdir(parents=True, exist_ok=True)
    raw.parent.mkdir(parents=True, exist_ok=True)
    recipe.write_text(f"name: {tag.replace('_', '-')}\nstages:\n"
                      + "".join(_stage_spec(s, memory_limit) for s in {**CONFIGS, **CHOICES}[tool]),
                      encoding="utf-8")
    shutil.rmtree(run_dir, ignore_errors=True)
    exe = Path(sys.executable).with_name("jeongje")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "jeongje"]
    cmd = [sys.executable, str(peers / "measure.py"), str(raw), "--", *cli, "run", "-i", str(cdir / "shards"),
           "-o", str(run_dir), "-r", str(recipe), "--workers", "2", "--no-progress"]
    watch = Watch(run_dir)
    with open(out / f"{tag}_{corpus}.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        th = threading.Thread(target=watch.run, args=(proc.pid,), daemon=True)
        th.start()
        rc = proc.wait()
        watch.stop.set()
        th.join()
    if rc:
        sys.exit(f"{tool} failed on {corpus} (rc={rc}); see {out / f'{tag}_{corpus}.log'}")
    rec = json.loads(raw.read_text())
    removed, clusters = ledger_clusters(run_dir)
    n_docs, n_bytes = ev.corpus_size(str(cdir))
    reduce = {}
    for m in sorted(run_dir.glob("_markers/s*-reduce.json")):
        for name, v in json.loads(m.read_text())["stats"]["stage_time"].items():
            reduce[name.split(" (")[0]] = v[:2]  # "dedup.minhash" or "dedup.minhash (decide)"
    res = {"tool": tool + (f" (DuckDB memory_limit {memory_limit})" if memory_limit else ""), "version": f"jeongje {jeongje.__version__}", "corpus": str(cdir), "docs": n_docs,
           "MB": round(n_bytes / 1e6, 2), "wall_s": rec["wall_s"], "docs_per_s": round(n_docs / rec["wall_s"], 1),
           "MB_per_s": round(n_bytes / 1e6 / rec["wall_s"], 3), "peak_rss_mb": rec["peak_rss_tree_mb"],
           "peak_rss_single_mb": rec["peak_rss_single_mb"], "stages": [rec], "reduce_wall_cpu_s": reduce,
           "main_rss_map_mb": round(watch.map_rss / 2**20, 1), "main_rss_global_mb": round(watch.global_rss / 2**20, 1),
           "keys_bytes_per_step": watch.keys_bytes,
           "metrics": ev.evaluate(str(cdir), removed_ids=removed, pred_cluster=clusters)}
    (out / "results").mkdir(exist_ok=True)
    (out / "results" / f"{tag}_{corpus}.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    for sub in ("documents", "edits"):  # the ledger stays for inspection
        shutil.rmtree(run_dir / sub, ignore_errors=True)
    return res


@dataclass
class _Doc:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def signature_phase(cdir: Path, batch: int = 512) -> dict[str, float]:
    """CPU seconds in one process of batch_shingle_hashes + flat_signatures + band_hashes with
    the stage's defaults, and of the stage's whole keys_batch (adds the rows' Arrow table)."""
    from jeongje.dedup.minhash import MinHashDeduplicator
    from jeongje.dedup.signatures import band_hashes, batch_shingle_hashes, flat_signatures

    texts: list[str] = []
    for f in sorted(cdir.glob("shards/*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    st = MinHashDeduplicator()
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    t0 = time.process_time()
    for i in range(0, len(texts), batch):
        sig = flat_signatures(*batch_shingle_hashes(texts[i:i + batch], st.shingle, st.ngram), st.num_perm)
        band_hashes(sig, st.bands, st.rows)
    t1 = time.process_time()
    for i in range(0, len(texts), batch):
        st.keys_batch(cast(Any, [_Doc(t) for t in texts[i:i + batch]]))
    t2 = time.process_time()
    return {"MB": mb, "docs": len(texts), "sig_cpu_s": t1 - t0, "keys_cpu_s": t2 - t1}


def f(x: Any, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def print_corpus(corpus: str, rows: list[dict[str, Any]], rep: ModuleType) -> None:
    ref = next(r for r in rows if r["tool"] == REF)
    jj = [r for r in rows if r["tool"].startswith("jeongje")]
    peers = sorted((r for r in rows if r not in jj), key=lambda r: -r["metrics"]["doc_f1"])
    print(f"\n## {corpus}: {ref['docs']} docs, {ref['MB']} MB (ratios: {REF} / peer)\n")
    alone = next((r for r in rows if r["tool"] == ALONE), None)
    print("| tool | docs | MB | wall s | CPU s | peak RSS MB | docs/s | MB/s | removed / ideal | P | R | F1 | pair F1 "
          f"| R c5J>=0.8 | {REF} MB/s / peer MB/s | {ALONE} MB/s / peer MB/s | F1 {REF} − F1 peer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in jj + peers:
        m = r["metrics"]
        ratio = "—" if r is ref else f"{ref['MB_per_s'] / r['MB_per_s']:.2f}"
        ratio_alone = "—" if alone is None or r in jj else f"{alone['MB_per_s'] / r['MB_per_s']:.2f}"
        dif = "—" if r is ref else f"{ref['metrics']['doc_f1'] - m['doc_f1']:+.4f}"
        print(f"| {r['tool']} | {r['docs']} | {r['MB']} | {r['wall_s']} | {rep.cpu(r)} | {r['peak_rss_mb']:.0f} | "
              f"{r['docs_per_s']} | {r['MB_per_s']} | {m['removed']} / {m['ideal_removed']} | {m['doc_precision']} | "
              f"{m['doc_recall']} | {m['doc_f1']} | {m.get('pair_f1')} | {rep.easy_recall(m)} | {ratio} | {ratio_alone} | {dif} |")
    if not peers:
        return
    best = peers[0]
    print(f"\nCopy recall by edit op and by true c5 Jaccard band, {corpus} (best peer by F1: {best['tool']})\n")
    print("| edit op / c5J band | copies | " + " | ".join(r["tool"] for r in jj) + f" | {best['tool']} | {REF} − peer |")
    print("|---|---:|" + "---:|" * (len(jj) + 2))
    for key, name in [("copy_recall_by_op", op) for op in OPS] + [("copy_recall_by_jac_c5", b) for b in BANDS]:
        vals = [r["metrics"].get(key, {}).get(name, (None, 0)) for r in jj + [best]]
        d = None if None in (vals[0][0], vals[-1][0]) else vals[0][0] - vals[-1][0]
        print(f"| {name} | {vals[0][1]} | " + " | ".join(f(v[0], 4) for v in vals) + f" | {f(d, 4)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", type=Path, required=True, help="a set-up copy of the peer harness")
    ap.add_argument("--corpus", action="append", required=True, help="c20k, c100k, c500k (repeatable)")
    ap.add_argument("--out", type=Path, required=True, help="scratch folder")
    ap.add_argument("--reuse", action="store_true", help="reuse jeongje results already in --out")
    ap.add_argument("--choices", action="store_true",
                    help="also run dedup.minhash with each of its choices undone in turn (union-find, "
                         "estimate, no containment, no figures check, 20 x 5 bands): what each costs and buys")
    ap.add_argument("--memory-limit", action="append", default=[],
                    help="also run 'jeongje minhash' with this DuckDB memory_limit (e.g. 512MB; "
                         "repeatable): the global phase's memory stays under it")
    args = ap.parse_args()
    peers, out = args.peers.resolve(), args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    ev, rep = load(peers / "evaldedup.py"), load(peers / "report.py")
    peer_res = [json.loads(Path(p).read_text()) for p in sorted(glob.glob(str(peers / "results" / "*.json")))]
    sig: dict[str, dict[str, float]] = {}
    jres: dict[tuple[str, str], dict[str, Any]] = {}
    tools = [*CONFIGS, *(CHOICES if args.choices else [])]
    for corpus in args.corpus:
        for tool in tools:
            cached = out / "results" / f"{tool.replace(' ', '_').replace('+', '_')}_{corpus}.json"
            if args.reuse and cached.exists():
                jres[tool, corpus] = json.loads(cached.read_text())
            else:
                t = time.perf_counter()
                jres[tool, corpus] = run_jeongje(peers, corpus, tool, out, ev)
                print(f"[{corpus}] {tool}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
        for limit in args.memory_limit:
            cached = out / "results" / f"jeongje_minhash_mem{limit}_{corpus}.json"
            if args.reuse and cached.exists():
                jres[f"mem {limit}", corpus] = json.loads(cached.read_text())
            else:
                jres[f"mem {limit}", corpus] = run_jeongje(peers, corpus, REF, out, ev, limit)
        cached = out / "results" / f"signature_phase_{corpus}.json"
        if args.reuse and cached.exists():
            sig[corpus] = json.loads(cached.read_text())
        else:
            sig[corpus] = signature_phase(peers / "data" / corpus)
            cached.write_text(json.dumps(sig[corpus]))
    import jeongje.dedup.minhash as mh

    src = Path(mh.__file__).parent
    digests = ", ".join(f"{n} {hashlib.sha256((src / n).read_bytes()).hexdigest()[:12]}"
                        for n in ("minhash.py", "signatures.py", "exact.py"))
    print(f"jeongje {jeongje.__version__} ({src}; sha256 {digests}); peers from {peers / 'results'}")
    for corpus in args.corpus:
        rows = [jres[t, corpus] for t in tools] + [
            r for r in peer_res if "metrics" in r and Path(r.get("corpus", "")).name == corpus]
        print_corpus(corpus, rows, rep)
    print("\n## Signature phase (one process, batches of 512, stage defaults: char 5-grams, 20 x 5)\n")
    print("| corpus | docs | MB | CPU s shingle+signatures+bands | MB/s per core | CPU s keys_batch | MB/s per core |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c, s in sig.items():
        print(f"| {c} | {s['docs']} | {s['MB']:.1f} | {s['sig_cpu_s']:.1f} | {s['MB'] / s['sig_cpu_s']:.1f} | "
              f"{s['keys_cpu_s']:.1f} | {s['MB'] / s['keys_cpu_s']:.1f} |")
    print("\n## Memory in the global phase (jeongje minhash; main process, where decide runs)\n")
    print("| corpus | docs | peak RSS tree MB | main RSS before MB | main RSS peak in global phase MB | "
          "(peak − before) / doc | key rows stored / doc | decide wall s / CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    slopes: list[str] = []
    prev: dict[str, Any] | None = None
    for c in args.corpus:
        r = jres[REF, c]
        d = r["docs"]
        keys = next(iter(r["keys_bytes_per_step"].values()), 0)
        w, cp = r["reduce_wall_cpu_s"].get("dedup.minhash", [0.0, 0.0])
        print(f"| {c} | {d} | {r['peak_rss_mb']:.0f} | {r['main_rss_map_mb']:.0f} | {r['main_rss_global_mb']:.0f} | "
              f"{(r['main_rss_global_mb'] - r['main_rss_map_mb']) * 2**20 / d:.0f} B | {keys / d:.0f} B | {w:.1f} / {cp:.1f} |")
        if prev is not None and d > prev["docs"]:
            slope = (r["main_rss_global_mb"] - prev["main_rss_global_mb"]) * 2**20 / (d - prev["docs"])
            slopes.append(f"{prev['docs']} -> {d} docs: {slope:.0f} B")
        prev = r
    if slopes:
        print("\nMarginal global-phase RSS per added document: " + "; ".join(slopes))
    if args.memory_limit:
        print("\n## Global-phase memory under a DuckDB memory_limit (jeongje minhash)\n")
        print("| corpus | docs | memory_limit | main RSS peak in global phase MB | decide wall s | "
              "removed | same removals and clusters as 4GB | F1 |")
        print("|---|---:|---|---:|---:|---:|---|---:|")
        for c in args.corpus:
            base = jres[REF, c]
            ref_run = out / "runs" / f"jeongje_minhash_{c}"
            for label, r in [("4GB (default)", base)] + [(m, jres[f"mem {m}", c]) for m in args.memory_limit]:
                run = out / "runs" / f"jeongje_minhash{'' if r is base else '_mem' + label}_{c}"
                removed, clusters = ledger_clusters(run)
                ref_removed, ref_clusters = ledger_clusters(ref_run)
                same = sorted(removed) == sorted(ref_removed) and clusters == ref_clusters
                w = r["reduce_wall_cpu_s"].get("dedup.minhash", [0.0, 0.0])[0]
                print(f"| {c} | {r['docs']} | {label} | {r['main_rss_global_mb']:.0f} | {w:.1f} | "
                      f"{len(removed)} | {'yes' if same else 'NO'} | {r['metrics']['doc_f1']:.4f} |")
    print("\n## Scaling (jeongje wall s per 10k docs)\n")
    for tool in CONFIGS:
        print(f"- {tool}: " + ", ".join(f"{c} {jres[tool, c]['wall_s'] / jres[tool, c]['docs'] * 1e4:.2f} s"
                                          for c in args.corpus))


if __name__ == "__main__":
    main()
