#!/usr/bin/env python3
"""Soak: minutes of paced veth traffic into one zcap, watched from outside.

A namespace sends 64-byte UDP frames at a steady rate (bench/pace.c) plus a
trickle of non-UDP frames the filter (`udp`) must reject; zcap captures in the
other namespace through its command line only. Every second the bench samples
the capture process's resident memory, open descriptors and CPU time from
/proc. At the end it checks two things:

- flat resources: after the warm-up, neither RSS nor the descriptor count
  grows more than 5% above its value at the end of the warm-up;
- exact accounting: the frames the capturing veth received (its rx counter;
  IPv6 is off in the namespaces, so every frame is the bench's own) equal the
  packets in the output files (counted by capinfos) + the drops zcap reports
  + the frames the bench sent that the filter rejects.

Modes: `w` (one file), `C` (size rotation, every file kept and counted),
`tui` (--tui without a terminal: a status line a second on stderr), `tty`
(--tui on a pseudo-terminal: the screen, four times a second).

Run as root:  python bench/bench_soak.py [--minutes 10] [--mode w C tui]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench.harness import REJECTED_FRAME, build_pace, rx_packets, wireshark_count, zcap_on_terminal  # noqa: E402
from tests.netns import VethPair, create_pair, destroy_pair  # noqa: E402

FILTER = "udp"
FRAME_BYTES = 64
GROWTH_LIMIT = 1.05
MODES = {
    "w": lambda out: ["-w", str(out / "soak.pcapng")],
    "C": lambda out: ["-w", str(out / "soak.pcapng"), "-C", "1m"],
    "tui": lambda out: ["-w", str(out / "soak.pcapng"), "--tui"],
    "tty": lambda out: ["-w", str(out / "soak.pcapng"), "--tui"],    # on a terminal
}


@dataclass
class Sample:
    """One look at the capture process from /proc."""

    t: float
    rss_kib: int
    fds: int
    cpu_s: float


def sample(pid: int, t0: float) -> Sample:
    """RSS (all of it, KiB), open descriptors and user+system CPU seconds of ``pid``."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return Sample(time.monotonic() - t0, rss, len(os.listdir(f"/proc/{pid}/fd")), cpu)


@dataclass
class SoakResult:
    """What one soak measured; ``failures`` lists every broken expectation."""

    mode: str
    seconds: float
    rate: int
    rx: int = 0
    written: int = 0
    captured: int = 0
    dropped: int = 0
    rejected: int = 0
    files: int = 0
    exit_code: int | None = None
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def growth(self, attr: str, warmup: float) -> tuple[int, int]:
        """(value at the end of the warm-up, highest value after it)."""
        after = [s for s in self.samples if s.t >= warmup]
        if not after:
            return 0, 0
        return getattr(after[0], attr), max(getattr(s, attr) for s in after)

    def row(self, warmup: float) -> str:
        rss0, rss1 = self.growth("rss_kib", warmup)
        fd0, fd1 = self.growth("fds", warmup)
        busy = self.samples[-1].cpu_s - self.samples[0].cpu_s if len(self.samples) > 1 else 0
        span = self.samples[-1].t - self.samples[0].t if len(self.samples) > 1 else 1
        reached = (self.rx - self.rejected) / self.seconds if self.seconds else 0
        return (f"| {self.mode} | {self.seconds:.0f} s | {self.rate} (reached {reached:.0f}) "
                f"| {self.rx} | {self.written} "
                f"| {self.dropped} | {self.rejected} | {self.files} | {rss0} → {rss1} KiB "
                f"| {fd0} → {fd1} | {100 * busy / span:.0f}% | "
                f"{'ok' if not self.failures else 'FAIL'} |")


def _send_rejected(pair: VethPair, stop: threading.Event, sent: list[int]) -> None:
    """Send a rejected frame every 10 ms until ``stop``; counts them in ``sent[0]``."""
    with pair.sender() as s:
        while not stop.is_set():
            s.send(REJECTED_FRAME)
            sent[0] += 1
            stop.wait(0.01)


def _settled(z, timeout: float = 30) -> tuple[int, int, int]:
    """Counters once the ring is empty: two answers in a row the same, and every
    packet the filter let in either written or counted as dropped."""
    end = time.monotonic() + timeout
    last = None
    while True:
        got = z.counters()
        if got == last and got[0] + got[2] == got[1]:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"capture never settled: {got}")
        last = got
        time.sleep(0.2)


