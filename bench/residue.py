"""Residue check: how many kept documents still carry a copyright tail or a reporter e-mail.

Independent of the cleaning code on purpose: plain regexes over `OUT/documents`.

    .venv/bin/python bench/residue.py OUT [--show 10]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

EMAIL = r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
TAIL = re.compile(r"ⓒ|©|Ⓒ|\([cC]\)|Copyright|All rights reserved|무단\s?전재|재배포\s?금지|무단\s?복제|AI\s?학습\s?(?:및\s?활용\s?|이용\s?)?금지",
                  re.IGNORECASE)
PROHIBITION = re.compile(r"무단\s?(?:전재|복제|배포)[^.\n'\"‘’“”]{0,30}(?:금지|금합니다)(?![를은는한하])")
REPORTER_EMAIL = re.compile(rf"기자[^.\n]{{0,30}}{EMAIL}|{EMAIL}[^.\n]{{0,10}}기자")
TAIL_EMAIL = re.compile(EMAIL)


def scan(texts: list[tuple[str, str]], tail_chars: int = 200) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"copyright_tail": [], "prohibition_anywhere": [],
                                   "reporter_email": []}
    for doc_id, text in texts:
        tail = text[-tail_chars:]
        if TAIL.search(tail):
            found["copyright_tail"].append(doc_id)
        if PROHIBITION.search(text):
            found["prohibition_anywhere"].append(doc_id)
        if REPORTER_EMAIL.search(text) or TAIL_EMAIL.search(tail):
            found["reporter_email"].append(doc_id)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("--show", type=int, default=0, help="print up to N examples per kind")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import jeongje

    docs = jeongje.read_documents(args.output).select(["id", "text"]).to_pylist()
    texts = [(d["id"], d["text"]) for d in docs]
    found = scan(texts)
    by_id = dict(texts)
    print(f"kept documents: {len(texts):,}")
    print("| residue | documents | share of kept |\n|---|---:|---:|")
    for kind, ids in found.items():
        print(f"| {kind} | {len(ids):,} | {100 * len(ids) / max(len(texts), 1):.2f}% |")
    any_ids = set(found["copyright_tail"]) | set(found["reporter_email"])
    print(f"| copyright tail or reporter e-mail | {len(any_ids):,} | "
          f"{100 * len(any_ids) / max(len(texts), 1):.2f}% |")
    for kind, ids in found.items():
        for doc_id in ids[: args.show]:
            print(f"\n[{kind}] {doc_id}: …{by_id[doc_id][-200:]}")


if __name__ == "__main__":
    main()
