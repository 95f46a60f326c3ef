"""Time of rules on adversarial text (issue 20): `clean.boilerplate` and `rights.reservation`
on one line of N repeated notices, and robots.txt matching with many wildcard or plain rules.

    .venv/bin/python bench/bench_hostile.py [--repeats 1000 4000 16000 50000]

Before the linear matchers: 0.07 s at 1,000 repeats, 0.66 s at 4,000, 50,000 unfinished
after 156 s; 2,000 rules of 30 wildcards hung in regex backtracking, 50,000 plain rules
took over 148 s."""

from __future__ import annotations

import argparse
import time

from jeongje.record import Document, Source
from jeongje.stages.boilerplate import BoilerplateRemover
from jeongje.stages.rights import RightsFilter
from jeongje.web.signals import Robots

NOTICE = "무단전재 및 재배포 금지 Copyright ⓒ "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, nargs="+", default=[1000, 4000, 16000, 50000])
    args = ap.parse_args()
    print(f"{'stage':20s} {'repeats':>8s} {'seconds':>8s}")
    for n in args.repeats:
        text = "기사 본문입니다. " + NOTICE * n
        for stage in (BoilerplateRemover(), RightsFilter()):
            doc = Document(id="x", text=text, source=Source("bench", line=1), metadata={})
            t = time.perf_counter()
            stage.process(doc)
            print(f"{stage.name:20s} {n:8d} {time.perf_counter() - t:8.3f}", flush=True)
    for label, body in (("2000 rules, 30 wildcards", "".join("Disallow: /" + "*a" * 30 + "*b$\n" for _ in range(2000))),
                        ("50000 plain rules", "".join(f"Disallow: /p{i}/\n" for i in range(50000)))):
        robots = Robots.parse("User-agent: *\n" + body)
        t = time.perf_counter()
        for k in range(20):
            robots.disallowed_agents(f"https://h.kr/{'a' * 40}c{k}")
        print(f"robots.txt {label}: {(time.perf_counter() - t) / 20 * 1000:.1f} ms per URL (22 AI agents)")


if __name__ == "__main__":
    main()
