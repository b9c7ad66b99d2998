"""The zcap command line: flag declarations, then flags -> configuration ->
pipeline -> pump -> summary. Everything else is in the library: the checks in
``zcap.config``, the wiring in ``zcap.registry``, the loop in ``zcap.pipeline``.

Start-up time matters (``zcap -d``, ``-D`` and ``-r`` run in scripts and
loops): this module imports only typer at load time, everything else where
it is used. tests/test_startup.py keeps it so.
"""

import gc
import os
import signal
import sys
from typing import Annotated

# A Ctrl-C while the command line is still loading ends the process as it
# would end tcpdump, killed by SIGINT, instead of a KeyboardInterrupt traceback
# from whichever module was being imported; main() puts Python's handler back.
try:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
except ValueError:                      # imported from a thread other than the main one
    pass

import typer  # noqa: E402 - after the SIGINT guard above, on purpose

from . import __version__  # noqa: E402
from .errors import ZcapError  # noqa: E402

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


def err(message: str) -> None:
    """One line on standard error (the CLI owns the terminal; the library logs)."""
    print(message if "\n" in message else f"zcap: {message}", file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"zcap {__version__}")
        raise typer.Exit(0)


@app.command(help="Capture packets at high speed, filter them in the kernel, write pcapng; "
                  "read capture files and print packets as tcpdump does.\n\n"
                  "EXPRESSION is a tcpdump (pcap-filter(7)) filter expression.")
