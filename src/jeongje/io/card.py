"""`OUT/README.md`: a Hugging Face dataset card, so that `datasets.load_dataset(OUT)` loads
the kept documents and `load_dataset(OUT, "ledger")` (`"edits"`, `"originals"`) the other
tables, each a config of its own (the folders hold Parquet files of different schemas,
which one default config would try, and fail, to read as one table). Written with the
manifest; rewritten when an opt-out changes the counts."""

from __future__ import annotations

from typing import Any

import yaml

from .layout import DOCUMENTS, EDITS, LEDGER, ORIGINALS
from .store import Store

CARD = "README.md"
WHAT = {
    DOCUMENTS: "the kept documents: `id`, `text`, `metadata`",
    LEDGER: "one row per input record: what happened to it, which stage did it and why",
    EDITS: "one row per edit of a document's text (character offsets, the stage and reason)",
    ORIGINALS: "a sample of the texts as read, for the audit report",
}


def _configs(out: Store, fmt: str) -> list[dict[str, Any]]:
    configs = []
    for folder in (DOCUMENTS, LEDGER, EDITS, ORIGINALS):
        pattern = "part-*.jsonl" if folder == DOCUMENTS and fmt == "jsonl" else "*.parquet"
        if out.list(folder, pattern):
            config: dict[str, Any] = {"config_name": folder,
                                      "data_files": [{"split": "train", "path": f"{folder}/{pattern}"}]}
            if folder == DOCUMENTS:
                config["default"] = True
            configs.append(config)
    return configs


def dataset_card(out: Store, manifest: dict[str, Any]) -> str:
    """The card's text for a finished run."""
    counts = manifest["counts"]
    fmt = manifest.get("documents", {}).get("format", "parquet")
    configs = _configs(out, fmt)
    front = {"pretty_name": f"jeongje output ({manifest['recipe']['name']})", "language": ["ko"],
             "tags": ["jeongje", "korean", "data-refinery"], "configs": configs}
    drop = [c for c, p in _rights_policy(manifest).items() if p == "drop"]
    rows = "\n".join(f"| {r['outcome']} | {r['stage'] or ''} | {r['reason'] or ''} | {r['documents']:,} |"
                     for r in manifest["by_outcome_stage_reason"][:25])
    loads = "\n".join(f'{c["config_name"]} = load_dataset("OUT", "{c["config_name"]}")' for c in configs)
    metadata = manifest.get("documents", {}).get("metadata", {})
    shape = {"struct": "a struct with the union of the keys of all documents (null where a document "
                       "lacks one)", "json": "a JSON string per document",
             "object": "a JSON object per line (datatrove's shape; `datasets` infers a schema per file and "
                       "refuses files whose metadata keys differ: for it, run with the default Parquet output)"}
    return (f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n"
            f"# {front['pretty_name']}\n\n"
            f"Made by jeongje {manifest['jeongje_version']} on {manifest['finished_at']} with the recipe "
            f"`{manifest['recipe']['name']}` (every parameter in `manifest.json`) from "
            f"{len(manifest['inputs'])} input file(s).\n\n"
            f"{counts['records']:,} input records: {counts['kept']:,} kept, {counts['dropped']:,} dropped, "
            f"{counts['quarantined']:,} quarantined.\n\n"
            "| outcome | stage | reason | documents |\n|---|---|---|---:|\n" + rows + "\n\n"
            "## Configs\n\n" + "\n".join(f"- `{c['config_name']}`: {WHAT[c['config_name']]}" for c in configs)
            + f"\n\n`metadata` of the documents is {shape.get(metadata.get('type', 'json'), 'JSON')}.\n\n"
            "```python\nfrom datasets import load_dataset\n\n" + loads + "\n```\n\n"
            + _cost(manifest) +
            "## Rights\n\n"
            "The texts keep the rights of their authors and publishers: this card licenses nothing. "
            + (f"Documents whose rights reservation is {', '.join(f'`{c}`' for c in drop)} were dropped "
               "(`rights.reservation` in the ledger names the notice, signal or registry entry). "
               if drop else "")
            + "Publishers that opt out after the run are removed with `jeongje optout`, which records each "
            "removal in the ledger. Personal data the `clean.pii` stage found is replaced by `<|TYPE|>`. "
            "Check the ledger and the licences of your sources before you train on or share this data.\n")


def _cost(manifest: dict[str, Any]) -> str:
    cost = manifest.get("cost")
    if not cost:
        return ""
    a = cost["assumptions"]
    return ("## What it cost\n\n"
            f"{cost['cpu_seconds']:,.1f} CPU seconds ({cost['cpu_seconds_per_gb'] or 0:,.0f} per GB of input), "
            f"peak memory {cost['peak_rss_bytes'] / 1e6:,.0f} MB per process; an estimated "
            f"{cost['energy_kwh']:.3g} kWh and {cost['co2e_kg']:.3g} kg CO2e ({a['method']}: "
            f"{a['watts_per_core']:g} W per busy core, PUE {a['pue']:g}, {a['grid_kg_co2e_per_kwh']:g} kg CO2e "
            "per kWh); `cost` in `manifest.json` has the figures per stage.\n\n")


def _rights_policy(manifest: dict[str, Any]) -> dict[str, str]:
    for stage in manifest["recipe"]["stages"]:
        if stage["stage"] == "rights.reservation":
            return dict(stage["params"].get("policy") or {})
    return {}


def write_card(out: Store, manifest: dict[str, Any]) -> None:
    """Write `OUT/README.md` for a finished run (one PUT on an object store)."""
    tmp = out.staging(CARD)
    try:
        tmp.write_text(dataset_card(out, manifest), encoding="utf-8")
        out.publish(tmp, CARD)
    except BaseException:
        out.discard(tmp)
        raise
