#!/usr/bin/env python3
"""Fault matrix: zcap's command line stopped, killed and starved at random
moments, each case ending in files Wireshark's reader (capinfos, the library
tshark reads with) takes whole, and counts that add up.

Every case captures paced veth traffic (bench/pace.c) in a fresh pair of
namespaces, through `python -m zcap` only, and checks:

- stop (SIGINT, SIGTERM, -c, --duration, q in --tui on a terminal): exit 0,
  the file is whole, it holds what zcap says it captured (-c: exactly N), and
  captured + dropped = received by filter (-c: at most received, since what
  follows the N-th packet is left unread, as tcpdump does);
- SIGKILL: every block before the cut is whole; `zcap -r` prints every whole
  packet and, where the file ends inside a block, names that block's offset;
- disk full (a small loop-mounted ext4), interface deleted: exit 1 with one
  error line, the file whole and holding what zcap says it captured;
- output directory removed under -C (each file hard-linked elsewhere first,
  so it can still be checked): the open file keeps going, the next rotation
  fails with one line and exit 1, every file whole, their sum what zcap
  captured;
- a slow reader on `-w -` (stalled while the traffic lasts): exit 0, the
  stream whole, and the veth's rx counter = captured + dropped, exactly.

Run as root:  python bench/bench_faults.py [--rounds 20] [--seed N] [--case ...]
A failure prints the case, its seed and the zcap command line.
"""

from __future__ import annotations

import argparse
import errno
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench.harness import build_pace, rx_packets, wireshark_count, zcap_on_terminal  # noqa: E402
from tests.netns import VethPair, Zcap, create_pair, destroy_pair  # noqa: E402

FRAME_BYTES = 64
EPB = 6
TRUNCATED = re.compile(r"truncated block(?: header)? at byte offset (\d+)")


