"""Compile time and program size of bpf_filters against libpcap, as a markdown table.

    python bench/bench_filters.py [--all]

Uses the expression list of the differential tests (tests/filters/filter_exprs.py),
the host and port lists of tests/filters/test_filters_scale.py, and libpcap
through ctypes (tests/filters/libpcap_ref.py). The rule: at most libpcap's size
for 97% of the programs, never more than 1.5 times; the worst ratios are listed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "filters"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libpcap_ref as ref  # noqa: E402
from filter_exprs import COMMON, ETHER, LINK_ANY, LINK_ONLY, PROTOCHAIN, SLL2  # noqa: E402
from test_filters_scale import LIST_EXPRS  # noqa: E402

import bpf_filters as bf  # noqa: E402

# the eleven link types of the link-type tests, with their expressions
LINKS = {"EN10MB": 1, "LINUX_SLL": 113, "LINUX_SLL2": 276, "NULL": 0, "LOOP": 108, "PPP": 9,
         "IEEE802_11": 105, "IEEE802_11_RADIO": 127, "RAW": 12, "IPV4": 228, "IPV6": 229}
CASES = ([("EN10MB", 1, e) for e in COMMON + ETHER]
         + [("LINUX_SLL2", 276, e) for e in COMMON + SLL2]
         + [("RAW", 12, e) for e in COMMON]
         + [("EN10MB", 1, e) for e in LIST_EXPRS + PROTOCHAIN]
         + [(name, dlt, e) for name, dlt in LINKS.items()
            for e in LINK_ANY + LINK_ONLY.get(name, [])])


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    rows = []
    for name, dlt, expr in CASES:
        try:
            n_ref = len(ref.compile_ref(expr, dlt))
        except ref.LibpcapError:
            continue
        try:
            n_mine = len(bf.compile(expr, name))
        except bf.FilterError:
            continue  # refusals are the error tests' business
        t_ref = _time(lambda e=expr, d=dlt: ref.compile_ref(e, d))
        t_mine = _time(lambda e=expr, n=name: bf.compile(e, n))
        rows.append((name, expr, n_mine, n_ref, t_mine, t_ref))
    ratios = [m / r for _, _, m, r, _, _ in rows]
    share = sum(1 for x in ratios if x <= 1) / len(ratios)
    print("| programs | zcap <= libpcap | zcap < libpcap | median size ratio | mean size ratio"
          " | max size ratio | zcap compile (median) | libpcap compile (median) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(rows)} | {share:.1%} | {sum(1 for x in ratios if x < 1) / len(ratios):.1%} "
          f"| {statistics.median(ratios):.3f} | {statistics.mean(ratios):.3f} | {max(ratios):.2f} "
          f"| {statistics.median(r[4] for r in rows) * 1e3:.2f} ms "
          f"| {statistics.median(r[5] for r in rows) * 1e3:.3f} ms |")
    print()
    worst = sorted(zip(ratios, rows, strict=True), key=lambda x: -x[0])[:8]
    print("Largest size ratios: " + ", ".join(
        f"`{r[1][:40]}` ({r[0]}) {x:.2f}" for x, r in worst))
    print()
    shown = rows if "--all" in sys.argv else [
        r for r in rows if r[0] == "EN10MB" and r[1] in (
            "tcp port 80", "host 10.0.0.1", "port 80 or 443", "tcp[tcpflags] & tcp-syn != 0",
            "vlan 10 and ip", "net 10.0.0.0/8 and not net 10.1.0.0/16",
            "host 1.2.3.4 or host 10.1.2.3", "ip6 and (tcp or udp) and not port 53",
            "tcp port 22 or tcp port 23 or tcp port 25 or udp port 53 or udp port 123",
            "udp or not udp")]
    print("| link type | expression | zcap insns | libpcap insns | zcap compile "
          "| libpcap compile |")
    print("|---|---|---:|---:|---:|---:|")
    for name, expr, m, r, tm, tr in shown:
        print(f"| {name} | `{expr or '(empty)'}` | {m} | {r} | {tm * 1e3:.2f} ms "
              f"| {tr * 1e3:.3f} ms |")


if __name__ == "__main__":
    main()
