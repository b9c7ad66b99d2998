#!/usr/bin/env python3
"""Disk benchmark: capture to a file on the machine's real disk (not tmpfs),
zcap as users run it (`zcap -i IF -w FILE`: ring blocks rewritten in place and
written with direct I/O) against zcap's buffered writer (`--no-direct`),
tcpdump -w, netsniff-ng and dumpcap.

Paced 1514-byte frames (bench/pace.c) at each rate for a fixed time per
trial, long enough that the page cache stops absorbing the writes; every tool
is stopped, then its file is fdatasync'ed, and that time is part of the trial.
CPU is counted over the whole machine (busy time of every CPU from /proc/stat,
since writeback runs in kernel threads outside the capturer), minus a run with
no capturer at the same rate. Reported per trial: the rate the sender reached,
the share of sent packets in the file, and system-wide CPU seconds per million
written packets above that baseline.

Run as root:  python bench/bench_disk.py [--seconds 30 --reps 3]
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_capture import (  # noqa: E402
    CWD,
    EXT,
    PIN_CAPTURER,
    RING_MIB,
    TOOLS,
    Bench,
    count_packets,
    cpu_seconds,
    reported_drops,
)

DISK_TOOLS = {"zcap": TOOLS["zcap"],
              "zcap-buffered": lambda ifname, out: [*TOOLS["zcap"](ifname, out), "--no-direct"],
              **{t: cmd for t, cmd in TOOLS.items() if not t.startswith("zcap")}}
DISK_EXT = {"zcap-buffered": "pcapng", **EXT}
FRAME = 1514


def busy_seconds() -> float:
    """Busy time of every CPU so far (all but idle and iowait), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def received_by_filter(text: str) -> int | None:
    """What the kernel counted as received, for the tools that say (zcap, tcpdump):
    sent minus this was lost before the capture socket."""
    m = re.search(r"(\d+) packets received by filter", text)
    return int(m.group(1)) if m else None


def backlog_drops() -> int:
    """Frames the kernel dropped from its per-CPU input backlogs so far (all
    namespaces; the second column of /proc/net/softnet_stat): a veth frame
    lost there never reaches any capture socket."""
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f)


def on_tmpfs(path: str) -> bool:
    out = subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True)
    return out.stdout.strip() in ("tmpfs", "ramfs")


