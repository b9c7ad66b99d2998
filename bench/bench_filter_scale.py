"""Big host and port lists: compile time, program size and cost per packet,
zcap's bpf_filters next to libpcap's pcap_compile (through ctypes), as markdown.

    python bench/bench_filter_scale.py [--max N] [--ref-max N]

For N in 10, 100, 300, 1000, 3000: `host A or B or ...` (N addresses) and
`port P or Q or ...` (N ports). Instructions executed are counted by running
each program over a packet that matches no term (an IPv4/TCP frame, and for
the port lists also an IPv6/UDP one, the cost of the worse one is shown).
Programs longer than the kernel's 4096 instructions are compiled for user
space (max_insns=USER_MAXINSNS); the `kernel` column says whether they fit.
libpcap's compile takes minutes at 1000 terms and far longer at 3000: it
runs only up to `--ref-max` terms (default 1000); `--max` stops zcap too.
"""

from __future__ import annotations

import ipaddress
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "filters"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libpcap_ref as ref  # noqa: E402

import bpf_filters as bf  # noqa: E402
from bpf_filters.interp import run  # noqa: E402

SIZES = (10, 100, 300, 1000, 3000)


def _hosts(n: int) -> str:
    return "host " + " or ".join(str(ipaddress.IPv4Address(0x0A000000 + 7 * i + 1))
                                 for i in range(n))


def _ports(n: int) -> str:
    return "port " + " or ".join(str(1024 + 13 * i) for i in range(n))


def _misses() -> list[bytes]:
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
    tcp = struct.pack("!HHIIBBHHH", 7, 9, 0, 0, 0x50, 2, 1024, 0, 0)
    ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0,
                      bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + tcp
    udp = struct.pack("!HHHH", 7, 9, 8, 0)
    ip6 = struct.pack("!IHBB16s16s", 0x60000000, 8, 17, 64, bytes(16), bytes(16)) + udp
    return [eth + b"\x08\x00" + ip4, eth + b"\x86\xdd" + ip6]


def _executed(insns: list, frames: list[bytes]) -> int:
    worst = 0
    for f in frames:
        steps = [0]
        assert run([bf.Insn(*i) for i in insns], f, steps=steps) == 0
        worst = max(worst, steps[0])
    return worst


def _option(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main() -> None:
    limit = _option("--max", SIZES[-1])
    ref_limit = _option("--ref-max", 1000)
    misses = _misses()
    print("| list | terms | zcap compile | libpcap compile | zcap insns | libpcap insns "
          "| fits the kernel (zcap / libpcap) | executed per non-matching packet "
          "(zcap / libpcap) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for kind, make in (("host", _hosts), ("port", _ports)):
        for n in SIZES:
            if n > limit:
                continue
            expr = make(n)
            t = time.perf_counter()
            mine = bf.compile(expr, max_insns=bf.USER_MAXINSNS)
            t_mine = time.perf_counter() - t
            ours = f"{'yes' if bf.fits_kernel(mine) else 'no'}"
            if n <= ref_limit:
                t = time.perf_counter()
                theirs = ref.compile_ref(expr, 1)
                t_ref = f"{time.perf_counter() - t:.2f} s"
                n_ref, cost_ref = str(len(theirs)), str(_executed(theirs, misses))
                fits_ref = "yes" if len(theirs) <= bf.BPF_MAXINSNS else "no"
            else:
                t_ref = n_ref = cost_ref = fits_ref = "-"
            print(f"| {kind} | {n} | {t_mine:.2f} s | {t_ref} | {len(mine)} | {n_ref} "
                  f"| {ours} / {fits_ref} | {_executed(list(mine), misses)} / {cost_ref} |",
                  flush=True)


if __name__ == "__main__":
    main()
