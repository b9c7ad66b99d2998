"""Start-up time: zcap's quick commands against tcpdump's, in the same run.

    python bench/bench_startup.py [--zcap PATH] [--runs 10]

Times ``--version``, ``-d ip``, ``-D`` and ``-r`` of a 10-packet file, each
``--runs`` times, alternating zcap and tcpdump so both see the same machine,
and prints the median wall time of each. ``--zcap`` is the installed entry
point to time (default: ``zcap`` on PATH, resolved to its real path so that no
shell shim is timed); give the venv's ``bin/zcap`` to time an installation.
The goal is a median under 100 ms for each zcap command.

Two floors are timed with the entry point's own interpreter: ``python -c
pass`` (the interpreter alone) and ``python -c "import typer"`` (the CLI
framework every command must load before it can parse a flag); what a command
costs above the second is zcap's own.

``--instructions`` adds the instructions each zcap command executes, counted
once under valgrind's callgrind: unlike wall or CPU time they do not depend
on what else the machine is running, so they compare two builds on a busy
machine (about 3.5 million instructions per ms of CPU on the 2-CPU VM).
"""

import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

GOAL_MS = 100.0


def ten_packet_pcap(path: str) -> None:
    """A classic pcap file of 10 small UDP frames (tcpdump and zcap both read it)."""
    frames = []
    for i in range(10):
        udp = struct.pack("!HHHH", 40000, 9, 8 + 4, 0) + i.to_bytes(4, "big")
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                         bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])) + udp
        frames.append(b"\x02\x5a\x00\x00\x00\x02\x02\x5a\x00\x00\x00\x01\x08\x00" + ip)
    with open(path, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("=IIII", 1_700_000_000 + i, 0, len(frame), len(frame)))
            f.write(frame)


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run. The CPU time (user + system, from wait4)
    says what the start costs even when a loaded machine stretches the wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-300:]}")
    return took, (usage.ru_utime + usage.ru_stime) * 1000


def wall_ms(argv: list[str]) -> float:
    return timed(argv)[0]


def _interpreter(entry_point: str) -> str | None:
    """The Python an installed entry point runs (its #! line)."""
    try:
        with open(entry_point, "rb") as f:
            first = f.readline().decode(errors="replace")
    except OSError:
        return None
    return first[2:].strip().split()[0] if first.startswith("#!") else None


def _slow_entry_point(entry_point: str) -> str | None:
    """The package-metadata machinery an entry-point script uses to find
    zcap.cli, if any (pip's scripts import it directly; older setuptools ones
    go through pkg_resources or importlib.metadata, tens of ms per start)."""
    try:
        with open(entry_point, "rb") as f:
            text = f.read(4096).decode(errors="replace")
    except OSError:
        return None
    return next((m for m in ("importlib.metadata", "importlib_metadata", "pkg_resources")
                 if m in text), None)


def instructions(argv: list[str]) -> float | None:
    """Millions of instructions one run of argv executes (callgrind's Ir count);
    None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    err = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True).stderr
    counts = [line.split()[-1] for line in err.splitlines() if "Collected :" in line]
    return int(counts[0]) / 1e6 if counts else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zcap", default=shutil.which("zcap"),
                    help="the zcap entry point to time (default: zcap on PATH)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--instructions", action="store_true",
                    help="also count each command's instructions under valgrind (callgrind)")
    args = ap.parse_args()
    if not args.zcap:
        sys.exit("no zcap on PATH: give --zcap PATH")
    zcap = os.path.realpath(args.zcap)
    slow = _slow_entry_point(zcap)
    if slow:
        print(f"note: {zcap} finds zcap through {slow}, which costs start-up time")
    tcpdump = shutil.which("tcpdump")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "ten.pcap")
        ten_packet_pcap(pcap)
        commands = [("--version", ["--version"], ["--version"]),
                    ("-d ip", ["-d", "ip"], ["-d", "ip"]),
                    ("-D", ["-D"], ["-D"]),
                    ("-r (10 packets)", ["-r", pcap], ["-n", "-r", pcap])]
        rows = []
        python = _interpreter(zcap)
        if python:       # the floors: the same interpreter doing nothing, then loading typer
            for name, code in (("(python -c pass)", "pass"), ("(import typer)", "import typer")):
                runs = [timed([python, "-c", code]) for _ in range(args.runs)]
                rows.append((name, statistics.median(r[0] for r in runs), None,
                             statistics.median(r[1] for r in runs),
                             instructions([python, "-c", code]) if args.instructions else None))
        for name, zargs, targs in commands:
            z, zc, t = [], [], []
            for _ in range(args.runs):
                wall, cpu = timed([zcap, *zargs])
                z.append(wall)
                zc.append(cpu)
                if tcpdump:
                    t.append(wall_ms([tcpdump, *targs]))
            rows.append((name, statistics.median(z), statistics.median(t) if t else None,
                         statistics.median(zc),
                         instructions([zcap, *zargs]) if args.instructions else None))
    print(f"zcap: {zcap}   (median of {args.runs}; goal: zcap under {GOAL_MS:.0f} ms)")
    print(f"load average {os.getloadavg()[0]:.1f}: wall times stretch on a busy machine; "
          f"CPU ms (user + system) much less")
    print(f"{'command':<18}{'zcap ms':>10}{'zcap CPU ms':>13}{'tcpdump ms':>12}"
          f"{'M instr':>9}  goal")
    for name, z, t, zc, ir in rows:
        tt = f"{t:12.1f}" if t is not None else f"{'-':>12}"
        irs = f"{ir:9.0f}" if ir is not None else f"{'-':>9}"
        goal = "" if name.startswith("(") else ("ok" if z < GOAL_MS else "MISSED")
        print(f"{name:<18}{z:10.1f}{zc:13.1f}{tt}{irs}  {goal}")


if __name__ == "__main__":
    main()
