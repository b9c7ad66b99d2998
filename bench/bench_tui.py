"""CPU per captured packet with and without the live summary, same traffic.

Two test namespaces joined by a veth (tests/netns.py); trafgen in namespace A
sends our own 60-byte UDP frames (200 sources, addressed to no host) on the
test link only, at a fixed rate; a capture child in namespace B writes pcapng
to /dev/shm, plain, with the StatsSink only (the per-packet part), and with the
StatsSink and the full-screen view drawn at 4 Hz (into /dev/null, so the
terminal's own cost is not ours). The
child's rusage (all threads) over the run, divided by the packets it captured,
is the figure. Runs alternate so drift hits both modes alike.

    python bench/bench_tui.py [--rate 250000] [--packets 1500000] [--rounds 3]

Prints a markdown table; exits 1 when the TUI costs 10% or more.
"""

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Ethernet to a MAC nobody has, IPv4 198.18.1.x -> 198.18.0.2, UDP 40000 -> 53.
TRAFGEN_CONF = """{
  0x02, 0x5a, 0x00, 0x00, 0x00, 0x99,  0x02, 0x5a, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16(46), c16(0), c16(0x4000), 64, 17, csumip(14, 33),
  198, 18, 1, dinc(1, 200),  198, 18, 0, 2,
  c16(40000), c16(53), c16(26), c16(0),
  fill(0x41, 18)
}
"""


def child(args) -> int:
    """The capture process: runs until SIGINT, prints its rusage as JSON."""
    import io

    from rich.console import Console

    from zcap.capture import StopFlag, open_live, run
    from zcap.sinks.pcapng import PcapngSink
    from zcap.sinks.stats import StatsSink
    from zcap.tui import CaptureInfo, Dashboard

    stop = StopFlag()
    with stop, open_live(args.iface) as cap:
        sink = PcapngSink(args.out, [cap.describe()])
        sinks = [sink]
        dash = None
        if args.tui or args.stats_only:
            stats = StatsSink.for_live(cap, writer=sink)
            sinks.append(stats)
        if args.tui:
            console = Console(file=open(os.devnull, "w"), force_terminal=True,  # noqa: SIM115
                              width=160, height=50)
            dash = Dashboard(stats, CaptureInfo.for_live(cap, output=args.out), stop=stop,
                             interactive=True, console=console, stdin=io.StringIO())
            dash.start()
        print("ready", flush=True)
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        summary = run(cap, sinks, stop=stop)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        frames = 0
        if dash is not None:
            dash.close()
            frames = dash.frames
        sink.close(summary.per_interface)
    print(json.dumps({"captured": summary.captured, "dropped": summary.dropped,
                      "user": r1.ru_utime - r0.ru_utime, "sys": r1.ru_stime - r0.ru_stime,
                      "frames": frames}), flush=True)
    return 0


MODES = {"plain": [], "counting": ["--stats-only"], "tui": ["--tui"]}
LABELS = {"plain": "pcapng only", "counting": "pcapng + StatsSink (no display)",
          "tui": "pcapng + StatsSink + view at 4 Hz"}


def one_run(pair, conf: str, mode: str, args) -> dict:
    out = tempfile.NamedTemporaryFile(dir="/dev/shm", suffix=".pcapng", delete=False)
    out.close()
    cmd = ["ip", "netns", "exec", pair.ns_b, sys.executable, __file__, "--child",
           "--iface", pair.if_b, "--out", out.name] + MODES[mode]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, close_fds=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        subprocess.run(["ip", "netns", "exec", pair.ns_a, "trafgen", "--dev", pair.if_a,
                        "--conf", conf, "--num", str(args.packets), "--rate",
                        f"{args.rate}pps", "--cpus", "1", "--no-sock-mem", "-C",
                        "--notouch-irq"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.monotonic() - t0
        time.sleep(0.3)                     # the last partly filled block retires
        proc.send_signal(signal.SIGINT)
        result = json.loads(proc.stdout.read().strip().splitlines()[-1])
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.unlink(out.name)
    result["seconds"] = seconds
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--iface", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--tui", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--stats-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--rate", type=int, default=250_000, help="offered packets per second")
    p.add_argument("--packets", type=int, default=1_500_000, help="packets per run")
    p.add_argument("--rounds", type=int, default=3, help="runs of each mode")
    args = p.parse_args()
    if args.child:
        return child(args)

    from tests.netns import create_pair, destroy_pair

    pair = create_pair()
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as conf:
        conf.write(TRAFGEN_CONF)
        conf.flush()
        try:
            for _ in range(args.rounds):
                for mode in MODES:
                    runs[mode].append(one_run(pair, conf.name, mode, args))
        finally:
            destroy_pair(pair)

    def ns_per_packet(r: dict) -> float:
        return (r["user"] + r["sys"]) / max(r["captured"], 1) * 1e9

    rows, medians = [], {}
    for mode, results in runs.items():
        per = [ns_per_packet(r) for r in results]
        medians[mode] = statistics.median(per)
        captured = sum(r["captured"] for r in results)
        dropped = sum(r["dropped"] for r in results)
        user = sum(r["user"] for r in results)
        system = sum(r["sys"] for r in results)
        frames = sum(r["frames"] for r in results)
        extra = (medians[mode] - medians["plain"]) / medians["plain"] * 100
        rows.append(f"| {LABELS[mode]} | {len(per)} | {captured:,} | {dropped:,} | {user:.2f} "
                    f"| {system:.2f} | {medians[mode]:.0f} | {min(per):.0f}–{max(per):.0f} "
                    f"| {extra:+.0f}% | {frames} |")
    seconds = statistics.median(r["seconds"] for r in runs["tui"])
    frames = statistics.median(r["frames"] for r in runs["tui"]) or 1
    display_ms = (medians["tui"] - medians["counting"]) * args.packets / 1e6 / frames
    print(f"offered {args.rate:,} pps x {args.packets:,} 60-byte frames (200 sources), "
          f"{args.rounds} runs per mode, alternating; CPU = the capture process's user+sys\n")
    print("| mode | runs | captured | dropped | user s | sys s | CPU ns/pkt (median) | range "
          "| vs pcapng only | frames drawn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    counting = medians["counting"] - medians["plain"]
    overhead = (medians["tui"] - medians["plain"]) / medians["plain"] * 100
    print(f"\ncounting: {counting:+.0f} ns per packet; display: ~{display_ms:.1f} ms CPU per "
          f"frame ({display_ms * 4:.0f} ms/s at 4 Hz, a fixed cost: {seconds:.1f} s per run)")
    print(f"TUI overhead: {overhead:+.1f}% CPU per packet (goal: under +10%)")
    return 0 if overhead < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
