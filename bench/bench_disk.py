#!/usr/bin/env python3
"""Disk benchmark: capture to a file on the machine's real disk (not tmpfs),
zcap as users run it (`zcap -i IF -w FILE`: ring blocks rewritten in place and
written with direct I/O) against zcap's buffered writer (`--no-direct`),
tcpdump -w, netsniff-ng and dumpcap.

Paced 1514-byte frames (bench/pace.c) at each rate for a fixed time per
trial, long enough that the page cache stops absorbing the writes; every tool
is stopped, then its file is fdatasync'ed, and that time is part of the trial.
Reported per trial: the rate the sender reached, the share of sent packets in
the file, and CPU seconds per million written packets, two ways:

- system-wide (the issue's measure): busy time of every CPU over the trial
  minus the same over a run with no capturer at the same rate. Busy time is
  the trial's length on each CPU minus its idle, iowait and steal time. Not
  the sum of /proc/stat's user/system/softirq fields: with tick-based CPU
  accounting (this kernel: CONFIG_TICK_CPU_ACCOUNTING, HZ=250) those are
  samples taken at each 4 ms tick, and a paced sender that wakes at fixed
  times (every 320 us at 100 kpps: 25 bursts per two ticks) keeps one phase
  against the tick for the whole trial, so its bursts are sampled almost
  always or almost never, whichever phase the trial happened to start in.
  That is what moved the no-capturer baseline between 2.6 and 17 s of busy
  time in 30-s trials. Idle and iowait are measured at every idle entry and
  exit (NO_HZ), so the trial's length minus them is exact; steal is the
  hypervisor's, not ours.
- attributed: the capturer's own CPU, plus what the sender (whose softirq
  does the veth receive and the copy into every capture ring) and the
  kernel's threads (writeback, journal, ksoftirqd) and this script (whose
  fdatasync writes back what the page cache still holds) used beyond the
  no-capturer run. Per-task times are exact (CFS runtime), and other
  processes on the machine do not enter it.

Before every trial, the baseline included, the machine is settled: `sync`,
the page cache dropped, and a wait until dirty and writeback memory are near
zero and the CPUs have been idle for a moment, so that the writeback and the
extent freeing (this disk is mounted with `discard`) of the previous trial's
multi-GB file do not fall into the next window. Tools take turns in a
different order each repetition, each rate has its own baseline per
repetition, and the table gives every repetition's figure next to the median.

Run as root:  python bench/bench_disk.py [--seconds 30 --reps 3]
"""

import argparse
import os
import re
import resource
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
    PIN_SENDER,
    RING_MIB,
    TOOLS,
    Bench,
    count_packets,
    cpu_seconds,
    reported_drops,
)

DISK_TOOLS = {"zcap": TOOLS["zcap"], "zcap-old": TOOLS["zcap"],
              "zcap-buffered": lambda ifname, out: [*TOOLS["zcap"](ifname, out), "--no-direct"],
              **{t: cmd for t, cmd in TOOLS.items() if not t.startswith("zcap")}}
DISK_EXT = {"zcap-buffered": "pcapng", **EXT}
FRAME = 1514


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
SETTLE_DIRTY_KB = 32 * 1024       # dirty + writeback memory counted as none
SETTLE_BUSY = 0.04                # CPU-seconds per second, all CPUs: the machine is quiet
SETTLE_MAX_S = 10.0