@dataclass
class Ctx:
    """What a case gets: its namespaces, the sender, a directory, a seeded rng."""

    pair: VethPair
    pace: str
    work: Path
    rng: random.Random
    rate: int
    scale: float           # 1 in the bench; smaller in the suite's short form
    # The README's promise that every packet that passed the filter is written
    # or counted as dropped; checked in every case but -c.
    exact: bool = True
    cmd: list[str] | None = None

    def zcap(self, *args: str, **kw) -> Zcap:
        self.cmd = ["zcap", *args]
        return self.pair.zcap(*args, **kw)

    def traffic(self, seconds: float) -> subprocess.Popen:
        """Paced frames from namespace A for ``seconds`` (killed on teardown)."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.pair.ns_a, self.pace,
                                 self.pair.if_a, str(FRAME_BYTES),
                                 str(int(self.rate * seconds)), str(self.rate)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pair.procs.append(proc)
        return proc

    def moment(self, low: float = 0.2, high: float = 2.0) -> float:
        return self.rng.uniform(low, high) * self.scale


def error_lines(stderr: str) -> list[str]:
    """The lines that are neither the start banner, status lines, nor the summary."""
    ok = re.compile(r"^(zcap: listening on|zcap: SIGUSR1:|zcap: \d\d:\d\d:\d\d|\d+ packets "
                    r"(captured|received by filter|dropped by kernel|not written after the error))")
    return [ln for ln in stderr.splitlines() if ln and not ok.match(ln)]


def check_summary(z: Zcap, written: int, exact: bool) -> dict[str, int]:
    """The exit summary agrees with the file and with itself: captured + dropped
    = received by filter when ``exact``, at most received otherwise (-c, which
    leaves what follows the N-th packet unread, as tcpdump does)."""
    assert "Traceback" not in z.stderr, z.stderr
    s = z.summary()
    assert {"captured", "received", "dropped"} <= set(s), f"no full summary: {z.stderr!r}"
    assert s["captured"] == written, f"zcap says {s['captured']} captured, file has {written}"
    if "unwritten" in s:      # only after an error, and only when it kept packets out
        assert s["unwritten"] > 0 and z.proc.returncode != 0, s
    accounted = s["captured"] + s["dropped"] + s.get("unwritten", 0)
    assert accounted == s["received"] if exact else accounted <= s["received"], \
        f"counters do not add up: {s}, {s['received'] - accounted} packets neither " \
        "written nor counted as dropped"
    return s


# --- stopping ---------------------------------------------------------------

def case_sigint(ctx: Ctx, sig: int = signal.SIGINT) -> dict:
    out = ctx.work / "out.pcapng"
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out))
    ctx.traffic(10 * ctx.scale + 5)
    time.sleep(ctx.moment())
    rc = z.stop(sig)
    assert rc == 0, f"exit {rc}: {z.stderr!r}"
    return check_summary(z, wireshark_count(out), ctx.exact)


def case_sigterm(ctx: Ctx) -> dict:
    return case_sigint(ctx, signal.SIGTERM)


def case_count(ctx: Ctx) -> dict:
    out = ctx.work / "out.pcapng"
    n = ctx.rng.randint(1, int(ctx.rate * 2 * ctx.scale))
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out), "-c", str(n))
    ctx.traffic(10 * ctx.scale + 5)
    rc = z.wait(30)
    assert rc == 0, f"exit {rc}: {z.stderr!r}"
    got = wireshark_count(out)
    assert got == n, f"-c {n} wrote {got} packets"
    return check_summary(z, got, exact=False)


def case_duration(ctx: Ctx) -> dict:
    out = ctx.work / "out.pcapng"
    secs = round(ctx.moment(0.3, 3.0), 2)
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out), "--duration", str(secs))
    t0 = time.monotonic()
    ctx.traffic(10 * ctx.scale + 5)
    rc = z.wait(secs + 30)
    took = time.monotonic() - t0
    assert rc == 0, f"exit {rc}: {z.stderr!r}"
    # From "listening" to the exit: early by at most the time this process
    # needs to see that line on a busy machine; late only by the last batch's
    # timeout and the summary (generous on a machine shared by many).
    assert secs - 0.25 <= took <= secs + 5, f"--duration {secs} took {took:.2f} s"
    return check_summary(z, wireshark_count(out), ctx.exact)


def case_quit_key(ctx: Ctx) -> dict:
    """`q` on a terminal: the --tui screen on a pseudo-terminal."""
    out = ctx.work / "out.pcapng"
    args = ("-i", ctx.pair.if_b, "-w", str(out), "--tui")
    ctx.cmd = ["zcap", *args]
    with zcap_on_terminal(ctx.pair, *args) as (z, keys):
        ctx.traffic(10 * ctx.scale + 5)
        time.sleep(ctx.moment(0.5, 2.0))
        os.write(keys, b"q")
        rc = z.wait(30)
    assert rc == 0, f"exit {rc}: {z.stderr!r}"
    return check_summary(z, wireshark_count(out), ctx.exact)


# --- SIGKILL ----------------------------------------------------------------

def whole_blocks(buf: bytes) -> tuple[int, int]:
    """(Enhanced Packet Blocks, offset where the whole blocks end). Each whole
    block's trailing length must repeat its leading one."""
    off = epbs = 0
    while off + 12 <= len(buf):
        btype, total = struct.unpack_from("=II", buf, off)
        if off + total > len(buf):
            break
        assert total >= 12 and total % 4 == 0, f"bad block length {total} at {off}"
        tail, = struct.unpack_from("=I", buf, off + total - 4)
        assert tail == total, f"block at {off}: length {total}, trailer {tail}"
        epbs += btype == EPB
        off += total
    return epbs, off


def read_back(path: Path) -> tuple[int, int, str]:
    """`zcap -r FILE -q`: (packet lines printed, exit status, stderr)."""
    res = subprocess.run([sys.executable, "-m", "zcap", "-r", str(path), "-q"],
                         capture_output=True, text=True, timeout=120, cwd=HERE.parent)
    return len(res.stdout.splitlines()), res.returncode, res.stderr


def check_cut_file(path: Path) -> dict:
    """A file that may end inside a block: whole blocks intact, zcap -r reads them
    all and names the offset of the cut block, tshark reads the same packets."""
    buf = path.read_bytes()
    epbs, end = whole_blocks(buf)
    lines, rc, err = read_back(path)
    assert "Traceback" not in err, err
    assert lines == epbs, f"zcap -r printed {lines} packets, the file has {epbs} whole ones"
    shark = wireshark_count(path, whole=False)
    assert shark == epbs, f"Wireshark's reader finds {shark} packets, the file has {epbs}"
    if end == len(buf):
        assert rc == 0, f"zcap -r of a whole file: exit {rc}: {err}"
    else:
        m = TRUNCATED.search(err)
        assert rc == 1 and m and int(m.group(1)) == end, \
            f"file cut inside the block at {end} (size {len(buf)}): exit {rc}, {err!r}"
    return {"packets": epbs, "size": len(buf), "cut_inside_block": end != len(buf)}