def soak(mode: str, seconds: float, rate: int, pace: str, outdir: Path,
         warmup: float) -> SoakResult:
    """One soak of ``seconds`` at ``rate`` frames/s in ``mode``; see the module doc."""
    res = SoakResult(mode, seconds, rate)
    pair = create_pair()
    with ExitStack() as stack:
        stack.callback(destroy_pair, pair)
        args = ("-i", pair.if_b, *MODES[mode](outdir), FILTER)
        if mode == "tty":
            z, _ = stack.enter_context(zcap_on_terminal(pair, *args))
        else:
            z = pair.zcap(*args)
        if z.proc.poll() is not None:
            res.failures.append(f"zcap exited at start: {z.stderr.strip()}")
            return res
        rx0 = rx_packets(pair.ns_b, pair.if_b)
        stop, rejected = threading.Event(), [0]
        noise = threading.Thread(target=_send_rejected, args=(pair, stop, rejected))
        sender = subprocess.Popen(["ip", "netns", "exec", pair.ns_a, pace, pair.if_a,
                                   str(FRAME_BYTES), str(int(rate * seconds)), str(rate)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        noise.start()
        t0 = time.monotonic()
        try:
            while sender.poll() is None:
                # A soak lasts its minutes: on a loaded machine the sender may
                # fall behind its rate, and the row then says what it reached.
                if time.monotonic() - t0 >= seconds:
                    sender.terminate()
                    break
                res.samples.append(sample(z.proc.pid, t0))
                # The --tui status line comes every second: keep the pipe empty
                # so zcap never blocks on its own stderr.
                while z._read(0):
                    pass
                time.sleep(max(0.0, 1 - (time.monotonic() - t0) % 1))
        finally:
            stop.set()
            noise.join()
            sender.wait(timeout=60)
        res.seconds = time.monotonic() - t0
        res.rejected = rejected[0]
        _settled(z)
        res.rx = rx_packets(pair.ns_b, pair.if_b) - rx0
        res.exit_code = z.stop()
        summary = z.summary()
        res.captured, res.dropped = summary.get("captured", -1), summary.get("dropped", -1)
    files = sorted(outdir.glob("soak.pcapng*"))
    res.files = len(files)
    res.written = sum(wireshark_count(p) for p in files)
    _judge(res, warmup, z.stderr)
    return res


def _judge(res: SoakResult, warmup: float, stderr: str) -> None:
    if res.exit_code != 0:
        res.failures.append(f"exit status {res.exit_code}: {stderr.strip()[-300:]}")
    if "Traceback" in stderr:
        res.failures.append("a traceback on stderr")
    if res.captured != res.written:
        res.failures.append(f"zcap says {res.captured} captured, the files hold {res.written}")
    if res.rx != res.written + res.dropped + res.rejected:
        res.failures.append(f"rx {res.rx} != written {res.written} + dropped {res.dropped} "
                            f"+ rejected {res.rejected}")
    for attr in ("rss_kib", "fds"):
        base, top = res.growth(attr, warmup)
        if top > base * GROWTH_LIMIT:
            res.failures.append(f"{attr} grew from {base} to {top} after {warmup:.0f} s")
    if res.mode == "C" and res.files < 2:
        res.failures.append(f"-C made {res.files} file(s): no rotation happened")
    if res.mode == "tui" and not re.search(r"^zcap: \d\d:\d\d:\d\d [\d,]+ packets", stderr, re.M):
        res.failures.append("no --tui status line on stderr")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0,
                    help="length of each soak (the sender stops then, even if behind its rate)")
    ap.add_argument("--rate", type=int, default=200_000,
                    help="UDP frames per second (10 min at 200k: ~12 GB of files per mode)")
    ap.add_argument("--mode", nargs="+", choices=list(MODES), default=list(MODES))
    ap.add_argument("--warmup", type=float, default=60.0,
                    help="seconds before RSS and descriptors must stay flat")
    ap.add_argument("--dir", default=None, help="where the output files go (default: a "
                    "temporary directory under /var/tmp, removed afterwards)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_soak: needs root (namespaces, packet sockets)")
    print(f"Soak, {time.strftime('%Y-%m-%d')}, {os.uname().release}, {os.cpu_count()} CPUs, "
          f"{FRAME_BYTES}-byte frames, filter '{FILTER}', warm-up {args.warmup:.0f} s\n")
    print("| mode | length | rate | veth rx | written | dropped | rejected | files "
          "| RSS | fds | CPU | result |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory(dir=args.dir or "/var/tmp") as tmp:
        pace = build_pace(tmp)
        for mode in args.mode:
            out = Path(tmp) / mode
            out.mkdir()
            res = soak(mode, args.minutes * 60, args.rate, pace, out, args.warmup)
            print(res.row(args.warmup), flush=True)
            for f in res.failures:
                print(f"  {mode}: {f}")
            failed |= bool(res.failures)
            for p in out.iterdir():
                p.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
