#!/usr/bin/env python3
"""Argument fuzzing: random combinations and values of every flag zcap's
`--help` lists, run through its command line.

The property, for every run: no Python traceback on stderr, exit status 0, 1
or 2, and an end within a deadline. A run still going after its time budget
(2 s after start-up, which is measured every few runs since a loaded machine
can take longer than that to start Python; a live capture with no
-c/--duration, say) gets SIGINT and must then exit
within a few seconds; one that does not is a hang. Live captures run inside a
namespace of the bench's own, beside a veth that receives a trickle of
frames, never on the host's interfaces; `-r` reads small generated files.

The flag list comes from `zcap --help`, so a new flag is fuzzed without
changing this file (with generic values until it gets its own below).
Runs are seeded: the same seed gives the same commands, and a failure prints
the command that failed.

Run as root:  python bench/bench_argfuzz.py [--runs 3000] [--seed 1] [--jobs 1]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from bench.harness import REJECTED_FRAME  # noqa: E402
from tests.netns import VethPair, create_pair, destroy_pair  # noqa: E402

# Side effects outside the run's own directory: links into the user's
# Wireshark folder.
SKIP = {"--install-extcap"}
BUDGET_S = 2.0          # of running after start-up; then SIGINT
RECALIBRATE = 25        # runs between two measurements of the start-up time
GRACE_S = 30.0          # after SIGINT, more is a hang (a starved process on a loaded
                        # machine can need 10 s of wall time for its last CPU second)
ALLOWED_EXITS = {0, 1, 2}
# After our SIGINT: 130 (it came before the capture began) or death by SIGINT
# (it came while Python was still starting or already finishing).
INTERRUPTED = {130, -signal.SIGINT}
GENERIC = ["0", "1", "-1", "x", "", "2.5", "1e9", "99999999999999999999"]
EXPRESSIONS = ["", "udp", "tcp port 80", "ip and (", "vlan 5", "not", "port 99999",
               "ether host 02:5a:00:00:00:01", "ip6", "udp[8:2] = 0", "greater 100"]
UDP_FRAME = bytes.fromhex("025a00000099025a000000010800"
                          "4500001c0000000040110000c6120001c6120002"
                          "9c40000900080000")


@dataclass
class Flag:
    """One option from --help: its spellings, the metavar ('' for a switch)."""

    names: list[str]
    metavar: str

    @property
    def counted(self) -> bool:
        return self.metavar == "<int>"          # -v, -vv, -vvv ...


def help_flags(env_cmd: list[str]) -> list[Flag]:
    """Every option in `zcap --help` (rich's boxed table), in order."""
    text = subprocess.run([*env_cmd, "--help"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "COLUMNS": "200"}).stdout
    flags = []
    for line in text.splitlines():
        cells = [c for c in re.split(r"\s{2,}", line.strip("│ \t")) if c]
        names = [c for c in cells if re.fullmatch(r"--?[\w#-]+", c)]
        if not names or cells[0] != names[0]:
            continue
        rest = cells[len(names):]
        meta = rest[0] if rest and re.fullmatch(r"<\w+>|[A-Z]+|[\w-]+(\|[\w-]+)+", rest[0]) else ""
        flags.append(Flag(names, meta))
    return flags


class Inputs:
    """Small files for -r and -F, and paths for -w, in one directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.good = tmp / "good.pcapng"
        txt = tmp / "frames.txt"
        txt.write_text("".join("0000 " + " ".join(f"{b:02x}" for b in UDP_FRAME) + "\n"
                               for _ in range(20)))
        subprocess.run(["text2pcap", "-q", str(txt), str(self.good)], check=True, timeout=60,
                       capture_output=True)
        pcap = tmp / "good.pcap"
        subprocess.run(["text2pcap", "-q", "-F", "pcap", str(txt), str(pcap)], check=True,
                       timeout=60, capture_output=True)
        data = self.good.read_bytes()
        (tmp / "cut.pcapng").write_bytes(data[:len(data) - 7])
        (tmp / "garbage").write_bytes(bytes(range(256)) * 4)
        (tmp / "empty").write_bytes(b"")
        (tmp / "f.udp").write_text("udp\n")
        (tmp / "f.bad").write_text("ip and (\n")
        self.reads = [str(self.good), str(pcap), str(tmp / "cut.pcapng"), str(tmp / "garbage"),
                      str(tmp / "empty"), str(tmp / "missing"), "-"]
        self.filters = [str(tmp / "f.udp"), str(tmp / "f.bad"), str(tmp / "missing")]
        self.writes = [str(tmp / "out.pcapng"), "-", str(tmp / "nodir" / "out.pcapng"),
                       str(tmp), str(tmp / "cap-%S.pcapng")]


def values(flag: Flag, rng: random.Random, pair: VethPair, inputs: Inputs) -> list[str]:
    """Candidate values for ``flag``: good ones and bad ones."""
    names = set(flag.names)
    if "-r" in names:
        return inputs.reads
    if "-F" in names:
        return inputs.filters
    if "-w" in names:
        return inputs.writes
    if "--interface" in names:
        return [pair.if_b, pair.if_b, "lo", "any", "nope0", ""]
    if "-z" in names:
        return ["true", "false", "/nonexistent/cmd"]
    if "--relinquish-privileges" in names:
        return ["nobody", "root", "nosuchuser", "65534"]
    if "--linktype" in names:
        return ["EN10MB", "LINUX_SLL2", "RAW", "NOPE", "1", "x"]
    if "--buffer-size" in names:         # no ring of gigabytes on a shared machine
        return ["0", "1", "64", "4096", "-5", "x", "99999999999"]
    if "--fanout" in names:               # nor hundreds of processes
        return ["0", "1", "2", "-1", "x"]
    if "|" in flag.metavar:
        return [*flag.metavar.split("|"), "bogus"]
    specific = {
        "-c": ["0", "1", "5", "-1", "x", "1000000"],
        "--snapshot-length": ["0", "1", "14", "65535", "262144", "262145", "-1", "x"],
        "--duration": ["0", "0.2", "1", "-1", "x", "nan", "inf", "1e-9"],
        "-C": ["0", "1", "1k", "64k", "1m", "-1", "x", "0.001", "1g"],
        "-G": ["0", "1", "0.5", "-1", "x"],
        "-W": ["0", "1", "3", "-1", "x"],
        "--stats-interval": ["0", "0.5", "-1", "x", "nan"],
        "--queue": ["0", "1", "-1", "x"],
    }
    for name in flag.names:
        if name in specific:
            return specific[name]
    return GENERIC


def command(flags: list[Flag], rng: random.Random, pair: VethPair,
            inputs: Inputs) -> list[str]:
    """One random argument list: a handful of flags, maybe an expression."""
    args: list[str] = []
    # Most runs read a file or capture briefly, so they get past option parsing.
    kind = rng.random()
    if kind < 0.45:
        args += ["-r", rng.choice(inputs.reads)]
    elif kind < 0.85:
        args += ["-i", pair.if_b]
    for flag in rng.sample(flags, rng.randint(1, 5)):
        name = rng.choice(flag.names)
        if flag.counted:
            n = rng.randint(1, 4)
            # -vvv and -v -v -v are both tcpdump habits.
            if rng.random() < 0.5 and len(name) == 2:
                args.append("-" + name[1] * n)
            else:
                args += [name] * n
        elif flag.metavar:
            args += [name, rng.choice(values(flag, rng, pair, inputs))]
        else:
            args.append(name)
    if rng.random() < 0.5:
        args.append(rng.choice(EXPRESSIONS))
    return args


@dataclass
class Outcome:
    """What one run did; ``problem`` is empty when the property held."""

    args: list[str]
    code: int | None
    seconds: float
    interrupted: bool
    problem: str


def startup_s(ns: str) -> float:
    """How long `zcap --version` takes now: Python's start-up and zcap's imports.
    On a loaded machine that alone can pass the budget, and a SIGINT that lands
    while Python is still importing is Python's traceback, not zcap's."""
    t0 = time.monotonic()
    subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-m", "zcap", "--version"],
                   capture_output=True, timeout=60, cwd=ROOT)
    return time.monotonic() - t0


def run(ns: str, args: list[str], cwd: Path, startup: float = 0.0) -> Outcome:
    """Run ``zcap ARGS`` in namespace ``ns``; SIGINT after the budget (counted
    from the end of a start-up that took ``startup`` seconds when last measured)."""
    cmd = ["ip", "netns", "exec", ns, sys.executable, "-m", "zcap", *args]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    interrupted = False
    try:
        _, err = proc.communicate(timeout=BUDGET_S + 2 * startup)
    except subprocess.TimeoutExpired:
        interrupted = True
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            state = _state(proc.pid)
            proc.kill()
            _, err = proc.communicate()
            return Outcome(args, None, time.monotonic() - t0, True,
                           f"hang: still running {GRACE_S:.0f} s after SIGINT ({state}): "
                           f"{err.decode(errors='replace').strip()[-200:]!r}")
    text = err.decode(errors="replace")
    secs = time.monotonic() - t0
    problem = ""
    if "Traceback" in text:
        problem = "traceback: " + text.strip().splitlines()[-1]
    elif proc.returncode not in ALLOWED_EXITS and not (
            interrupted and proc.returncode in INTERRUPTED):
        problem = (f"exit status {proc.returncode}{' after SIGINT' if interrupted else ''}: "
                   f"{text.strip()[-200:]!r}")
    return Outcome(args, proc.returncode, secs, interrupted, problem)


def _state(pid: int) -> str:
    """A hung process as /proc shows it: its state, CPU seconds and kernel wait."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/wchan") as f:
            wchan = f.read()
    except OSError:
        return "gone"
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return f"state {fields[0]}, {cpu:.1f} s of CPU, waiting in {wchan or '-'}"