def case_sigkill(ctx: Ctx) -> dict:
    out = ctx.work / "out.pcapng"
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out))
    ctx.traffic(10 * ctx.scale + 5)
    time.sleep(ctx.moment())
    z.proc.kill()
    z.wait(30)
    got = check_cut_file(out)
    # The file as SIGKILL left it rarely ends inside a block (each write is
    # whole blocks); cut a copy inside its last packet block as a crash mid-write would.
    buf = out.read_bytes()
    _, end = whole_blocks(buf)
    last = _last_block_start(buf, end)
    if last is not None:
        cut = ctx.work / "cut.pcapng"
        cut.write_bytes(buf[:ctx.rng.randint(last + 1, end - 1)])
        got["copy_cut_at"] = check_cut_file(cut)["size"]
    return got


def _last_block_start(buf: bytes, end: int) -> int | None:
    off = last = 0
    while off < end:
        last = off
        off += struct.unpack_from("=I", buf, off + 4)[0]
    return last if last > 0 else None


# --- resources gone ---------------------------------------------------------

def case_disk_full(ctx: Ctx) -> dict:
    image, mnt = ctx.work / "disk.img", ctx.work / "mnt"
    mnt.mkdir()
    with open(image, "wb") as f:
        f.truncate(4 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, timeout=60)
    subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], check=True, timeout=60)
    try:
        out = mnt / "out.pcapng"
        z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out))
        ctx.rate *= 4                     # fill it in about a second
        ctx.traffic(60)
        rc = z.wait(60)
        errs = error_lines(z.stderr)
        assert rc == 1, f"disk full: exit {rc}: {z.stderr!r}"
        assert len(errs) == 1 and "disk full" in errs[0], f"expected one line: {errs}"
        got = check_summary(z, wireshark_count(out), ctx.exact)
        got.update(bytes=out.stat().st_size, error=errs[0])
        return got
    finally:
        for p in ctx.pair.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["umount", str(mnt)], check=True, timeout=60)


def case_iface_deleted(ctx: Ctx) -> dict:
    out = ctx.work / "out.pcapng"
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(out))
    ctx.traffic(10 * ctx.scale + 5)
    time.sleep(ctx.moment())
    subprocess.run(["ip", "-n", ctx.pair.ns_b, "link", "del", ctx.pair.if_b], check=True,
                   timeout=30)
    rc = z.wait(30)
    errs = error_lines(z.stderr)
    assert rc == 1, f"interface deleted: exit {rc}: {z.stderr!r}"
    assert len(errs) == 1, f"expected one error line: {errs}"
    got = check_summary(z, wireshark_count(out), ctx.exact)
    got["error"] = errs[0]
    return got


def remove_keeping_files(outdir: Path, keep: Path) -> None:
    """Remove ``outdir`` for real while zcap writes in it, keeping every file's
    inode reachable from ``keep`` (a hard link made before each unlink) so the
    files can be checked afterwards. A file that appears meanwhile is kept too."""
    keep.mkdir()
    while True:
        for p in outdir.iterdir():
            os.link(p, keep / p.name)
            p.unlink()
        try:
            outdir.rmdir()
            return
        except OSError as exc:
            if exc.errno != errno.ENOTEMPTY:
                raise