class CpuClock:
    """One reading of every CPU's /proc/stat fields (in seconds) and the
    monotonic clock, taken together."""

    def __init__(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as f:
            lines = [ln.split() for ln in f if ln.startswith("cpu") and ln[3] != " "]
        self.t = time.monotonic()
        self.cpus = {ln[0]: dict(zip(STAT_FIELDS, (int(x) / tick for x in ln[1:9]), strict=True))
                     for ln in lines}

    def field(self, since: "CpuClock", name: str) -> float:
        """Seconds of ``name`` over all CPUs between ``since`` and this reading."""
        return sum(c[name] - since.cpus[cpu][name] for cpu, c in self.cpus.items())

    def busy(self, since: "CpuClock") -> float:
        """Exact busy time of all CPUs since ``since``: the interval on each CPU
        minus its idle, iowait and steal time (see the module docstring)."""
        wall = (self.t - since.t) * len(self.cpus)
        return wall - sum(self.field(since, f) for f in ("idle", "iowait", "steal"))

    def ticks(self, since: "CpuClock") -> float:
        """Busy time as the tick samples count it (user to softirq): kept for the
        log, to show how far it strays from ``busy``."""
        return sum(self.field(since, f) for f in ("user", "nice", "system", "irq", "softirq"))


def kernel_thread_seconds() -> dict[str, float]:
    """CPU seconds used so far by the kernel's threads (children of kthreadd),
    by kind: writeback workers (kworker), the journal (jbd2), ksoftirqd,
    kswapd, the rest."""
    kinds = ("kworker", "jbd2", "ksoftirqd", "kswapd")
    total = dict.fromkeys((*kinds, "other"), 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                name, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue                      # gone meanwhile
        fields = rest.split()
        if fields[1] == "2" or pid == "2":
            kind = next((k for k in kinds if name.startswith(k)), "other")
            total[kind] += (int(fields[11]) + int(fields[12])) / tick
    return total


def dirty_kb() -> int:
    """Dirty and writeback memory, /proc/meminfo."""
    with open("/proc/meminfo") as f:
        info = dict(ln.split(":", 1) for ln in f)
    return sum(int(info[k].split()[0]) for k in ("Dirty", "Writeback"))


def settle(max_s: float = SETTLE_MAX_S) -> float:
    """Put the previous trial behind us: sync (which also commits the journal
    with the freed extents of a deleted file), drop the page cache, wait until
    dirty and writeback memory are near zero and the CPUs quiet for half a
    second. Returns the busy rate seen last (CPU-s per s), for the log."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    end = time.monotonic() + max_s
    rate = float("inf")
    while time.monotonic() < end:
        a = CpuClock()
        time.sleep(0.5)
        rate = CpuClock().busy(a) / 0.5
        if rate < SETTLE_BUSY and dirty_kb() < SETTLE_DIRTY_KB:
            break
    return rate


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


def wait_bound(proc: subprocess.Popen, ifindex: int, timeout: float = 60.0) -> None:
    """Wait until the process has a packet socket bound to ``ifindex``. A fixed
    delay is not enough on a loaded machine: a Python tool may take seconds to
    start, and what is sent before its socket exists never counts against it."""
    pid = proc.pid
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:         # it gave up: say why, not "did not bind"
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            raise RuntimeError(f"capturer {pid} exited with {proc.returncode}: {err}")
        try:
            with open(f"/proc/{pid}/net/packet") as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            rows = []
        if any(len(r) > 4 and r[4] == str(ifindex) for r in rows):
            time.sleep(0.5)                  # ring and filter come before bind; let it poll
            return
        time.sleep(0.05)
    where = ""
    if shutil.which("py-spy"):              # a Python capturer: where it is stuck
        where = subprocess.run(["py-spy", "dump", "--pid", str(pid)], capture_output=True,
                               text=True).stdout
    proc.kill()
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    raise TimeoutError(f"capturer {pid} did not bind to interface {ifindex}\n{where}{err}")


class DiskBench(Bench):
    def __init__(self, pace: str, cfgdir: str, outdir: str, settle_s: float,
                 trace_dir: str | None = None) -> None:
        super().__init__(pace, cfgdir)
        self.settle_s = settle_s
        self.trace_dir = trace_dir
        self.trials = 0
        self.outdir = outdir
        self.ifindex = self.pair.ifindex(self.pair.ns_b, self.pair.if_b)
        self.sender_cpu = 0.0

    def send(self, size: int, count: int, rate: int) -> tuple[int, float]:
        """pace.c from namespace A, pinned; its CPU time (exact, from wait4)
        goes to ``sender_cpu``: its softirq is where veth delivers frames and
        the kernel copies them into the capture rings."""
        cmd = ["ip", "netns", "exec", self.pair.ns_a, *PIN_SENDER, self.pace, self.pair.if_a,
               str(size), str(count), str(rate)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, cmd)
        self.sender_cpu = usage.ru_utime + usage.ru_stime
        sent, secs = out.split()
        return int(sent), float(secs)

    def trial(self, tool: str | None, rate: int, seconds: float) -> dict:
        """One paced trial on a settled machine; ``tool`` None is the baseline
        with no capturer."""
        count = int(rate * seconds)
        quiet = settle(self.settle_s)
        proc, out, trace = None, None, None
        self.trials += 1
        if tool:
            out = os.path.join(self.outdir, f"bench-{tool}.{DISK_EXT[tool]}")
            cmd = ["ip", "netns", "exec", self.pair.ns_b, *PIN_CAPTURER,
                   *DISK_TOOLS[tool](self.pair.if_b, out)]
            env = None
            if self.trace_dir and tool == "zcap":
                trace = os.path.join(self.trace_dir, f"trace-{self.trials}-{rate}.txt")
                env = dict(os.environ, ZCAP_DIRECT_TRACE=trace)
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    cwd=CWD.get(tool, CWD["zcap"]) if tool.startswith("zcap")
                                    else None,
                                    env=env)
            wait_bound(proc, self.ifindex)
        clock0, backlog0, kthreads0 = CpuClock(), backlog_drops(), kernel_thread_seconds()
        self0 = resource.getrusage(resource.RUSAGE_SELF)
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
        clock = CpuClock()
        kthreads = {k: round(v - kthreads0[k], 2) for k, v in kernel_thread_seconds().items()}
        self1 = resource.getrusage(resource.RUSAGE_SELF)    # the fdatasync's writeback
        bench = self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime
        backlog = backlog_drops() - backlog0
        written = count_packets(out) if out else 0
        size = os.path.getsize(out) if out else 0
        if out:
            os.unlink(out)
        traced = summarise_trace(trace, keep=written < sent) if trace else None
        return {"tool": tool or "-", "rate": rate, "sent": sent, "sent_rate": sent / secs,
                "trace": traced,
                "written": written, "busy": clock.busy(clock0), "ticks": clock.ticks(clock0),
                "steal": clock.field(clock0, "steal"), "sender": self.sender_cpu,
                "fields": {f: round(clock.field(clock0, f), 2) for f in STAT_FIELDS},
                "kthreads": sum(kthreads.values()), "kthread_kinds": kthreads, "bench": bench,
                "own": own, "wall": clock.t - clock0.t,
                "bytes": size, "quiet": quiet,
                "drops": reported_drops("zcap" if tool.startswith("zcap") else tool, stderr)
                if tool else None, "received": received_by_filter(stderr), "backlog_drops": backlog}


def summarise_trace(path: str, keep: bool) -> dict | None:
    """The longest write, the most ring blocks held, the writes over 20 ms, the
    blocks written from spill buffers and the most of those in use at once in
    a ZCAP_DIRECT_TRACE log (sinks/direct.py); the log is kept only when
    ``keep`` (a trial that lost packets), for a closer look."""
    try:
        with open(path) as f:
            rows = [line.split() for line in f]
    except OSError:
        return None
    if not keep:
        os.unlink(path)
    writes = [(float(r[1]), r[2], int(r[5].split("/")[0]), int(r[6]))
              for r in rows if len(r) == 7]
    if not writes:
        return None
    return {"writes": len(writes), "longest_ms": round(max(w[0] for w in writes) * 1e3, 1),
            "over_20ms": sum(1 for w in writes if w[0] > 0.02),
            "most_held": max(w[2] for w in writes),
            "spilled": sum(1 for w in writes if w[1] == "spill"),
            "most_spill_buffers": max(w[3] for w in writes), "kept": path if keep else None}


def per_million(seconds: float, packets: int) -> float:
    return seconds / max(packets, 1) * 1e6


def spread(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


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
    ap.add_argument("--settle", type=float, default=SETTLE_MAX_S,
                    help="longest wait for a quiet machine before each trial (s)")
    ap.add_argument("--zcap-old", metavar="CHECKOUT",
                    help="another zcap checkout to run as tool 'zcap-old' (python -m zcap "
                         "there, direct I/O), e.g. the build before a change")
    ap.add_argument("--trace", metavar="DIR",
                    help="log zcap's writes (ZCAP_DIRECT_TRACE) into DIR, one file per trial, "
                         "kept for trials that lost packets; a summary goes in the log")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_disk: needs root (namespaces, packet sockets)")
    if on_tmpfs(args.dir):
        sys.exit(f"bench_disk: {args.dir} is on tmpfs; the point is the real disk")
    if args.zcap_old:
        CWD["zcap-old"] = os.path.abspath(args.zcap_old)
        if "zcap-old" not in args.tools.split(","):
            args.tools += ",zcap-old"
    tools = [t for t in args.tools.split(",") if shutil.which(DISK_TOOLS[t]("x", "y")[0])]
    rates = [int(x) for x in args.rates.split(",")]

    tmp = tempfile.mkdtemp(prefix="zcap-bench-")
    outdir = tempfile.mkdtemp(prefix="zcap-bench-disk-", dir=args.dir)
    pace = os.path.join(tmp, "pace")
    subprocess.run(["gcc", "-O2", "-o", pace, str(HERE / "pace.c")], check=True)
    if args.trace:
        os.makedirs(args.trace, exist_ok=True)
    bench = DiskBench(pace, tmp, outdir, args.settle, args.trace)
    rows, bases = [], []
    try:
        for rep in range(args.reps):
            for rate in rates:
                base = bench.trial(None, rate, args.seconds)
                base["rep"] = rep
                bases.append(base)
                print(f"# rep {rep} baseline {rate} pps: {base}", file=sys.stderr, flush=True)
                # A different order each repetition: no tool always follows the same one.
                turn = tools[rep % len(tools):] + tools[:rep % len(tools)]
                for tool in turn:
                    if tool != "zcap" and args.peer_reps is not None and rep >= args.peer_reps:
                        continue
                    r = bench.trial(tool, rate, args.seconds)
                    r["cpu_m"] = per_million(r["busy"] - base["busy"], r["written"])
                    extra = sum(r[k] - base[k] for k in ("sender", "kthreads", "bench"))
                    r["attr_m"] = per_million(r["own"] + extra, r["written"])
                    r["rep"] = rep
                    rows.append(r)
                    print(f"# rep {rep} {tool} {rate} pps: {r}", file=sys.stderr, flush=True)
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)

    print(f"Disk benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.uname().release}, {os.cpu_count()} CPUs, veth, {FRAME}-byte frames, output on "
          f"{args.dir} (not tmpfs), {args.seconds:g} s per trial, {args.reps} repetitions, "
          f"{RING_MIB} MiB rings\n")
    print("| tool | rate | sender reached (kpps) | kept, each rep | system-wide CPU s / M "
          "written above no-capturer, each rep | median | × tcpdump | attributed CPU s / M, "
          "each rep | median | × tcpdump | own CPU s / M | reported drops | backlog drops |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for rate in rates:
        ref = [r for r in rows if r["tool"] == "tcpdump" and r["rate"] == rate]
        for tool in tools:
            rs = [r for r in rows if r["tool"] == tool and r["rate"] == rate]
            if not rs:
                continue
            cells = []
            for key in ("cpu_m", "attr_m"):
                med = statistics.median(r[key] for r in rs)
                mref = statistics.median(r[key] for r in ref) if ref else 0
                cells += [spread([r[key] for r in rs]), f"{med:.2f}",
                          f"{med / mref:.2f}" if mref > 0 else "-"]
            kept = ", ".join(f"{100 * r['written'] / max(r['sent'], 1):.1f}%" for r in rs)
            reached = ", ".join(f"{r['sent_rate'] / 1000:.0f}" for r in rs)
            own = statistics.median(per_million(r["own"], r["written"]) for r in rs)
            drops = ", ".join(str(r["drops"]) for r in rs)
            backlog = ", ".join(str(r["backlog_drops"]) for r in rs)
            print(f"| {tool} | {rate // 1000} kpps | {reached} | {kept} | {' | '.join(cells)} | "
                  f"{own:.2f} | {drops} | {backlog} |")
    print("\nNo-capturer runs (busy s over the trial, exact / as tick samples count it; "
          "sender's own CPU s; steal s), each rep:\n")
    for rate in rates:
        bs = [b for b in bases if b["rate"] == rate]
        print(f"- {rate // 1000} kpps: busy {spread([b['busy'] for b in bs])} / ticks "
              f"{spread([b['ticks'] for b in bs])}; sender {spread([b['sender'] for b in bs])}; "
              f"steal {spread([b['steal'] for b in bs])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
