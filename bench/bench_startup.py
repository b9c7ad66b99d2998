"""Start-up time: zcap's quick commands against tcpdump's, in the same run.

    python bench/bench_startup.py [--zcap PATH] [--runs 10]

Times ``--version``, ``-d ip``, ``-D`` and ``-r`` of a 10-packet file, each
``--runs`` times, alternating zcap and tcpdump so both see the same machine,
and prints the median wall time of each. ``--zcap`` is the installed entry
point to time (default: ``zcap`` on PATH, resolved to its real path so that no
shell shim is timed); give the venv's ``bin/zcap`` to time an installation.
The goal is a median under 100 ms for each zcap command.
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


def wall_ms(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-300:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zcap", default=shutil.which("zcap"),
                    help="the zcap entry point to time (default: zcap on PATH)")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    if not args.zcap:
        sys.exit("no zcap on PATH: give --zcap PATH")
    zcap = os.path.realpath(args.zcap)
    tcpdump = shutil.which("tcpdump")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "ten.pcap")
        ten_packet_pcap(pcap)
        commands = [("--version", ["--version"], ["--version"]),
                    ("-d ip", ["-d", "ip"], ["-d", "ip"]),
                    ("-D", ["-D"], ["-D"]),
                    ("-r (10 packets)", ["-r", pcap], ["-n", "-r", pcap])]
        rows = []
        for name, zargs, targs in commands:
            z, t = [], []
            for _ in range(args.runs):
                z.append(wall_ms([zcap, *zargs]))
                if tcpdump:
                    t.append(wall_ms([tcpdump, *targs]))
            rows.append((name, statistics.median(z), statistics.median(t) if t else None))
    print(f"zcap: {zcap}   (median of {args.runs}; goal: zcap under {GOAL_MS:.0f} ms)")
    print(f"{'command':<18}{'zcap ms':>10}{'tcpdump ms':>12}  goal")
    for name, z, t in rows:
        tt = f"{t:12.1f}" if t is not None else f"{'-':>12}"
        print(f"{name:<18}{z:10.1f}{tt}  {'ok' if z < GOAL_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