def case_dir_removed(ctx: Ctx) -> dict:
    outdir, gone = ctx.work / "out", ctx.work / "gone"
    outdir.mkdir()
    # About two files a second at the bench's rate of 64-byte frames.
    size_k = max(64, ctx.rate * (FRAME_BYTES + 32) // 2 // 1024)
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", str(outdir / "out.pcapng"), "-C", f"{size_k}k")
    ctx.traffic(30)
    time.sleep(ctx.moment(0.1, 1.0))
    remove_keeping_files(outdir, gone)
    renamed = time.monotonic()
    # The newest file is the one zcap has open (still, through its descriptor).
    current = max(gone.iterdir(), key=lambda p: (len(p.name), p.name))
    size_then = current.stat().st_size
    rc = z.wait(30)
    errs = error_lines(z.stderr)
    assert rc == 1, f"output directory gone: exit {rc}: {z.stderr!r}"
    assert len(errs) == 1, f"expected one error line: {errs}"
    # The open file keeps growing, unless it was already full when the directory
    # went: then the very next packet needed the next file, which can't be made.
    # (Direct I/O writes whole ring blocks, so that moment is a wide one.)
    full = size_then >= size_k * 1024
    assert current.stat().st_size > size_then or full, \
        f"{current.name} stopped growing when its directory went"
    files = sorted(gone.iterdir())
    got = check_summary(z, sum(wireshark_count(p) for p in files), ctx.exact)
    got.update(files=len(files), error=errs[0],
               seconds_after_removal=round(time.monotonic() - renamed, 2))
    return got


def case_slow_pipe(ctx: Ctx) -> dict:
    """`-w -` into a reader slower than the traffic: drops, but every frame the veth
    received is written or counted as dropped, and the stream is whole."""
    out = ctx.work / "out.pcapng"
    rx0 = rx_packets(ctx.pair.ns_b, ctx.pair.if_b)
    z = ctx.zcap("-i", ctx.pair.if_b, "-w", "-", "-B", "512", stdout=subprocess.PIPE)
    # The reader stalls after its first read until the traffic is over (so the
    # ring is surely full when SIGINT comes, however slow the sender is on a
    # loaded machine), then reads 8 KiB per 10-30 ms.
    pause = ctx.rng.uniform(0.01, 0.03)
    traffic_over = threading.Event()

    def slow_reader() -> None:
        with open(out, "wb") as f:
            while chunk := z.proc.stdout.read1(8192):
                f.write(chunk)
                traffic_over.wait(60)
                time.sleep(pause)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    seconds = 3 * ctx.scale
    try:
        ctx.traffic(seconds).wait(seconds + 30)
        rx = rx_packets(ctx.pair.ns_b, ctx.pair.if_b) - rx0
        traffic_over.set()
        z.proc.send_signal(signal.SIGINT)
        rc = z.proc.wait(120)
    finally:
        traffic_over.set()
        reader.join(120)
    z.stderr += z.proc.stderr.read().decode(errors="replace")
    assert rc == 0, f"exit {rc}: {z.stderr!r}"
    got = check_summary(z, wireshark_count(out), exact=True)
    assert rx == got["captured"] + got["dropped"], \
        f"veth rx {rx} != captured {got['captured']} + dropped {got['dropped']}"
    got.update(rx=rx, reader_pause_ms=round(pause * 1000, 1))
    return got


CASES: dict[str, Callable[[Ctx], dict]] = {
    "sigint": case_sigint, "sigterm": case_sigterm, "count": case_count,
    "duration": case_duration, "quit-key": case_quit_key, "sigkill": case_sigkill,
    "disk-full": case_disk_full, "iface-deleted": case_iface_deleted,
    "dir-removed": case_dir_removed, "slow-pipe": case_slow_pipe,
}


def run_case(name: str, seed: int, pace: str, rate: int = 50_000,
             scale: float = 1.0, exact: bool = True) -> dict:
    """Run one case with ``seed`` in fresh namespaces and a fresh directory;
    raises AssertionError naming the case, seed and zcap command on failure."""
    work = Path(tempfile.mkdtemp(prefix="zcap-fault-", dir="/var/tmp"))
    pair = create_pair()
    ctx = Ctx(pair, pace, work, random.Random(seed), rate, scale, exact)
    try:
        return CASES[name](ctx)
    except AssertionError as exc:
        raise AssertionError(f"[{name} seed={seed}] {' '.join(ctx.cmd or [])}: {exc}") from None
    finally:
        destroy_pair(pair)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20, help="runs of each case")
    ap.add_argument("--seed", type=int, default=1, help="first seed (each run: seed + i)")
    ap.add_argument("--case", nargs="+", choices=list(CASES), default=list(CASES))
    ap.add_argument("--rate", type=int, default=50_000, help="frames per second")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_faults: needs root (namespaces, packet sockets, mount)")
    print(f"Fault matrix, {time.strftime('%Y-%m-%d')}, {os.uname().release}, "
          f"{os.cpu_count()} CPUs, {FRAME_BYTES}-byte frames at {args.rate} pps, "
          f"{args.rounds} rounds, seeds {args.seed}..{args.seed + args.rounds - 1}\n")
    print("| case | passed | failed | last result |\n|---|---|---|---|")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        pace = build_pace(tmp)
        for name in args.case:
            ok, bad, last = 0, [], {}
            for i in range(args.rounds):
                try:
                    last = run_case(name, args.seed + i, pace, args.rate)
                    ok += 1
                except AssertionError as exc:
                    bad.append(str(exc))
            print(f"| {name} | {ok} | {len(bad)} | {last} |", flush=True)
            for b in bad:
                print(f"  {b}")
            failed += len(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
