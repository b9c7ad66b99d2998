#!/usr/bin/env python3
"""Capture benchmark: zcap against tcpdump -w, netsniff-ng and dumpcap, on the
same veth traffic in the same run.

A namespace sends a fixed number of 64-byte and 1518-byte frames over a veth
pair (trafgen flat out; our own sendmmsg sender, bench/pace.c, for paced
rates); each capturer runs in the other namespace and writes to tmpfs.
Reported per tool: CPU seconds (user+sys of the capturer, from /proc, over the
traffic window only) per million packets written, the share of sent packets
in the file, what the tool says it dropped, and the highest paced rate of
1518-byte frames it kept without loss.

Run as root:  python bench/bench_capture.py [--quick]

Two zcap builds side by side: ``--zcap-old CHECKOUT`` adds a tool "zcap-old",
``python -m zcap`` run with that checkout as its working directory (build its
C core in place first), while "zcap" is this checkout. With ``--repeat 3`` the
fixed-count trials alternate the tools three times and report medians, and a
last table compares the two builds' CPU per packet (the goal: within 10%).
A short form: ``--tools zcap,zcap-old --zcap-old ../main --small 300000
--large 100000 --repeat 3 --skip-rates``.
"""

import argparse
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.netns import create_pair, destroy_pair  # noqa: E402

RING_MIB = 64
# Sender (and with it the kernel's copy into the rings, done in its softirq on
# veth) on one CPU, capturer on the other: without this the share each tool
# keeps depends mostly on where the scheduler happens to put it.
PIN_SENDER = ["taskset", "-c", "0"] if (os.cpu_count() or 1) >= 2 else []
PIN_CAPTURER = ["taskset", "-c", "1"] if (os.cpu_count() or 1) >= 2 else []
SHM = Path("/dev/shm")


def frame_bytes(size: int) -> bytes:
    """The frame pace.c sends, for trafgen's config."""
    iplen = size - 14
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, iplen, 0, 0, 64, 17, 0,
                               bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])))
    s = sum(struct.unpack("!10H", ip))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xFFFF)
    udp = struct.pack("!HHHH", 40000, 9, iplen - 20, 0) + bytes(i & 0xFF for i in
                                                                 range(8, iplen - 20))
    return bytes.fromhex("025a00000099025a000000010800") + bytes(ip) + udp


TOOLS = {
    "zcap": lambda ifname, out: [sys.executable, "-m", "zcap", "-i", ifname, "-w", out,
                                 "-B", str(RING_MIB * 1024)],
    "tcpdump": lambda ifname, out: ["tcpdump", "-i", ifname, "-w", out, "-B",
                                    str(RING_MIB * 1024), "-n"],
    "netsniff-ng": lambda ifname, out: ["netsniff-ng", "--in", ifname, "--out", out,
                                        "--ring-size", f"{RING_MIB}MiB", "--silent"],
    "dumpcap": lambda ifname, out: ["dumpcap", "-i", ifname, "-w", out, "-B", str(RING_MIB),
                                    "-q"],
}
TOOLS["zcap-old"] = TOOLS["zcap"]
EXT = {"zcap": "pcapng", "zcap-old": "pcapng", "tcpdump": "pcap", "netsniff-ng": "pcap",
       "dumpcap": "pcapng"}
# Where each tool runs: ``python -m zcap`` imports the zcap of its working directory.
CWD: dict[str, str] = {"zcap": str(HERE.parent)}


