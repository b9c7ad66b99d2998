"""Reading speed: zcap's reader against tcpdump on one large generated file.

    python bench/bench_read.py [--packets N] [--dir /dev/shm]

Rows: a bare scan (every record turned into a zc_pkt), the scan plus the
filter 'tcp' run by the C interpreter (when zc_bpf_filter is built), and the
whole `zcap -r big -w out 'tcp'` command (when the CLI has -r), each next to
`tcpdump -r big -w ...` doing the same work. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

from zcap._core import ffi, lib

from zcap.readers import open_offline


def _frames() -> list[bytes]:
    """A mix of TCP, UDP and ARP frames of realistic sizes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import read_corpus as rc

    tcp = [f for f in rc.ethernet_frames()[:14]]
    big = rc.tcp_frame(rc.IP_A, rc.IP_B, rc.tcp(1, 2, 3, 4, 0x18, b"d" * 1400))
    return tcp + [big, big] + rc.ethernet_frames()[14:25]


def make_file(path: Path, n: int) -> None:
    frames = _frames()
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    recs = []
    for i, f in enumerate(frames):
        recs.append(struct.pack("<IIII", 1_700_000_000 + i, i, len(f), len(f)) + f)
    chunk = b"".join(recs)
    reps = n // len(frames)
    with open(path, "wb") as fh:
        fh.write(hdr)
        for _ in range(reps):
            fh.write(chunk)
        fh.write(b"".join(recs[:n - reps * len(frames)]))


def timed(fn) -> tuple[float, int]:  # noqa: ANN001
    t0 = time.perf_counter()
    n = fn()
    return time.perf_counter() - t0, n


def zcap_scan(path: Path) -> int:
    n = 0
    with open_offline(str(path)) as r:
        for b in r.batches(1024):
            n += b.count
    return n


def zcap_filter(path: Path, insns: object, ninsns: int) -> int:
    n = 0
    with open_offline(str(path)) as r:
        for b in r.batches(1024):
            n += b.filter(insns, ninsns)
    return n


def tcpdump(path: Path, out: str, expr: list[str]) -> int:
    subprocess.run(["tcpdump", "-r", str(path), "-w", out, *expr], check=True,
                   capture_output=True)
    return -1


def warm_tmpfs(where: Path, nbytes: int) -> None:
    """Write and delete ``nbytes`` first: on these VMs a never-touched page costs
    several times more than a recycled one, and the command measured first
    would otherwise pay for the one measured second."""
    chunk = b"\0" * (8 << 20)
    path = where / f"zcap-bench-warm-{os.getpid()}"
    with open(path, "wb") as f:
        for _ in range(nbytes // len(chunk) + 1):
            f.write(chunk)
    path.unlink()


def cli_has_read() -> bool:
    exe = shutil.which("zcap")
    if not exe:
        return False
    res = subprocess.run([exe, "--help"], capture_output=True, text=True)
    return " -r" in res.stdout or "--read" in res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=10_000_000)
    ap.add_argument("--dir", default="/dev/shm")
    args = ap.parse_args()
    big = Path(args.dir) / f"zcap-bench-{os.getpid()}.pcap"
    out = Path(args.dir) / f"zcap-bench-{os.getpid()}.out"
    rows: list[tuple[str, float, float, str]] = []
    try:
        make_file(big, args.packets)
        size_mb = big.stat().st_size / 1e6
        zcap_scan(big)  # warm the page cache for both
        t_z, n = timed(lambda: zcap_scan(big))
        assert n == args.packets, n
        t_t, _ = timed(lambda: tcpdump(big, "/dev/null", []))
        rows.append(("read every packet (-w /dev/null)", t_z, t_t, "library scan"))
        if hasattr(lib, "zc_bpf_filter"):
            import bpf_filters

            prog = bpf_filters.compile("tcp", "EN10MB")
            insns = ffi.new("struct sock_filter[]", [tuple(i) for i in prog.instructions])
            t_zf, kept = timed(lambda: zcap_filter(big, insns, len(prog.instructions)))
            t_tf, _ = timed(lambda: tcpdump(big, "/dev/null", ["tcp"]))
            rows.append((f"filter 'tcp' ({kept} kept)", t_zf, t_tf, "library scan + C filter"))
        if cli_has_read():
            # Each command writes into recycled tmpfs pages (see warm_tmpfs).
            warm_tmpfs(Path(args.dir), big.stat().st_size)
            t_zc, _ = timed(lambda: subprocess.run(["zcap", "-r", str(big), "-w", str(out),
                                                    "tcp"], check=True, capture_output=True))
            out.unlink()
            warm_tmpfs(Path(args.dir), big.stat().st_size)
            t_tc, _ = timed(lambda: tcpdump(big, str(out), ["tcp"]))
            rows.append(("`-r big -w out 'tcp'`", t_zc, t_tc, "zcap CLI"))
        print(f"{args.packets} packets, {size_mb:.0f} MB, in {args.dir}\n")
        print("| work | zcap pkt/s | tcpdump pkt/s | speed-up | zcap path |")
        print("|---|---:|---:|---:|---|")
        for what, tz, tt, how in rows:
            print(f"| {what} | {args.packets / tz:,.0f} | {args.packets / tt:,.0f} | "
                  f"{tt / tz:.1f}x | {how} |")
        if not hasattr(lib, "zc_bpf_filter"):
            print("\n(zc_bpf_filter not built yet: no filter row)")
    finally:
        for p in (big, out):
            if p.exists():
                p.unlink()


if __name__ == "__main__":
    sys.exit(main())
