"""A stand-in for `zcap --tui` until the CLI has the flag: a live capture (or a
file read) with the live summary, wired exactly as the CLI is meant to.

    python -m tests.tui_runner -i IFACE -w FILE [-q] [FILTER...]
    python -m tests.tui_runner -r FILE [FILTER...]
"""

import argparse
import sys

from zcap.capture import StopFlag, open_live, run
from zcap.sinks.pcapng import PcapngSink
from zcap.sinks.stats import StatsSink
from zcap.tui import CaptureInfo, Dashboard


def live(args) -> int:
    stop = StopFlag()
    expression = " ".join(args.expression) or None
    with stop, open_live(args.interface, filter=expression, buffer_kib=args.buffer) as cap:
        sink = PcapngSink(args.write, [cap.describe()])
        sink.set_snaplen(cap.snaplen)
        stats = StatsSink.for_live(cap, writer=sink)
        print(f"listening on {args.interface}", file=sys.stderr, flush=True)
        with Dashboard(stats, CaptureInfo.for_live(cap, output=args.write), stop=stop,
                       quiet=args.quiet) as dash:
            summary = run(cap, [sink, stats], duration=args.duration, stop=stop)
        sink.close(summary.per_interface)
    if dash.error is not None:
        raise dash.error
    print(f"{sink.packets} packets captured", file=sys.stderr)
    print(f"{summary.received} packets received by filter", file=sys.stderr)
    print(f"{summary.dropped} packets dropped by kernel", file=sys.stderr, flush=True)
    return 0


def offline(args) -> int:
    from zcap.readers import open_offline

    stop = StopFlag()
    stats = StatsSink()
    with stop, open_offline(args.read) as reader, \
            Dashboard(stats, CaptureInfo.for_file(args.read), stop=stop,
                      quiet=args.quiet) as dash:
        for batch in reader.batches():
            stats.consume(batch, batch.count)
            if stop.is_set():
                break
        dash.finished()
        dash.wait_for_quit()
    print(f"{stats.packets} packets read", file=sys.stderr, flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("-i", dest="interface")
    p.add_argument("-w", dest="write")
    p.add_argument("-r", dest="read")
    p.add_argument("-q", dest="quiet", action="store_true")
    p.add_argument("-B", dest="buffer", type=int, default=32768)
    p.add_argument("--duration", type=float)
    p.add_argument("expression", nargs="*")
    args = p.parse_args()
    return offline(args) if args.read else live(args)


if __name__ == "__main__":
    sys.exit(main())
