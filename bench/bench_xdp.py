#!/usr/bin/env python3
"""AF_XDP against TPACKET_V3: the same veth traffic, the same run.

trafgen (netsniff-ng) in namespace A sends a fixed number of frames flat out
over a veth pair, with a config built here that only ever addresses the test
link (198.18.0.1 -> 198.18.0.2, to a MAC no host has). One frame in ten goes
to UDP port 9, the rest to port 7777, so the filter ``udp dst port 9`` keeps
10%. zcap's library captures in namespace B to a pcapng file on tmpfs.

Reported per case: packets in the file and dropped (as the source counts
them), the capturer's own CPU seconds per million frames sent (its capture
loop only), and the whole machine's busy CPU seconds per million frames
(user + system + softirq of every CPU, sender included, same for every row):
on veth the kernel's copy into a ring or UMEM runs in softirq, outside the
capturer's own rusage.

Run as root:  python bench/bench_xdp.py [--quick] [--skb]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.netns import MAC_A, MAC_ELSEWHERE, create_pair, destroy_pair  # noqa: E402

FILTER = "udp dst port 9"
SHM = Path("/dev/shm")

CAPTURER = r"""
import json, resource, sys, time
import zcap
from zcap.capture import StopFlag, run
from zcap.sinks.pcapng import PcapngSink

ifname, out, mode, expr = sys.argv[1:5]
kwargs = {}
if mode != "tpacket":
    kwargs = {"xdp": True, "xdp_mode": mode}
    if expr:
        import bpf_filters   # XDP sees VLAN tags in the frame: compile for that
        kwargs["program"] = [tuple(i) for i in bpf_filters.compile(
            expr, linktype="EN10MB", kernel=False).instructions]
elif expr:
    kwargs["filter"] = expr
cap = zcap.open_live(ifname, **kwargs)
stop = StopFlag()
try:
    sink = PcapngSink(out, [cap.describe()])
    before = resource.getrusage(resource.RUSAGE_SELF)
    print("ready", file=sys.stderr, flush=True)
    summary = run(cap, [sink], stop=stop)
    after = resource.getrusage(resource.RUSAGE_SELF)
    sink.close(summary.per_interface)
finally:
    cap.close()
print(json.dumps({"cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "captured": summary.captured, "received": summary.received,
                  "dropped": summary.dropped, "desc": cap.describe().description or ""}))
"""


def frame(size: int, dport: int) -> bytes:
    """Ethernet/IPv4/UDP, ``size`` bytes, for the test link's addresses only."""
    ip_len = size - 14
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 17, 0,
                                bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])))
    total = sum(struct.unpack("!10H", hdr))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    hdr[10:12] = struct.pack("!H", ~total & 0xFFFF)
    payload = bytes((7 * i) & 0xFF for i in range(ip_len - 28))
    udp = struct.pack("!HHHH", 40000, dport, ip_len - 20, 0) + payload
    mac = bytes.fromhex(MAC_ELSEWHERE.replace(":", "") + MAC_A.replace(":", ""))
    return mac + b"\x08\x00" + bytes(hdr) + udp


def trafgen_config(size: int) -> str:
    """Ten frames, sent round robin: one to port 9, nine to port 7777."""
    frames = [frame(size, 9)] + [frame(size, 7777)] * 9
    return "".join("{ " + ", ".join(f"0x{b:02x}" for b in f) + " }\n" for f in frames)


def busy_jiffies() -> int:
    """user + nice + system + irq + softirq of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return user + nice + system + irq + softirq


def one_case(pair, tmp: Path, mode: str, size: int, expr: str, count: int) -> dict:
    out = SHM / f"zcap-bench-xdp-{os.getpid()}.pcapng"
    cfg = tmp / f"f{size}.cfg"
    cfg.write_text(trafgen_config(size))
    proc = subprocess.Popen(["ip", "netns", "exec", pair.ns_b, sys.executable, "-c", CAPTURER,
                             pair.if_b, str(out), mode, expr],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            close_fds=True)
    pair.procs.append(proc)
    line = proc.stderr.readline()
    if "ready" not in line:
        proc.wait()
        raise RuntimeError(f"{mode} capturer failed: {line}{proc.stderr.read()}")
    hz = os.sysconf("SC_CLK_TCK")
    j0 = busy_jiffies()
    subprocess.run(["ip", "netns", "exec", pair.ns_a, "trafgen", "-o", pair.if_a, "-i",
                    str(cfg), "-n", str(count), "-P", "1", "-C"],
                   capture_output=True, check=True)
    time.sleep(0.5)                             # let the capturer empty its ring
    j1 = busy_jiffies()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    out.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} capturer failed: {stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["system_cpu"] = (j1 - j0) / hz
    result["sent"] = count
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer frames (a smoke run)")
    ap.add_argument("--skb", action="store_true", help="also AF_XDP in skb (generic) mode")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_xdp: needs root (namespaces, XDP)", file=sys.stderr)
        return 2
    if not shutil.which("trafgen"):
        print("bench_xdp: needs trafgen (apt-get install netsniff-ng)", file=sys.stderr)
        return 2
    counts = {64: 200_000, 1500: 100_000} if args.quick else {64: 1_000_000, 1500: 300_000}
    modes = ["tpacket", "native"] + (["skb"] if args.skb else [])
    names = {"tpacket": "TPACKET_V3", "native": "AF_XDP native", "skb": "AF_XDP skb"}
    rows = []
    pair = create_pair()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in (64, 1500):
                for expr in ("", FILTER):
                    for mode in modes:
                        r = one_case(pair, Path(tmp), mode, size, expr, counts[size])
                        rows.append((names[mode], size, expr, r))
    finally:
        destroy_pair(pair)

    print("| capture | frame | filter | sent | in file | dropped | capturer CPU s/Mpkt "
          "| machine CPU s/Mpkt |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name, size, expr, r in rows:
        mpkt = r["sent"] / 1e6
        print(f"| {name} | {size} | {expr or '(none)'} | {r['sent']} | {r['captured']} "
              f"| {r['dropped']} | {r['cpu'] / mpkt:.2f} | {r['system_cpu'] / mpkt:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
