"""Expressions from a file of your own against libpcap, on all eleven link types.

    python bench/bench_filters_external.py EXPRESSIONS [--links EN10MB,PPP] [--frames N]

EXPRESSIONS holds one filter expression a line (blank lines and lines starting
with `#` are skipped). Each is compiled for EN10MB, LINUX_SLL, LINUX_SLL2, RAW,
IPV4, IPV6, NULL, LOOP, PPP, IEEE802_11 and IEEE802_11_RADIO by libpcap 1.10
(through ctypes) and by zcap, and compared strictly as bench_filters_fuzz.py
does (tests/filters/filter_fuzz.compare): libpcap refuses it and zcap refuses
it with a column, or both compile it and zcap's program gives libpcap's
optimised program's verdict on every frame of that link type's corpus
(tests/filters/filter_frames_link.frames_for: frames cut at every length
included). Prints the counts, the size-ratio distribution against the issue's
bar (at most libpcap's for 97%, never over 1.5x), and every difference. The
expression file is not part of the repository: gather your own (man pages,
other projects' test suites, cheat sheets).
"""

from __future__ import annotations

import argparse
import collections
import functools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "filters"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from filter_frames_link import frames_for  # noqa: E402
from filter_fuzz import DLT, compare  # noqa: E402

from bpf_filters.cinterp import CFilter  # noqa: E402


def _read(path: str) -> list[str]:
    lines = Path(path).read_text().splitlines()
    seen: dict[str, None] = {}
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            seen.setdefault(line.strip(), None)
    return list(seen)


def _distribution(ratios: list[float]) -> str:
    bins = [(0, 0.5), (0.5, 0.9), (0.9, 1.0), (1.0, 1.0), (1.0, 1.1), (1.1, 1.25), (1.25, 1.5),
            (1.5, float("inf"))]
    out = []
    for lo, hi in bins:
        if lo == hi:
            n, label = sum(r == lo for r in ratios), f"={lo:g}"
        else:
            n, label = sum(lo < r <= hi if lo >= 1 else lo <= r < hi for r in ratios), \
                f"{'(' if lo >= 1 else '['}{lo:g},{hi:g}{']' if lo >= 1 else ')'}"
        out.append(f"{label}: {n}")
    return ", ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("expressions")
    ap.add_argument("--links", default=",".join(DLT))
    ap.add_argument("--frames", type=int, default=300, help="frames built per link type")
    args = ap.parse_args()
    exprs = _read(args.expressions)
    links = args.links.split(",")
    corpus = functools.cache(lambda lt: frames_for(lt, args.frames))
    counts: collections.Counter[str] = collections.Counter()
    per_expr_bad: dict[str, list[str]] = collections.defaultdict(list)
    bad: list[tuple[str, str, str, list[bytes]]] = []
    ratios: list[tuple[float, str, str, tuple[int, int]]] = []
    t0 = time.perf_counter()
    for expr in exprs:
        for lt in links:
            try:
                out = compare(lt, expr, corpus(lt), lambda i, f: CFilter(i).run(f))
            except Exception as e:  # noqa: BLE001 - a crash is a finding, keep going
                out = None
                counts["crash"] += 1
                bad.append((lt, expr, f"crash: {type(e).__name__}: {e}", []))
                per_expr_bad[expr].append(lt)
                continue
            counts[out.status] += 1
            if out.status in ("verdicts", "refusal"):
                bad.append((lt, expr, out.detail, out.frames))
                per_expr_bad[expr].append(lt)
            if out.sizes:
                ratios.append((out.sizes[0] / out.sizes[1], lt, expr, out.sizes))
    pairs = len(exprs) * len(links)
    frames = sum(len(corpus(lt)) for lt in links)
    print(f"{len(exprs)} expressions x {len(links)} link types = {pairs} pairs, "
          f"{frames} frames, {time.perf_counter() - t0:.0f} s")
    print("outcomes:", dict(counts))
    agree = pairs - len(bad)
    print(f"pairs agreeing with libpcap: {agree}/{pairs} ({100 * agree / pairs:.2f}%); "
          f"expressions agreeing on every link type: {len(exprs) - len(per_expr_bad)}"
          f"/{len(exprs)}")
    if ratios:
        rs = [r for r, *_ in ratios]
        le = sum(r <= 1 for r in rs) / len(rs)
        print(f"sizes over {len(rs)} programs both compile: <= libpcap {100 * le:.1f}%, "
              f"median ratio {statistics.median(rs):.3f}, max {max(rs):.2f}")
        print("size ratio distribution:", _distribution(rs))
        for r, lt, expr, sizes in sorted(ratios, key=lambda x: -x[0])[:15]:
            if r > 1:
                print(f"  LARGER {r:.2f} {lt}: {expr!r}: {sizes[0]} vs libpcap's {sizes[1]}")
    for lt, expr, detail, fr in bad:
        print(f"  DIFFERS {lt}: {expr!r}: {detail}" + (f" e.g. {fr[0].hex()}" if fr else ""))


if __name__ == "__main__":
    main()