def reported_drops(tool: str, text: str) -> int | None:
    patterns = {
        "zcap": r"(\d+) packets dropped by kernel",
        "zcap-old": r"(\d+) packets dropped by kernel",
        "tcpdump": r"(\d+) packets dropped by kernel",
        "dumpcap": r"received/dropped on interface '[^']*': \d+/(\d+)",
        "netsniff-ng": r"(\d+)\s+packets failed filter",
    }
    m = re.search(patterns[tool], text)
    return int(m.group(1)) if m else None


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds a process (all its threads) has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def warm_tmpfs(nbytes: int) -> None:
    """Write and delete ``nbytes`` on tmpfs right before a trial. On these VMs a
    page the guest has never touched costs several times more to hand out than
    a recycled one (measured: a capture's write rate falls 2.4x after ~1.3 GB
    of fresh pages), so without this the first tool measured pays for the
    others and the order of the tools decides the result."""
    chunk = b"\0" * (8 << 20)
    path = SHM / "zcap-bench-warm"
    with open(path, "wb") as f:
        for _ in range(nbytes // len(chunk) + 1):
            f.write(chunk)
    path.unlink()


def count_packets(path: str) -> int:
    out = subprocess.run(["capinfos", "-M", "-c", path], capture_output=True, text=True).stdout
    m = re.search(r"Number of packets:\s+(\d+)", out)
    return int(m.group(1)) if m else 0


class Bench:
    def __init__(self, pace: str, cfgdir: str) -> None:
        self.pair = create_pair()
        self.pace = pace
        self.cfgdir = cfgdir

    def close(self) -> None:
        destroy_pair(self.pair)

    def send(self, size: int, count: int, rate: int) -> tuple[int, float]:
        """Send from namespace A; trafgen flat out, pace.c at a rate."""
        ns, ifname = self.pair.ns_a, self.pair.if_a
        if rate == 0 and shutil.which("trafgen"):
            cfg = Path(self.cfgdir) / f"f{size}.cfg"
            cfg.write_text("{ " + ", ".join(f"0x{b:02x}" for b in frame_bytes(size)) + " }\n")
            t = time.monotonic()
            subprocess.run(["ip", "netns", "exec", ns, *PIN_SENDER, "trafgen", "-o", ifname,
                            "-i", str(cfg),
                            "-n", str(count), "-P", "1", "-C"], capture_output=True, check=True)
            return count, time.monotonic() - t
        out = subprocess.run(["ip", "netns", "exec", ns, *PIN_SENDER, self.pace, ifname, str(size),
                              str(count), str(rate)], capture_output=True, text=True, check=True)
        sent, secs = out.stdout.split()
        return int(sent), float(secs)

    def trial(self, tool: str, size: int, count: int, rate: int) -> dict:
        out = str(SHM / f"zcap-bench-{tool}.{EXT[tool]}")
        warm_tmpfs(int(count * (size + 100) * 1.3))    # the same pages for every tool
        cmd = ["ip", "netns", "exec", self.pair.ns_b, *PIN_CAPTURER,
               *TOOLS[tool](self.pair.if_b, out)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                cwd=CWD.get(tool))
        early = b""
        if tool.startswith("zcap"):
            # Start-up differs between builds: begin when it says it listens, so
            # no import time falls into the window and no packet comes too early.
            end = time.monotonic() + 30
            while b"listening on" not in early and time.monotonic() < end:
                if select.select([proc.stderr], [], [], 0.1)[0]:
                    chunk = os.read(proc.stderr.fileno(), 4096)
                    if not chunk:
                        break
                    early += chunk
            time.sleep(0.2)
        else:
            time.sleep(1.5)                              # every tool is listening by then
        t0 = time.monotonic()
        before = cpu_seconds(proc.pid)
        sent, secs = self.send(size, count, rate) if count else (0, 0.0)
        time.sleep(1.0)                                  # let the last blocks drain
        after = cpu_seconds(proc.pid)
        wall = time.monotonic() - t0
        proc.send_signal(signal.SIGINT)
        os.wait4(proc.pid, 0)
        proc.returncode = 0
        stderr = (early + proc.stderr.read()).decode(errors="replace")
        # Only the traffic window counts: start-up (Python's imports) is not per packet.
        cpu = sum(after) - sum(before)
        print(f"#   user {after[0] - before[0]:.3f} s, sys {after[1] - before[1]:.3f} s",
              file=sys.stderr)
        written = count_packets(out) if count else 0
        os.unlink(out) if os.path.exists(out) else None
        return {"tool": tool, "size": size, "sent": sent, "secs": secs, "written": written,
                "cpu": cpu, "wall": wall, "drops": reported_drops(tool, stderr)}



def cpu_per_million(r: dict) -> float:
    return r["cpu"] / max(r["written"], 1) * 1e6


def median_row(trials: list[dict]) -> dict:
    """The trial with the median CPU per packet (its other numbers with it)."""
    ranked = sorted(trials, key=lambda r: r["cpu_m"])
    row = dict(ranked[(len(ranked) - 1) // 2])
    row["cpu_m"] = statistics.median(r["cpu_m"] for r in trials)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=3_000_000, help="64-byte frames per trial")
    ap.add_argument("--large", type=int, default=1_000_000, help="1518-byte frames per trial")
    ap.add_argument("--rates", default="100000,200000,300000,400000,500000,650000,800000",
                    help="paced rates (pps) of 1518-byte frames for the loss-free search")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of a paced trial")
    ap.add_argument("--tools", default="zcap,tcpdump,netsniff-ng,dumpcap")
    ap.add_argument("--quick", action="store_true", help="smaller counts, fewer rates")
    ap.add_argument("--zcap-old", metavar="CHECKOUT",
                    help="another zcap checkout to run as tool 'zcap-old' (python -m zcap there)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="fixed-count trials per tool and size (medians are reported)")
    ap.add_argument("--skip-rates", action="store_true", help="no loss-free rate search")
    args = ap.parse_args()
    if args.zcap_old:
        CWD["zcap-old"] = os.path.abspath(args.zcap_old)
        if "zcap-old" not in args.tools.split(","):
            args.tools += ",zcap-old"
    if os.geteuid() != 0:
        sys.exit("bench_capture: needs root (namespaces, packet sockets)")
    if args.quick:
        args.small, args.large, args.rates = 1_000_000, 300_000, "200000,400000,650000"
    tools = [t for t in args.tools.split(",") if shutil.which(TOOLS[t]("x", "y")[0])]

    tmp = tempfile.mkdtemp(prefix="zcap-bench-")
    pace = os.path.join(tmp, "pace")
    subprocess.run(["gcc", "-O2", "-o", pace, str(HERE / "pace.c")], check=True)
    bench = Bench(pace, tmp)
    rows = []
    try:
        for size, count in ((64, args.small), (1514, args.large)):
            trials: dict[str, list[dict]] = {t: [] for t in tools}
            for _ in range(args.repeat):        # alternate the tools: same machine state
                for tool in tools:
                    r = bench.trial(tool, size, count, 0)
                    r["cpu_m"] = cpu_per_million(r)
                    trials[tool].append(r)
                    print(f"# {tool} {size}B: {r}", file=sys.stderr, flush=True)
            for tool in tools:
                rows.append(median_row(trials[tool]))
        lossfree = {}
        for tool in tools if not args.skip_rates else []:
            best = 0
            for rate in (int(x) for x in args.rates.split(",")):
                r = bench.trial(tool, 1514, int(rate * args.seconds), rate)
                print(f"# {tool} {rate} pps: {r}", file=sys.stderr, flush=True)
                if r["written"] < r["sent"]:
                    break
                best = rate
            lossfree[tool] = best
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"Capture benchmark, {time.strftime('%Y-%m-%d')}, {os.uname().release}, "
          f"{os.cpu_count()} CPUs, veth, output on tmpfs, {RING_MIB} MiB rings\n")
    base = {r["size"]: r for r in rows if r["tool"] == "tcpdump"}
    print("| tool | frame | sent | written | kept | reported drops | CPU s / M pkts "
          "| × tcpdump |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        ref = base.get(r["size"])
        ratio = f"{r['cpu_m'] / ref['cpu_m']:.2f}" if ref and ref["cpu_m"] else "-"
        print(f"| {r['tool']} | {r['size']} B | {r['sent']} | {r['written']} | "
              f"{100 * r['written'] / max(r['sent'], 1):.1f}% | {r['drops']} | "
              f"{r['cpu_m']:.3f} | {ratio} |")
    if "zcap-old" in tools and "zcap" in tools:
        print(f"\n| frame | zcap CPU s / M pkts | zcap-old | new / old | kept new / old |"
              f" (medians of {args.repeat})")
        print("| --- | --- | --- | --- | --- |")
        for size in (64, 1514):
            new = next(r for r in rows if r["tool"] == "zcap" and r["size"] == size)
            old = next(r for r in rows if r["tool"] == "zcap-old" and r["size"] == size)
            ratio = new["cpu_m"] / old["cpu_m"] if old["cpu_m"] else float("nan")
            print(f"| {size} B | {new['cpu_m']:.3f} | {old['cpu_m']:.3f} | {ratio:.2f} | "
                  f"{100 * new['written'] / max(new['sent'], 1):.1f}% / "
                  f"{100 * old['written'] / max(old['sent'], 1):.1f}% |")
    if not lossfree:
        return 0
    print("\n| tool | highest loss-free rate, 1518-byte frames (of " + args.rates + ") |")
    print("| --- | --- |")
    for tool, rate in lossfree.items():
        print(f"| {tool} | {rate // 1000} kpps |" if rate else f"| {tool} | below "
              f"{int(args.rates.split(',')[0]) // 1000} kpps |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