def wait_bound(pid: int, ifindex: int, timeout: float = 60.0) -> None:
    """Wait until the process has a packet socket bound to ``ifindex``. A fixed
    delay is not enough on a loaded machine: a Python tool may take seconds to
    start, and what is sent before its socket exists never counts against it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/net/packet") as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            rows = []
        if any(len(r) > 4 and r[4] == str(ifindex) for r in rows):
            time.sleep(0.5)                  # ring and filter come before bind; let it poll
            return
        time.sleep(0.05)
    raise TimeoutError(f"capturer {pid} did not bind to interface {ifindex}")


class DiskBench(Bench):
    def __init__(self, pace: str, cfgdir: str, outdir: str) -> None:
        super().__init__(pace, cfgdir)
        self.outdir = outdir
        self.ifindex = self.pair.ifindex(self.pair.ns_b, self.pair.if_b)

    def trial(self, tool: str | None, rate: int, seconds: float) -> dict:
        """One paced trial; ``tool`` None is the baseline with no capturer."""
        count = int(rate * seconds)
        proc, out = None, None
        if tool:
            out = os.path.join(self.outdir, f"bench-{tool}.{DISK_EXT[tool]}")
            cmd = ["ip", "netns", "exec", self.pair.ns_b, *PIN_CAPTURER,
                   *DISK_TOOLS[tool](self.pair.if_b, out)]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    cwd=CWD["zcap"] if tool.startswith("zcap") else None)
            wait_bound(proc.pid, self.ifindex)
        busy0, t0, backlog0 = busy_seconds(), time.monotonic(), backlog_drops()
        own0 = cpu_seconds(proc.pid) if proc else (0.0, 0.0)
        sent, secs = self.send(FRAME, count, rate)
        time.sleep(1.0)                                  # let the last blocks drain
        stderr = ""
        own = 0.0
        if proc:
            own = sum(cpu_seconds(proc.pid)) - sum(own0)
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=600)
            stderr = err.decode(errors="replace")
            fd = os.open(out, os.O_RDONLY)               # what is still in the page cache
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        busy, wall = busy_seconds() - busy0, time.monotonic() - t0
        backlog = backlog_drops() - backlog0
        written = count_packets(out) if out else 0
        size = os.path.getsize(out) if out else 0
        if out:
            os.unlink(out)
        return {"tool": tool or "-", "rate": rate, "sent": sent, "sent_rate": sent / secs,
                "written": written, "busy": busy, "own": own, "wall": wall, "bytes": size,
                "drops": reported_drops("zcap" if tool.startswith("zcap") else tool, stderr)
                if tool else None, "received": received_by_filter(stderr), "backlog_drops": backlog}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="100000,200000,300000,400000")
    ap.add_argument("--seconds", type=float, default=30.0, help="traffic per trial")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tools", default="zcap,zcap-buffered,tcpdump,netsniff-ng,dumpcap")
    ap.add_argument("--dir", default="/var/tmp", help="where the files go (the real disk)")
    ap.add_argument("--peer-reps", type=int, default=None,
                    help="repetitions of every tool but zcap itself, which always runs "
                         "--reps (default: --reps)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_disk: needs root (namespaces, packet sockets)")
    if on_tmpfs(args.dir):
        sys.exit(f"bench_disk: {args.dir} is on tmpfs; the point is the real disk")
    tools = [t for t in args.tools.split(",") if shutil.which(DISK_TOOLS[t]("x", "y")[0])]
    rates = [int(x) for x in args.rates.split(",")]

    tmp = tempfile.mkdtemp(prefix="zcap-bench-")
    outdir = tempfile.mkdtemp(prefix="zcap-bench-disk-", dir=args.dir)
    pace = os.path.join(tmp, "pace")
    subprocess.run(["gcc", "-O2", "-o", pace, str(HERE / "pace.c")], check=True)
    bench = DiskBench(pace, tmp, outdir)
    rows = []
    try:
        for rep in range(args.reps):
            for rate in rates:
                base = bench.trial(None, rate, args.seconds)
                print(f"# rep {rep} baseline {rate} pps: {base}", file=sys.stderr, flush=True)
                for tool in tools:
                    if tool != "zcap" and args.peer_reps is not None and rep >= args.peer_reps:
                        continue
                    r = bench.trial(tool, rate, args.seconds)
                    r["cpu_m"] = (r["busy"] - base["busy"]) / max(r["written"], 1) * 1e6
                    r["rep"] = rep
                    rows.append(r)
                    print(f"# rep {rep} {tool} {rate} pps: {r}", file=sys.stderr, flush=True)
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)

    print(f"Disk benchmark, {time.strftime('%Y-%m-%d')}, {os.uname().release}, "
          f"{os.cpu_count()} CPUs, veth, {FRAME}-byte frames, output on {args.dir} (not tmpfs), "
          f"{args.seconds:g} s per trial, {args.reps} repetitions, {RING_MIB} MiB rings\n")
    print("| tool | rate | sender reached (kpps) | kept, each rep | system CPU s / M written "
          "(median, above no-capturer) | × tcpdump | own CPU s / M | reported drops "
          "| backlog drops |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for rate in rates:
        ref = [r["cpu_m"] for r in rows if r["tool"] == "tcpdump" and r["rate"] == rate]
        for tool in tools:
            rs = [r for r in rows if r["tool"] == tool and r["rate"] == rate]
            if not rs:
                continue
            cpu = statistics.median(r["cpu_m"] for r in rs)
            ratio = f"{cpu / statistics.median(ref):.2f}" if ref and statistics.median(ref) > 0 \
                else "-"
            kept = ", ".join(f"{100 * r['written'] / max(r['sent'], 1):.1f}%" for r in rs)
            reached = ", ".join(f"{r['sent_rate'] / 1000:.0f}" for r in rs)
            own = statistics.median(r["own"] / max(r["written"], 1) * 1e6 for r in rs)
            drops = ", ".join(str(r["drops"]) for r in rs)
            backlog = ", ".join(str(r["backlog_drops"]) for r in rs)
            print(f"| {tool} | {rate // 1000} kpps | {reached} | {kept} | {cpu:.2f} | {ratio} | "
                  f"{own:.2f} | {drops} | {backlog} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
