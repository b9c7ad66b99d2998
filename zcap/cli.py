"""The zcap command line: tcpdump's flags over the library API."""

import os
import sys
from typing import Annotated

import typer

from . import __version__
from .errors import UsageError, ZcapError
from .pcapng import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW

LINKTYPE_NAMES = {
    LINKTYPE_ETHERNET: ("EN10MB", "Ethernet"),
    LINKTYPE_RAW: ("RAW", "Raw IP"),
    LINKTYPE_LINUX_SLL2: ("LINUX_SLL2", "Linux cooked v2"),
}

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


def err(message: str) -> None:
    """One line on standard error."""
    print(f"zcap: {message}", file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"zcap {__version__}")
        raise typer.Exit(0)


def linktype_text(linktype: int) -> str:
    """tcpdump's 'EN10MB (Ethernet)' form."""
    name, desc = LINKTYPE_NAMES.get(linktype, (str(linktype), "unknown"))
    return f"{name} ({desc})"


def list_interfaces() -> int:
    """-D: one line per interface, tcpdump style, with the link type."""
    from .iface import list_interfaces as interfaces

    n = 0
    for n, itf in enumerate(interfaces(), 1):
        lt = LINKTYPE_NAMES.get(itf.linktype, ("?",))[0]
        print(f"{n}.{itf.name} [{itf.state}] index {itf.index}, {lt}, "
              f"mtu {itf.mtu}, {itf.operstate.lower()}")
    print(f"{n + 1}.any (Pseudo-device that captures on all interfaces) [Up, Running]")
    return 0


def _positive(name: str, value: int | None, zero_ok: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not zero_ok)):
        raise UsageError(f"invalid {name} {value}: must be a positive number")


@app.command(help="Capture packets at high speed, filter them in the kernel, write pcapng.\n\n"
                  "EXPRESSION is a tcpdump (pcap-filter(7)) filter expression.")
def zcap(
    expression: Annotated[list[str] | None, typer.Argument(
        help="Filter expression (pcap-filter(7)); several words are joined.",
        show_default=False)] = None,
    interface: Annotated[str | None, typer.Option(
        "-i", "--interface", metavar="IFACE",
        help="Capture on IFACE ('any' for every interface, LINUX_SLL2 frames).")] = None,
    write: Annotated[str | None, typer.Option(
        "-w", metavar="FILE", help="Write packets to FILE as pcapng ('-' for standard output).")
    ] = None,
    count: Annotated[int | None, typer.Option(
        "-c", metavar="N", help="Stop after exactly N packets.")] = None,
    snaplen: Annotated[int, typer.Option(
        "-s", "--snapshot-length", metavar="BYTES",
        help="Keep at most BYTES of each packet (0 = 262144).")] = 262144,
    buffer_kib: Annotated[int, typer.Option(
        "-B", "--buffer-size", metavar="KIB",
        help="Capture ring size in KiB (default 32768).")] = 32768,
    no_promisc: Annotated[bool, typer.Option(
        "-p", "--no-promiscuous-mode", help="Don't put the interface in promiscuous mode.")
    ] = False,
    duration: Annotated[float | None, typer.Option(
        "--duration", metavar="SECONDS", help="Stop after SECONDS.")] = None,
    list_ifaces: Annotated[bool, typer.Option(
        "-D", "--list-interfaces", help="List the interfaces zcap can capture on.")] = False,
    unbuffered: Annotated[bool, typer.Option(
        "-U", "--packet-buffered",
        help="Accepted for tcpdump habit: every batch is written when it arrives anyway.")
    ] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> int:
    if list_ifaces:
        return list_interfaces()
    _positive("packet count", count)
    _positive("snapshot length", snaplen, zero_ok=True)
    _positive("buffer size", buffer_kib)
    if duration is not None and duration <= 0:
        raise UsageError(f"invalid duration {duration}: must be positive")
    filter_expr = " ".join(expression or []) or None
    if interface is None:
        raise UsageError("no interface given: use -i IFACE (zcap -D lists them)")
    if write is None:
        raise UsageError("nothing to do with the packets: give -w FILE")
    return capture_to_file(interface, write, filter_expr, count=count, snaplen=snaplen,
                           buffer_kib=buffer_kib, promisc=not no_promisc, duration=duration)


def capture_to_file(interface: str, path: str, filter_expr: str | None, *, count: int | None,
                    snaplen: int, buffer_kib: int, promisc: bool,
                    duration: float | None) -> int:
    """Live capture into a pcapng file; prints tcpdump's summary on stderr."""
    from .capture import StopFlag, open_live, run
    from .sinks.pcapng import PcapngSink

    stop = StopFlag()
    with stop, open_live(interface, snaplen=snaplen, buffer_kib=buffer_kib, promisc=promisc,
                         filter=filter_expr) as cap:
        sink = PcapngSink(path, [cap.describe()])
        sink.set_snaplen(cap.snaplen)
        err(f"listening on {interface}, link-type {linktype_text(cap.linktype)}, "
            f"snapshot length {cap.snaplen} bytes")
        failure: ZcapError | None = None
        try:
            summary = run(cap, [sink], count=count, duration=duration, stop=stop)
            failure = summary.error
            sink.close(summary.per_interface)
        except ZcapError as exc:
            failure = exc
            from .capture import Summary
            received, dropped = cap.stats()
            summary = Summary(received=received, dropped=dropped)
            sink.close()
        summary.captured = sink.packets
    print(f"{summary.captured} packets captured", file=sys.stderr)
    print(f"{summary.received} packets received by filter", file=sys.stderr)
    print(f"{summary.dropped} packets dropped by kernel", file=sys.stderr, flush=True)
    if failure is not None:
        err(str(failure))
        return failure.exit_code
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors become one line on stderr and an exit code."""
    command = typer.main.get_command(app)
    try:
        rc = command.main(args=argv, prog_name="zcap", standalone_mode=False)
    except typer.Exit as exc:
        rc = exc.exit_code
    except typer.TyperException as exc:      # bad flag or value, from the parser
        err(exc.format_message())
        rc = 2
    except (typer.Abort, KeyboardInterrupt):
        rc = 130
    except ZcapError as exc:
        err(str(exc))
        rc = exc.exit_code
    except BrokenPipeError:
        # Our reader went away (e.g. `zcap ... | head`): not an error worth a line.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        rc = 1
    sys.exit(rc or 0)