def zcap(
    expression: Annotated[list[str] | None, typer.Argument(
        help="Filter expression (pcap-filter(7)); several words are joined.",
        show_default=False)] = None,
    interface: Annotated[str | None, typer.Option(
        "-i", "--interface", metavar="IFACE",
        help="Capture on IFACE ('any' for every interface, LINUX_SLL2 frames). "
             "Default: the first interface that is up.")] = None,
    write: Annotated[str | None, typer.Option(
        "-w", metavar="FILE", help="Write packets to FILE as pcapng ('-' for standard output).")
    ] = None,
    read_file: Annotated[str | None, typer.Option(
        "-r", metavar="FILE", help="Read packets from a pcap or pcapng FILE ('-' for stdin).")
    ] = None,
    count: Annotated[int | None, typer.Option(
        "-c", metavar="N", help="Stop after exactly N packets.")] = None,
    snaplen: Annotated[int | None, typer.Option(
        "-s", "--snapshot-length", metavar="BYTES",
        help="Keep at most BYTES of each packet (0 or none: 262144).")] = None,
    buffer_kib: Annotated[int | None, typer.Option(
        "-B", "--buffer-size", metavar="KIB",
        help="Capture ring size in KiB (default 32768).")] = None,
    no_promisc: Annotated[bool, typer.Option(
        "-p", "--no-promiscuous-mode", help="Don't put the interface in promiscuous mode.")
    ] = False,
    duration: Annotated[float | None, typer.Option(
        "--duration", metavar="SECONDS", help="Stop after SECONDS.")] = None,
    list_ifaces: Annotated[bool, typer.Option(
        "-D", "--list-interfaces", help="List the interfaces zcap can capture on.")] = False,
    dump: Annotated[int, typer.Option(
        "-d", count=True, help="Print the compiled filter and exit: -d as assembly, "
                               "-dd as C, -ddd as decimal numbers.")] = 0,
    linktype: Annotated[str | None, typer.Option(
        "-y", "--linktype", metavar="TYPE",
        help="Link type to compile the filter for with -d (EN10MB, LINUX_SLL2, RAW...).")
    ] = None,
    filter_file: Annotated[str | None, typer.Option(
        "-F", metavar="FILE", help="Read the filter expression from FILE.")] = None,
    print_: Annotated[bool, typer.Option(
        "--print", help="Print packets also when writing them with -w.")] = False,
    xdp: Annotated[bool, typer.Option(
        "--xdp", help="Capture through AF_XDP, the filter running in an XDP program. Matching "
                      "packets do NOT reach this host's network stack.")] = False,
    xdp_mode: Annotated[str | None, typer.Option(
        "--xdp-mode", metavar="native|skb",
        help="Driver (native) or generic (skb) XDP; default: native where possible.")
    ] = None,
    queue: Annotated[int | None, typer.Option(
        "--queue", metavar="N", help="With --xdp: capture RX queue N only.")] = None,
    all_queues: Annotated[bool, typer.Option(
        "--all-queues", help="With --xdp: capture every RX queue (the default).")] = False,
    tui: Annotated[bool, typer.Option(
        "--tui", help="Live summary screen: rates, drops, protocols, top talkers "
                      "(q quits, p pauses, s sorts, r resets). Without a terminal: "
                      "a status line a second on stderr.")] = False,
    numeric: Annotated[int, typer.Option(
        "-n", count=True, help="Don't convert addresses or ports to names (never done "
                               "anyway; accepted for habit).")] = 0,
    link_header: Annotated[bool, typer.Option(
        "-e", help="Print the link-level header on each line.")] = False,
    hex_: Annotated[int, typer.Option(
        "-x", count=True, help="Print each packet in hex (-xx: with the link header).")] = 0,
    hex_ascii: Annotated[int, typer.Option(
        "-X", count=True, help="Print hex and ASCII (-XX: with the link header).")] = 0,
    verbose: Annotated[int, typer.Option(
        "-v", count=True, help="More detail: TTL, id, length, checksums (-vv, -vvv).")] = 0,
    quiet: Annotated[bool, typer.Option(
        "-q", help="Shorter lines: less protocol detail.")] = False,
    tstamp: Annotated[int, typer.Option(
        "-t", count=True, help="-t no time, -tt epoch seconds, -ttt delta to previous, "
                               "-tttt date and time, -ttttt delta to first.")] = 0,
    number: Annotated[bool, typer.Option(
        "-#", "--number", help="Print a packet number at the start of each line.")] = False,
    line_buffered: Annotated[bool, typer.Option(
        "-l", help="Line-buffer the printed output.")] = False,
    precision: Annotated[str, typer.Option(
        "--time-stamp-precision", metavar="micro|nano",
        help="Printed time stamp precision (files always hold nanoseconds).")] = "micro",
    file_size: Annotated[str | None, typer.Option(
        "-C", metavar="MB", help="New output file once the current one passes MB million "
                                 "bytes (k, m, g suffixes: KiB, MiB, GiB).")] = None,
    rotate_seconds: Annotated[float | None, typer.Option(
        "-G", metavar="SECONDS", help="New output file every SECONDS; -w is then a strftime "
                                      "pattern.")] = None,
    file_count: Annotated[int | None, typer.Option(
        "-W", metavar="N", help="With -C: keep a ring of N files. With -G alone: stop after "
                                "N files.")] = None,
    postrotate: Annotated[str | None, typer.Option(
        "-z", metavar="CMD", help="Run CMD FILE (no shell) after each output file is closed.")
    ] = None,
    fanout: Annotated[int | None, typer.Option(
        "-j", "--fanout", metavar="N",
        help="N capture processes on one interface (PACKET_FANOUT), each with its own ring "
             "and file (out.0.pcapng ...).")] = None,
    fanout_mode: Annotated[str, typer.Option(
        "--fanout-mode", metavar="hash|cpu|lb|qm",
        help="How the kernel spreads packets over the workers (default: hash of the flow).")
    ] = "hash",
    merge: Annotated[bool, typer.Option(
        "--merge", help="With --fanout: one output file ordered by time.")] = False,
    direction: Annotated[str, typer.Option(
        "-Q", "--direction", metavar="in|out|inout",
        help="Capture only packets received (in), sent (out), or both (inout, default).")
    ] = "inout",
    user: Annotated[str | None, typer.Option(
        "-Z", "--relinquish-privileges", metavar="USER",
        help="Become USER once the capture socket and the first file are open.")] = None,
    stats_interval: Annotated[float | None, typer.Option(
        "--stats-interval", metavar="SECONDS",
        help="Print the counters on stderr every SECONDS (SIGUSR1 prints them once).")
    ] = None,
    list_linktypes: Annotated[bool, typer.Option(
        "-L", "--list-data-link-types", help="List the link types of the interface.")
    ] = False,
    unbuffered: Annotated[bool, typer.Option(
        "-U", "--packet-buffered",
        help="Accepted for tcpdump habit: every batch is written when it arrives anyway.")
    ] = False,
    no_direct: Annotated[bool, typer.Option(
        "--no-direct", help="Write -w FILE through the page cache instead of from the ring "
                            "with direct I/O.")] = False,
    disk_buffer_mib: Annotated[int | None, typer.Option(
        "--disk-buffer", metavar="MIB",
        help="Memory (MiB, default 256, 0 for none) that holds ring blocks while the disk "
             "falls behind a direct-I/O capture; taken only when needed.")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    install_extcap: Annotated[bool, typer.Option(
        "--install-extcap", help="Link zcap-extcap into Wireshark's personal extcap folder, "
        "or into the folder given as the argument (zcap --install-extcap [DIR]), and exit.")
    ] = False,
) -> int:
    flags = dict(locals())          # every parameter by name: what Config checks
    from .config import Config

    return run(Config.from_flags(**flags))


def run(config) -> int:
    """Carry out a checked configuration; returns the exit status."""
    if config.install_extcap:
        from .extcap_install import install_command
        return install_command(config.expression)
    if config.list_ifaces:
        return list_interfaces()
    if config.list_linktypes:
        return list_link_types(config.interface)
    for warning in config.warnings:
        err(warning)
    if config.dump:
        return dump_filter(config)
    if config.fanout is not None:
        return fanout(config)
    return capture(config)


def list_interfaces() -> int:
    """-D: one line per interface, tcpdump style, with the link type."""
    from bpf_filters.linktypes import short_name

    from .iface import list_interfaces as interfaces

    n = 0
    for n, itf in enumerate(interfaces(), 1):
        print(f"{n}.{itf.name} [{itf.state}] index {itf.index}, {short_name(itf.linktype)}, "
              f"mtu {itf.mtu}, {itf.operstate.lower()}")
    print(f"{n + 1}.any (Pseudo-device that captures on all interfaces) [Up, Running]")
    return 0


def list_link_types(interface: str | None) -> int:
    """-L: the link types an interface can be captured as (one each, on Linux)."""
    from bpf_filters.linktypes import LINKTYPE_LINUX_SLL2, describe

    if interface in (None, "any"):
        linktype = LINKTYPE_LINUX_SLL2
    else:
        from .iface import lookup
        linktype = lookup(interface).linktype
    print(f"Data link types for {interface or 'any'} (use option -y to set):")
    print(f"  {describe(linktype)}")
    return 0


def dump_filter(config) -> int:
    """-d, -dd, -ddd: the compiled program in tcpdump's three formats."""
    from bpf_filters.linktypes import LINKTYPE_ETHERNET

    from .filtering import compile_checked, linktype_number

    interface = config.interface
    if config.linktype is not None:
        lt: int | str = linktype_number(config.linktype)
    elif interface == "any":
        lt = "LINUX_DGRAM"
    elif interface is not None:
        from .iface import lookup
        lt = lookup(interface).linktype
    else:
        lt = LINKTYPE_ETHERNET
    import bpf_filters

    # like tcpdump -d, show a program longer than the kernel takes
    prog = compile_checked(config.filter_expr or "", linktype=lt,
                           kernel=interface is not None, snaplen=config.snaplen,
                           max_insns=bpf_filters.USER_MAXINSNS)
    text = {1: prog.disasm, 2: prog.as_c_array}.get(config.dump, prog.as_decimal)()
    print(text.rstrip("\n"))
    return 0


def _counters(captured: int, received: int, dropped: int, on_signal: bool) -> None:
    """The counters so far, one line, for --stats-interval; a SIGUSR1 answer says so,
    so that it can be told from the periodic line."""
    err(f"{'SIGUSR1: ' if on_signal else ''}{captured} packets captured, "
        f"{received} received by filter, {dropped} dropped by kernel")


def _summary(captured: int, received: int, dropped: int) -> None:
    sys.stdout.flush()
    print(f"{captured} packets captured", file=sys.stderr)
    print(f"{received} packets received by filter", file=sys.stderr)
    print(f"{dropped} packets dropped by kernel", file=sys.stderr, flush=True)


def _screen(pipeline):
    """The --tui display around the pump, or nothing."""
    import contextlib

    if pipeline.stats is None:
        return contextlib.nullcontext()
    from .tui import CaptureInfo, Dashboard

    c = pipeline.config
    if c.read_file is not None:
        info = CaptureInfo.for_file(c.read_file, filter=c.filter_expr, output=c.write)
    else:
        info = CaptureInfo.for_live(pipeline.source, output=c.write)
    return Dashboard(pipeline.stats, info, stop=pipeline.stop, quiet=c.quiet)


def fanout(config) -> int:
    """-j N: the workers' capture, then a line per worker and the totals."""
    from . import report
    from .fanout import run_fanout

    report.to_stderr()
    gc.enable()                 # held off while loading by zcap.entry
    summary = run_fanout(config, report=_counters)
    sys.stdout.flush()
    for w in summary.workers:
        print(f"worker {w.index}: {w.written} packets captured, {w.received} received by "
              f"filter, {w.dropped} dropped by kernel", file=sys.stderr)
    _summary(summary.written, summary.received, summary.dropped)
    if summary.failure is not None:
        err(summary.failure[0])
        return summary.failure[1]
    return 0


def capture(config) -> int:
    """A live capture or a file read through the pipeline the configuration asks for."""
    from bpf_filters.linktypes import describe as linktype_text

    from . import registry, report
    from .pipeline import pump

    report.to_stderr()
    live = config.read_file is None
    pipeline = registry.build(config)
    gc.enable()                 # held off while loading by zcap.entry: the long part starts
    source, writer = pipeline.source, pipeline.writer
    announced = False

    def announce() -> None:
        """tcpdump's first line, once the first interface is known (a pcapng
        file describes its interfaces as it goes)."""
        nonlocal announced
        if announced or not source.interfaces():
            return
        announced = True
        if live:
            idb = source.interfaces()[0]
            how = idb.description if idb.name != "any" else None
            mode = getattr(writer, "write_mode", "writing pcapng buffered") if writer else None
            err(f"listening on {idb.name}, link-type {linktype_text(source.linktype)}, "
                f"snapshot length {source.snaplen} bytes" + (f", {how}" if how else "")
                + (f", {mode}" if mode else ""))
        else:
            err(f"reading from file {config.read_file}, link-type "
                f"{linktype_text(source.linktype)}, snapshot length {source.snaplen}")

    summary = failed = closing = None
    with pipeline.stop:
        try:
            if config.user is not None:
                from .privs import drop_privileges
                drop_privileges(config.user, [writer.fd] if writer is not None else [])
            announce()
            screen = _screen(pipeline)

            def counters(s, on_signal: bool) -> None:
                _counters(writer.packets if writer is not None else s.captured,
                          s.received, s.dropped, on_signal)

            with screen:
                try:
                    summary = pump(source, pipeline.sinks, count=config.count,
                                   duration=config.duration, stop=pipeline.stop,
                                   report=counters if live else None,
                                   report_every=config.stats_interval, before_first=announce)
                except ZcapError as exc:       # a sink failed (disk full, broken pipe)
                    from .pipeline import Summary
                    quiesce = getattr(source, "quiesce", None)
                    if quiesce is not None:    # so that the counters below are final
                        quiesce()
                    received, dropped = source.stats()
                    failed = Summary(received=received, dropped=dropped, error=exc)
                if summary is not None and not live and pipeline.stats is not None:
                    screen.finished()
                    screen.wait_for_quit()
            error = getattr(screen, "error", None)
            if error is not None:      # the display failed; the capture went on without it
                err(f"warning: the live summary stopped: {error}")
        finally:
            stats = summary.per_interface if live and summary is not None else None
            try:
                for sink in pipeline.sinks:
                    if stats and sink is writer:
                        for s in stats:
                            s.delivered = writer.packets
                    try:
                        sink.close(stats)
                    except ZcapError as exc:   # the writer's last writes failed (disk full)
                        if sink is not writer or not live:
                            raise
                        closing = exc
            finally:
                source.close()
    sys.stdout.flush()
    announce()                  # a file with no packets names its interfaces only at the end
    summary = summary or failed
    if closing is not None:
        if summary is None:
            raise closing
        summary.error = summary.error or closing
    if live:
        if writer is not None:
            summary.captured = writer.packets
        _summary(summary.captured, summary.received, summary.dropped)
        unwritten = summary.received - summary.dropped - summary.captured
        if summary.error is not None and unwritten > 0:
            # nothing lost silently: what the error kept out of the file is counted
            print(f"{unwritten} packets not written after the error", file=sys.stderr,
                  flush=True)
    if summary.error is not None:
        err(str(summary.error))
        return summary.error.exit_code
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors become one line on stderr and an exit code."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_DFL:
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
    except RecursionError:
        err("the command line nests too deeply to handle")
        rc = 2
    except Exception as exc:  # noqa: BLE001 - a bug of ours: still one line, never a traceback
        err(f"internal error: {type(exc).__name__}: {exc}")
        rc = 1
    sys.exit(rc or 0)
