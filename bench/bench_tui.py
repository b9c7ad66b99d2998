"""CPU per captured packet with and without the live summary, same traffic.

Two test namespaces joined by a veth (tests/netns.py); trafgen in namespace A
sends our own UDP frames (60 bytes unless --size; 200 sources, addressed to no host) on the
test link only, at a fixed rate; a capture child in namespace B writes pcapng
to /dev/shm, plain, with the StatsSink only (the per-packet part: counted in
the writer's pass, as the CLI does), and with the StatsSink and the
full-screen view drawn at 4 Hz (into /dev/null, so the terminal's own cost is
not ours). Sender and capturer are pinned to CPUs 0 and 1, and tmpfs pages are
recycled before each run (see bench_capture.warm_tmpfs). The
child's rusage (all threads) over the run, divided by the packets it captured,
is the figure. Runs alternate so drift hits both modes alike.

    python bench/bench_tui.py [--rate 250000] [--packets 1500000] [--rounds 5]
                              [--modes plain,counting,tui]

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
sys.path.insert(0, str(REPO / "bench"))
from bench_capture import PIN_CAPTURER, PIN_SENDER, warm_tmpfs  # noqa: E402

# Ethernet to a MAC nobody has, IPv4 198.18.1.x -> 198.18.0.2, UDP 40000 -> 53.
TRAFGEN_CONF = """{{
  0x02, 0x5a, 0x00, 0x00, 0x00, 0x99,  0x02, 0x5a, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16({ip_len}), c16(0), c16(0x4000), 64, 17, csumip(14, 33),
  198, 18, 1, dinc(1, 200),  198, 18, 0, 2,
  c16(40000), c16(53), c16({udp_len}), c16(0),
  fill(0x41, {payload})
}}
"""


def trafgen_conf(size: int) -> str:
    """The frames of TRAFGEN_CONF, ``size`` bytes each (no FCS)."""
    return TRAFGEN_CONF.format(ip_len=size - 14, udp_len=size - 34, payload=size - 42)


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
        frames, display_cpu = 0, 0.0
        if dash is not None:
            dash.close()
            frames, display_cpu = dash.frames, dash.cpu_seconds
        sink.close(summary.per_interface)
    print(json.dumps({"captured": summary.captured, "dropped": summary.dropped,
                      "user": r1.ru_utime - r0.ru_utime, "sys": r1.ru_stime - r0.ru_stime,
                      "frames": frames, "display_cpu": display_cpu}), flush=True)
    return 0


MODES = {"plain": [], "counting": ["--stats-only"], "tui": ["--tui"]}
LABELS = {"plain": "pcapng only", "counting": "pcapng + StatsSink (no display)",
          "tui": "pcapng + StatsSink + view at 4 Hz"}


def one_run(pair, conf: str, mode: str, args) -> dict:
    out = tempfile.NamedTemporaryFile(dir="/dev/shm", suffix=".pcapng", delete=False)
    out.close()
    warm_tmpfs(2 * args.packets * (args.size + 40))  # every run writes into recycled pages
    cmd = ["ip", "netns", "exec", pair.ns_b, *PIN_CAPTURER, sys.executable, __file__,
           "--child", "--iface", pair.if_b, "--out", out.name] + MODES[mode]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, close_fds=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        subprocess.run(["ip", "netns", "exec", pair.ns_a, *PIN_SENDER, "trafgen", "--dev",
                        pair.if_a, "--conf", conf, "--num", str(args.packets), "--rate",
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
    p.add_argument("--rounds", type=int, default=5, help="runs of each mode")
    p.add_argument("--size", type=int, default=60, help="frame size in bytes (60-1514)")
    p.add_argument("--modes", default=",".join(MODES),
                   help="modes to run, of " + ", ".join(MODES) + " (plain is always run)")
    args = p.parse_args()
    if args.child:
        return child(args)

    from tests.netns import create_pair, destroy_pair

    wanted = ["plain"] + [m for m in args.modes.split(",") if m in MODES and m != "plain"]
    pair = create_pair()
    runs: dict[str, list[dict]] = {mode: [] for mode in wanted}
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as conf:
        conf.write(trafgen_conf(args.size))
        conf.flush()
        try:
            for _ in range(args.rounds):
                for mode in wanted:
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
    print(f"offered {args.rate:,} pps x {args.packets:,} {args.size}-byte frames (200 sources), "
          f"{args.rounds} runs per mode, alternating; CPU = the capture process's user+sys\n")
    print("| mode | runs | captured | dropped | user s | sys s | CPU ns/pkt (median) | range "
          "| vs pcapng only | frames drawn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if "counting" in medians:
        print(f"\ncounting: {medians['counting'] - medians['plain']:+.0f} ns per packet")
    if "tui" not in medians:
        return 0
    if "counting" in medians:
        seconds = statistics.median(r["seconds"] for r in runs["tui"])
        frames = statistics.median(r["frames"] for r in runs["tui"]) or 1
        display_ms = (medians["tui"] - medians["counting"]) * args.packets / 1e6 / frames
        own = statistics.median(r["display_cpu"] / max(r["frames"], 1) for r in runs["tui"])
        print(f"display: ~{display_ms:.2f} ms CPU per frame ({display_ms * 4:.1f} ms/s at 4 Hz, "
              f"a fixed cost: {seconds:.1f} s per run); the display thread's own CPU: "
              f"{own * 1e3:.2f} ms per frame")
    overhead = (medians["tui"] - medians["plain"]) / medians["plain"] * 100
    print(f"TUI overhead: {overhead:+.1f}% CPU per packet (goal: under +10%)")
    return 0 if overhead < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