def _trickle(pair: VethPair, stop: threading.Event) -> None:
    """A frame every 5 ms into the capturing veth (one in four not UDP), so -c
    runs can finish and filters have something to reject."""
    with pair.sender() as s:
        i = 0
        while not stop.wait(0.005):
            s.send(REJECTED_FRAME if i % 4 == 3 else UDP_FRAME)
            i += 1


def fuzz(runs: int, seed: int, report=print, tally: dict[str, int] | None = None
         ) -> list[Outcome]:
    """``runs`` seeded random commands; returns the ones that broke the property.
    ``tally`` (if given) counts outcomes: exit statuses, and runs that needed SIGINT."""
    rng = random.Random(seed)
    pair = create_pair()
    stop = threading.Event()
    trickle = threading.Thread(target=_trickle, args=(pair, stop), daemon=True)
    trickle.start()
    bad = []
    try:
        with tempfile.TemporaryDirectory(prefix="zcap-argfuzz-") as tmp:
            inputs = Inputs(Path(tmp))
            flags = [f for f in help_flags([sys.executable, "-m", "zcap"])
                     if not SKIP & set(f.names)]
            assert len(flags) > 20, f"--help parsed into only {len(flags)} flags"
            startup = 0.0
            for i in range(runs):
                if i % RECALIBRATE == 0:
                    startup = startup_s(pair.ns_b)
                args = command(flags, rng, pair, inputs)
                out = run(pair.ns_b, args, Path(tmp), startup)
                if tally is not None:
                    key = f"exit {out.code}" + (" after SIGINT" if out.interrupted else "")
                    tally[key] = tally.get(key, 0) + 1
                if out.problem:
                    bad.append(out)
                    report(f"run {i} (seed {seed}): {out.problem}\n  zcap {shlex.join(args)}")
                if (i + 1) % 100 == 0 and tally is not None:
                    report(f"seed {seed}: {i + 1} runs, {len(bad)} broke the property, "
                           f"start-up {startup:.1f} s")
    finally:
        stop.set()
        trickle.join(5)
        destroy_pair(pair)
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1,
                    help="streams in parallel, seeds SEED, SEED+1, ... (a run mostly waits "
                    "out its time budget, so streams add little CPU)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_argfuzz: needs root (namespaces, packet sockets)")
    # Started in the background by a shell, this process ignores SIGINT and so
    # would every zcap it starts, until zcap installs its own handler: a SIGINT
    # sent during start-up would be lost and look like a hang.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    t0 = time.monotonic()
    tallies: list[dict[str, int]] = [{} for _ in range(args.jobs)]
    shares = [args.runs // args.jobs + (i < args.runs % args.jobs) for i in range(args.jobs)]

    def report(text: str) -> None:
        print(text, flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        streams = [pool.submit(fuzz, n, args.seed + i, report, tallies[i])
                   for i, n in enumerate(shares)]
        bad = [out for s in streams for out in s.result()]
    tally: dict[str, int] = {}
    for t in tallies:
        for k, v in t.items():
            tally[k] = tally.get(k, 0) + v
    seeds = f"{args.seed}..{args.seed + args.jobs - 1}" if args.jobs > 1 else str(args.seed)
    print(f"argument fuzzing, seed {seeds}: {args.runs} runs in "
          f"{time.monotonic() - t0:.0f} s, {len(bad)} broke the property; outcomes: "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
